"""What a payment does to a quiz session: fulfil once, record failed attempts, apply refunds. Forward only."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from crb import lifecycle, logs, outbox, sessions
from crb.db import Connection, Pool
from crb.errors import Conflict
from crb.payments import PaymentGateway

log = logging.getLogger(__name__)

# Outcomes of a payment we took but cannot deliver for: it is refunded in full (`lifecycle.PAY_BATCH` queues the job).
UNDELIVERABLE = ("duplicate_payment", "paid_after_expiry")
CHECKOUT_PROBLEMS = ("awaiting_payment", "expired", "async_payment_failed", "payment_failed")
# A delayed payment (a bank debit) is news to the buyer, who has left Checkout: it is on its way, or it failed.
# (A card declined on the Checkout page is not: the buyer sees it there and tries again.)
TELLS_THE_BUYER = {"awaiting_payment": "payment_pending", "async_payment_failed": "payment_failed"}


@dataclass(frozen=True)
class PaidCheckout:
    session_id: uuid.UUID
    checkout_id: str
    payment_intent_id: str | None
    amount_total: int
    currency: str
    # The request that brought the payment: its jobs carry it, though they are queued in a batch of others'.
    request_id: str | None = field(default_factory=logs.REQUEST_ID.get, compare=False)


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


def revoke_job(session_id: uuid.UUID) -> outbox.Job:
    """Deletes the session's stored PDFs now that it may no longer have them: no earlier link then works."""
    return outbox.Job("revoke_report_files", f"revoke:{session_id}", (str(session_id),))


@dataclass(frozen=True)
class StoredEvent:
    """A verified Stripe event as `stripe_events` keeps it."""

    id: str
    type: str
    livemode: bool
    created: int
    payload: str


Payment = tuple[PaidCheckout, StoredEvent | None]  # a payment, and the event that brought it (if any)


def _fulfil_args(batch: Sequence[Payment]) -> tuple[list[list[object]], list[list[object]]]:
    columns: list[list[object]] = [[] for _ in range(11)]
    job_rows: list[tuple[uuid.UUID, str, outbox.Job]] = []
    for paid, event in batch:
        report_id = uuid.uuid4()
        row: tuple[object, ...] = (
            paid.session_id,
            paid.checkout_id,
            paid.payment_intent_id,
            paid.amount_total,
            paid.currency,
            report_id,
        ) + ((event.id, event.type, event.livemode, event.payload, event.created) if event else (None,) * 5)
        for column, value in zip(columns, row, strict=True):
            column.append(value)
        job_rows += [  # queued if the session ends in this status
            (paid.session_id, status, dataclasses.replace(job, request_id=paid.request_id))
            for status, job in (
                ("paid", email_job(paid.session_id, "payment_confirmation")),
                ("paid", report_job(report_id)),
                ("refunded", email_job(paid.session_id, "refund_confirmation")),
            )
        ]
    job_ids, functions, args, request_ids = outbox.columns(tuple(job for _, _, job in job_rows))
    jobs: list[list[object]] = [
        [session_id for session_id, _, _ in job_rows],
        [status for _, status, _ in job_rows],
        list(job_ids),
        list(functions),
        list(args),
        list(request_ids),
    ]
    return columns, jobs


def _rounds(payments: Sequence[Payment]) -> list[list[int]]:
    """Positions split so that no round names a session twice (the k-th payment of each session in round k)."""
    rounds: list[list[int]] = []
    seen: dict[uuid.UUID, int] = {}
    for i, (paid, _) in enumerate(payments):
        k = seen[paid.session_id] = seen.get(paid.session_id, -1) + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(i)
    return rounds


async def fulfil_many(conn: Connection, payments: Sequence[Payment]) -> list[str | asyncpg.PostgresError]:
    """Fulfil each payment once and store the event that brought it; the outcome of each, in order.

    'fulfilled' for the call that marked the session paid and queued its confirmation email and report,
    'already_fulfilled' when that payment was applied before, 'unknown_session', 'duplicate' for an event
    stored before, or one of UNDELIVERABLE: a second payment for a paid session ('duplicate_payment', e.g.
    an older checkout paid in another tab) or a payment for a session that expired meanwhile.
    Any number of calls, in any order, at the same time, fulfil once (see `crb.lifecycle.PAY_BATCH`).

    A statement the database refuses is undone whole, and its payments are applied again one at a time; a
    payment the database refuses on its own comes back as the error, in its place. Nothing applied is applied
    again (it would come back as a duplicate, and its caller would not know it was the one that paid).
    """
    outcomes: list[str | asyncpg.PostgresError] = [""] * len(payments)
    for positions in _rounds(payments):
        for i, outcome in zip(positions, await _pay(conn, [payments[i] for i in positions]), strict=True):
            outcomes[i] = outcome
    return outcomes


