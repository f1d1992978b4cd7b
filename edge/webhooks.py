"""`POST /api/payments/webhook`: verify Stripe's signature on the raw body first, record the event once, apply it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

import asyncpg
import stripe
from aiohttp import web
from pydantic import ValidationError

from crb.batching import Batcher
from crb.db import Connection
from crb.errors import BadRequest
from crb.fulfilment import (
    UNDELIVERABLE,
    PaidCheckout,
    Payment,
    Refund,
    StoredEvent,
    fulfil_many,
    record_checkout_problem,
    record_refund,
)
from crb.lifecycle import OPEN_FOR_CHECKOUT
from crb.payments import PAID_CHECKOUT
from crb.settings import Settings
from crb.stripe_events import (
    CheckoutSessionObject,
    StripeEvent,
    charge,
    checkout_session,
    parse_event,
    payment_intent,
    storable,
)
from edge.keys import METRICS, PAYMENTS, POOL, RELAY, SETTINGS

log = logging.getLogger(__name__)


def verify(settings: Settings, payload: bytes, header: str | None) -> StripeEvent:
    """The event, if one of the configured secrets signed this exact body recently; 400 otherwise."""
    if not header:
        raise BadRequest("missing Stripe-Signature header", code="invalid_signature")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8", code="invalid_payload") from None
    for secret in settings.stripe_webhook_secrets:  # several while a secret is being rotated
        try:
            stripe.WebhookSignature.verify_header(text, header, secret.value, settings.stripe_webhook_tolerance)
            break
        except (stripe.SignatureVerificationError, TypeError, ValueError):  # odd bytes in the header, too
            continue
    else:
        raise BadRequest("the Stripe signature does not match, or its timestamp is too old", code="invalid_signature")
    try:
        return parse_event(payload)
    except ValueError as e:
        raise BadRequest(str(e), code="invalid_payload") from None


async def stripe_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    payload = await request.read()
    event = verify(settings, payload, request.headers.get("Stripe-Signature"))
    outcome = await record_and_apply(request.app, event, payload)
    request.app[METRICS].stripe_events.labels(event.type, outcome).inc()
    if outcome in QUEUES_JOBS:
        request.app[RELAY].nudge()
    if outcome in UNDELIVERABLE:
        log.error(
            "stripe event %s (%s): %s: a payment we cannot deliver for; refunding it", event.id, event.type, outcome
        )
    else:
        log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return web.json_response({"received": True, "outcome": outcome})


QUEUES_JOBS = ("fulfilled", "refunded", *UNDELIVERABLE)
# Paid checkout events share statements: up to four in flight, of at most 25 payments each. On two cores
# this took the webhook benchmark from 0.19 of a bare handler's rate (a transaction per event) to about
# 0.4; one lane of 50 gave about 0.3 (see the README's Benchmarks).
BATCH_LANES, BATCH_MAX = 4, 25


def payment_batcher(app: web.Application) -> Batcher[Payment, str]:
    """Fulfils the paid checkout events that arrive together in one statement (`fulfil_many`)."""

    async def flush(payments: Sequence[Payment]) -> list[str | asyncpg.PostgresError]:
        app[METRICS].payment_batch.observe(len(payments))
        async with app[POOL].acquire() as conn:
            return await fulfil_many(conn, payments)  # a payment the database refuses fails its caller alone

    return Batcher(flush, max_batch=BATCH_MAX, lanes=BATCH_LANES)


def expected_livemode(settings: Settings) -> bool:
    key = settings.stripe_secret_key
    return key is not None and "_live_" in key.value


async def record_and_apply(app: web.Application, event: StripeEvent, payload: bytes) -> str:
    """Store the event by id in one transaction with its effect; a duplicate is acknowledged and does nothing."""
    stored = StoredEvent(event.id, event.type, event.livemode, event.created, storable(payload.decode("utf-8")))
    livemode = expected_livemode(app[SETTINGS])
    paid = paid_checkout(event) if event.livemode == livemode else None
    if paid is not None:  # most events: fulfilled in one statement with any others arriving meanwhile
        return await app[PAYMENTS].submit((paid, stored))
    async with app[POOL].acquire() as conn, conn.transaction():
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
    await conn.execute(
        "update stripe_events set outcome = $2, session_id = $3 where id = $1",
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
        case "checkout.session.expired" | "checkout.session.async_payment_failed":
            checkout = checkout_session(event)
            problem = "expired" if event.type.endswith("expired") else "async_payment_failed"
            return await _problem(conn, checkout.quiz_session_id, problem, checkout.id)
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
