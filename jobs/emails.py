"""The email job: compose one kind of customer email for a session and send it at most once, with retries."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from arq import Retry
from pydantic import ValidationError

from crb import analysis, disputes, emails, links, orders, recovery, sessions
from crb.assessment.assumptions import CALL_MINUTES
from crb.downloads import report_file_name
from crb.errors import UpstreamError
from crb.mail import Attachment, Email, TransientMailError
from crb.payments import Invoice, order_reference
from crb.pricing import VatTreatment, money
from crb.quiz import InvalidAnswers, load_quiz, validate_answers
from crb.report import Teaser
from crb.sessions import QuizSession
from crb.storage import StorageError
from jobs.context import Deps, deps
from jobs.retry import resilient

log = logging.getLogger(__name__)

# Kinds a customer gets only while entitled to the report.
NEEDS_ENTITLEMENT = ("report_ready", "follow_up")


# The refund policy in one line (the site's terms say it in full): on the emails of an order that stands.
REFUND_POLICY = (
    "Refunds: if the report is not useful to you, reply within 14 days of your purchase for a full refund, "
    "no questions asked."
)
NO_REFUND_LINE = ("refund_confirmation", "payment_failed", recovery.KIND)


@resilient("email")
async def send_email(ctx: dict[str, Any], session_id: str, kind: str) -> str:
    """arq job: send `kind` to the session's customer once; transient failures retry with backoff."""
    d = deps(ctx)
    try:
        return await deliver(d, uuid.UUID(session_id), kind)
    except (TransientMailError, StorageError, OSError) as e:  # provider or storage trouble: worth another try
        job_try = int(ctx.get("job_try", 1))
        if d.retries.email.exhausted(job_try):
            log.error("%s email for %s failed for good after %d tries: %r", kind, session_id, job_try, e)
            return "failed"
        log.warning("%s email for %s failed (try %d), retrying: %r", kind, session_id, job_try, e)
        raise Retry(defer=d.retries.email.defer_s(job_try)) from e


async def deliver(d: Deps, sid: uuid.UUID, kind: str) -> str:
    """Compose and send; the outcome is `sent`, `already` (sent or in flight before) or why it was skipped."""
    async with d.pool.acquire() as conn:
        session = await sessions.find(conn, sid)
    if session is None or session.email is None or session.erased:
        return "skipped: no customer email"
    if kind in NEEDS_ENTITLEMENT and session.status != "delivered":
        return f"skipped: session {session.status}"
    if kind == "follow_up" and session.unsubscribed_at is not None:
        return "skipped: unsubscribed"
    if kind == "follow_up" and session.dispute_status in disputes.OPEN:  # it stays due (jobs.followups)
        return "skipped: payment disputed"
    if kind == recovery.KIND and (reason := recovery.why_not(session, d.now())) is not None:
        return f"skipped: {reason}"
    message = await compose(d, session, kind)
    sent = await emails.send_once(d.pool, d.mailer, sid, kind, message)
    return "sent" if sent else "already"


