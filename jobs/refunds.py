"""The refund job: a payment we took but cannot deliver for goes back to the customer, in full, once."""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry

from crb.errors import UpstreamError
from jobs.context import deps
from jobs.retry import resilient

log = logging.getLogger(__name__)


@resilient("refund")
async def refund_payment(ctx: dict[str, Any], payment_intent_id: str, reason: str, event_id: str) -> str:
    """arq job, queued with the event that brought the payment (`duplicate_payment`, `paid_after_expiry`)."""
    d = deps(ctx)
    try:
        # One key per payment: however often this runs, Stripe makes one refund.
        refund = await d.gateway.refund(payment_intent_id, reason, idempotency_key=f"refund-{payment_intent_id}")
    except UpstreamError as e:
        job_try = int(ctx.get("job_try", 1))
        if d.retries.refund.exhausted(job_try):
            log.error(
                "refund of %s (%s, event %s) failed for good: refund it by hand", payment_intent_id, reason, event_id
            )
            return "failed"
        raise Retry(defer=d.retries.refund.defer_s(job_try)) from e
    if not refund.on_its_way:  # Stripe made the refund but cannot pay it out: someone has to
        log.error(
            "refund %s of %s (%s, event %s) is %s at Stripe: the money is not on its way back; see the Dashboard",
            refund.id,
            payment_intent_id,
            reason,
            event_id,
            refund.status,
        )
        return f"refund {refund.status} ({refund.id})"
    if refund.status == "pending":  # a bank debit's refund takes days; `charge.refunded` comes when it is made
        log.warning(
            "refund %s of %s (%s, event %s) is pending at Stripe", refund.id, payment_intent_id, reason, event_id
        )
        return f"refund pending ({refund.id})"
    log.warning("refunded %s in full (%s, event %s): refund %s", payment_intent_id, reason, event_id, refund.id)
    return f"refunded ({refund.id})"
