"""The offline checkout page: with no Stripe key, it stands in for Stripe Checkout and sends signed webhooks."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import jinja2
import stripe
from aiohttp import web

from crb.errors import NotFound
from crb.settings import Settings
from edge.keys import HTTP, POOL, SETTINGS

_PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Offline checkout (no real payment)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2b3a}
.banner{background:#fff3cd;border:1px solid #e0c36b;padding:.75rem 1rem;border-radius:6px}
button{font-size:1rem;padding:.6rem 1.2rem;margin-top:1rem;border-radius:6px;border:0;background:#1f5fbf;color:#fff}
</style></head><body>
<p class="banner" role="note"><strong>Offline checkout.</strong> No Stripe key is configured, so no real payment
happens here. Paying sends the edge a correctly signed <code>checkout.session.completed</code> webhook.</p>
<h1>{{ tier_name }}</h1>
<p>Amount: <strong>{{ amount }}</strong><br>Email: {{ email }}<br>Checkout: <code>{{ checkout_id }}</code></p>
{% if status in ("completed", "checkout") %}
<form method="post" action="/offline-checkout/{{ checkout_id }}/pay">
<button type="submit">Pay {{ amount }}</button></form>
{% else %}<p>This session is already <strong>{{ status }}</strong>.</p>{% endif %}
</body></html>""")


async def _checkout_row(request: web.Request) -> Any:
    checkout_id = request.match_info["checkout_id"]
    row = await request.app[POOL].fetchrow(
        "select * from quiz_sessions where stripe_checkout_session_id = $1", checkout_id
    )
    if row is None:
        raise NotFound("no such offline checkout", field="checkout_id")
    return row


async def checkout_page(request: web.Request) -> web.Response:
    row = await _checkout_row(request)
    tier = request.app[SETTINGS].tier(row["tier"])
    html = _PAGE.render(
        tier_name=tier.name if tier else row["tier"],
        amount=f"€{row['amount_total'] / 100:,.2f}",
        email=row["email"],
        checkout_id=row["stripe_checkout_session_id"],
        status=row["status"],
    )
    return web.Response(text=html, content_type="text/html")


async def pay(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    row = await _checkout_row(request)
    event = completed_event(row)
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, settings.stripe_webhook_secrets[0].value)
    webhook = str(request.url.with_path("/api/payments/webhook").with_query(None))
    async with request.app[HTTP].post(
        webhook, data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    ) as response:
        result = await response.json()
    return web.json_response(
        {"webhook_status": response.status, "webhook": result, "next": _success_url(settings, row)}
    )


def _success_url(settings: Settings, row: Any) -> str:
    return f"{settings.site_url}/success.html?session_id={row['id']}&checkout={row['stripe_checkout_session_id']}"


def completed_event(row: Any) -> dict[str, Any]:
    """A `checkout.session.completed` event in Stripe's shape for this quiz session's checkout."""
    now = int(time.time())
    metadata = {"quiz_session_id": str(row["id"]), "tier": row["tier"]}
    return {
        "id": "evt_offline_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": row["stripe_checkout_session_id"],
                "object": "checkout.session",
                "mode": "payment",
                "status": "complete",
                "payment_status": "paid",
                "client_reference_id": str(row["id"]),
                "customer_email": row["email"],
                "customer_details": {"email": row["email"]},
                "amount_subtotal": row["amount_total"],
                "amount_total": row["amount_total"],
                "currency": row["currency"],
                "metadata": metadata,
                "payment_intent": "pi_offline_" + secrets.token_hex(12),
                "livemode": False,
                "created": now,
            }
        },
    }
