"""The `quiz_sessions` table: the `QuizSession` record every other module reads, creation, token checks, answers,
the open checkout, erasure. Status moves are `crb.lifecycle`'s."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from crb import lifecycle, signing
from crb.db import Connection
from crb.errors import Conflict, NotFound, Unauthorized
from crb.lifecycle import Status

CHECKOUT_REUSE_MARGIN = dt.timedelta(minutes=5)  # too close to expiry: start a fresh one


@dataclass(frozen=True)
class QuizSession:
    """A quiz session as stored: one row of `quiz_sessions`, every column."""

    id: uuid.UUID
    token_hash: str
    quiz_version: str
    status: Status
    answers: dict[str, Any]
    confirmations: dict[str, Any]  # question id -> the value the customer confirmed (crb.quiz.confirmation)
    teaser: dict[str, Any] | None
    email: str | None
    company_name: str | None
    tier: str | None
    stripe_checkout_session_id: str | None
    stripe_checkout_url: str | None
    checkout_expires_at: dt.datetime | None
    last_checkout_event: str | None  # a checkout's problem, while it lasts (crb.fulfilment.CHECKOUT_PROBLEMS)
    last_checkout_event_at: dt.datetime | None
    stripe_payment_intent_id: str | None
    amount_total: int | None
    currency: str | None
    refund_amount: int
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    checkout_started_at: dt.datetime | None
    paid_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None
    erased_at: dt.datetime | None
    # Stripe's invoice for the payment, once the payment confirmation found it (crb.orders).
    invoice_number: str | None
    invoice_url: str | None
    invoice_pdf_url: str | None
    amount_tax: int | None  # the VAT within amount_total, as the invoice states it
    # The dispute the payment is under or was last under, as Stripe last told it (crb.disputes).
    dispute_id: str | None
    dispute_status: str | None
    dispute_reason: str | None
    dispute_amount: int | None
    dispute_currency: str | None
    dispute_evidence_due_by: dt.datetime | None
    disputed_at: dt.datetime | None
    dispute_event_at: dt.datetime | None
    dispute_closed_at: dt.datetime | None
    # Stripe's link back to an expired checkout, for a buyer who agreed to promotional email (crb.recovery).
    checkout_recovery_url: str | None
    checkout_recovery_expires_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> QuizSession:
        """From `select *` (a column without a field here, or a field without its column, fails at once)."""
        return cls(**row)

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


COLUMNS = ", ".join(f.name for f in fields(QuizSession))  # `select {COLUMNS}`, e.g. with a join's alias


@dataclass(frozen=True)
class NewSession:
    id: uuid.UUID
    token: str
    status: str


def parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("no such session", field="id") from None


async def create(conn: Connection, quiz_version: str) -> NewSession:
    session_id, token = uuid.uuid4(), secrets.token_urlsafe(32)
    await conn.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version) values ($1, $2, $3)",
        session_id,
        signing.hash_token(token),
        quiz_version,
    )
    return NewSession(session_id, token, "in_progress")


async def find(conn: Connection, session_id: uuid.UUID, *, for_update: bool = False) -> QuizSession | None:
    """The session, or None; `for_update` locks it until the caller's transaction ends."""
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select * from quiz_sessions where id = $1{lock}", session_id)
    return None if row is None else QuizSession.from_row(row)


async def get(conn: Connection, session_id: uuid.UUID, *, for_update: bool = False) -> QuizSession:
    """The session; 404 if there is none."""
    session = await find(conn, session_id, for_update=for_update)
    if session is None:
        raise NotFound("no such session", field="id")
    return session


async def by_checkout(conn: Connection, checkout_id: str) -> QuizSession | None:
    """The session a checkout (a Stripe Checkout Session id) was opened for."""
    row = await conn.fetchrow("select * from quiz_sessions where stripe_checkout_session_id = $1", checkout_id)
    return None if row is None else QuizSession.from_row(row)


