"""`POST /api/payments/webhook`: verify Stripe's signature on the raw body first, record the event once, apply it."""

from __future__ import annotations

import logging

import stripe
from aiohttp import web

from crb import outbox
from crb.db import Connection
from crb.errors import BadRequest
from crb.fulfilment import PaidCheckout, fulfil
from crb.settings import Settings
from crb.stripe_events import StripeEvent, checkout_session, parse_event
from edge.keys import ARQ, POOL, SETTINGS

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
        except stripe.SignatureVerificationError:
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
    async with request.app[POOL].acquire() as conn, conn.transaction():
        outcome = await record_and_apply(conn, event, payload)
    if outcome == "fulfilled":
        try:
            await outbox.relay(request.app[POOL], request.app[ARQ], settings.queue_name)
        except Exception:  # the worker's relay cron picks them up; the payment is safely recorded
            log.exception("could not relay jobs after %s", event.id)
    log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return web.json_response({"received": True, "outcome": outcome})


async def record_and_apply(conn: Connection, event: StripeEvent, payload: bytes) -> str:
    """Store the event by id and apply its effect in the caller's transaction; a duplicate does nothing."""
    inserted = await conn.fetchval(
        "insert into stripe_events (id, type, livemode, outcome, payload, created_at)"
        " values ($1, $2, $3, 'pending', $4::text::jsonb, to_timestamp($5)) on conflict (id) do nothing returning id",
        event.id,
        event.type,
        event.livemode,
        payload.decode("utf-8"),
        event.created,
    )
    if inserted is None:
        return "duplicate"
    outcome, session_id = await apply(conn, event)
    await conn.execute(
        "update stripe_events set outcome = $2, session_id = $3 where id = $1",
        event.id,
        outcome,
        session_id,
    )
    return outcome


async def apply(conn: Connection, event: StripeEvent) -> tuple[str, object]:
    match event.type:
        case "checkout.session.completed" | "checkout.session.async_payment_succeeded":
            checkout = checkout_session(event)
            session_id = checkout.quiz_session_id
            if session_id is None or not await _exists(conn, session_id):
                log.warning("stripe event %s names no known quiz session", event.id)
                return "unknown_session", None
            if checkout.payment_status not in ("paid", "no_payment_required"):
                return "awaiting_payment", session_id
            paid = PaidCheckout(
                session_id, checkout.id, checkout.payment_intent, checkout.amount_total or 0, checkout.currency or "eur"
            )
            return ("fulfilled" if await fulfil(conn, paid) else "already_fulfilled"), session_id
        case _:
            return "ignored", None


async def _exists(conn: Connection, session_id: object) -> bool:
    return bool(await conn.fetchval("select exists (select 1 from quiz_sessions where id = $1)", session_id))
