"""Stripe webhook payloads parsed at the boundary into typed objects (https://docs.stripe.com/api/events)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventData(_Lenient):
    object: dict[str, Any]


class StripeEvent(_Lenient):
    id: str
    type: str
    livemode: bool
    created: int
    data: EventData


class CheckoutSessionObject(_Lenient):
    """The fields of a `checkout.session` we act on."""

    id: str
    client_reference_id: str | None = None
    metadata: dict[str, str] = {}
    payment_status: str
    status: str | None = None
    amount_total: int | None = None
    currency: str | None = None
    payment_intent: str | None = None

    @property
    def quiz_session_id(self) -> uuid.UUID | None:
        return _uuid(self.client_reference_id) or _uuid(self.metadata.get("quiz_session_id"))


class ChargeObject(_Lenient):
    """The fields of a `charge` we act on (`charge.refunded`)."""

    id: str
    amount: int
    amount_refunded: int
    refunded: bool = False
    payment_intent: str | None = None
    metadata: dict[str, str] = {}

    @property
    def quiz_session_id(self) -> uuid.UUID | None:
        return _uuid(self.metadata.get("quiz_session_id"))


class PaymentIntentObject(_Lenient):
    """The fields of a `payment_intent` we act on (`payment_intent.payment_failed`)."""

    id: str
    metadata: dict[str, str] = {}

    @property
    def quiz_session_id(self) -> uuid.UUID | None:
        return _uuid(self.metadata.get("quiz_session_id"))


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def parse_event(payload: bytes) -> StripeEvent:
    """Raises ValueError when the body is not a Stripe event."""
    try:
        return StripeEvent.model_validate_json(payload)
    except ValidationError as e:
        raise ValueError(f"not a Stripe event: {e.errors()[0]['loc']}") from e


def checkout_session(event: StripeEvent) -> CheckoutSessionObject:
    return CheckoutSessionObject.model_validate(event.data.object)


def charge(event: StripeEvent) -> ChargeObject:
    return ChargeObject.model_validate(event.data.object)


def payment_intent(event: StripeEvent) -> PaymentIntentObject:
    return PaymentIntentObject.model_validate(event.data.object)
