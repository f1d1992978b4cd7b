-- Abandoned checkouts (CHECKOUT_RECOVERY, https://docs.stripe.com/payments/checkout/abandoned-carts): when a
-- checkout whose buyer agreed to promotional email expires, Stripe attaches a recovery link to it (a new checkout,
-- a copy of the expired one) and we email it once. The link and when Stripe lets it lapse live on the session: the
-- email is composed from them, and the session (its answers) is kept while the link can still be paid, which the
-- payment needs. Erasure clears the link.

alter table quiz_sessions
    add column checkout_recovery_url text,
    add column checkout_recovery_expires_at timestamptz;

alter table quiz_sessions add constraint quiz_sessions_checkout_recovery_check check (
    (checkout_recovery_url is null) or (checkout_recovery_url ~ '^https://')
);

-- The kinds are every kind so far (20261203200000_disputes listed the others): a later migration lists them all too.
alter table emails drop constraint emails_kind_check;
alter table emails add constraint emails_kind_check check (kind in (
    'payment_confirmation', 'report_ready', 'report_failed', 'follow_up', 'refund_confirmation',
    'payment_pending', 'payment_failed',
    'inquiry_opened', 'inquiry_closed', 'dispute_opened', 'dispute_closed',
    'checkout_recovery'
));
