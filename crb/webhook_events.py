"""What a verified Stripe event does: it is stored once, by id, in the same transaction as its effect; a
duplicate is acknowledged and does nothing. Paid checkouts go to `crb.fulfilment` in batches."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from crb import disputes
from crb.db import Connection, Pool
from crb.fulfilment import PaidCheckout, Payment, Refund, StoredEvent, record_checkout_problem, record_refund
from crb.lifecycle import OPEN_FOR_CHECKOUT
from crb.payments import PAID_CHECKOUT
from crb.recovery import offer as offer_recovery
from crb.stripe_events import (
    CheckoutSessionObject,
    StripeEvent,
    charge,
    checkout_session,
    dispute,
    payment_intent,
    storable,
)

log = logging.getLogger(__name__)

PayOne = Callable[[Payment], Awaitable[str]]  # fulfils one payment (the edge's batcher shares statements)


async def record_and_apply(pool: Pool, pay: PayOne, event: StripeEvent, payload: bytes, livemode: bool) -> str:
    """Store the event and apply it, once; its outcome. `livemode`: the mode of the configured Stripe key."""
    stored = StoredEvent(event.id, event.type, event.livemode, event.created, storable(payload.decode("utf-8")))
    paid = paid_checkout(event) if event.livemode == livemode else None
    if paid is not None:  # most events: fulfilled in one statement with any others arriving meanwhile
        return await pay((paid, stored))
    async with pool.acquire() as conn, conn.transaction():
        return await _record_then_apply(conn, stored, event, livemode)


def paid_checkout(event: StripeEvent) -> PaidCheckout | None:
    """The payment a paid checkout event brings, if this is one and it names its quiz session."""
    if event.type not in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return None
    try:
        checkout = checkout_session(event)
    except ValidationError:
        return None  # stored as unreadable by the general path
    if checkout.payment_status not in PAID_CHECKOUT or checkout.quiz_session_id is None:
        return None
    return PaidCheckout(
        checkout.quiz_session_id,
        checkout.id,
        checkout.payment_intent,
        checkout.amount_total or 0,
        checkout.currency or "eur",
    )


async def _record_then_apply(conn: Connection, stored: StoredEvent, event: StripeEvent, livemode: bool) -> str:
    inserted = await conn.fetchval(
        "insert into stripe_events (id, type, livemode, outcome, payload, created_at)"
        " values ($1, $2, $3, 'pending', $4::text::jsonb, to_timestamp($5)) on conflict (id) do nothing returning id",
        stored.id,
        stored.type,
        stored.livemode,
        stored.payload,
        stored.created,
    )
    if inserted is None:
        return "duplicate"
    if event.livemode != livemode:
        log.warning(
            "stripe event %s is for livemode=%s, this edge runs livemode=%s", event.id, event.livemode, livemode
        )
        outcome, session_id = "wrong_livemode", None
    else:
        try:
            outcome, session_id = await apply(conn, event)
        except ValidationError as e:
            log.error("stripe event %s (%s) has an object we cannot read: %s", event.id, event.type, e)
            outcome, session_id = "unreadable", None
    await conn.execute(  # the session it names, if there is one (metadata can name one that is not ours)
        "update stripe_events set outcome = $2, session_id = (select id from quiz_sessions where id = $3)"
        " where id = $1",
        event.id,
        outcome,
        session_id,
    )
    return outcome


async def apply(conn: Connection, event: StripeEvent) -> tuple[str, uuid.UUID | None]:
    """What each event type does; every type not named here is stored and acknowledged."""
    match event.type:
        case "checkout.session.completed" | "checkout.session.async_payment_succeeded":
            return await _unpaid(conn, checkout_session(event))  # paid ones went to `fulfil_many`
        case "checkout.session.expired":
            checkout = checkout_session(event)
            outcome, session_id = await _problem(conn, checkout.quiz_session_id, "expired", checkout.id)
            recovery = checkout.recovery
            if outcome == "expired" and session_id and recovery and await offer_recovery(conn, session_id, recovery):
                return "expired_recovery_offered", session_id
            return outcome, session_id
        case "checkout.session.async_payment_failed":
            checkout = checkout_session(event)
            return await _problem(conn, checkout.quiz_session_id, "async_payment_failed", checkout.id)
        case "payment_intent.payment_failed":
            return await _problem(conn, payment_intent(event).quiz_session_id, "payment_failed")
        case "charge.refunded":
            c = charge(event)
            refund = Refund(c.payment_intent, c.quiz_session_id, c.amount, c.amount_refunded)
            outcome = await record_refund(conn, refund)
            session_id = await conn.fetchval(
                "select id from quiz_sessions where stripe_payment_intent_id = $1", c.payment_intent
            )
            return outcome, session_id or c.quiz_session_id
        case (
            "charge.dispute.created"
            | "charge.dispute.updated"
            | "charge.dispute.closed"
            | "charge.dispute.funds_withdrawn"
            | "charge.dispute.funds_reinstated"
        ):  # each carries the dispute as it is now: its status says what to do, whichever event brings it
            return await disputes.record(conn, dispute(event), event.created)
        case _:
            return "ignored", None


async def _unpaid(conn: Connection, checkout: CheckoutSessionObject) -> tuple[str, uuid.UUID | None]:
    """A completed checkout that was not a payment here: it names no session of ours, or it has not paid yet
    (a delayed method) and waits for the async result."""
    session_id = checkout.quiz_session_id
    if session_id is None:
        return "unknown_session", None
    return await _problem(conn, session_id, "awaiting_payment", checkout.id)


async def _problem(
    conn: Connection, session_id: uuid.UUID | None, problem: str, checkout_id: str | None = None
) -> tuple[str, uuid.UUID | None]:
    if session_id is None or not await _exists(conn, session_id):
        return "unknown_session", None
    if await record_checkout_problem(conn, session_id, problem, checkout_id):
        return problem, session_id
    status = await conn.fetchval("select status from quiz_sessions where id = $1", session_id)
    return ("ignored_older_checkout" if status in OPEN_FOR_CHECKOUT else "ignored_after_payment"), session_id


async def _exists(conn: Connection, session_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("select exists (select 1 from quiz_sessions where id = $1)", session_id))
