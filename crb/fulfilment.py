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


def email_job(session_id: uuid.UUID, kind: str) -> outbox.Job:
    """The job that sends one kind of email for a session; its id makes it one job however often queued."""
    return outbox.Job("send_email", email_job_id(session_id, kind), (str(session_id), kind))


def report_job(report_id: uuid.UUID) -> outbox.Job:
    return outbox.Job("generate_report", report_job_id(report_id), (str(report_id),))


_FULFIL = """
with paid as (
    update quiz_sessions set status = 'paid', paid_at = now(), updated_at = now(),
        stripe_checkout_session_id = $2, stripe_payment_intent_id = $3, amount_total = $4, currency = $5,
        last_checkout_event = null, last_checkout_event_at = null
    where id = $1 and status = any($6::text[]) returning id
), early_refund as (
    select max((payload -> 'data' -> 'object' ->> 'amount_refunded')::int) as refunded,
           max((payload -> 'data' -> 'object' ->> 'amount')::int) as amount
    from stripe_events
    where type = 'charge.refunded' and payload -> 'data' -> 'object' ->> 'payment_intent' = $3
), report as (
    insert into reports (id, session_id, version, status)
    select $7, id, 1, 'pending' from paid where coalesce((select refunded from early_refund), 0) < $4
    returning id
), jobs as (
    insert into job_outbox (job_id, function, args)
    select j.job_id, j.function, j.args::jsonb
    from unnest($8::text[], $9::text[], $10::text[]) as j(job_id, function, args)
    where exists (select 1 from report)
    on conflict (job_id) do nothing
)
select (select id from paid) as paid, refunded, amount from early_refund
"""


async def fulfil(conn: Connection, paid: PaidCheckout) -> bool:
    """Mark the session paid and queue the confirmation email and the report, in the caller's transaction.

    One statement (a round trip counts: webhooks arrive in bursts): the conditional update takes the row
    lock, so of any number of concurrent calls exactly one finds the session still open for checkout; the
    others change nothing and return False. A full refund that arrived before this payment was seen means
    no report and no confirmation; any refund seen early is applied at once.
    """
    assert conn.is_in_transaction(), "fulfil() must run inside the caller's transaction"
    report_id = uuid.uuid4()
    jobs = (email_job(paid.session_id, "payment_confirmation"), report_job(report_id))
    row = await conn.fetchrow(
        _FULFIL,
        paid.session_id,
        paid.checkout_id,
        paid.payment_intent_id,
        paid.amount_total,
        paid.currency,
        list(OPEN_FOR_CHECKOUT),
        report_id,
        *outbox.columns(jobs),
    )
    if row["paid"] is None:
        return False
    if row["refunded"] is not None:
        await _apply_refund(conn, paid.session_id, Refund(paid.payment_intent_id, None, row["amount"], row["refunded"]))
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
    await outbox.add(conn, report_job(report_id))
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
        await outbox.add(conn, email_job(session_id, "refund_confirmation"))
        return "refunded"
    await conn.execute(
        "update quiz_sessions set refund_amount = $2, updated_at = now() where id = $1", session_id, amount
    )
    return "partially_refunded" if not full else "already_refunded"
