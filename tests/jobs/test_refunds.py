"""The refund job, through a real worker on real Redis, against the Stripe-shaped server."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from crb.errors import UpstreamError
from crb.payments import StripeGateway
from crb.settings import Settings
from tests.fakes.stripe_server import FakeStripe
from tests.jobs.running import run_jobs


@pytest.fixture
def settings(make_settings: Callable[..., Settings], fake_stripe: FakeStripe) -> Settings:
    return make_settings(
        STRIPE_SECRET_KEY="sk_test_refunds", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET="whsec_x"
    )


async def test_an_undeliverable_payment_is_refunded_in_full_once(settings: Settings, fake_stripe: FakeStripe) -> None:
    job = ("refund_payment", "pi_test_twice", "duplicate_payment", "evt_test_1")
    await run_jobs(settings, job, job)  # queued twice (say, by two reconciliations): one refund at Stripe
    [refund] = fake_stripe.refunds.values()
    assert (refund["payment_intent"], refund["reason"], refund["metadata"]) == (
        "pi_test_twice",
        "duplicate",
        {"why": "duplicate_payment"},
    )


async def test_a_refund_stripe_refuses_is_an_upstream_error(settings: Settings, fake_stripe: FakeStripe) -> None:
    gateway = StripeGateway(settings)
    try:
        fake_stripe.fail_with = 500
        with pytest.raises(UpstreamError):
            await gateway.refund("pi_test_x", "paid_after_expiry", idempotency_key="refund-pi_test_x")
        fake_stripe.fail_with = None
        assert (await gateway.refund("pi_test_x", "paid_after_expiry", "refund-pi_test_x")).id.startswith("re_test_")
        assert fake_stripe.refunds["refund-pi_test_x"]["reason"] is None  # Stripe's reasons fit duplicates only
    finally:
        await gateway.close()


@pytest.mark.parametrize(
    ("status", "level", "said"),
    [
        ("pending", logging.WARNING, "is pending at Stripe"),
        ("failed", logging.ERROR, "is failed at Stripe: the money is not on its way back"),
    ],
)
async def test_a_refund_not_yet_paid_out_is_logged_as_it_stands(
    settings: Settings, fake_stripe: FakeStripe, caplog: pytest.LogCaptureFixture, status: str, level: int, said: str
) -> None:
    fake_stripe.refund_status = status  # a bank debit's refund takes days; one to a closed account fails
    with caplog.at_level(logging.INFO, logger="jobs.refunds"):
        await run_jobs(settings, ("refund_payment", "pi_test_debit", "paid_after_expiry", "evt_test_2"))
    [refund] = fake_stripe.refunds.values()
    assert refund["status"] == status
    [line] = [r for r in caplog.records if r.name == "jobs.refunds"]
    assert line.levelno == level and said in line.getMessage() and "refunded" not in line.getMessage()
