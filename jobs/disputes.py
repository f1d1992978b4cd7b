"""The operator's dispute alert: one email per inquiry or chargeback opened and closed, with what Stripe asks for
as evidence (the order, the customer, what was delivered when), sent once to OPERATOR_EMAIL."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Final

from arq import Retry

from crb import disputes, emails
from crb.disputes import Evidence
from crb.mail import TransientMailError
from crb.payments import order_reference
from crb.pricing import money
from jobs.context import Deps, deps
from jobs.emails import REFUND_POLICY
from jobs.retry import resilient

log = logging.getLogger(__name__)

HEADLINES: Final = {
    "inquiry_opened": "A payment inquiry was opened",
    "inquiry_closed": "A payment inquiry closed",
    "dispute_opened": "A chargeback was opened",
    "dispute_closed": "A chargeback closed",
}
# What each status means here, for whoever reads the alert.
STATUS_TEXT: Final = {
    "warning_needs_response": "an inquiry that needs your response; no money has moved yet",
    "warning_under_review": "an inquiry under review by the bank",
    "warning_closed": "the inquiry closed without a chargeback",
    "needs_response": "a chargeback that needs your response: the amount and a fee were withdrawn",
    "under_review": "a chargeback under review by the bank, with your evidence",
    "won": "won: the bank decided for you and the funds are reinstated",
    "lost": "lost: the bank gave the money back to the customer",
    "prevented": "prevented before it became a chargeback",
}


@resilient("email")
async def send_dispute_alert(ctx: dict[str, Any], session_id: str, kind: str) -> str:
    """arq job, queued by `crb.disputes.record`: the alert of `kind` for the session's dispute, once."""
    d = deps(ctx)
    try:
        return await alert(d, uuid.UUID(session_id), kind)
    except (TransientMailError, OSError) as e:  # the mail provider away: worth another try
        job_try = int(ctx.get("job_try", 1))
        if d.retries.email.exhausted(job_try):
            log.error("%s alert for %s failed for good after %d tries: %r", kind, session_id, job_try, e)
            return "failed"
        raise Retry(defer=d.retries.email.defer_s(job_try)) from e


async def alert(d: Deps, session_id: uuid.UUID, kind: str) -> str:
    """Compose and send; the outcome is `sent`, `already` (sent or in flight before) or why it was not sent."""
    async with d.pool.acquire() as conn:
        found = await disputes.evidence(conn, session_id)
    if found is None:
        return "skipped: no dispute"
    to = d.settings.operator_email
    if to is None:
        log.error(
            "dispute %s on session %s (%s): no OPERATOR_EMAIL or SUPPORT_EMAIL is set, so nobody was alerted;"
            " answer it in Stripe's Dashboard: %s",
            found.dispute.id,
            session_id,
            found.dispute.status,
            found.dashboard_url,
        )
        return "skipped: no OPERATOR_EMAIL"
    message = emails.compose("dispute_alert", to, session_id, context(d, found, kind))
    sent = await emails.send_once(d.pool, d.mailer, session_id, kind, message)
    return "sent" if sent else "already"


def context(d: Deps, found: Evidence, kind: str) -> dict[str, Any]:
    """What the alert's templates show: the dispute, what it does here, the order and its delivery."""
    s, dispute = found.session, found.dispute
    tier = d.settings.tier(s.tier or "")
    return {
        "headline": HEADLINES[kind],
        "dispute": dispute,
        "status_text": STATUS_TEXT.get(dispute.status, dispute.status),
        "effect": _effect(dispute.status),
        "dispute_amount": money(dispute.amount, dispute.currency),
        "opened_at": _when(dispute.opened_at),
        "closed_at": _when(s.dispute_closed_at),
        "evidence_due_by": _when(dispute.evidence_due_by) or "not given",
        "dashboard_url": found.dashboard_url,
        "session_id": str(s.id),
        "order_reference": order_reference(s.id),
        "session_status": s.status,
        "ordered_at": _when(s.paid_at),
        "amount": money(s.amount_total, s.currency),
        "refund_amount": money(s.refund_amount, s.currency) if s.refund_amount else None,
        "tier_name": tier.name if tier else (s.tier or "unknown"),
        "customer_email": s.email or "(erased at the customer's request)",
        "company_name": s.company_name or ("(erased)" if s.erased else "(not given)"),
        "erased_at": _when(s.erased_at),
        "invoice_number": s.invoice_number,
        "completed_at": _when(s.completed_at),
        "reports": [
            {"version": r.version, "status": r.status, "ready_at": _when(r.ready_at), "purged_at": _when(r.purged_at)}
            for r in found.reports
        ],
        "emails": [
            {"kind": e.kind, "status": e.status, "attempts": e.attempts, "sent_at": _when(e.sent_at)}
            for e in found.emails
        ],
        "refund_policy": REFUND_POLICY,
    }


def _effect(status: str) -> str:
    if status in disputes.OPEN:
        return "Downloads of the customer's report are paused until the dispute closes."
    if status in disputes.LOST:
        return (
            "The order is treated as refunded in full: the download link no longer works and the stored PDFs"
            " are deleted. The customer gets no refund confirmation (their bank returned the money)."
        )
    return "Downloads of the customer's report work again."


def _when(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
