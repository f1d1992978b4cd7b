"""Stripe webhook payloads parsed at the boundary into typed objects (https://docs.stripe.com/api/events)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crb import jsonlimits


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventData(_Lenient):
    object: dict[str, Any]


# Stripe's ids and names, as our text columns and statements take them (no NUL, no odd characters).
StripeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")]
EventType = Annotated[str, Field(pattern=r"^[a-z0-9_.]{1,100}$")]
Currency = Annotated[str, Field(pattern=r"^[a-z]{3}$")]


class StripeEvent(_Lenient):
    id: StripeId
    type: EventType
    livemode: bool
    created: int = Field(ge=0, le=2**33)  # Unix seconds (2**33 is the year 2242): a timestamp Postgres can hold
    data: EventData


# An amount in the smallest currency unit, as our integer columns hold it (Stripe's own ceiling is far lower:
# eight digits): anything else is not an event of ours, and is stored as unreadable.
Amount = Annotated[int, Field(ge=0, le=2**31 - 1)]


# Stripe's recovery link for an expired checkout, a page of its own on https
# (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-after_expiration-recovery).
RecoveryUrl = Annotated[str, Field(pattern=r"^https://[^\s<>\"'\\]{1,2000}$")]


class Recovery(_Lenient):
    url: RecoveryUrl | None = None
    expires_at: Annotated[int, Field(ge=0, le=2**33)] | None = None


class AfterExpiration(_Lenient):
    recovery: Recovery | None = None


class Consent(_Lenient):
    promotions: str | None = None  # opt_in, opt_out, or none where it was not asked


class CheckoutSessionObject(_Lenient):
    """The fields of a `checkout.session` we act on."""

    id: StripeId
    client_reference_id: str | None = None
    metadata: dict[str, str] = {}
    payment_status: str
    status: str | None = None
    amount_total: Amount | None = None
    currency: Currency | None = None
    payment_intent: StripeId | None = None
    # Read only by `recovery`: a link we cannot use costs the buyer an email, not the expiry its event records.
    consent: dict[str, Any] | None = None
    after_expiration: dict[str, Any] | None = None

    @property
    def quiz_session_id(self) -> uuid.UUID | None:
        return _uuid(self.client_reference_id) or _uuid(self.metadata.get("quiz_session_id"))

    @property
    def recovery(self) -> Recovery | None:
        """The recovery link of an expired checkout whose buyer agreed to promotional email; else None."""
        try:
            consent = Consent.model_validate(self.consent or {})
            recovery = AfterExpiration.model_validate(self.after_expiration or {}).recovery
        except ValidationError:
            return None
        return recovery if consent.promotions == "opt_in" and recovery is not None and recovery.url else None


class ChargeObject(_Lenient):
    """The fields of a `charge` we act on (`charge.refunded`)."""

    id: StripeId
    amount: Amount
    amount_refunded: Amount
    refunded: bool = False
    payment_intent: StripeId | None = None
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


# Where a dispute stands (https://docs.stripe.com/api/disputes/object#dispute_object-status): `warning_*` is an
# inquiry (no money moved yet), the others a chargeback; `crb.disputes` says which are open.
DisputeStatus = Literal[
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
    "prevented",
]
Timestamp = Annotated[int, Field(ge=0, le=2**33)]  # Unix seconds, as Postgres' timestamptz holds them


class EvidenceDetails(_Lenient):
    due_by: Timestamp | None = None  # the deadline for evidence; none once it no longer matters


class DisputeObject(_Lenient):
    """The fields of a `dispute` we act on (`charge.dispute.*`)."""

    id: StripeId
    amount: Amount
    currency: Currency
    charge: StripeId | None = None
    payment_intent: StripeId | None = None
    reason: Annotated[str, Field(pattern=r"^[a-z_]{1,100}$")]
    status: DisputeStatus
    created: Timestamp
    evidence_details: EvidenceDetails = EvidenceDetails()


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


# What Postgres' jsonb refuses that JSON allows: the NUL character, and a UTF-16 surrogate escape without its
# pair. Stripe passes on whatever customers type into names and addresses.
_REFUSED_BY_JSONB = re.compile(r"\\u(0000|[dD][89a-fA-F])")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # after parsing, a pair is one character: what is left is alone


def storable(payload: str) -> str:
    """The payload as Postgres' jsonb takes it: NULs are dropped and lone surrogates become U+FFFD (a pair, as
    an emoji is written, stays the character it is); all else is kept as it came."""
    if not _REFUSED_BY_JSONB.search(payload):
        return payload
    return json.dumps(_cleaned(json.loads(payload)))


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    return value


def parse_event(payload: bytes) -> StripeEvent:
    """Raises ValueError when the body is not a Stripe event (nor JSON within `crb.jsonlimits`)."""
    try:
        return StripeEvent.model_validate(jsonlimits.loads(payload))
    except ValidationError as e:
        raise ValueError(f"not a Stripe event: {e.errors()[0]['loc']}") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"not a Stripe event: {e}") from e


def checkout_session(event: StripeEvent) -> CheckoutSessionObject:
    return CheckoutSessionObject.model_validate(event.data.object)


def charge(event: StripeEvent) -> ChargeObject:
    return ChargeObject.model_validate(event.data.object)


def payment_intent(event: StripeEvent) -> PaymentIntentObject:
    return PaymentIntentObject.model_validate(event.data.object)


def dispute(event: StripeEvent) -> DisputeObject:
    return DisputeObject.model_validate(event.data.object)
