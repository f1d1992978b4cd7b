"""Abandoned checkouts (CHECKOUT_RECOVERY) against the Stripe-shaped server and a real worker: a checkout that
expires with the buyer's consent to promotional email gets exactly one email with Stripe's recovery link; without
consent, none; none once the buyer paid (through the link or otherwise) or opened a checkout again; the session
is kept while the link can be paid, and erasure takes the link with it."""

from __future__ import annotations

import datetime as dt
import uuid
from email.message import EmailMessage
from typing import Any

import asyncpg
import pytest

from crb.payments import order_reference
from crb.schedule import RECOVERY_LINK_DAYS, UNPAID_SESSION_DAYS
from crb.settings import Settings
from tests.fakes.stripe_server import FakeStripe, event, signed
from tests.jobs.test_worker import World, links_in, outbox, work
from tests.journey import Client, EdgeClient, auth, checkout, completed_session

SECRET = "whsec_test_recovery"
TAG = "checkout-recovery"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def stripe_edge(edge_client: EdgeClient, fake_stripe: FakeStripe) -> tuple[Client, Settings]:
    return await edge_client(
        STRIPE_SECRET_KEY="sk_test_recovery",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET=SECRET,
        CHECKOUT_RECOVERY="true",
        SUPPORT_EMAIL="help@seller.example",
    )


async def deliver(client: Client, payload: dict[str, Any]) -> str:
    body, header = signed(payload, SECRET)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert response.status == 200, await response.text()
    return str((await response.json())["outcome"])


async def abandoned(client: Client, fake: FakeStripe, promotions: str | None) -> tuple[str, str, dict[str, Any]]:
    """A completed quiz whose checkout expired unpaid, the buyer having answered the consent box `promotions`;
    its id, token and the `checkout.session.expired` event."""
    sid, token = await completed_session(client)
    checkout_id = (await checkout(client, sid, token, email="owner@example.com"))["checkout_id"]
    return sid, token, event("checkout.session.expired", fake.expire(checkout_id, promotions=promotions))


def body(message: EmailMessage) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]


