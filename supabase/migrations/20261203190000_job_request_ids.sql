-- The request that decided each job (the edge's X-Request-Id, or the id it made), so that the worker's log
-- lines and its renderer calls carry the same id as the edge's: one id follows a payment through all three.
-- Scheduled jobs, and jobs queued by hand, have none.

alter table job_outbox
    add column request_id text;
