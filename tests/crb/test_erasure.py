"""Erasure: no trace of the customer in sessions, emails or stored Stripe events; the accounts keep theirs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from crb import sessions
from crb.db import Pool, create_pool

# What the customer typed or Stripe collected: none of it may survive an erasure. (No bare numbers: they
# could turn up by chance in the rows' hex ids.)
PERSONAL = ("Jenny Rosen", "Rosen Bakery", "+4930123456", "Hauptstr. 5", "N1 9GU", "AOB934RVNwzk6xtn")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url)
    yield pool
    await pool.close()


@dataclass(frozen=True)
class Customer:
    session_id: uuid.UUID
    email: str
    checkout_id: str
    payment_intent_id: str
    event_ids: tuple[str, ...]

    @property
    def traces(self) -> tuple[str, ...]:
        return (self.email, *PERSONAL)


def _address() -> dict[str, Any]:
    return {"line1": "Hauptstr. 5", "line2": None, "city": "Berlin", "postal_code": "N1 9GU", "country": "DE"}


def _details(email: str) -> dict[str, Any]:
    return {"name": "Jenny Rosen", "email": email, "phone": "+4930123456", "address": _address(), "tax_ids": []}


def checkout_object(c: Customer, payment_status: str = "paid") -> dict[str, Any]:
    """A checkout.session as Stripe sends it, with the customer's details (docs.stripe.com/api/checkout/sessions)."""
    return {
        "id": c.checkout_id,
        "object": "checkout.session",
        "client_reference_id": str(c.session_id),
        "metadata": {"quiz_session_id": str(c.session_id), "tier": "report"},
        "amount_total": 14700,
        "currency": "eur",
        "payment_intent": c.payment_intent_id,
        "payment_status": payment_status,
        "status": "complete",
        "customer_email": c.email,
        "customer_details": _details(c.email),
        "collected_information": {"shipping_details": {"name": "Jenny Rosen", "address": _address()}},
        "custom_fields": [{"key": "company", "text": {"value": "Rosen Bakery"}}],
    }


def charge_object(c: Customer, amount_refunded: int) -> dict[str, Any]:
    """A charge as Stripe sends it, with billing details and the card (docs.stripe.com/api/charges/object)."""
    return {
        "id": "ch_" + c.session_id.hex,
        "object": "charge",
        "amount": 14700,
        "amount_refunded": amount_refunded,
        "currency": "eur",
        "status": "succeeded",
        "refunded": amount_refunded >= 14700,
        "payment_intent": c.payment_intent_id,
        "metadata": {"quiz_session_id": str(c.session_id), "tier": "report"},
        "billing_details": _details(c.email),
        "receipt_email": c.email,
        "shipping": {"name": "Jenny Rosen", "phone": "+4930123456", "address": _address()},
        "payment_method_details": {"type": "card", "card": {"last4": "4242", "fingerprint": "AOB934RVNwzk6xtn"}},
    }


async def store_event(
    db: Pool, event_id: str, kind: str, obj: dict[str, Any], session_id: uuid.UUID | None, **data: Any
) -> None:
    payload = {"id": event_id, "object": "event", "type": kind, "data": {"object": obj, **data}}
    await db.execute(
        "insert into stripe_events (id, type, livemode, session_id, outcome, payload)"
        " values ($1, $2, false, $3, 'fulfilled', $4)",
        event_id,
        kind,
        session_id,
        payload,
    )


