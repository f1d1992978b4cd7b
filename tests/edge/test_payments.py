"""Checkout and fulfilment against the Stripe-shaped server: every event, repeated, concurrent, out of order."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import stripe
from aiohttp import ClientResponse
from stripe.params.checkout import SessionCreateParams

from crb.fulfilment import PaidCheckout
from crb.payments import (
    CheckoutRequest,
    CheckoutTerms,
    checkout_expiry,
    checkout_params,
    order_reference,
)
from crb.settings import DEFAULT_TIERS, ConfigError, Settings
from edge.keys import PAYMENTS
from tests.fakes.stripe_server import FakeStripe, event, fixture, signed, unknown_parameters
from tests.journey import Client, EdgeClient, auth, checkout, completed_session

WEBHOOK = "/api/payments/webhook"
SECRET = "whsec_test_payments"


@pytest.fixture
async def stripe_edge(edge_client: EdgeClient, fake_stripe: FakeStripe) -> tuple[Client, Settings]:
    client, settings = await edge_client(
        STRIPE_SECRET_KEY="sk_test_payments", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET=SECRET
    )
    return client, settings


async def deliver(client: Client, payload: dict[str, Any]) -> str:
    body, header = signed(payload, SECRET)
    response = await client.post(WEBHOOK, data=body, headers={"Stripe-Signature": header})
    assert response.status == 200, await response.text()
    return str((await response.json())["outcome"])


async def started(client: Client) -> tuple[str, str, str]:
    sid, token = await completed_session(client)
    return sid, token, (await checkout(client, sid, token))["checkout_id"]


def charge_refunded(fake: FakeStripe, checkout_id: str, refunded: int, *, sid: str | None = None) -> dict[str, Any]:
    session = fake.sessions[checkout_id]
    c = fixture("charge")
    c.update(
        amount=session["amount_total"],
        amount_captured=session["amount_total"],
        amount_refunded=refunded,
        refunded=refunded >= session["amount_total"],
        payment_intent=session["payment_intent"],
        currency=session["currency"],
        metadata={"quiz_session_id": sid} if sid else {},
    )
    return event("charge.refunded", c)


async def row(db: asyncpg.Connection, sid: str) -> asyncpg.Record:
    return await db.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(sid))


async def jobs(db: asyncpg.Connection, sid: str) -> list[str]:
    """The jobs queued for a session, by function and email kind."""
    rows = await db.fetch(
        "select function, args from job_outbox where args ->> 0 = $1"
        " or job_id in (select 'report:' || id from reports where session_id = $2) order by id",
        sid,
        uuid.UUID(sid),
    )
    return [r["function"] + (f":{json.loads(r['args'])[1]}" if r["function"] == "send_email" else "") for r in rows]


FULFILLED = ["send_email:payment_confirmation", "generate_report"]


async def test_checkout_session_belongs_to_the_quiz_session(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe
) -> None:
    client, _ = stripe_edge
    sid, token = await completed_session(client)
    first = await checkout(client, sid, token, email="owner@example.com", tier="report")
    again = await checkout(client, sid, token, email="owner@example.com", tier="report")  # a double click
    assert first["checkout_id"] == again["checkout_id"]
    assert len(fake_stripe.sessions) == 1
    params = fake_stripe.requests[0]["params"]
    assert params["customer_email"] == "owner@example.com"
    assert params["line_items"][0]["price_data"] == {
        "currency": "eur",
        "unit_amount": "14700",
        "product_data": {"name": "CRB Report"},
        "tax_behavior": "inclusive",  # PRICES_INCLUDE_VAT's default: the price as the site states it
    }
    assert params["metadata"] == params["payment_intent_data"]["metadata"] == {"quiz_session_id": sid, "tier": "report"}
    assert "amount" not in str(fake_stripe.requests[0]["params"].get("metadata"))


async def test_stripe_down_during_checkout_is_a_clear_502(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe
) -> None:
    client, _ = stripe_edge
    sid, token = await completed_session(client)
    fake_stripe.fail_with = 500
    response = await client.post(
        f"/api/sessions/{sid}/checkout", json={"email": "a@example.com", "tier": "report"}, headers=auth(token)
    )
    assert response.status == 502
    error = (await response.json())["error"]
    assert error["code"] == "payment_provider_error"
    assert "Something went wrong on Stripe" not in error["message"]  # details stay in the log


async def test_paid_session_cannot_check_out_again(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(cs))) == "fulfilled"
    response = await client.post(
        f"/api/sessions/{sid}/checkout", json={"email": "a@example.com", "tier": "report"}, headers=auth(token)
    )
    assert response.status == 409


async def test_expired_checkout_can_start_again(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    expired = {**fake_stripe.sessions[cs], "status": "expired"}
    assert await deliver(client, event("checkout.session.expired", expired)) == "expired"
    assert (await row(db, sid))["status"] == "checkout"
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert state["checkout"]["last_event"] == "expired"
    second = await checkout(client, sid, token)
    assert second["checkout_id"] != cs
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(second["checkout_id"]))) == (
        "fulfilled"
    )
    assert await jobs(db, sid) == FULFILLED


async def post_checkout(client: Client, sid: str, token: str, email: str) -> ClientResponse:
    return await client.post(
        f"/api/sessions/{sid}/checkout", json={"email": email, "tier": "report"}, headers=auth(token)
    )


async def test_a_new_checkout_closes_the_previous_one_so_only_one_can_be_paid(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, first = await started(client)
    response = await post_checkout(client, sid, token, "other@example.com")  # another email: a new checkout
    second = (await response.json())["checkout_id"]
    assert second != first
    assert fake_stripe.sessions[first]["status"] == "expired"
    # Stripe's late news of the first checkout says nothing about the second.
    old = {**fake_stripe.sessions[first]}
    assert await deliver(client, event("checkout.session.expired", old)) == "ignored_older_checkout"
    assert (await row(db, sid))["last_checkout_event"] is None


async def test_a_checkout_paid_meanwhile_is_fulfilled_not_replaced(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    fake_stripe.complete(cs)  # paid in the other tab; the webhook is still on its way
    response = await post_checkout(client, sid, token, "other@example.com")
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "already_paid"
    assert (await row(db, sid))["status"] == "paid"
    assert await jobs(db, sid) == FULFILLED


async def test_no_new_checkout_while_a_delayed_payment_is_on_its_way(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    fake_stripe.complete(cs, payment_status="unpaid")  # before its webhook, too
    response = await post_checkout(client, sid, token, "other@example.com")
    assert (response.status, (await response.json())["error"]["code"]) == (409, "payment_pending")
    unpaid = {**fake_stripe.sessions[cs]}
    assert await deliver(client, event("checkout.session.completed", unpaid)) == "awaiting_payment"
    response = await post_checkout(client, sid, token, "owner@example.com")
    assert (response.status, (await response.json())["error"]["code"]) == (409, "payment_pending")


async def test_a_payment_we_cannot_deliver_for_is_named_and_its_refund_spares_the_real_one(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    paid = fake_stripe.complete(cs)
    assert await deliver(client, event("checkout.session.completed", paid)) == "fulfilled"
    # A second payment for the same session, through another checkout (say, an old tab).
    other = {**paid, "id": "cs_test_other", "payment_intent": "pi_test_other"}
    assert await deliver(client, event("checkout.session.completed", other)) == "duplicate_payment"
    refund_job = await db.fetchrow("select function, args from job_outbox where job_id = 'refund:pi_test_other'")
    assert (refund_job["function"], json.loads(refund_job["args"])[:2]) == (
        "refund_payment",
        ["pi_test_other", "duplicate_payment"],
    )
    refund = charge_refunded(fake_stripe, cs, 14700, sid=sid)
    refund["data"]["object"]["payment_intent"] = "pi_test_other"
    assert await deliver(client, refund) == "refund_of_other_payment"
    session = await row(db, sid)
    assert (session["status"], session["stripe_payment_intent_id"]) == ("paid", paid["payment_intent"])
    assert await jobs(db, sid) == FULFILLED
    # A payment that lands after the session expired is named too.
    sid2, _, cs2 = await started(client)
    await db.execute("update quiz_sessions set status = 'expired' where id = $1", uuid.UUID(sid2))
    late = event("checkout.session.async_payment_succeeded", fake_stripe.complete(cs2))
    assert await deliver(client, late) == "paid_after_expiry"
    pi = late["data"]["object"]["payment_intent"]
    assert await db.fetchval("select function from job_outbox where job_id = $1", f"refund:{pi}") == "refund_payment"


async def test_erasing_a_session_in_checkout_closes_its_checkout(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    assert (await client.delete(f"/api/sessions/{sid}", headers=auth(token))).status == 200
    assert fake_stripe.sessions[cs]["status"] == "expired"
    assert (await row(db, sid))["status"] == "expired"


async def test_pay_later_waits_for_the_async_result(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    unpaid = fake_stripe.complete(cs, payment_status="unpaid")
    assert await deliver(client, event("checkout.session.completed", unpaid)) == "awaiting_payment"
    assert await jobs(db, sid) == ["send_email:payment_pending"]  # the buyer hears at once that it is on its way
    paid = fake_stripe.complete(cs)
    assert await deliver(client, event("checkout.session.async_payment_succeeded", paid)) == "fulfilled"
    # A failure reported after the success changes nothing.
    assert await deliver(client, event("checkout.session.async_payment_failed", unpaid)) == "ignored_after_payment"
    assert (await row(db, sid))["status"] == "paid"
    assert await jobs(db, sid) == ["send_email:payment_pending", *FULFILLED]


async def test_async_failure_and_payment_failure_let_the_customer_try_again(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    unpaid = fake_stripe.complete(cs, payment_status="unpaid")
    assert await deliver(client, event("checkout.session.async_payment_failed", unpaid)) == "async_payment_failed"
    intent = fixture("payment_intent")
    intent.update(
        id="pi_test_failed", metadata={"quiz_session_id": sid, "tier": "report"}, status="requires_payment_method"
    )
    assert await deliver(client, event("payment_intent.payment_failed", intent)) == "payment_failed"
    session = await row(db, sid)
    assert (session["status"], session["last_checkout_event"]) == ("checkout", "payment_failed")
    # The delayed payment's failure is news to a buyer who left Checkout; a card declined there is not.
    assert await jobs(db, sid) == ["send_email:payment_failed"]


async def test_expired_after_completed_never_touches_a_paid_session(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(cs))) == "fulfilled"
    expired = {**fake_stripe.sessions[cs], "status": "expired"}
    assert await deliver(client, event("checkout.session.expired", expired)) == "ignored_after_payment"
    assert (await row(db, sid))["status"] == "paid"


async def test_same_event_ten_times_in_a_row_and_ten_at_once(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    payload = event("checkout.session.completed", fake_stripe.complete(cs))
    in_a_row = [await deliver(client, payload) for _ in range(10)]
    assert in_a_row == ["fulfilled"] + ["duplicate"] * 9
    sid2, _, cs2 = await started(client)
    payload2 = event("checkout.session.completed", fake_stripe.complete(cs2))
    at_once = await asyncio.gather(*(deliver(client, payload2) for _ in range(10)))
    assert sorted(at_once) == ["duplicate"] * 9 + ["fulfilled"]
    for s in (sid, sid2):
        assert await jobs(db, s) == FULFILLED
        assert await db.fetchval("select count(*) from reports where session_id = $1", uuid.UUID(s)) == 1


async def test_a_burst_to_two_edges_fulfils_each_session_once(
    stripe_edge: tuple[Client, Settings], edge_client: EdgeClient, fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    """Thirty sessions' events, each delivered to two edges at once (Stripe retrying while the first is
    still at work), plus a second event per session: the edges batch them, and each session is paid once."""
    client, _ = stripe_edge
    other, _ = await edge_client(
        STRIPE_SECRET_KEY="sk_test_payments", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET=SECRET
    )
    sessions = [await started(client) for _ in range(30)]
    events = [event("checkout.session.completed", fake_stripe.complete(cs)) for _, _, cs in sessions]
    async_paid = [event("checkout.session.async_payment_succeeded", e["data"]["object"]) for e in events]
    deliveries = [deliver(edge, e) for e in events for edge in (client, other)]
    deliveries += [deliver(other, e) for e in async_paid]
    outcomes = await asyncio.gather(*deliveries)
    for i, (sid, _, _) in enumerate(sessions):
        first, second = outcomes[2 * i : 2 * i + 2]
        assert sorted([first, second]) in (["duplicate", "fulfilled"], ["already_fulfilled", "duplicate"])
        assert outcomes[60 + i] in ("fulfilled", "already_fulfilled")
        assert [first, second, outcomes[60 + i]].count("fulfilled") == 1
        assert await jobs(db, sid) == FULFILLED
        assert (await row(db, sid))["status"] == "paid"


async def test_a_payment_the_database_refuses_does_not_hold_back_its_batch(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    (first, _, taken), (second, _, _), *rest = [await started(client) for _ in range(4)]
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(taken))) == "fulfilled"
    # A payment for the second session naming the first one's checkout: the database keeps checkout ids unique.
    clash = PaidCheckout(uuid.UUID(second), taken, None, 14700, "eur")
    good = [PaidCheckout(uuid.UUID(sid), cs, None, 14700, "eur") for sid, _, cs in rest]
    batcher = client.app[PAYMENTS]
    results = await asyncio.gather(*(batcher.submit((p, None)) for p in [clash, *good]), return_exceptions=True)
    assert isinstance(results[0], asyncpg.UniqueViolationError)
    assert results[1:] == ["fulfilled", "fulfilled"]
    assert (await row(db, second))["status"] == "checkout"
    for sid, _, _ in rest:
        assert await jobs(db, sid) == FULFILLED


async def test_a_nul_character_in_an_event_is_stored_without_it(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    """Postgres' jsonb refuses \\u0000; customers can type it into a name, and Stripe passes it on."""
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    paid = fake_stripe.complete(cs)
    paid["customer_details"] = {"name": "Ada\u0000 Lovelace", "email": "owner@example.com"}
    payload = event("checkout.session.completed", paid)
    assert await deliver(client, payload) == "fulfilled"
    stored = await db.fetchval("select payload from stripe_events where id = $1", payload["id"])
    assert json.loads(stored)["data"]["object"]["customer_details"]["name"] == "Ada Lovelace"


