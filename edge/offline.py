"""The offline checkout page: with no Stripe key, it stands in for Stripe Checkout and sends signed webhooks.

Every path of a real checkout can be tried by hand: pay, pay later (then the async result, success or
failure), cancel, and let it expire. Each action sends the edge the event Stripe would send, signed with the
webhook secret, to the edge's own webhook endpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import jinja2
import stripe
from aiohttp import web

from crb import sessions
from crb.errors import NotFound, UpstreamError
from crb.sessions import QuizSession
from crb.settings import Settings
from edge.keys import HTTP, POOL, SETTINGS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    label: str
    event_type: str | None  # None: no event (Stripe sends none when the customer cancels)
    status: str  # the Checkout Session's status after the action
    payment_status: str
    goes_to: str  # "success" or "cancel"


ACTIONS = {
    "pay": Action("Pay now", "checkout.session.completed", "complete", "paid", "success"),
    "pay-later": Action("Pay later (bank transfer)", "checkout.session.completed", "complete", "unpaid", "success"),
    "async-success": Action(
        "The later payment arrives", "checkout.session.async_payment_succeeded", "complete", "paid", "success"
    ),
    "async-failure": Action(
        "The later payment fails", "checkout.session.async_payment_failed", "complete", "unpaid", "success"
    ),
    "expire": Action("Let it expire", "checkout.session.expired", "expired", "unpaid", "cancel"),
    "cancel": Action("Cancel", None, "open", "unpaid", "cancel"),
}
FIRST_STEP = ("pay", "pay-later", "cancel", "expire")
AFTER_PAY_LATER = ("async-success", "async-failure")

_ENV = jinja2.Environment(autoescape=True)
_PAGE = _ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Offline checkout (no real payment)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2b3a}
.banner{background:#fff3cd;border:1px solid #8a6d00;padding:.75rem 1rem;border-radius:6px}
button{font-size:1rem;padding:.6rem 1.2rem;margin:.4rem .4rem 0 0;border-radius:6px;border:0;background:#1f5fbf;
color:#fff;cursor:pointer} form{display:inline}</style></head><body>
<p class="banner" role="note"><strong>Offline checkout: no real payment.</strong> No Stripe key is configured.
Each button sends the edge the correctly signed webhook Stripe would send.</p>
<h1>{{ tier_name }}</h1>
<p>Amount: <strong>{{ amount }}</strong><br>Email: {{ email }}<br>Checkout: <code>{{ checkout_id }}</code></p>
{% if actions %}{% for name, action in actions %}
<form method="post" action="/offline-checkout/{{ checkout_id }}/{{ name }}">
<button type="submit">{{ action.label }}</button></form>{% endfor %}
{% else %}<p>This session is <strong>{{ status }}</strong>.</p>{% endif %}
</body></html>""")
_DONE = _ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Offline checkout: {{ label }}</title>
<meta http-equiv="refresh" content="1; url={{ next }}"></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto">
<p>{{ label }}: {{ outcome }}. <a href="{{ next }}">Continue</a></p></body></html>""")


async def _checkout_session(request: web.Request) -> QuizSession:
    async with request.app[POOL].acquire() as conn:
        session = await sessions.by_checkout(conn, request.match_info["checkout_id"])
    if session is None:
        raise NotFound("no such offline checkout", field="checkout_id")
    return session


def _available(session: QuizSession) -> list[tuple[str, Action]]:
    if session.status != "checkout":
        return []
    names = AFTER_PAY_LATER if session.last_checkout_event == "awaiting_payment" else FIRST_STEP
    return [(n, ACTIONS[n]) for n in names]


async def checkout_page(request: web.Request) -> web.Response:
    session = await _checkout_session(request)
    tier = request.app[SETTINGS].tier(session.tier or "")
    html = _PAGE.render(
        tier_name=tier.name if tier else session.tier,
        amount=f"€{(session.amount_total or 0) / 100:,.2f}",
        email=session.email,
        checkout_id=session.stripe_checkout_session_id,
        status=session.status,
        actions=_available(session),
    )
    return web.Response(text=html, content_type="text/html")


async def act(request: web.Request) -> web.Response:
    """Carry out one action of the page: send its signed event, then say where the browser goes next."""
    settings = request.app[SETTINGS]
    action = ACTIONS.get(request.match_info["action"])
    if action is None:
        raise NotFound(f"no such action; choose one of {sorted(ACTIONS)}", field="action")
    session = await _checkout_session(request)
    result: dict[str, Any] = {"action": request.match_info["action"]}
    if action.event_type is not None:
        result["webhook_status"], result["webhook"] = await _send(request, settings, checkout_event(session, action))
    result["next"] = _next_url(settings, session, action.goes_to)
    if "text/html" in request.headers.get("Accept", ""):
        outcome = result.get("webhook", {}).get("outcome", "no event sent")
        html = _DONE.render(label=action.label, outcome=outcome, next=result["next"])
        return web.Response(text=html, content_type="text/html")
    return web.json_response(result)


async def _send(request: web.Request, settings: Settings, event: dict[str, Any]) -> tuple[int, Any]:
    """Post the signed event to this edge's own webhook endpoint, at its configured address.

    Never at the request's Host header: the client chooses that, and the signed event would go wherever it says.
    """
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, settings.stripe_webhook_secrets[0].value)
    webhook = f"{settings.public_base_url}/api/payments/webhook"
    try:
        async with request.app[HTTP].post(
            webhook, data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
        ) as response:
            return response.status, await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        log.error("the offline checkout's webhook to %s failed: %r", webhook, e)
        raise UpstreamError(
            f"the edge's own webhook at {webhook} failed or did not answer with JSON; is PUBLIC_BASE_URL right?"
        ) from e


def _next_url(settings: Settings, session: QuizSession, goes_to: str) -> str:
    if goes_to == "cancel":
        return f"{settings.site_url}/quiz.html?session_id={session.id}&checkout=cancelled"
    return f"{settings.site_url}/success.html?session_id={session.id}&checkout={session.stripe_checkout_session_id}"


def payment_intent_id(checkout_id: str) -> str:
    """One stable payment intent per offline checkout, as Stripe has one per Checkout Session."""
    return "pi_offline_" + hashlib.sha256(checkout_id.encode()).hexdigest()[:24]


def checkout_event(session: QuizSession, action: Action) -> dict[str, Any]:
    """The event Stripe would send for this action on this quiz session's checkout."""
    assert action.event_type is not None and session.stripe_checkout_session_id is not None  # a checkout's page
    now = int(time.time())
    checkout_id = session.stripe_checkout_session_id
    return {
        "id": "evt_offline_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "type": action.event_type,
        "data": {
            "object": {
                "id": checkout_id,
                "object": "checkout.session",
                "mode": "payment",
                "status": action.status,
                "payment_status": action.payment_status,
                "client_reference_id": str(session.id),
                "customer_email": session.email,
                "customer_details": {"email": session.email},
                "amount_subtotal": session.amount_total,
                "amount_total": session.amount_total,
                "currency": session.currency,
                "metadata": {"quiz_session_id": str(session.id), "tier": session.tier},
                "payment_intent": payment_intent_id(checkout_id),
                "livemode": False,
                "created": now,
            }
        },
    }
