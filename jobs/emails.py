"""The email job: compose one kind of customer email for a session and send it at most once."""

from __future__ import annotations

import uuid
from typing import Any

from crb import emails
from crb.mail import Attachment
from jobs.context import Deps, deps


def _money(amount: int | None, currency: str | None) -> str:
    if amount is None:
        return ""
    symbol = {"eur": "€", "usd": "$", "gbp": "£"}.get((currency or "").lower(), (currency or "").upper() + " ")
    return f"{symbol}{amount / 100:,.2f}"


async def send_email(ctx: dict[str, Any], session_id: str, kind: str) -> bool:
    """arq job: send `kind` for the session (payment confirmation, report failed)."""
    d = deps(ctx)
    sid = uuid.UUID(session_id)
    row = await d.pool.fetchrow("select * from quiz_sessions where id = $1", sid)
    if row is None or row["email"] is None:
        return False
    tier = d.settings.tier(row["tier"] or "")
    context = {
        "company_name": row["company_name"] or "your company",
        "amount": _money(row["amount_total"], row["currency"]),
        "refund_amount": _money(row["refund_amount"], row["currency"]),
        "tier_name": tier.name if tier else "CRB Report",
    }
    message = emails.compose(kind, row["email"], sid, context)
    return await emails.send_once(d.pool, d.mailer, sid, kind, message)


async def send_report_ready(
    d: Deps, session: Any, report: dict[str, Any], pdf: bytes | None, download_url: str
) -> bool:
    """The report-ready email, with the PDF attached when it fits under the provider's size limit."""
    attach = pdf is not None and emails.fits_as_attachment(len(pdf))
    name = f"CRB report - {report['company_name']}.pdf".replace("/", "-")
    attachments = (Attachment(name, pdf, "application/pdf"),) if attach and pdf is not None else ()
    context = {**report, "download_url": download_url, "attached": bool(attachments)}
    message = emails.compose("report_ready", session["email"], session["id"], context, attachments)
    return await emails.send_once(d.pool, d.mailer, session["id"], "report_ready", message)