async def paid_customer(db: Pool, email: str) -> Customer:
    """A delivered, partly refunded session with its report, emails and Stripe events, full of personal data."""
    sid = uuid.uuid4()
    ids = tuple("evt_" + uuid.uuid4().hex for _ in range(3))
    c = Customer(sid, email, f"cs_{sid.hex}", f"pi_{sid.hex}", ids)
    await db.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, answers, teaser, email, company_name, tier,"
        " stripe_checkout_session_id, stripe_payment_intent_id, stripe_checkout_url, amount_total, currency,"
        " refund_amount, paid_at) values ($1, 'x', 'test', 'delivered', $2, $3, $4, 'Rosen Bakery', 'report',"
        " $5, $6, 'https://checkout.stripe.com/c/pay/x', 14700, 'eur', 5000, now())",
        sid,
        {"company_name": "Rosen Bakery", "biggest_pain": "Jenny Rosen does the books by hand"},
        {"score": 61},
        email,
        c.checkout_id,
        c.payment_intent_id,
    )
    await db.execute(
        "insert into reports (id, session_id, version, status, storage_path, sha256, ready_at, data)"
        " values ($1, $2, 1, 'ready', $3, 'abc', now(), $4)",
        uuid.uuid4(),
        sid,
        f"reports/{sid}.pdf",
        {"company_name": "Rosen Bakery", "own_words": {"pain": "Jenny Rosen does the books by hand"}},  # as printed
    )
    for kind, error in (("payment_confirmation", None), ("report_ready", f"Invalid 'To' address: {email}")):
        await db.execute(
            "insert into emails (session_id, kind, recipient, status, last_error) values ($1, $2, $3, 'sent', $4)",
            sid,
            kind,
            email,
            error,
        )
    await store_event(db, ids[0], "checkout.session.completed", checkout_object(c), sid)
    # A refund, and a charge of a type we only store: neither linked to the session, both found by payment intent.
    previous = {"amount_refunded": 0, "receipt_email": email}
    await store_event(db, ids[1], "charge.refunded", charge_object(c, 5000), None, previous_attributes=previous)
    await store_event(db, ids[2], "charge.succeeded", charge_object(c, 0), None)
    return c


async def everything(db: Pool, c: Customer) -> str:
    """Every stored row of the customer's, as text."""
    rows = await db.fetch(
        "select q::text from quiz_sessions q where id = $1"
        " union all select r::text from reports r where session_id = $1"
        " union all select e::text from emails e where session_id = $1"
        " union all select s::text from stripe_events s where id = any($2::text[])",
        c.session_id,
        list(c.event_ids),
    )
    return "\n".join(r[0] for r in rows)


async def erase(db: Pool, c: Customer, now: dt.datetime | None = None) -> list[str]:
    async with db.acquire() as conn, conn.transaction():
        return await sessions.erase(conn, c.session_id, now)


async def objects(db: Pool, c: Customer) -> dict[str, dict[str, Any]]:
    rows = await db.fetch("select id, payload from stripe_events where id = any($1::text[])", list(c.event_ids))
    return {r["id"]: r["payload"]["data"]["object"] for r in rows}


async def test_erasure_leaves_no_trace_of_the_customer(db: Pool) -> None:
    c = await paid_customer(db, f"jenny.{uuid.uuid4().hex[:8]}@example.com")
    before = await everything(db, c)
    assert all(trace in before for trace in c.traces)

    assert await erase(db, c) == [f"reports/{c.session_id}.pdf"]

    after = await everything(db, c)
    assert [trace for trace in c.traces if trace in after] == []
    recipients = await db.fetch("select recipient, last_error from emails where session_id = $1", c.session_id)
    assert [tuple(r) for r in recipients] == [(sessions.ERASED_RECIPIENT, None)] * 2


