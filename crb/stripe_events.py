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
        for raw in (self.client_reference_id, self.metadata.get("quiz_session_id")):
            if not raw:
                continue
            try:
                return uuid.UUID(raw)
            except ValueError:
                continue
        return None


def parse_event(payload: bytes) -> StripeEvent:
    """Raises ValueError when the body is not a Stripe event."""
    try:
        return StripeEvent.model_validate_json(payload)
    except ValidationError as e:
        raise ValueError(f"not a Stripe event: {e.errors()[0]['loc']}") from e


def checkout_session(event: StripeEvent) -> CheckoutSessionObject:
    return CheckoutSessionObject.model_validate(event.data.object)