async def authorise(conn: Connection, session_id: uuid.UUID, token: str | None) -> QuizSession:
    """The session if `token` is its bearer token; 404 and 401 otherwise."""
    session = await get(conn, session_id)
    if token is None or not secrets.compare_digest(session.token_hash, signing.hash_token(token)):
        raise Unauthorized("this session needs its token: Authorization: Bearer <token>")
    return session


async def answers_for_update(conn: Connection, session_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers and confirmations, locked until the caller's transaction ends, while the quiz is in progress."""
    row = await conn.fetchrow(
        "select answers, confirmations from quiz_sessions where id = $1 and status = any($2::text[]) for update",
        session_id,
        list(lifecycle.OPEN_FOR_ANSWERS),
    )
    if row is None:
        raise Conflict("this quiz is already complete; its answers can no longer change", code="quiz_complete")
    return dict(row["answers"]), dict(row["confirmations"])


async def save_answers(
    conn: Connection,
    session_id: uuid.UUID,
    answers: dict[str, Any],
    cleared: list[str] | None = None,
    confirmations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Merge answers into the session while it is still in progress, dropping the `cleared` ones.

    `confirmations` (question id → the value confirmed) replace the stored ones; None keeps them.
    """
    merged = await conn.fetchval(
        "update quiz_sessions set answers = (answers - $4::text[]) || $2::jsonb,"
        " confirmations = coalesce($5::jsonb, confirmations), updated_at = now()"
        " where id = $1 and status = any($3::text[]) returning answers",
        session_id,
        answers,
        list(lifecycle.OPEN_FOR_ANSWERS),
        cleared or [],
        confirmations,
    )
    if merged is None:
        raise Conflict("this quiz is already complete; its answers can no longer change", code="quiz_complete")
    return dict(merged)


async def unsubscribe(conn: Connection, session_id: uuid.UUID) -> None:
    """No more follow-up emails for this session; the first time counts, repeating is harmless."""
    await conn.execute(
        "update quiz_sessions set unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() where id = $1",
        session_id,
    )


def open_checkout(
    session: QuizSession, *, now: dt.datetime, email: str | None = None, tier: str | None = None
) -> str | None:
    """The URL of this session's checkout if it can still be paid (for this email and tier, when given)."""
    usable = (
        session.status == "checkout"
        and email in (None, session.email)
        and tier in (None, session.tier)
        and session.last_checkout_event not in ("expired", "async_payment_failed")
        and session.checkout_expires_at is not None
        and session.checkout_expires_at > now + CHECKOUT_REUSE_MARGIN
    )
    return session.stripe_checkout_url if usable else None


ERASED_RECIPIENT = "erased"  # emails.recipient is NOT NULL: the address gives way to this
# Where a stored Stripe event keeps personal data: top-level keys of `data.object` (and of
# `data.previous_attributes`) on checkout sessions, charges, payment intents and disputes
# (https://docs.stripe.com/api/checkout/sessions/object, /api/charges/object, /api/payment_intents/object,
# /api/disputes/object).
# Kept: ids, amounts, currency, status, payment_intent and metadata, which the accounts and refunds read.
STRIPE_PERSONAL_FIELDS = (
    "customer_email",
    "customer_details",  # name, email, address, phone, tax ids
    "collected_information",  # shipping name and address
    "shipping_details",
    "shipping",
    "custom_fields",
    "billing_details",  # name, email, address, phone
    "receipt_email",
    "payment_method_details",  # card expiry, last4, fingerprint
    "source",  # its owner: name, email, address, phone
    "last_payment_error",  # its payment method carries billing details
    "charges",  # older API versions embed whole charges in a payment intent
    "evidence",  # a dispute's: the customer's name, email, billing address, purchase IP, their messages
    "after_expiration",  # an expired checkout's recovery link: a checkout with the customer's email filled in
)


async def erase(conn: Connection, session_id: uuid.UUID, now: dt.datetime | None = None) -> list[str]:
    """Erase personal data in the caller's transaction; return the stored PDFs to delete. Safe to repeat.

    Kept for the accounts: ids, tier, amounts, currency, refunds, payment references and dates.
    An unpaid session expires; a paid one keeps its status, and `erased_at` (`now`, or the database's
    clock) revokes its downloads. Also scrubbed: the report data its reports were printed from, the recipient
    of every email sent to the customer, and the customer's details in the session's stored Stripe events.
    Every call returns all the session's PDFs, deleted before or not, so a repeat finishes what a failed
    deletion left behind.
    """
    # The session row first, as report generation locks it before its report: no deadlock between them.
    await _erase_session(conn, session_id, now)
    paths = await conn.fetch(
        "update reports set purged_at = coalesce(purged_at, $2, now()), data = null, updated_at = now()"
        " where session_id = $1 and storage_path is not null returning storage_path",
        session_id,
        now,
    )
    await _erase_email_recipients(conn, session_id)
    await _scrub_stripe_events(conn, session_id)
    return sorted(r[0] for r in paths)


async def still_stored(conn: Connection, session_id: uuid.UUID, paths: list[str]) -> None:
    """The files an erasure could not delete are marked stored again, so a repeated erasure (or retention)
    deletes them."""
    await conn.execute(
        "update reports set purged_at = null, updated_at = now() where session_id = $1 and storage_path = any($2)",
        session_id,
        paths,
    )


async def _erase_session(conn: Connection, session_id: uuid.UUID, now: dt.datetime | None) -> None:
    await lifecycle.expire(conn, session_id)  # an unpaid one; a paid one keeps its status
    await conn.execute(
        "update quiz_sessions set answers = '{}'::jsonb, confirmations = '{}'::jsonb, teaser = null, email = null,"
        " company_name = null, stripe_checkout_url = null, checkout_recovery_url = null,"
        " erased_at = coalesce(erased_at, $2, now()), updated_at = now() where id = $1",
        session_id,
        now,
    )


async def _erase_email_recipients(conn: Connection, session_id: uuid.UUID) -> None:
    # A provider's error may quote the address, so the error goes too; the status stays.
    await conn.execute(
        "update emails set recipient = $2, last_error = null, updated_at = now()"
        " where session_id = $1 and (recipient <> $2 or last_error is not null)",
        session_id,
        ERASED_RECIPIENT,
    )


# The session's events: those linked to it, and those that name it or its checkout or payment intent
# (an early refund, or a type we only store, is kept with no session). Personal keys go from the
# event's object and its previous attributes (a missing one stays missing); all else stays as Stripe sent it.
_SCRUB_STRIPE_EVENTS = """
with ids as (
    select id::text as session_id, stripe_checkout_session_id as checkout_id,
           stripe_payment_intent_id as payment_intent_id
    from quiz_sessions where id = $1
)
update stripe_events e set payload = jsonb_set(
    jsonb_set(e.payload, '{data,object}', coalesce((e.payload #> '{data,object}') - $2::text[], 'null'), false),
    '{data,previous_attributes}', coalesce((e.payload #> '{data,previous_attributes}') - $2::text[], 'null'), false
)
from ids
where (e.session_id = $1
       or e.payload #>> '{data,object,payment_intent}' = ids.payment_intent_id
       or e.payload #>> '{data,object,id}' in (ids.checkout_id, ids.payment_intent_id)
       or e.payload #>> '{data,object,client_reference_id}' = ids.session_id
       or e.payload #>> '{data,object,metadata,quiz_session_id}' = ids.session_id)
  and ((e.payload #> '{data,object}') ?| $2::text[] or (e.payload #> '{data,previous_attributes}') ?| $2::text[])
"""


async def _scrub_stripe_events(conn: Connection, session_id: uuid.UUID) -> None:
    # The search reads every stored event; a session that never reached checkout has none (most of those
    # the daily quiz cleanup erases), so it is skipped.
    if await conn.fetchval("select stripe_checkout_session_id from quiz_sessions where id = $1", session_id):
        await conn.execute(_SCRUB_STRIPE_EVENTS, session_id, list(STRIPE_PERSONAL_FIELDS))