async def compose(d: Deps, session: QuizSession, kind: str) -> Email:
    if session.email is None:
        raise ValueError(f"session {session.id} has no email address to send {kind} to")
    tier = d.settings.tier(session.tier or "")
    vat = VatTreatment.of(d.settings.site)
    context: dict[str, Any] = {
        # One line: it goes into the subject and the attachment's name, where a line break is not allowed.
        "company_name": " ".join((session.company_name or "").split()) or "your company",
        "amount_stated": vat.stated(session.amount_total, session.currency),
        "refund_amount": money(session.refund_amount, session.currency),
        "tier_name": tier.name if tier else "CRB Report",
        "site_url": d.settings.site_url,
        "results_url": f"{d.settings.site_url}/results.html",
        # Every email's footer: the order, the seller, where to ask, and the refund policy where it applies.
        "order_reference": order_reference(session.id),
        "seller": d.settings.seller,
        "refund_policy": None if kind in NO_REFUND_LINE else REFUND_POLICY,
        # The edition's strategy call (None for an edition without one), and where any call is booked.
        "call_minutes": CALL_MINUTES.get(session.tier or ""),
        "booking_url": d.settings.call_booking_url,
    }
    attachments: tuple[Attachment, ...] = ()
    if kind in NEEDS_ENTITLEMENT:
        context |= await _report_context(d, session)
    if kind == "report_ready":
        attachments = await _attachment(d, context)
        context["attached"] = bool(attachments)
    if kind in ("follow_up", recovery.KIND):  # promotional: one click stops them
        context["unsubscribe_url"] = links.unsubscribe_url(d.settings, session.id)
    if kind == recovery.KIND:
        context["recovery_url"] = session.checkout_recovery_url
        context["recovery_until"] = _day(session.checkout_recovery_expires_at)
        context["price_stated"] = f"{money(tier.amount, tier.currency)} {vat.label}" if tier else None
    if kind == "payment_confirmation":
        invoice, context["invoice_missing"] = await _invoice(d, session)
        context["invoice"] = invoice
        if invoice is not None:
            context["amount_stated"] = vat.stated(invoice.total or session.amount_total, session.currency, invoice.tax)
            async with d.pool.acquire() as conn:  # the success page links it too
                await orders.record_invoice(conn, session.id, invoice)
    return emails.compose(kind, session.email, session.id, context, attachments)


def _day(moment: dt.datetime | None) -> str:
    """A date as the emails write it: 2 January 2027."""
    assert moment is not None
    return f"{moment.astimezone(dt.UTC):%-d %B %Y}"


async def _invoice(d: Deps, session: QuizSession) -> tuple[Invoice | None, bool]:
    """The invoice Stripe made for the payment, for its link, and whether one may exist that could not be read:
    the provider away, the email goes without the link and says how to get the invoice."""
    if session.stripe_checkout_session_id is None:
        return None, False
    try:
        return await d.gateway.invoice(session.stripe_checkout_session_id), False
    except UpstreamError as e:
        log.warning("payment confirmation for %s goes without its invoice link: %s", session.id, e)
        return None, True


async def _report_context(d: Deps, session: QuizSession) -> dict[str, Any]:
    """The report's headline figures, from the teaser the customer saw (assessed again only if it is missing)."""
    report = await d.pool.fetchrow(
        "select id, storage_path, size_bytes from reports where session_id = $1 and status = 'ready'"
        " order by version desc limit 1",
        session.id,
    )
    if report is None:
        raise RuntimeError(f"session {session.id} is delivered but has no ready report")
    teaser = _teaser(session)
    top = [f.title for f in teaser.findings if f.recommended] or [f.title for f in teaser.findings]
    return {
        "download_url": links.download_url(d.settings, report["id"]),
        "readiness_score": teaser.readiness_score,
        "band": teaser.band,
        "top_findings": top[:3],
        "top_opportunity": top[0] if top else "",
        "verdict": f"{teaser.verdict.label}. {teaser.verdict.summary}",
        "report_path": report["storage_path"],
        "report_size": report["size_bytes"] or 0,
    }


def _teaser(session: QuizSession) -> Teaser:
    """The teaser stored when the quiz was completed; a session stored without one (or in an older schema) has
    its answers assessed again (the engine is deterministic)."""
    if session.teaser is not None:
        try:
            return Teaser.model_validate(session.teaser)
        except ValidationError:
            log.info("session %s keeps its teaser in an older schema: assessing its answers again", session.id)
    try:
        answers = validate_answers(load_quiz(), session.answers, complete=True)
    except InvalidAnswers:
        answers = session.answers
    return analysis.teaser(answers)


async def _attachment(d: Deps, context: dict[str, Any]) -> tuple[Attachment, ...]:
    """The PDF, named for the company, unless it would push the message over the provider's size limit."""
    if not emails.fits_as_attachment(context["report_size"]):
        return ()
    try:
        pdf = d.recent_pdfs.get(context["report_path"]) or await d.store.download(context["report_path"])
    except StorageError as e:  # the email carries the download link too: better sent without the file than late
        log.warning("sending the report email without its attachment, which could not be read: %s", e)
        return ()
    return (Attachment(report_file_name(context["company_name"]), pdf, "application/pdf"),)
