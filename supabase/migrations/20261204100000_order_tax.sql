-- The VAT within a paid session's amount, as Stripe's invoice states it (Stripe Tax, STRIPE_AUTOMATIC_TAX): the
-- success page states the amount with it, as the payment confirmation does. Recorded with the invoice's links
-- (crb/orders.py); a payment reference, kept through erasure.

alter table quiz_sessions add column amount_tax integer check (amount_tax >= 0);
