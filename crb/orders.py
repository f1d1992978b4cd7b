"""An order as its buyer sees it: the reference, the amount with its VAT, the invoice, and the call to book."""

from __future__ import annotations

import uuid
from typing import Any

from crb.assessment.assumptions import CALL_MINUTES
from crb.db import Connection
from crb.payments import Invoice, order_reference
from crb.pricing import VatTreatment
from crb.sessions import QuizSession
from crb.settings import Settings


async def record_invoice(conn: Connection, session_id: uuid.UUID, invoice: Invoice) -> None:
    """Keep the invoice's links and its VAT once known (the payment confirmation's job finds them at the
    provider)."""
    await conn.execute(
        "update quiz_sessions set invoice_number = $2, invoice_url = $3, invoice_pdf_url = $4, amount_tax = $5,"
        " updated_at = now() where id = $1",
        session_id,
        invoice.number,
        invoice.hosted_url,
        invoice.pdf_url,
        invoice.tax,
    )


def order_view(settings: Settings, session: QuizSession) -> dict[str, Any] | None:
    """What the success page shows of the order: None before a checkout was started."""
    if session.tier is None:
        return None
    call_minutes = CALL_MINUTES.get(session.tier)
    return {
        "reference": order_reference(session.id),
        "amount": VatTreatment.of(settings.site).stated(session.amount_total, session.currency, session.amount_tax),
        "invoice": None
        if session.invoice_url is None
        else {"number": session.invoice_number, "url": session.invoice_url},
        "call": None if call_minutes is None else {"minutes": call_minutes, "booking_url": settings.call_booking_url},
        "support_email": settings.seller.support_email,
    }
