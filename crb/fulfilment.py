"""What a payment does to a quiz session: fulfil once, record failed attempts, apply refunds. Forward only."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from crb import outbox
from crb.db import Connection
from crb.sessions import OPEN_FOR_CHECKOUT

log = logging.getLogger(__name__)

REFUNDABLE = ("paid", "generating", "delivered", "failed")
CHECKOUT_PROBLEMS = ("awaiting_payment", "expired", "async_payment_failed", "payment_failed")


@dataclass(frozen=True)
class PaidCheckout:
    session_id: uuid.UUID
    checkout_id: str
    payment_intent_id: str | None
    amount_total: int
    currency: str


@dataclass(frozen=True)
class Refund:
    payment_intent_id: str | None
    session_id: uuid.UUID | None  # from metadata, when the charge carries it
    amount: int  # the charge's amount
    amount_refunded: int  # cumulative, as Stripe reports it on the charge


def report_job_id(report_id: uuid.UUID) -> str:
    return f"report:{report_id}"


def email_job_id(session_id: uuid.UUID, kind: str) -> str:
    return f"email:{session_id}:{kind}"


async def fulfil(conn: Connection, paid: PaidCheckout) -> bool:
    """Mark the session paid and queue the confirmation email and the report.

    The conditional update takes the row lock, so of any number of concurrent calls exactly one
    finds the session still open for checkout; the others change nothing and return False.
    A refund that arrived before this payment was seen is applied at once.
    """
    async with conn.transaction():
        updated = await conn.fetchval(
            "update quiz_sessions set status = 'paid', paid_at = now(), updated_at = now(),"
            " stripe_checkout_session_id = $2, stripe_payment_intent_id = $3, amount_total = $4, currency = $5,"
            " last_checkout_event = null, last_checkout_event_at = null"
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
        early = await _refund_seen_before(conn, paid.payment_intent_id)
        if early is not None and early.amount_refunded >= paid.amount_total:
            await _apply_refund(conn, paid.session_id, early)
            return True
        await outbox.add(
            conn,
            "send_email",
            email_job_id(paid.session_id, "payment_confirmation"),
            str(paid.session_id),
            "payment_confirmation",
        )
        await queue_report(conn, paid.session_id)
        if early is not None:
            await _apply_refund(conn, paid.session_id, early)
    return True


async def queue_report(conn: Connection, session_id: uuid.UUID) -> uuid.UUID:
    """A new live report for the session (the next version), and its generation job."""
    report_id = uuid.uuid4()
    version = await conn.fetchval("select coalesce(max(version), 0) + 1 from reports where session_id = $1", session_id)
    await conn.execute(
        "insert into reports (id, session_id, version, status) values ($1, $2, $3, 'pending')",
        report_id,
        session_id,
        version,
    )
    await outbox.add(conn, "generate_report", report_job_id(report_id), str(report_id))
    return report_id


async def record_checkout_problem(conn: Connection, session_id: uuid.UUID, problem: str) -> bool:
    """Note why a checkout did not pay (the customer may try again); a paid session is never touched."""
    assert problem in CHECKOUT_PROBLEMS
    result = await conn.execute(
        "update quiz_sessions set last_checkout_event = $2, last_checkout_event_at = now(), updated_at = now()"
        " where id = $1 and status = any($3::text[])",
        session_id,
        problem,
        list(OPEN_FOR_CHECKOUT),
    )
    return bool(result == "UPDATE 1")


async def record_refund(conn: Connection, refund: Refund) -> str:
    """Apply a refund to the session it belongs to; the outcome says what happened."""
    session_id = await conn.fetchval(
        "select id from quiz_sessions where stripe_payment_intent_id = $1", refund.payment_intent_id
    )
    if session_id is None and refund.session_id is not None:
        row = await conn.fetchrow("select id, status from quiz_sessions where id = $1", refund.session_id)
        if row is not None and row["status"] not in OPEN_FOR_CHECKOUT:
            session_id = row["id"]
        elif row is not None:
            return "refund_before_payment"  # kept in stripe_events; fulfil() applies it when the payment lands
    if session_id is None:
        return "refund_before_payment" if refund.payment_intent_id else "unknown_session"
    return await _apply_refund(conn, session_id, refund)


async def _apply_refund(conn: Connection, session_id: uuid.UUID, refund: Refund) -> str:
    row = await conn.fetchrow(
        "select status, refund_amount, amount_total from quiz_sessions where id = $1 for update", session_id
    )
    # Stripe's amount_refunded is cumulative: take the largest seen, so late or repeated events never undo.
    amount = max(row["refund_amount"], refund.amount_refunded)
    full = amount >= (row["amount_total"] or refund.amount)
    if full and row["status"] in REFUNDABLE:
        await conn.execute(
            "update quiz_sessions set status = 'refunded', refund_amount = $2, updated_at = now() where id = $1",
            session_id,
            amount,
        )
        await outbox.add(
            conn,
            "send_email",
            email_job_id(session_id, "refund_confirmation"),
            str(session_id),
            "refund_confirmation",
        )
        return "refunded"
    await conn.execute(
        "update quiz_sessions set refund_amount = $2, updated_at = now() where id = $1", session_id, amount
    )
    return "partially_refunded" if not full else "already_refunded"


async def _refund_seen_before(conn: Connection, payment_intent_id: str | None) -> Refund | None:
    if payment_intent_id is None:
        return None
    row = await conn.fetchrow(
        "select max((payload -> 'data' -> 'object' ->> 'amount_refunded')::int) as refunded,"
        " max((payload -> 'data' -> 'object' ->> 'amount')::int) as amount from stripe_events"
        " where type = 'charge.refunded' and payload -> 'data' -> 'object' ->> 'payment_intent' = $1",
        payment_intent_id,
    )
    if row is None or row["refunded"] is None:
        return None
    return Refund(payment_intent_id, None, row["amount"], row["refunded"])
