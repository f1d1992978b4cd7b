"""The order as the success page shows it (`crb.orders`): reference, amount with VAT, invoice, call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import asyncpg

from crb import lifecycle, orders, sessions
from crb.payments import Invoice, order_reference
from crb.settings import Settings


async def _checkout(db: asyncpg.Connection, tier: str) -> sessions.QuizSession:
    new = await sessions.create(db, "test")
    await db.execute("update quiz_sessions set status = 'completed' where id = $1", new.id)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert await lifecycle.start_checkout(
        db,
        new.id,
        email="a@example.com",
        tier=tier,
        amount=49700,
        currency="eur",
        checkout_id=f"cs_{new.id.hex}",
        url="u",
        expires_at=expires,
    )
    return await sessions.get(db, new.id)


async def test_an_order_before_its_invoice(db: asyncpg.Connection, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(CALL_BOOKING_URL="https://cal.example.com/crb", SUPPORT_EMAIL="help@example.com")
    session = await _checkout(db, "report_call")
    view = orders.order_view(settings, session)
    assert view == {
        "reference": order_reference(session.id),
        "amount": "€497.00 incl. VAT",
        "invoice": None,
        "call": {"minutes": 60, "booking_url": "https://cal.example.com/crb"},
        "support_email": "help@example.com",
    }


async def test_the_invoice_once_found(db: asyncpg.Connection, make_settings: Callable[..., Settings]) -> None:
    session = await _checkout(db, "report")
    await orders.record_invoice(db, session.id, Invoice("CRB-0001", "https://pay.example/i/1", "https://pay.example/p"))
    view = orders.order_view(make_settings(), await sessions.get(db, session.id))
    assert view is not None
    assert view["invoice"] == {"number": "CRB-0001", "url": "https://pay.example/i/1"}
    assert view["call"] is None  # this edition has no call


async def test_no_order_before_a_checkout(db: asyncpg.Connection, make_settings: Callable[..., Settings]) -> None:
    new = await sessions.create(db, "test")
    assert orders.order_view(make_settings(), await sessions.get(db, new.id)) is None
