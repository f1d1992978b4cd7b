-- The invoices and the delayed payments' emails.

-- The invoice Stripe made for a paid checkout (invoice_creation), as the payment confirmation found it: the
-- success page links it without asking Stripe on every poll. Payment references: kept through erasure, as the
-- accounts need them.

alter table quiz_sessions
    add column invoice_number text,
    add column invoice_url text,
    add column invoice_pdf_url text;

-- A delayed payment (a bank debit) is news to a buyer who has left Checkout: it is on its way, or it failed.
alter table emails drop constraint emails_kind_check;
alter table emails add constraint emails_kind_check check (kind in (
    'payment_confirmation', 'report_ready', 'report_failed', 'follow_up', 'refund_confirmation',
    'payment_pending', 'payment_failed'
));
