"""The Stripe webhook: signature checked on the raw body first, each event applied once."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from pytest_aiohttp import AiohttpClient
from stripe import WebhookSignature

from crb.settings import Settings
from edge.app import create_app
from tests.fakes.stripe_server import event, fixture, signed
from tests.journey import Client, checkout, completed_session

WEBHOOK = "/api/payments/webhook"


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    return await aiohttp_client(create_app(settings))


def secret(settings: Settings) -> str:
    return settings.stripe_webhook_secrets[0].value


def completed(sid: str, checkout_id: str, *, payment_status: str = "paid") -> dict[str, Any]:
    obj = fixture("checkout.session")
    obj.update(
        id=checkout_id,
        client_reference_id=sid,
        payment_status=payment_status,
        status="complete",
        amount_total=14700,
        currency="eur",
        payment_intent="pi_test_123",
        metadata={"quiz_session_id": sid, "tier": "report"},
    )
    return event("checkout.session.completed", obj)


async def post_event(client: Client, settings: Settings, payload: dict[str, Any]) -> dict[str, Any]:
    body, header = signed(payload, secret(settings))
    response = await client.post(WEBHOOK, data=body, headers={"Stripe-Signature": header})
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def paid_session(client: Client) -> tuple[str, str]:
    sid, token = await completed_session(client)
    return sid, (await checkout(client, sid, token))["checkout_id"]


@pytest.mark.parametrize("case", ["missing", "wrong_secret", "stale", "altered", "garbage_header", "non_ascii"])
async def test_bad_signatures_are_refused(client: Client, settings: Settings, case: str) -> None:
    payload = completed("00000000-0000-0000-0000-000000000000", "cs_test_x")
    body, header = signed(payload, secret(settings))
    headers = {"Stripe-Signature": header}
    match case:
        case "missing":
            headers = {}
        case "wrong_secret":
            headers = {"Stripe-Signature": signed(payload, "whsec_wrong")[1]}
        case "stale":
            headers = {"Stripe-Signature": signed(payload, secret(settings), timestamp=int(time.time()) - 600)[1]}
        case "altered":
            body = body.replace(b'"paid"', b'"PAID"')
        case "garbage_header":
            headers = {"Stripe-Signature": "nonsense"}
        case "non_ascii":
            headers = {"Stripe-Signature": "t=1,v1=\u00e9"}
    response = await client.post(WEBHOOK, data=body, headers=headers)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_signature"


async def test_signed_but_malformed_body_is_400(client: Client, settings: Settings) -> None:
    for body in ("{not json", json.dumps({"id": "evt_1"})):
        header = WebhookSignature.generate_signature_header(body, secret(settings))
        response = await client.post(WEBHOOK, data=body.encode(), headers={"Stripe-Signature": header})
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalid_payload"


async def test_duplicate_event_is_acknowledged_and_ignored(
    client: Client, settings: Settings, db: asyncpg.Connection
) -> None:
    sid, checkout_id = await paid_session(client)
    payload = completed(sid, checkout_id)
    assert (await post_event(client, settings, payload))["outcome"] == "fulfilled"
    assert (await post_event(client, settings, payload))["outcome"] == "duplicate"
    assert await db.fetchval("select status from quiz_sessions where id = $1", asyncpg_uuid(sid)) == "paid"
    assert await db.fetchval("select count(*) from stripe_events where session_id = $1", asyncpg_uuid(sid)) == 1
    jobs = await db.fetch(
        "select function from job_outbox where job_id = $1"
        " or job_id in (select 'report:' || id from reports where session_id = $2)",
        f"email:{sid}:payment_confirmation",
        asyncpg_uuid(sid),
    )
    assert sorted(j["function"] for j in jobs) == ["generate_report", "send_email"]


async def test_concurrent_deliveries_fulfil_once(client: Client, settings: Settings, db: asyncpg.Connection) -> None:
    sid, checkout_id = await paid_session(client)
    payloads = [completed(sid, checkout_id) for _ in range(10)]  # ten distinct events for one payment
    results = await asyncio.gather(*(post_event(client, settings, p) for p in payloads))
    outcomes = sorted(r["outcome"] for r in results)
    assert outcomes.count("fulfilled") == 1
    assert outcomes.count("already_fulfilled") == 9
    assert await db.fetchval("select count(*) from reports where session_id = $1", asyncpg_uuid(sid)) == 1


async def test_unpaid_completion_waits_and_unknown_sessions_are_stored(
    client: Client, settings: Settings, db: asyncpg.Connection
) -> None:
    sid, checkout_id = await paid_session(client)
    outcome = await post_event(client, settings, completed(sid, checkout_id, payment_status="unpaid"))
    assert outcome["outcome"] == "awaiting_payment"
    assert await db.fetchval("select status from quiz_sessions where id = $1", asyncpg_uuid(sid)) == "checkout"
    unknown = await post_event(client, settings, completed("11111111-2222-3333-4444-555555555555", "cs_x"))
    assert unknown["outcome"] == "unknown_session"
    other = await post_event(client, settings, fixture("event"))
    assert other["outcome"] in ("ignored", "duplicate")


def asyncpg_uuid(sid: str) -> uuid.UUID:
    return uuid.UUID(sid)
