"""Rate limits at the edge, counted in Redis: a burst from one address is refused with 429 and Retry-After
while others go on; every edge process shares the counts; checkout beyond its limit offers the open one."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import ClientResponse
from pytest_aiohttp import AiohttpClient

from crb.settings import ConfigError, Settings
from edge.app import create_app
from tests.fakes.stripe_server import FakeStripe
from tests.journey import Client, EdgeClient, auth, completed_session
from tests.journey import checkout as start_checkout

PROXY = {"TRUSTED_PROXIES": "127.0.0.1/32"}  # the test client is the proxy: X-Forwarded-For names the client


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def created(client: Client, address: str, n: int) -> list[int]:
    answers = await asyncio.gather(*(client.post("/api/sessions", headers=from_address(address)) for _ in range(n)))
    return [a.status for a in answers]


async def assert_limited(response: ClientResponse) -> None:
    assert response.status == 429, await response.text()
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    error = (await response.json())["error"]
    assert error["code"] == "rate_limited" and "retry in" in error["message"]


async def test_a_burst_from_one_address_is_mostly_refused_while_another_goes_on(edge_client: EdgeClient) -> None:
    client, _ = await edge_client(**PROXY)
    statuses = await created(client, "203.0.113.7", 200)
    assert statuses.count(201) == 60 and statuses.count(429) == 140  # the default: 60 a minute per address
    await assert_limited(await client.post("/api/sessions", headers=from_address("203.0.113.7")))
    assert await created(client, "198.51.100.20", 3) == [201] * 3


async def test_every_edge_process_shares_the_counts(edge_client: EdgeClient, aiohttp_client: AiohttpClient) -> None:
    client, settings = await edge_client(**PROXY, RATE_LIMITS='{"create_session": "address=10/minute"}')
    other = await aiohttp_client(create_app(settings))  # a second edge on the same Redis
    assert await created(client, "203.0.113.8", 6) == [201] * 6
    statuses = await created(other, "203.0.113.8", 6)
    assert statuses.count(201) == 4 and statuses.count(429) == 2


async def test_an_untrusted_peer_cannot_choose_its_address(edge_client: EdgeClient) -> None:
    client, _ = await edge_client(RATE_LIMITS='{"create_session": "address=5/minute"}')  # no trusted proxy
    statuses = [await created(client, f"192.0.2.{i}", 1) for i in range(8)]  # a new forged address each time
    assert [s for [s] in statuses].count(429) == 3


async def test_checkout_beyond_its_limit_offers_the_open_one_and_asks_stripe_for_nothing(
    edge_client: EdgeClient, fake_stripe: FakeStripe
) -> None:
    client, _ = await edge_client(
        STRIPE_SECRET_KEY="sk_test_limits", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET="whsec_x"
    )
    sid, token = await completed_session(client)
    for i in range(5):  # a new email each time: each a new Checkout Session
        await start_checkout(client, sid, token, email=f"owner{i}@example.com")
    assert len(fake_stripe.sessions) == 5
    response = await client.post(
        f"/api/sessions/{sid}/checkout", json={"email": "card-testing@example.com"}, headers=auth(token)
    )
    assert response.status == 200
    body = await response.json()
    assert body["reused"] is True and body["email"] == "owner4@example.com"
    assert len(fake_stripe.sessions) == 5  # nothing more at Stripe


async def test_limits_can_be_changed_or_turned_off(edge_client: EdgeClient) -> None:
    client, _ = await edge_client(**PROXY, RATE_LIMITS="off")
    assert await created(client, "203.0.113.9", 70) == [201] * 70
    with pytest.raises(ConfigError, match=r"RATE_LIMITS.*no rate limit named 'sessions'"):
        Settings.from_env({"SECRET_KEY": "k" * 32, "RATE_LIMITS": '{"sessions": "address=1/minute"}'})
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        Settings.from_env({"SECRET_KEY": "k" * 32, "TRUSTED_PROXIES": "not-an-address"})
