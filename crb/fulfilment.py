"""Marks a quiz session paid and queues what follows: one idempotent, concurrency-safe step."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crb import outbox
from crb.db import Connection
from crb.sessions import OPEN_FOR_CHECKOUT


@dataclass(frozen=True)
class PaidCheckout:
    session_id: uuid.UUID
    checkout_id: str
    payment_intent_id: str | None
    amount_total: int
    currency: str


def report_job_id(report_id: uuid.UUID) -> str:
    return f"report:{report_id}"


def email_job_id(session_id: uuid.UUID, kind: str) -> str:
    return f"email:{session_id}:{kind}"


async def fulfil(conn: Connection, paid: PaidCheckout) -> bool:
    """Mark the session paid and queue the confirmation email and the report.

    The conditional update takes the row lock, so of any number of concurrent calls exactly one
    finds the session still open for checkout; the others change nothing and return False.
    """
    async with conn.transaction():
        updated = await conn.fetchval(
            "update quiz_sessions set status = 'paid', paid_at = now(), updated_at = now(),"
            " stripe_checkout_session_id = $2, stripe_payment_intent_id = $3, amount_total = $4, currency = $5"
            " where id = $1 and status = any($6::text[]) returning id",
            paid.session_id,
            paid.checkout_id,
            paid.payment_intent_id,
            paid.amount_total,
            paid.currency,
            list(OPEN_FOR_CHECKOUT),
        )
        if updated is None:
            return False
        report_id = uuid.uuid4()
        await conn.execute(
            "insert into reports (id, session_id, version, status) values ($1, $2, 1, 'pending')",
            report_id,
            paid.session_id,
        )
        await outbox.add(
            conn,
            "send_email",
            email_job_id(paid.session_id, "payment_confirmation"),
            str(paid.session_id),
            "payment_confirmation",
        )
        await outbox.add(conn, "generate_report", report_job_id(report_id), str(report_id))
    return True
