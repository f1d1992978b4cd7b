"""The offline checkout page: each path sends the signed event Stripe would, through the real webhook."""

from __future__ import annotations

from typing import Any

import pytest

from crb.settings import Settings
from tests.journey import Client, EdgeClient, auth, checkout, completed_session


@pytest.fixture
async def offline(edge_client: EdgeClient) -> tuple[Client, Settings]:
    return await edge_client()  # no STRIPE_SECRET_KEY: offline payments


async def act(client: Client, page: str, action: str) -> dict[str, Any]:
    response = await client.post(f"{page}/{action}", headers={"Accept": "application/json"})
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def status(client: Client, sid: str, token: str) -> dict[str, Any]:
    return dict(await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json())


async def start(client: Client, settings: Settings) -> tuple[str, str, str]:
    sid, token = await completed_session(client)
    url = (await checkout(client, sid, token))["url"]
    assert url.startswith(f"{settings.public_base_url}/offline-checkout/cs_offline_")
    return sid, token, url.removeprefix(settings.public_base_url)


async def test_page_says_no_real_payment_and_offers_every_path(offline: tuple[Client, Settings]) -> None:
    client, settings = offline
    _, _, page = await start(client, settings)
    html = await (await client.get(page)).text()
    assert "no real payment" in html
    for label in ("Pay now", "Pay later", "Cancel", "Let it expire"):
        assert label in html


async def test_pay_later_then_async_success(offline: tuple[Client, Settings]) -> None:
    client, settings = offline
    sid, token, page = await start(client, settings)
    assert (await act(client, page, "pay-later"))["webhook"]["outcome"] == "awaiting_payment"
    state = await status(client, sid, token)
    assert (state["status"], state["checkout"]["last_event"]) == ("checkout", "awaiting_payment")
    html = await (await client.get(page)).text()
    assert "The later payment arrives" in html and "Pay now" not in html
    assert (await act(client, page, "async-success"))["webhook"]["outcome"] == "fulfilled"
    assert (await status(client, sid, token))["status"] == "paid"


async def test_pay_later_then_async_failure_lets_the_customer_retry(offline: tuple[Client, Settings]) -> None:
    client, settings = offline
    sid, token, page = await start(client, settings)
    await act(client, page, "pay-later")
    assert (await act(client, page, "async-failure"))["webhook"]["outcome"] == "async_payment_failed"
    state = await status(client, sid, token)
    assert (state["status"], state["checkout"]["last_event"]) == ("checkout", "async_payment_failed")
    again = await checkout(client, sid, token)
    assert again["url"].removeprefix(settings.public_base_url) != page  # a failed checkout is not reused


async def test_expire_and_cancel(offline: tuple[Client, Settings]) -> None:
    client, settings = offline
    sid, token, page = await start(client, settings)
    cancelled = await act(client, page, "cancel")
    assert "webhook" not in cancelled and "checkout=cancelled" in cancelled["next"]
    assert (await act(client, page, "expire"))["webhook"]["outcome"] == "expired"
    assert (await status(client, sid, token))["checkout"]["last_event"] == "expired"


async def test_browser_form_gets_a_page_that_moves_on(offline: tuple[Client, Settings]) -> None:
    client, settings = offline
    _, _, page = await start(client, settings)
    response = await client.post(f"{page}/pay", headers={"Accept": "text/html"})
    html = await response.text()
    assert "fulfilled" in html and "success.html" in html


async def test_unknown_action_and_checkout_are_404(offline: tuple[Client, Settings]) -> None:
    client, settings = offline
    _, _, page = await start(client, settings)
    assert (await client.post(f"{page}/steal")).status == 404
    assert (await client.get("/offline-checkout/cs_offline_nope")).status == 404