async def test_an_expired_checkout_with_consent_gets_one_email_with_stripes_link(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    sid, _, expired = await abandoned(client, fake_stripe, "opt_in")
    params = fake_stripe.requests[0]["params"]
    assert params["consent_collection"] == {"promotions": "auto"}
    assert params["after_expiration"] == {"recovery": {"enabled": "true"}}
    assert await deliver(client, expired) == "expired_recovery_offered"
    assert await deliver(client, expired) == "duplicate"
    again = {**expired, "id": "evt_" + uuid.uuid4().hex}  # Stripe's retry of the news under a new id
    await work(settings, world)
    await deliver(client, again)
    await work(settings, world)
    (message,) = outbox(settings, TAG)
    recovery = expired["data"]["object"]["after_expiration"]["recovery"]
    text = body(message)
    assert message["To"] == "owner@example.com"
    assert recovery["url"] in links_in(message) and recovery["url"] in message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    until = dt.datetime.fromtimestamp(recovery["expires_at"], dt.UTC)
    assert f"It works until {until:%-d %B %Y}." in " ".join(text.split())
    assert "€147.00 incl. VAT" in text and order_reference(uuid.UUID(sid)) in text
    assert "help@seller.example" in text and "Refunds:" not in text  # no order yet: no refund policy
    assert any("/api/unsubscribe?token=" in link for link in links_in(message))
    row = await db.fetchrow(
        "select status, attempts from emails where session_id = $1 and kind = $2", uuid.UUID(sid), "checkout_recovery"
    )
    assert (row["status"], row["attempts"]) == ("sent", 1)


@pytest.mark.parametrize("promotions", ["opt_out", None])
async def test_without_consent_no_email(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World, promotions: str | None
) -> None:
    client, settings = stripe_edge
    _, _, expired = await abandoned(client, fake_stripe, promotions)
    assert expired["data"]["object"]["after_expiration"]["recovery"]["url"]  # Stripe made a link all the same
    assert await deliver(client, expired) == "expired"
    await work(settings, world)
    assert outbox(settings) == []


async def test_without_checkout_recovery_checkout_asks_no_consent(
    edge_client: EdgeClient, fake_stripe: FakeStripe, world: World
) -> None:
    client, settings = await edge_client(
        STRIPE_SECRET_KEY="sk_test_recovery", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET=SECRET
    )
    _, _, expired = await abandoned(client, fake_stripe, "opt_in")
    params = fake_stripe.requests[0]["params"]
    assert "consent_collection" not in params and "after_expiration" not in params
    assert expired["data"]["object"]["consent"]["promotions"] is None  # the box was never shown
    assert await deliver(client, expired) == "expired"
    await work(settings, world)
    assert outbox(settings) == []


async def test_paying_through_the_recovery_link_pays_the_session_and_sends_no_reminder(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World
) -> None:
    client, settings = stripe_edge
    sid, token, expired = await abandoned(client, fake_stripe, "opt_in")
    assert await deliver(client, expired) == "expired_recovery_offered"
    # The buyer finds the link in Stripe's own receipt trail (or a browser tab) and pays before the email goes.
    recovered = fake_stripe.recover(expired["data"]["object"]["after_expiration"]["recovery"]["url"])
    assert recovered["client_reference_id"] == sid and recovered["recovered_from"] == expired["data"]["object"]["id"]
    assert (
        await deliver(client, event("checkout.session.completed", fake_stripe.complete(recovered["id"]))) == "fulfilled"
    )
    await work(settings, world)
    assert outbox(settings, TAG) == []
    assert len(outbox(settings, "payment-confirmation")) == 1 and len(outbox(settings, "report-ready")) == 1
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert state["status"] == "delivered"


async def test_a_buyer_who_checks_out_again_gets_no_reminder(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World
) -> None:
    client, settings = stripe_edge
    sid, token, expired = await abandoned(client, fake_stripe, "opt_in")
    assert await deliver(client, expired) == "expired_recovery_offered"
    await checkout(client, sid, token, email="owner@example.com")  # back on the site before the worker ran
    await work(settings, world)
    assert outbox(settings, TAG) == []


async def test_a_second_abandoned_checkout_gets_no_second_reminder(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World
) -> None:
    client, settings = stripe_edge
    sid, token, expired = await abandoned(client, fake_stripe, "opt_in")
    assert await deliver(client, expired) == "expired_recovery_offered"
    await work(settings, world)
    second = (await checkout(client, sid, token, email="owner@example.com"))["checkout_id"]
    assert await deliver(client, event("checkout.session.expired", fake_stripe.expire(second, promotions="opt_in")))
    await work(settings, world)
    assert len(outbox(settings, TAG)) == 1


async def test_unsubscribed_before_the_email_goes_no_reminder(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    sid, _, expired = await abandoned(client, fake_stripe, "opt_in")
    await db.execute("update quiz_sessions set unsubscribed_at = now() where id = $1", uuid.UUID(sid))
    assert await deliver(client, expired) == "expired_recovery_offered"
    await work(settings, world)
    assert outbox(settings, TAG) == []


async def test_the_session_is_kept_while_its_link_can_be_paid_and_erasure_takes_the_link(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, world: World, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    sid, _, expired = await abandoned(client, fake_stripe, "opt_in")
    forgotten, _, other = await abandoned(client, fake_stripe, None)
    assert await deliver(client, expired) == "expired_recovery_offered"
    assert await deliver(client, other) == "expired"
    await work(settings, world)
    world.offset = dt.timedelta(days=UNPAID_SESSION_DAYS + 1)
    await work(settings, world, ("quiz_cleanup",))
    status = "select status from quiz_sessions where id = $1"
    assert await db.fetchval(status, uuid.UUID(forgotten)) == "expired"  # no link: the usual week
    assert await db.fetchval(status, uuid.UUID(sid)) == "checkout"  # the link can still pay for it
    world.offset = dt.timedelta(days=RECOVERY_LINK_DAYS + 1)
    await work(settings, world, ("quiz_cleanup",))
    row = await db.fetchrow(
        "select status, email, checkout_recovery_url from quiz_sessions where id = $1", uuid.UUID(sid)
    )
    assert (row["status"], row["email"], row["checkout_recovery_url"]) == ("expired", None, None)
    stored = await db.fetchval("select payload::text from stripe_events where id = $1", expired["id"])
    assert "buy.stripe.com" not in stored and "owner@example.com" not in stored
