-- Every run of a scheduled job (by cron or by an operator), for the admin API and for alerting.

create table job_runs (
    id           bigint generated always as identity primary key,
    name         text not null,
    trigger      text not null check (trigger in ('schedule', 'admin')),
    started_at   timestamptz not null,
    finished_at  timestamptz,
    outcome      text check (outcome in ('ok', 'error')),
    result       jsonb,
    error        text
);

create index job_runs_name_started_idx on job_runs (name, started_at desc);
