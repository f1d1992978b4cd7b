-- A report's PDF purged by retention is rendered again by a job (jobs/reports.py `render_again`) when its
-- download is asked for. When the edge queued that job: one runs at a time, and a visit after one that was
-- lost (or gave up, which clears it) queues another.

alter table reports
    add column render_requested_at timestamptz;
