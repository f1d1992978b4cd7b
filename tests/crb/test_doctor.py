"""`crb doctor` against the vendor-shaped servers: it names what is wrong in plain words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

from crb.doctor import WEBHOOK_EVENTS, run_checks, seller, strategy_call, stripe_account
from crb.settings import Settings
from tests.fakes.postmark_server import FakePostmark
from tests.fakes.storage_server import FakeStorage
from tests.fakes.stripe_server import FakeStripe

SELLER = {"SELLER_NAME": "A GmbH", "SELLER_ADDRESS": "Weg 1, Berlin", "SELLER_VAT_ID": "DE1", "SUPPORT_EMAIL": "a@b.de"}


def by_check(findings: list[Any]) -> dict[str, Any]:
    return {f.check: f for f in findings}


async def test_local_defaults_are_healthy(make_settings: Callable[..., Settings], renderer_url: str) -> None:
    found = by_check(await run_checks(make_settings(RENDERER_URL=renderer_url)))
    assert all(f.ok for f in found.values()), [f.line() for f in found.values()]
    assert "offline checkout" in found["stripe"].detail
    assert "schema up to date" in found["postgres"].detail


async def test_everything_configured_and_right(
    make_settings: Callable[..., Settings],
    renderer_url: str,
    fake_stripe: FakeStripe,
    fake_postmark: tuple[FakePostmark, str],
    fake_storage: tuple[FakeStorage, str],
) -> None:
    postmark, postmark_url = fake_postmark
    storage, storage_url = fake_storage
    postmark.senders = [{"EmailAddress": "reports@example.com", "Confirmed": True}]
    settings = make_settings(
        RENDERER_URL=renderer_url,
        PUBLIC_BASE_URL="https://crb.example.com",
        STRIPE_SECRET_KEY="sk_test_doc",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        STRIPE_API_BASE=fake_stripe.base_url,
        POSTMARK_SERVER_TOKEN=postmark.token,
        POSTMARK_ACCOUNT_TOKEN="acct",
        POSTMARK_API_BASE=postmark_url,
        EMAIL_FROM="CRB <reports@example.com>",
        SUPABASE_URL=storage_url,
        SUPABASE_SERVICE_KEY=storage.service_key,
        CALL_BOOKING_URL="https://cal.com/crb/strategy-call",
        **SELLER,
    )
    fake_stripe.add_webhook_endpoint("https://crb.example.com/api/payments/webhook", list(WEBHOOK_EVENTS))
    fake_stripe.webhook_endpoints[-1]["api_version"] = stripe.api_version
    found = by_check(await run_checks(settings))
    assert all(f.ok for f in found.values()), [f.line() for f in found.values()]
    assert "booked at https://cal.com/crb/strategy-call" in found["call"].detail


async def test_an_edition_with_a_call_needs_its_booking_page_once_payments_are_real(
    make_settings: Callable[..., Settings],
) -> None:
    offline = await strategy_call(make_settings())
    assert offline.ok and "booked by reply" in offline.detail
    selling = await strategy_call(make_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x"))
    assert not selling.ok and "CALL_BOOKING_URL is unset" in selling.detail and "Strategy Call" in selling.detail
    without = make_settings(TIERS='[{"id": "report", "name": "CRB Report", "amount": 14700, "currency": "eur"}]')
    assert (await strategy_call(without)).detail == "no edition includes a strategy call"


async def test_each_misconfiguration_is_named(
    make_settings: Callable[..., Settings],
    fake_stripe: FakeStripe,
    fake_postmark: tuple[FakePostmark, str],
    fake_storage: tuple[FakeStorage, str],
) -> None:
    postmark, postmark_url = fake_postmark
    storage, storage_url = fake_storage
    storage.buckets["reports"]["public"] = True
    postmark.senders = [{"EmailAddress": "someone@else.com", "Confirmed": True}]
    fake_stripe.add_webhook_endpoint("https://crb.example.com/api/payments/webhook", ["checkout.session.completed"])
    settings = make_settings(
        RENDERER_URL="http://127.0.0.1:9",
        PUBLIC_BASE_URL="https://crb.example.com",
        STRIPE_SECRET_KEY="sk_test_doc",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        STRIPE_API_BASE=fake_stripe.base_url,
        POSTMARK_SERVER_TOKEN="wrong",
        POSTMARK_API_BASE=postmark_url,
        SUPABASE_URL=storage_url,
        SUPABASE_SERVICE_KEY=storage.service_key,
    )
    found = by_check(await run_checks(settings))
    assert not found["renderer"].ok and "unreachable" in found["renderer"].detail
    assert not found["stripe"].ok and "charge.refunded" in found["stripe"].detail
    assert not found["postmark"].ok and "POSTMARK_SERVER_TOKEN" in found["postmark"].detail
    assert not found["supabase"].ok and "PUBLIC" in found["supabase"].detail
    assert found["postgres"].ok and found["redis"].ok

    fake_stripe.webhook_endpoints.clear()
    del storage.buckets["reports"]
    settings = make_settings(
        RENDERER_URL="http://127.0.0.1:9",
        PUBLIC_BASE_URL="https://crb.example.com",
        STRIPE_SECRET_KEY="sk_test_doc",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        STRIPE_API_BASE=fake_stripe.base_url,
        POSTMARK_SERVER_TOKEN=postmark.token,
        POSTMARK_ACCOUNT_TOKEN="acct",
        POSTMARK_API_BASE=postmark_url,
        EMAIL_FROM="reports@example.com",
        SUPABASE_URL=storage_url,
        SUPABASE_SERVICE_KEY=storage.service_key,
    )
    found = by_check(await run_checks(settings))
    assert "no webhook endpoint" in found["stripe"].detail
    assert "not a confirmed sender" in found["postmark"].detail
    assert "does not exist" in found["supabase"].detail


@pytest.mark.parametrize("version", [None, "2025-10-29.clover"])
async def test_a_webhook_endpoint_on_another_api_version_is_named(
    make_settings: Callable[..., Settings], fake_stripe: FakeStripe, version: str | None
) -> None:
    fake_stripe.add_webhook_endpoint("https://crb.example.com/api/payments/webhook", list(WEBHOOK_EVENTS))
    fake_stripe.webhook_endpoints[-1]["api_version"] = version
    settings = make_settings(
        PUBLIC_BASE_URL="https://crb.example.com",
        STRIPE_SECRET_KEY="sk_test_doc",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        STRIPE_API_BASE=fake_stripe.base_url,
    )
    found = await stripe_account(settings)
    assert not found.ok and f"this SDK reads {stripe.api_version}" in found.detail
    assert (version or "the account's default API version") in found.detail


async def test_the_seller_is_named_before_selling(make_settings: Callable[..., Settings]) -> None:
    offline = await seller(make_settings())
    assert offline.ok and "SELLER_NAME, SELLER_ADDRESS, SELLER_VAT_ID, SUPPORT_EMAIL unset" in offline.detail
    testing = await seller(make_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x"))
    assert not testing.ok and "required with a live key" in testing.detail and "dispute alerts" in testing.detail
    ready = await seller(make_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x", **SELLER))
    assert ready.ok and ready.detail == "A GmbH"
