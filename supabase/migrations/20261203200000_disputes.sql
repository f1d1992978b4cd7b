-- Payment disputes (Stripe's `charge.dispute.*` events, https://docs.stripe.com/api/disputes/object): a session's
-- payment is one successful charge, under at most one open dispute at a time, so the dispute the session's payment
-- is under lives on the session, as Stripe last told it (crb/disputes.py). An inquiry that closed and a chargeback
-- after it replace each other here; every event stays in stripe_events. No personal data: kept through erasure.

alter table quiz_sessions
    add column dispute_id text,
    add column dispute_status text,
    add column dispute_reason text,
    add column dispute_amount integer check (dispute_amount >= 0),
    add column dispute_currency text,
    add column dispute_evidence_due_by timestamptz,
    add column disputed_at timestamptz,  -- when the customer's bank opened it (the dispute's `created`)
    add column dispute_event_at timestamptz,  -- the `created` of the event the columns come from: its order
    add column dispute_closed_at timestamptz;

alter table quiz_sessions add constraint quiz_sessions_dispute_status_check check (
    dispute_status is null or dispute_status in (
        'warning_needs_response', 'warning_under_review', 'warning_closed',
        'needs_response', 'under_review', 'won', 'lost', 'prevented'
    )
);
alter table quiz_sessions add constraint quiz_sessions_dispute_has_status check (
    (dispute_id is null) = (dispute_status is null)
);

create index quiz_sessions_open_dispute_idx on quiz_sessions (dispute_status)
    where dispute_status in ('warning_needs_response', 'warning_under_review', 'needs_response', 'under_review');

-- A dispute that names no payment intent is found through the charge it disputes, as stored refunds name it.
create index stripe_events_charge_idx on stripe_events ((payload -> 'data' -> 'object' ->> 'id'))
    where type = 'charge.refunded';

-- The operator's alerts, one of each per session (crb.emails.send_once): an inquiry's opening and close, and a
-- chargeback's. And `withheld`: an email that must not go, recorded so that neither a job nor reconcile sends
-- it (a lost dispute's refund confirmation: the bank took the money back, we refunded nothing). The kinds are
-- every kind so far (20261203180000_invoices added the delayed payments'): a later migration lists them all too.
alter table emails drop constraint emails_kind_check;
alter table emails add constraint emails_kind_check check (kind in (
    'payment_confirmation', 'report_ready', 'report_failed', 'follow_up', 'refund_confirmation',
    'payment_pending', 'payment_failed',
    'inquiry_opened', 'inquiry_closed', 'dispute_opened', 'dispute_closed'
));
alter table emails drop constraint emails_status_check;
alter table emails add constraint emails_status_check check (
    status in ('sending', 'sent', 'failed', 'rejected', 'withheld')
);