async def test_redirect_then_webhook_fulfils_once(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    paid = fake_stripe.complete(cs)  # the customer paid; the webhook is still on its way
    states = await asyncio.gather(*(client.get(f"/api/sessions/{sid}", headers=auth(token)) for _ in range(5)))
    assert {(await s.json())["status"] for s in states} == {"paid"}
    assert await deliver(client, event("checkout.session.completed", paid)) == "already_fulfilled"
    assert await jobs(db, sid) == FULFILLED


async def test_status_polls_share_one_stripe_lookup(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    """Several tabs polling while the webhook is on its way cost Stripe one read per few seconds."""
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    at_once = await asyncio.gather(*(client.get(f"/api/sessions/{sid}", headers=auth(token)) for _ in range(5)))
    after = [await client.get(f"/api/sessions/{sid}", headers=auth(token)) for _ in range(3)]
    assert {(await s.json())["status"] for s in [*at_once, *after]} == {"checkout"}
    assert fake_stripe.retrieved == [cs]


async def test_webhook_then_redirect_fulfils_once(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, token, cs = await started(client)
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(cs))) == "fulfilled"
    report = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    assert report["status"] == "pending"
    assert await jobs(db, sid) == FULFILLED


async def test_partial_then_full_refund(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(cs))) == "fulfilled"
    partial = charge_refunded(fake_stripe, cs, 5000)
    assert await deliver(client, partial) == "partially_refunded"
    assert await deliver(client, charge_refunded(fake_stripe, cs, 5000)) == "partially_refunded"  # a 2nd event
    session = await row(db, sid)
    assert (session["status"], session["refund_amount"]) == ("paid", 5000)  # cumulative, not summed
    assert await deliver(client, charge_refunded(fake_stripe, cs, 14700)) == "refunded"
    assert await deliver(client, partial) == "duplicate"
    assert await deliver(client, charge_refunded(fake_stripe, cs, 5000)) == "already_refunded"  # late, smaller
    session = await row(db, sid)
    assert (session["status"], session["refund_amount"]) == ("refunded", 14700)
    assert await jobs(db, sid) == [*FULFILLED, "send_email:refund_confirmation", "revoke_report_files"]