async def test_erasure_keeps_what_the_accounts_and_refunds_need(db: Pool) -> None:
    c = await paid_customer(db, f"jenny.{uuid.uuid4().hex[:8]}@example.com")
    await erase(db, c)

    row = await db.fetchrow("select * from quiz_sessions where id = $1", c.session_id)
    kept = ("status", "tier", "amount_total", "currency", "refund_amount", "stripe_payment_intent_id")
    assert tuple(row[k] for k in kept) == ("delivered", "report", 14700, "eur", 5000, c.payment_intent_id)
    assert row["stripe_checkout_session_id"] == c.checkout_id and row["paid_at"] and row["erased_at"]
    by_id = await objects(db, c)
    checkout, refund, charge = (by_id[i] for i in c.event_ids)
    assert {k: checkout[k] for k in ("id", "amount_total", "currency", "payment_intent", "payment_status")} == {
        "id": c.checkout_id,
        "amount_total": 14700,
        "currency": "eur",
        "payment_intent": c.payment_intent_id,
        "payment_status": "paid",
    }
    for obj, refunded in ((refund, 5000), (charge, 0)):
        assert (obj["amount"], obj["amount_refunded"], obj["payment_intent"]) == (14700, refunded, c.payment_intent_id)
        assert obj["metadata"]["quiz_session_id"] == str(c.session_id)
    # What fulfilment reads of an early refund (`crb.fulfilment._FULFIL`) is still found by its index's expression.
    found = await db.fetchrow(
        "select (payload -> 'data' -> 'object' ->> 'amount')::int as amount,"
        " (payload -> 'data' -> 'object' ->> 'amount_refunded')::int as refunded from stripe_events"
        " where type = 'charge.refunded' and payload -> 'data' -> 'object' ->> 'payment_intent' = $1",
        c.payment_intent_id,
    )
    assert tuple(found) == (14700, 5000)
    previous = await db.fetchval(
        "select payload -> 'data' -> 'previous_attributes' from stripe_events where id = $1", c.event_ids[1]
    )
    assert previous == {"amount_refunded": 0}


async def test_another_customers_data_is_untouched(db: Pool) -> None:
    c, other = await paid_customer(db, "c@example.com"), await paid_customer(db, "other@example.com")
    untouched = await everything(db, other)
    await erase(db, c)
    assert await everything(db, other) == untouched


async def erased_state(db: Pool, c: Customer) -> tuple[Any, ...]:
    """What an erasure leaves, apart from the `updated_at` it touches."""
    return (
        await db.fetchrow("select status, erased_at, email, answers from quiz_sessions where id = $1", c.session_id),
        await db.fetch("select purged_at from reports where session_id = $1", c.session_id),
        await db.fetch("select recipient, last_error from emails where session_id = $1 order by id", c.session_id),
        await objects(db, c),
    )


async def test_erasing_twice_is_harmless(db: Pool) -> None:
    c = await paid_customer(db, "twice@example.com")
    now = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)
    await erase(db, c, now)
    once = await erased_state(db, c)

    # A repeat (say after the store failed to delete the PDF) names the PDF again: deleting it twice is harmless.
    assert await erase(db, c) == [f"reports/{c.session_id}.pdf"]

    assert await erased_state(db, c) == once
    assert once[0]["erased_at"] == now and once[1][0]["purged_at"] == now


async def test_an_unpaid_session_expires_and_its_failed_checkout_is_scrubbed(db: Pool) -> None:
    sid = uuid.uuid4()
    c = Customer(sid, "unpaid@example.com", f"cs_{sid.hex}", f"pi_{sid.hex}", ("evt_" + uuid.uuid4().hex,))
    await db.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, email, company_name, tier,"
        " stripe_checkout_session_id) values ($1, 'x', 'test', 'checkout', $2, 'Rosen Bakery', 'report', $3)",
        sid,
        c.email,
        c.checkout_id,
    )
    # An expired checkout is stored linked to no session when it names none of ours; found by its checkout id.
    obj = {**checkout_object(c, "unpaid"), "client_reference_id": None, "metadata": {}}
    await store_event(db, c.event_ids[0], "checkout.session.expired", obj, None)

    assert await erase(db, c) == []

    assert await db.fetchval("select status from quiz_sessions where id = $1", sid) == "expired"
    after = await everything(db, c)
    assert [trace for trace in c.traces if trace in after] == []
    assert (await objects(db, c))[c.event_ids[0]]["id"] == c.checkout_id
