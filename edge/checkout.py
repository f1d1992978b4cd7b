"""`POST /api/sessions/{id}/checkout`: a Stripe Checkout Session for the existing quiz session."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from aiohttp import web

from crb import sessions
from crb.errors import Conflict, Unprocessable
from crb.payments import CheckoutRequest
from edge.errors import read_json_object
from edge.keys import GATEWAY, POOL, SETTINGS
from edge.sessions import authorised

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


async def start_checkout(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    row = await authorised(request)
    body = await read_json_object(request)
    email, tier_id = str(body.get("email", "")).strip(), str(body.get("tier", "report"))
    if not _EMAIL.match(email) or len(email) > 254:
        raise Unprocessable("enter a valid email address", field="email")
    tier = settings.tier(tier_id)
    if tier is None:
        raise Unprocessable(f"unknown tier; choose one of {[t.id for t in settings.tiers]}", field="tier")
    if row["status"] == "in_progress":
        raise Unprocessable("complete the quiz before checking out", code="quiz_incomplete")
    if row["status"] not in sessions.OPEN_FOR_CHECKOUT:
        raise Conflict(f"this session is already {row['status']}", code="already_paid")
    sid = row["id"]
    # The same click twice (same session, tier, email, and earlier checkout) makes one Stripe session.
    key_source = f"{sid}:{tier.id}:{email}:{row['stripe_checkout_session_id'] or 'first'}"
    checkout = await request.app[GATEWAY].create_checkout(
        CheckoutRequest(
            session_id=sid,
            email=email,
            tier=tier,
            success_url=f"{settings.site_url}/success.html?session_id={sid}&checkout={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{settings.site_url}/quiz.html?session_id={sid}&checkout=cancelled",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.checkout_expiry_minutes),
            idempotency_key="checkout-" + hashlib.sha256(key_source.encode()).hexdigest(),
        )
    )
    async with request.app[POOL].acquire() as conn:
        started = await sessions.start_checkout(
            conn,
            sid,
            email=email,
            tier=tier.id,
            amount=tier.amount,
            currency=tier.currency,
            checkout_id=checkout.id,
        )
    if not started:
        raise Conflict("this session was paid for meanwhile", code="already_paid")
    return web.json_response({"url": checkout.url, "checkout_id": checkout.id})
