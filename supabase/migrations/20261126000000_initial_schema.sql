-- CRB Analyser: the whole first schema. Applies to plain Postgres and to Supabase alike.

create table quiz_sessions (
    id                          uuid primary key,
    token_hash                  text not null,
    quiz_version                text not null,
    status                      text not null default 'in_progress',
    answers                     jsonb not null default '{}'::jsonb,
    teaser                      jsonb,
    email                       text,
    company_name                text,
    tier                        text,
    stripe_checkout_session_id  text unique,
    stripe_payment_intent_id    text,
    amount_total                integer check (amount_total >= 0),
    currency                    text,
    refund_amount               integer not null default 0 check (refund_amount >= 0),
    unsubscribed_at             timestamptz,
    erased_at                   timestamptz,
    created_at                  timestamptz not null default now(),
    updated_at                  timestamptz not null default now(),
    completed_at                timestamptz,
    checkout_started_at         timestamptz,
    paid_at                     timestamptz,
    constraint quiz_sessions_status_check check (status in (
        'in_progress', 'completed', 'checkout', 'paid', 'generating', 'delivered',
        'expired', 'failed', 'refunded'
    )),
    constraint quiz_sessions_paid_has_amount check (
        status not in ('paid', 'generating', 'delivered', 'failed', 'refunded') or paid_at is not null
    )
);

create index quiz_sessions_status_idx on quiz_sessions (status, updated_at);
create index quiz_sessions_payment_intent_idx on quiz_sessions (stripe_payment_intent_id)
    where stripe_payment_intent_id is not null;

create table reports (
    id                 uuid primary key,
    session_id         uuid not null references quiz_sessions (id) on delete cascade,
    version            integer not null check (version >= 1),
    status             text not null default 'pending',
    storage_path       text,
    size_bytes         integer check (size_bytes >= 0),
    page_count         integer check (page_count >= 0),
    sha256             text,
    attempts           integer not null default 0,
    error              text,
    follow_up_sent_at  timestamptz,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    started_at         timestamptz,
    ready_at           timestamptz,
    purged_at          timestamptz,
    constraint reports_status_check check (status in (
        'pending', 'generating', 'ready', 'failed', 'superseded'
    )),
    constraint reports_ready_has_file check (status <> 'ready' or (storage_path is not null and sha256 is not null)),
    unique (session_id, version)
);

-- At most one live (not superseded) report per session.
create unique index reports_one_live_per_session on reports (session_id) where status <> 'superseded';
create index reports_follow_up_idx on reports (ready_at) where status = 'ready' and follow_up_sent_at is null;

create table stripe_events (
    id            text primary key,
    type          text not null,
    livemode      boolean not null,
    session_id    uuid references quiz_sessions (id) on delete set null,
    outcome       text not null,
    payload       jsonb not null,
    created_at    timestamptz,
    received_at   timestamptz not null default now()
);

create index stripe_events_session_idx on stripe_events (session_id);

create table emails (
    id                   bigint generated always as identity primary key,
    session_id           uuid not null references quiz_sessions (id) on delete cascade,
    kind                 text not null,
    recipient            text not null,
    status               text not null default 'sending',
    attempts             integer not null default 0,
    provider_message_id  text,
    last_error           text,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    sent_at              timestamptz,
    constraint emails_kind_check check (kind in (
        'payment_confirmation', 'report_ready', 'report_failed', 'follow_up', 'refund_confirmation'
    )),
    constraint emails_status_check check (status in ('sending', 'sent', 'failed', 'rejected')),
    unique (session_id, kind)
);

-- Jobs decided inside a transaction: written here in the same transaction, then relayed to Redis.
create table job_outbox (
    id            bigint generated always as identity primary key,
    job_id        text not null unique,
    function      text not null,
    args          jsonb not null default '[]'::jsonb,
    created_at    timestamptz not null default now(),
    enqueued_at   timestamptz
);

create index job_outbox_pending_idx on job_outbox (id) where enqueued_at is null;

-- The private report bucket, only where Supabase's storage schema exists (not on plain Postgres).
do $$
begin
    if exists (select 1 from information_schema.tables
               where table_schema = 'storage' and table_name = 'buckets') then
        insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
        values ('reports', 'reports', false, 20971520, array['application/pdf'])
        on conflict (id) do update
            set public = false, file_size_limit = excluded.file_size_limit,
                allowed_mime_types = excluded.allowed_mime_types;

        drop policy if exists "reports: service role only" on storage.objects;
        create policy "reports: service role only" on storage.objects
            for all to service_role
            using (bucket_id = 'reports')
            with check (bucket_id = 'reports');
    end if;
end
$$;
