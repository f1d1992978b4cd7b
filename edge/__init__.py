"""The edge: quiz sessions, teaser, checkout, Stripe webhooks, report downloads."""