async def _pay(conn: Connection, batch: list[Payment]) -> list[str | asyncpg.PostgresError]:
    try:
        return list(await lifecycle.pay_batch(conn, *_fulfil_args(batch)))
    except asyncpg.PostgresError as e:
        stored_meanwhile = isinstance(e, asyncpg.UniqueViolationError) and e.constraint_name == "stripe_events_pkey"
        if len(batch) == 1:
            return ["duplicate" if stored_meanwhile else e]
        if stored_meanwhile:  # another delivery of one of its events, at the same time: expected under bursts
            log.info("an event of a batch of %d payments was stored meanwhile; applying them one at a time", len(batch))
        else:
            log.exception("a batch of %d payments failed; applying them one at a time", len(batch))
        return [outcome for payment in batch for outcome in await _pay(conn, [payment])]


async def fulfil(conn: Connection, paid: PaidCheckout) -> bool:
    """Mark the session paid and queue the confirmation email and the report, once: True for the call that did."""
    outcome = (await fulfil_many(conn, [(paid, None)]))[0]
    if isinstance(outcome, asyncpg.PostgresError):
        raise outcome
    return outcome == "fulfilled"


async def catch_up(
    pool: Pool, gateway: PaymentGateway, session: sessions.QuizSession
) -> tuple[sessions.QuizSession, bool]:
    """After the success redirect the webhook may not have arrived yet: ask the provider, and fulfil if paid.

    The same idempotent `fulfil` as the webhook's, so whichever comes first does it, once. The session as it is
    now, and whether this call fulfilled it (then its jobs wait in the outbox for a relay).
    """
    if session.status != "checkout" or not session.stripe_checkout_session_id:
        return session, False
    state = await gateway.retrieve_checkout(session.stripe_checkout_session_id)
    if state is None or not state.paid:
        return session, False
    paid = PaidCheckout(session.id, state.id, state.payment_intent, state.amount_total or 0, state.currency or "eur")
    async with pool.acquire() as conn:
        fulfilled = await fulfil(conn, paid)
        if fulfilled:
            log.info("session %s fulfilled from the status read, before its webhook", session.id)
        return await sessions.get(conn, session.id), fulfilled


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


async def regenerate(conn: Connection, session_id: uuid.UUID) -> uuid.UUID:
    """A new report version for a failed or delivered session, the live one superseded (its links lead to the
    new one); the new report's id. 404 for no such session, 409 for one that cannot be regenerated."""
    async with conn.transaction():
        session = await sessions.get(conn, session_id, for_update=True)
        if not lifecycle.can("regenerate", session.status) or session.erased:
            raise Conflict(f"only a failed or delivered session can be regenerated; this one is {session.status}")
        await conn.execute(
            "update reports set status = 'superseded', updated_at = now()"
            " where session_id = $1 and status <> 'superseded'",
            session_id,
        )
        await lifecycle.regenerate(conn, session_id)
        return await queue_report(conn, session_id)


async def record_checkout_problem(
    conn: Connection, session_id: uuid.UUID, problem: str, checkout_id: str | None = None
) -> bool:
    """Note why a checkout did not pay (the customer may try again); a paid session is never touched.

    With `checkout_id`, only while it is the session's current checkout: news of an older one (expired
    after the customer started another) says nothing about the checkout now open.
    """
    assert problem in CHECKOUT_PROBLEMS
    recorded = await conn.fetchval(
        "update quiz_sessions set last_checkout_event = $2, last_checkout_event_at = now(), updated_at = now()"
        " where id = $1 and status = any($3::text[]) and ($4::text is null or stripe_checkout_session_id = $4)"
        " returning email is not null",
        session_id,
        problem,
        list(lifecycle.OPEN_FOR_CHECKOUT),
        checkout_id,
    )
    if recorded and problem in TELLS_THE_BUYER:  # a delayed payment: said at once, and said if it fails
        await outbox.add(conn, email_job(session_id, TELLS_THE_BUYER[problem]))
    return recorded is not None


async def record_refund(conn: Connection, refund: Refund) -> str:
    """Apply a refund to the session it belongs to; the outcome says what happened."""
    session_id = await conn.fetchval(
        "select id from quiz_sessions where stripe_payment_intent_id = $1", refund.payment_intent_id
    )
    if session_id is None and refund.session_id is not None:
        row = await conn.fetchrow(
            "select id, status, stripe_payment_intent_id from quiz_sessions where id = $1", refund.session_id
        )
        if row is not None and row["status"] in lifecycle.OPEN_FOR_CHECKOUT:
            return "refund_before_payment"  # kept in stripe_events; fulfil() applies it when the payment lands
        if row is not None and row["stripe_payment_intent_id"] not in (None, refund.payment_intent_id):
            return "refund_of_other_payment"  # e.g. a duplicate payment refunded: the one that counts stands
        if row is not None:
            session_id = row["id"]
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
    if full and await lifecycle.refund(conn, session_id, amount):
        await outbox.add(conn, email_job(session_id, "refund_confirmation"), revoke_job(session_id))
        return "refunded"
    await conn.execute(
        "update quiz_sessions set refund_amount = $2, updated_at = now() where id = $1", session_id, amount
    )
    return "partially_refunded" if not full else "already_refunded"
