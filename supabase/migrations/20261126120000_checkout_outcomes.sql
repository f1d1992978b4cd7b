-- What the latest checkout attempt came to, so the success page can say "payment failed, try again",
-- and its address and expiry, so a second click reuses an open checkout instead of starting another.

alter table quiz_sessions
    add column last_checkout_event text,
    add column last_checkout_event_at timestamptz,
    add column stripe_checkout_url text,
    add column checkout_expires_at timestamptz;

alter table quiz_sessions add constraint quiz_sessions_last_checkout_event_check check (
    last_checkout_event is null or last_checkout_event in (
        'awaiting_payment', 'expired', 'async_payment_failed', 'payment_failed'
    )
);

-- Refunds may arrive before the payment they refund: find them by payment intent.
create index stripe_events_payment_intent_idx on stripe_events ((payload -> 'data' -> 'object' ->> 'payment_intent'))
    where type = 'charge.refunded';