async def test_full_refund_revokes_the_download(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    sid, token, cs = await started(client)
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(cs))) == "fulfilled"
    report_id = await db.fetchval("select id from reports where session_id = $1", uuid.UUID(sid))
    await db.execute(
        "update reports set status = 'ready', storage_path = 'x/y.pdf', sha256 = 'h' where id = $1", report_id
    )
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    link = state["download_url"].removeprefix(settings.public_base_url)
    assert await deliver(client, charge_refunded(fake_stripe, cs, 14700)) == "refunded"
    response = await client.get(link)
    assert response.status == 410
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    assert state["download_url"] is None


async def test_refund_before_the_payment_is_processed(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    paid = fake_stripe.complete(cs)
    assert await deliver(client, charge_refunded(fake_stripe, cs, 14700, sid=sid)) == "refund_before_payment"
    assert await deliver(client, event("checkout.session.completed", paid)) == "fulfilled"
    session = await row(db, sid)
    assert (session["status"], session["refund_amount"]) == ("refunded", 14700)
    assert await jobs(db, sid) == ["send_email:refund_confirmation"]  # no report for a refunded payment


async def test_unknown_sessions_other_livemode_and_other_types_are_stored(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await started(client)
    stranger = {**fake_stripe.complete(cs), "client_reference_id": str(uuid.uuid4()), "metadata": {}}
    assert await deliver(client, event("checkout.session.completed", stranger)) == "unknown_session"
    live = event("checkout.session.completed", {**fake_stripe.sessions[cs], "livemode": True})
    live["livemode"] = True
    assert await deliver(client, live) == "wrong_livemode"
    other = event("customer.created", fixture("event")["data"]["object"])
    assert await deliver(client, other) == "ignored"
    assert (await row(db, sid))["status"] == "checkout"
    stored = await db.fetchval(
        "select count(*) from stripe_events where id = any($1::text[])", [live["id"], other["id"]]
    )
    assert stored == 2


async def test_webhook_body_limit_is_413(stripe_edge: tuple[Client, Settings]) -> None:
    client, _ = stripe_edge
    response = await client.post(WEBHOOK, data=b"x" * (300 * 1024), headers={"Stripe-Signature": "t=1,v1=x"})
    assert response.status == 413
    assert "error" in await response.json()


def test_a_stripe_key_without_a_webhook_secret_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        Settings.from_env({"DATA_DIR": str(tmp_path), "STRIPE_SECRET_KEY": "sk_test_x"})


SELLER = {
    "SELLER_NAME": "Beispiel Beratung GmbH",
    "SELLER_ADDRESS": "Hauptstraße 1\\n10115 Berlin\\nGermany",
    "SELLER_VAT_ID": "DE123456789",
    "SUPPORT_EMAIL": "support@beispiel.de",
}


def test_a_live_key_needs_the_sellers_identity(tmp_path: Path) -> None:
    """A live shop sells for real: its invoices, imprint and emails must name who sells."""
    live = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 32, "STRIPE_SECRET_KEY": "sk_live_x"}
    live["STRIPE_WEBHOOK_SECRET"] = "whsec_x"
    with pytest.raises(ConfigError, match="SELLER_NAME, SELLER_ADDRESS, SELLER_VAT_ID and SUPPORT_EMAIL are not set"):
        Settings.from_env(live)
    with pytest.raises(ConfigError, match=r"^SELLER_VAT_ID is not set"):
        Settings.from_env(live | {k: v for k, v in SELLER.items() if k != "SELLER_VAT_ID"})
    seller = Settings.from_env(live | SELLER).seller
    assert seller.name == "Beispiel Beratung GmbH"
    assert seller.address_lines == ("Hauptstraße 1", "10115 Berlin", "Germany")
    assert Settings.from_env({**live, "STRIPE_SECRET_KEY": "sk_test_x"}).seller.missing  # test mode: not required


def test_a_live_key_needs_a_shared_secret_key(tmp_path: Path) -> None:
    """Live services run on several machines: a key file per machine would break every signed link."""
    live = {"DATA_DIR": str(tmp_path), "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", **SELLER}
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        Settings.from_env(live)
    assert Settings.from_env({**live, "SECRET_KEY": "k" * 32}).secret_key.value == "k" * 32


async def test_rotated_secrets_are_all_accepted(edge_client: EdgeClient, fake_stripe: FakeStripe) -> None:
    client, _ = await edge_client(
        STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET="whsec_new,whsec_old"
    )
    for secret in ("whsec_new", "whsec_old"):
        body, header = signed(event("customer.created", {"id": "cus_1"}), secret)
        assert (await client.post(WEBHOOK, data=body, headers={"Stripe-Signature": header})).status == 200
    body, header = signed(event("customer.created", {"id": "cus_1"}), "whsec_other")
    assert (await client.post(WEBHOOK, data=body, headers={"Stripe-Signature": header})).status == 400


@pytest.mark.parametrize("levels", [100, 10_000])
async def test_a_signed_event_nested_too_deep_is_400_and_stored_nowhere(
    stripe_edge: tuple[Client, Settings], db: asyncpg.Connection, levels: int
) -> None:
    client, _ = stripe_edge
    deep = "[" * levels + "]" * levels
    body = '{"id": "evt_deep", "object": "event", "type": "customer.updated", "livemode": false, "created": 1,'
    body += f' "data": {{"object": {{"id": "cus_deep", "metadata": {deep}}}}}}}'
    header = stripe.WebhookSignature.generate_signature_header(body, SECRET)
    response = await client.post(WEBHOOK, data=body.encode(), headers={"Stripe-Signature": header})
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["code"] == "invalid_payload"
    assert await db.fetchval("select count(*) from stripe_events where id = 'evt_deep'") == 0


@pytest.mark.parametrize("minutes", ["30", "1440"])
async def test_checkout_at_the_ends_of_the_expiry_range_is_what_stripe_accepts(
    edge_client: EdgeClient, fake_stripe: FakeStripe, minutes: str
) -> None:
    """Stripe refuses an expiry under 30 minutes or over 24 hours from the moment it creates the session."""
    client, _ = await edge_client(
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET=SECRET,
        CHECKOUT_EXPIRY_MINUTES=minutes,
    )
    sid, token = await completed_session(client)
    response = await client.post(f"/api/sessions/{sid}/checkout", json={"email": "a@example.com"}, headers=auth(token))
    assert response.status == 200, await response.text()
    expires_at = int(fake_stripe.requests[-1]["params"]["expires_at"])
    assert expires_at % 60 == 0


async def test_stripe_refuses_a_key_seen_with_other_parameters(fake_stripe: FakeStripe) -> None:
    """As Stripe does for 24 hours (the fake as strict): so the checkout's key is made of all its parameters."""
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake_stripe.base_url}, http_client=http)
    now = dt.datetime.now(dt.UTC)
    request = CheckoutRequest(
        session_id=uuid.uuid4(),
        email="a@example.com",
        tier=DEFAULT_TIERS[0],
        success_url="https://example.com/ok?c={CHECKOUT_SESSION_ID}",
        cancel_url="https://example.com/no",
        expires_at=checkout_expiry(now, 60),
    )
    later = dataclasses.replace(request, expires_at=checkout_expiry(now + dt.timedelta(minutes=1), 60))
    options: stripe.RequestOptions = {"idempotency_key": "checkout-same"}
    create = client.v1.checkout.sessions.create_async
    try:
        first = await create(checkout_params(request, CheckoutTerms()), options)
        again = await create(checkout_params(request, CheckoutTerms()), options)
        assert again["id"] == first["id"]  # the same request again: the same answer
        with pytest.raises(stripe.IdempotencyError):
            await create(checkout_params(later, CheckoutTerms()), options)
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


