"""The customer emails as a business buyer reads them: the order reference, the amount with its VAT, the seller,
where to ask, the refund policy, the verdict; and a pay-later buyer told at once, and told if it fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from crb.payments import order_reference
from crb.settings import Settings
from jobs.emails import REFUND_POLICY
from tests.fakes.renderer import FakeRenderer
from tests.jobs.running import run_jobs
from tests.jobs.test_worker import outbox
from tests.journey import Client, auth, checkout, completed_session

SELLER = {
    "SELLER_NAME": "Beispiel Beratung GmbH",
    "SELLER_ADDRESS": "Hauptstraße 1\\n10115 Berlin",
    "SELLER_VAT_ID": "DE123456789",
    "SUPPORT_EMAIL": "hilfe@beispiel.de",
}


@pytest.fixture
async def edge(edge_client: Callable[..., Any]) -> tuple[Client, Settings]:
    return await edge_client(**SELLER)  # type: ignore[no-any-return]


def text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(str(part.get_content()).split())  # lines wrapped anywhere read as one


def html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def offline_checkout(client: Client, settings: Settings, *actions: str) -> tuple[str, str]:
    """A completed quiz, a checkout on the offline page, and its `actions` in turn; the session id and token."""
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token, email="owner@example.com"))["url"].removeprefix(settings.public_base_url)
    for action in actions:
        response = await client.post(f"{page}/{action}", headers={"Accept": "application/json"})
        assert response.status == 200, await response.text()
    return sid, token


async def work(settings: Settings) -> None:
    await run_jobs(settings, renderer=FakeRenderer())


async def test_every_email_names_the_order_the_seller_and_where_to_ask(edge: tuple[Client, Settings]) -> None:
    client, settings = edge
    sid, _ = await offline_checkout(client, settings, "pay")
    await work(settings)
    messages = {m["X-Tag"]: m for m in outbox(settings)}
    assert set(messages) == {"payment-confirmation", "report-ready"}
    for tag, message in messages.items():
        body = text(message)
        assert f"Order {order_reference(uuid.UUID(sid))}" in body, tag
        assert "Beispiel Beratung GmbH, Hauptstraße 1, 10115 Berlin, VAT id DE123456789" in body, tag
        assert "Write to hilfe@beispiel.de or reply to this email" in body, tag
        assert REFUND_POLICY in body, tag
        assert f"{settings.site_url}/imprint.html" in body, tag
        assert "mailto:hilfe@beispiel.de" in html(message), tag
    # The tier's price, with how VAT stands to it (PRICES_INCLUDE_VAT's default: included).
    assert "your payment of €147.00 incl. VAT for the CRB Report" in text(messages["payment-confirmation"])


async def test_the_report_email_gives_the_verdict_in_one_sentence(edge: tuple[Client, Settings]) -> None:
    client, settings = edge
    sid, token = await offline_checkout(client, settings, "pay")
    await work(settings)
    [ready] = outbox(settings, "report-ready")
    session = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    verdict = session["teaser"]["verdict"]
    assert f"Our verdict: {verdict['label']}. {verdict['summary']}" in text(ready)


async def test_a_pay_later_buyer_hears_at_once_and_once(edge: tuple[Client, Settings]) -> None:
    client, settings = edge
    sid, _ = await offline_checkout(client, settings, "pay-later")
    await work(settings)
    [pending] = outbox(settings)
    assert pending["X-Tag"] == "payment-pending"
    body = text(pending)
    assert f"order {order_reference(uuid.UUID(sid))}, €147.00 incl. VAT" in body
    assert "takes a few days" in body and "Nothing more is needed from you" in body
    await work(settings)
    assert len(outbox(settings)) == 1  # never twice


async def test_a_failed_delayed_payment_is_said_without_a_refund_line(edge: tuple[Client, Settings]) -> None:
    client, settings = edge
    await offline_checkout(client, settings, "pay-later", "async-failure")
    await work(settings)
    tags = [m["X-Tag"] for m in outbox(settings)]
    assert sorted(tags) == ["payment-failed", "payment-pending"]
    [failed] = outbox(settings, "payment-failed")
    body = text(failed)
    assert "did not go through" in body and "nothing was charged" in body
    assert f"{settings.site_url}/results.html" in body
    assert REFUND_POLICY not in body  # nothing was paid: nothing to refund


async def test_without_the_sellers_details_the_emails_say_only_what_is_known(
    edge_client: Callable[..., Any],
) -> None:
    client, settings = await edge_client()
    await offline_checkout(client, settings, "pay")
    await work(settings)
    for message in outbox(settings):
        body = text(message)
        assert "Questions? Reply to this email." in body
        assert ", VAT id" not in body and "None" not in body  # no seller's VAT id to give
