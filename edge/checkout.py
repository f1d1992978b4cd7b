"""`POST /api/sessions/{id}/checkout`: a Stripe Checkout Session for the existing quiz session."""

from __future__ import annotations

import datetime as dt
import logging
import re

from aiohttp import web

from crb import fulfilment, lifecycle, sessions
from crb.errors import Conflict, Unprocessable
from crb.payments import CheckoutRequest, checkout_expiry
from crb.ratelimits import RateLimited
from edge import ratelimit
from edge.api import CheckoutStarted
from edge.auth import authorised
from edge.errors import read_json_object
from edge.keys import GATEWAY, POOL, RELAY, SETTINGS

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


async def start_checkout(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    session = await authorised(request)
    body = await read_json_object(request)
    email, tier_id = str(body.get("email", "")).strip(), str(body.get("tier", "report"))
    if not _EMAIL.match(email) or len(email) > 254:
        raise Unprocessable("enter a valid email address", field="email")
    tier = settings.tier(tier_id)
    if tier is None:
        raise Unprocessable(f"unknown tier; choose one of {[t.id for t in settings.tiers]}", field="tier")
    if session.status == "in_progress":
        raise Unprocessable("complete the quiz before checking out", code="quiz_incomplete")
    if session.status not in lifecycle.OPEN_FOR_CHECKOUT:
        raise Conflict(f"this session is already {session.status}", code="already_paid")
    if session.last_checkout_event == "awaiting_payment":
        raise Conflict(PAYMENT_PENDING, code="payment_pending")
    sid, now = session.id, dt.datetime.now(dt.UTC)
    if (url := sessions.open_checkout(session, email=email, tier=tier.id, now=now)) is not None:
        return web.json_response(CheckoutStarted(url=url, checkout_id=session.stripe_checkout_session_id).body())
    try:
        await ratelimit.count(request, "checkout")  # each new one is a Checkout Session at Stripe
    except RateLimited:
        if (url := sessions.open_checkout(session, now=now)) is None:
            raise
        # Beyond the limit the open checkout is offered again (for the email and tier it was opened with).
        reused = CheckoutStarted(url=url, checkout_id=session.stripe_checkout_session_id, reused=True)
        return web.json_response(reused.body() | {"email": session.email, "tier": session.tier})
    await close_previous(request, session)
    expires_at = checkout_expiry(now, settings.checkout_expiry_minutes)
    checkout = await request.app[GATEWAY].create_checkout(
        CheckoutRequest(
            session_id=sid,
            email=email,
            tier=tier,
            success_url=f"{settings.site_url}/success.html?session_id={sid}&checkout={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{settings.site_url}/quiz.html?session_id={sid}&checkout=cancelled",
            expires_at=expires_at,
            # Two clicks at once (the same request, after the same earlier checkout) make one Stripe session.
            previous_checkout=session.stripe_checkout_session_id,
        )
    )
    async with request.app[POOL].acquire() as conn:
        started = await lifecycle.start_checkout(
            conn,
            sid,
            email=email,
            tier=tier.id,
            amount=tier.amount,
            currency=tier.currency,
            checkout_id=checkout.id,
            url=checkout.url,
            expires_at=expires_at,
        )
    if not started:
        raise Conflict("this session was paid for meanwhile", code="already_paid")
    return web.json_response(CheckoutStarted(url=checkout.url, checkout_id=checkout.id).body())


PAYMENT_PENDING = "the payment for this session is still being processed; we will email you when it arrives"


async def close_previous(request: web.Request, session: sessions.QuizSession) -> None:
    """Close the session's earlier checkout before opening another, so a customer can pay only once.

    An earlier checkout paid meanwhile is fulfilled instead (409); one whose delayed payment is on its
    way cannot be closed (409 until it settles).
    """
    if session.status != "checkout" or not session.stripe_checkout_session_id:
        return
    state = await request.app[GATEWAY].expire_checkout(session.stripe_checkout_session_id)
    if state is None or state.status != "complete":
        return
    if state.paid:
        await _caught_up(request, session)
        raise Conflict("this session was paid for meanwhile", code="already_paid")
    raise Conflict(PAYMENT_PENDING, code="payment_pending")


async def _caught_up(request: web.Request, session: sessions.QuizSession) -> sessions.QuizSession:
    """The session as it is now, fulfilled first if the provider says it is paid (`fulfilment.catch_up`)."""
    session, fulfilled = await fulfilment.catch_up(request.app[POOL], request.app[GATEWAY], session)
    if fulfilled:
        request.app[RELAY].nudge()
    return session