def test_the_fake_stripe_knows_the_parameters_stripe_python_declares() -> None:
    """What the checkout sends is declared in stripe-python's SessionCreateParams; anything else Stripe refuses."""
    sent = {
        "mode": "payment",
        "line_items": [{"quantity": 1, "price_data": {"currency": "eur", "product_data": {"name": "x"}}}],
        "metadata": {"anything": "goes"},
        "payment_intent_data": {"metadata": {"a": "b"}},
    }
    assert unknown_parameters(sent, SessionCreateParams) == []
    sent["line_items"][0]["price_data"]["product_data"]["colour"] = "red"  # type: ignore[index]
    sent |= {"payment_intent_data": {"nope": 1}, "vat_mode": "x"}
    assert unknown_parameters(sent, SessionCreateParams) == [
        "line_items[0].price_data.product_data.colour",
        "payment_intent_data.nope",
        "vat_mode",
    ]


async def test_checkout_asks_stripe_for_an_invoice_the_vat_id_and_the_billing_address(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe
) -> None:
    client, _ = stripe_edge
    sid, _, _ = await started(client)
    sent = fake_stripe.requests[-1]["params"]
    assert sent["invoice_creation"] == {
        "enabled": "true",
        "invoice_data": {
            "metadata": {"quiz_session_id": sid, "tier": "report"},
            "custom_fields": [{"name": "Order", "value": order_reference(uuid.UUID(sid))}],
        },
    }
    assert sent["tax_id_collection"] == {"enabled": "true"}
    assert sent["billing_address_collection"] == "required"


async def test_the_jobs_of_a_payment_carry_the_request_that_brought_it(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    """Fulfilled in a batch with others' payments, each payment's jobs still carry its own request's id."""
    client, _ = stripe_edge
    sids = []
    for n in range(3):
        sid, _, cs = await started(client)
        body, header = signed(event("checkout.session.completed", fake_stripe.complete(cs)), SECRET)
        headers = {"Stripe-Signature": header, "X-Request-Id": f"req-pay-{n}"}
        response = await client.post(WEBHOOK, data=body, headers=headers)
        assert (await response.json())["outcome"] == "fulfilled"
        assert response.headers["X-Request-Id"] == f"req-pay-{n}"
        sids.append(sid)
    for n, sid in enumerate(sids):
        rows = await db.fetch(
            "select request_id from job_outbox where args ->> 0 = $1"
            " or job_id in (select 'report:' || id from reports where session_id = $2)",
            sid,
            uuid.UUID(sid),
        )
        assert [r["request_id"] for r in rows] == [f"req-pay-{n}"] * 2  # the confirmation and the report
