"""Checkout's parameters as Stripe takes them: the expiry in its range, and one idempotency key per request."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from crb.payments import STRIPE_EXPIRY_MAX, STRIPE_EXPIRY_MIN, checkout_expiry, checkout_idempotency_key

NOW = dt.datetime(2026, 12, 3, 17, 45, 12, 345678, tzinfo=dt.UTC)


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


def test_the_key_changes_with_every_parameter_that_varies() -> None:
    sid, at = uuid.uuid4(), checkout_expiry(NOW, 60)
    key = checkout_idempotency_key(sid, "report", "a@example.com", None, at)
    assert key == checkout_idempotency_key(sid, "report", "a@example.com", None, at)
    others = {
        checkout_idempotency_key(uuid.uuid4(), "report", "a@example.com", None, at),
        checkout_idempotency_key(sid, "report_call", "a@example.com", None, at),
        checkout_idempotency_key(sid, "report", "b@example.com", None, at),
        checkout_idempotency_key(sid, "report", "a@example.com", "cs_earlier", at),
        checkout_idempotency_key(sid, "report", "a@example.com", None, at + dt.timedelta(minutes=1)),
    }
    assert key not in others and len(others) == 5
    assert len(key) <= 255  # Stripe's limit
