"""Checkout's parameters as Stripe takes them: the expiry in its range, one idempotency key per request, the
invoice, VAT and recovery as configured."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest

from crb.payments import (
    STRIPE_EXPIRY_MAX,
    STRIPE_EXPIRY_MIN,
    CheckoutRequest,
    CheckoutTerms,
    checkout_expiry,
    checkout_idempotency_key,
    checkout_params,
    order_reference,
)
from crb.settings import DEFAULT_TIERS

NOW = dt.datetime(2026, 12, 3, 17, 45, 12, 345678, tzinfo=dt.UTC)
SESSION = uuid.UUID("5b0e8f0e-3c1d-4a57-9a51-2f1e4c8d7b60")


@pytest.mark.parametrize("minutes", [30, 31, 60, 600, 1439, 1440])
@pytest.mark.parametrize(
    "now", [NOW, NOW.replace(second=0, microsecond=0), NOW.replace(second=59, microsecond=999_999)]
)
def test_the_expiry_is_on_a_whole_minute_and_in_stripes_range_with_room_to_spare(
    minutes: int, now: dt.datetime
) -> None:
    at = checkout_expiry(now, minutes)
    assert at.second == at.microsecond == 0
    assert at - now >= STRIPE_EXPIRY_MIN + dt.timedelta(seconds=30)  # Stripe's clock reads a moment later
    assert at - now <= STRIPE_EXPIRY_MAX - dt.timedelta(seconds=30)
    assert at - now >= min(dt.timedelta(minutes=minutes), STRIPE_EXPIRY_MAX - dt.timedelta(seconds=90))


def test_a_double_click_seconds_apart_is_the_same_request() -> None:
    assert checkout_expiry(NOW, 60) == checkout_expiry(NOW + dt.timedelta(seconds=5), 60)


def _request(**changes: Any) -> CheckoutRequest:
    request = CheckoutRequest(
        session_id=SESSION,
        email="a@example.com",
        tier=DEFAULT_TIERS[0],
        success_url="https://example.com/ok?c={CHECKOUT_SESSION_ID}",
        cancel_url="https://example.com/no",
        expires_at=checkout_expiry(NOW, 60),
    )
    return dataclasses.replace(request, **changes)


PLAIN = CheckoutTerms()


def _key(request: CheckoutRequest, terms: CheckoutTerms = PLAIN) -> str:
    return checkout_idempotency_key(checkout_params(request, terms), request.previous_checkout)


def test_the_key_changes_with_every_parameter_that_varies() -> None:
    key = _key(_request())
    assert key == _key(_request())  # a double click: the same request, the same key
    others = {
        _key(_request(session_id=uuid.uuid4())),
        _key(_request(tier=DEFAULT_TIERS[1])),
        _key(_request(email="b@example.com")),
        _key(_request(previous_checkout="cs_earlier")),
        _key(_request(expires_at=checkout_expiry(NOW + dt.timedelta(minutes=1), 60))),
        _key(_request(), CheckoutTerms(automatic_tax=True)),
        _key(_request(), CheckoutTerms(prices_include_vat=False)),
        _key(_request(), CheckoutTerms(recovery=True)),
    }
    assert key not in others and len(others) == 8
    assert len(key) <= 255  # Stripe's limit


def test_the_checkout_asks_for_an_invoice_with_the_order_reference() -> None:
    params = checkout_params(_request(), CheckoutTerms())
    invoice = params["invoice_creation"]
    assert invoice["enabled"] is True
    assert invoice.get("invoice_data", {}).get("custom_fields") == [
        {"name": "Order", "value": order_reference(SESSION)}
    ]
    assert params["tax_id_collection"] == {"enabled": True}
    assert params["billing_address_collection"] == "required"
    assert "automatic_tax" not in params and "consent_collection" not in params and "after_expiration" not in params


@pytest.mark.parametrize("inclusive", [True, False])
def test_vat_is_worked_out_by_stripe_tax_only_when_configured(inclusive: bool) -> None:
    params = checkout_params(_request(), CheckoutTerms(automatic_tax=True, prices_include_vat=inclusive))
    assert params["automatic_tax"] == {"enabled": True}
    price = params["line_items"][0].get("price_data", {})
    assert price.get("tax_behavior") == ("inclusive" if inclusive else "exclusive")


def test_recovery_asks_for_consent_and_a_recovery_link() -> None:
    params = checkout_params(_request(), CheckoutTerms(recovery=True))
    assert params["consent_collection"] == {"promotions": "auto"}
    assert params["after_expiration"] == {"recovery": {"enabled": True}}


def test_the_order_reference_is_short_and_the_sessions_own() -> None:
    assert order_reference(SESSION) == "CRB-" + SESSION.hex[:10].upper()
    assert order_reference(uuid.uuid4()) != order_reference(SESSION)
