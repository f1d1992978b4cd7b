"""`POST /api/payments/webhook`: verify Stripe's signature on the raw body first, then record the event once and
apply it (`crb.webhook_events`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg
import stripe
from aiohttp import web

from crb import disputes
from crb.batching import Batcher
from crb.errors import BadRequest
from crb.fulfilment import UNDELIVERABLE, Payment, fulfil_many
from crb.settings import Settings
from crb.stripe_events import StripeEvent, parse_event
from crb.webhook_events import record_and_apply
from edge.api import WebhookReceived
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
    app = request.app
    outcome = await record_and_apply(app[POOL], app[PAYMENTS].submit, event, payload, expected_livemode(settings))
    request.app[METRICS].stripe_events.labels(event.type, outcome).inc()
    if outcome in QUEUES_JOBS:
        request.app[RELAY].nudge()
    if outcome in UNDELIVERABLE:
        log.error(
            "stripe event %s (%s): %s: a payment we cannot deliver for; refunding it", event.id, event.type, outcome
        )
    else:
        log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return web.json_response(WebhookReceived(received=True, outcome=outcome).body())


QUEUES_JOBS = (
    "fulfilled",
    "refunded",
    "awaiting_payment",
    "async_payment_failed",
    "expired_recovery_offered",
    *UNDELIVERABLE,
    *disputes.QUEUES_JOBS,
)
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
