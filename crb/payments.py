"""Payments behind one protocol: Stripe Checkout for real, an offline stand-in for local use."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from stripe.params import RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from crb.errors import UpstreamError
from crb.settings import Settings, Tier

log = logging.getLogger(__name__)

OFFLINE_PREFIX = "cs_offline_"
# The success page polls every 2 s while the webhook is on its way, possibly from several tabs: one answer
# from Stripe serves every status read of a checkout for this long (Stripe allows 100 reads/s in live mode,
# https://docs.stripe.com/rate-limits).
RETRIEVE_REUSE_S = 3.0


# Stripe takes a Checkout Session's `expires_at` from 30 minutes to 24 hours after it creates the session, by
# its own clock, a moment after ours (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at).
STRIPE_EXPIRY_MIN, STRIPE_EXPIRY_MAX = dt.timedelta(minutes=30), dt.timedelta(hours=24)
EXPIRY_MARGIN = dt.timedelta(seconds=30)  # the request's trip, and clocks a little apart


def checkout_expiry(now: dt.datetime, minutes: int) -> dt.datetime:
    """When a checkout opened `now` expires: on a whole minute (a double click seconds apart sends Stripe the same
    request), at least `minutes` and Stripe's floor away with a margin to spare, never past Stripe's ceiling."""
    wanted = now + max(dt.timedelta(minutes=minutes), STRIPE_EXPIRY_MIN) + EXPIRY_MARGIN
    at = wanted.replace(second=0, microsecond=0) + (
        dt.timedelta(minutes=1) if wanted.second or wanted.microsecond else dt.timedelta()
    )
    ceiling = now + STRIPE_EXPIRY_MAX - EXPIRY_MARGIN
    return at if at <= ceiling else ceiling.replace(second=0, microsecond=0)


def checkout_idempotency_key(params: Mapping[str, Any], previous_checkout: str | None) -> str:
    """One key per distinct request: Stripe refuses a key it has seen with other parameters (for 24 hours), so
    the key is made of the parameters themselves, all of them, and of the checkout it replaces (the same
    request after an earlier checkout expired must make a new one, not answer with the expired one)."""
    source = json.dumps([previous_checkout, params], sort_keys=True, separators=(",", ":"))
    return "checkout-" + hashlib.sha256(source.encode()).hexdigest()


def order_reference(session_id: uuid.UUID) -> str:
    """The order's short reference for buyers and support (on the invoice, the success page and every email)."""
    return "CRB-" + session_id.hex[:10].upper()


@dataclass(frozen=True)
class CheckoutRequest:
    session_id: uuid.UUID
    email: str
    tier: Tier
    success_url: str  # holds {CHECKOUT_SESSION_ID}
    cancel_url: str
    expires_at: dt.datetime
    previous_checkout: str | None = None  # the session's earlier checkout, closed before this one opens


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class CheckoutState:
    """A Checkout Session as the provider sees it now."""

    id: str
    payment_status: str
    amount_total: int | None
    currency: str | None
    payment_intent: str | None
    status: str | None = None  # open, complete (paid, or a delayed payment on its way) or expired

    @property
    def paid(self) -> bool:
        """The money is there (or none was due): the session may be fulfilled."""
        return self.payment_status in PAID_CHECKOUT


@dataclass(frozen=True)
class Invoice:
    """The invoice the provider made for a paid checkout (https://docs.stripe.com/api/invoices/object)."""

    number: str | None
    hosted_url: str | None  # the provider's page for it, with its PDF
    pdf_url: str | None
    total: int | None = None  # minor units, as charged
    tax: int | None = None  # the VAT within `total` (none where no tax was worked out)


@dataclass(frozen=True)
class Refunded:
    """A refund as the provider made it (https://docs.stripe.com/api/refunds/object#refund_object-status)."""

    id: str
    # succeeded; pending (a bank debit's refund takes days); requires_action, failed or canceled: money not back
    status: str

    @property
    def on_its_way(self) -> bool:
        return self.status in ("succeeded", "pending")


# https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-payment_status
PAID_CHECKOUT = ("paid", "no_payment_required")


class PaymentGateway(Protocol):
    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    async def retrieve_checkout(self, checkout_id: str) -> CheckoutState | None:
        """The provider's view of a checkout, or None where the provider keeps no state of its own."""
        ...

    async def expire_checkout(self, checkout_id: str) -> CheckoutState | None:
        """Close a checkout so it can no longer be paid; its state afterwards (paid, if it was meanwhile).

        None where the provider keeps no state; raises UpstreamError when it cannot say.
        """
        ...

    async def invoice(self, checkout_id: str) -> Invoice | None:
        """The invoice made for a paid checkout; None when there is none (or no provider keeps any). Raises
        UpstreamError when the provider cannot say."""
        ...

    async def refund(self, payment_intent_id: str, reason: str, idempotency_key: str) -> Refunded:
        """Refund a payment in full; the refund as made. Raises UpstreamError when the provider cannot."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class CheckoutTerms:
    """What the configuration adds to every Checkout Session: how VAT is worked out, and recovery."""

    automatic_tax: bool = False
    prices_include_vat: bool = True
    recovery: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckoutTerms:
        return cls(settings.stripe_automatic_tax, settings.prices_include_vat, settings.checkout_recovery)


def checkout_params(request: CheckoutRequest, terms: CheckoutTerms) -> SessionCreateParams:
    """The Checkout Session Stripe is asked for (https://docs.stripe.com/api/checkout/sessions/create)."""
    metadata = {"quiz_session_id": str(request.session_id), "tier": request.tier.id}
    reference = order_reference(request.session_id)
    params: SessionCreateParams = {
        "mode": "payment",
        "client_reference_id": str(request.session_id),
        "customer_email": request.email,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": request.tier.currency,
                    "unit_amount": request.tier.amount,
                    "product_data": {"name": request.tier.name},
                    # The amount as stated on the site: VAT within it, or VAT on top (Stripe Tax adds it).
                    "tax_behavior": "inclusive" if terms.prices_include_vat else "exclusive",
                },
            }
        ],
        "metadata": metadata,
        # Checkout Session metadata is not copied to the payment intent: set it there too.
        "payment_intent_data": {"metadata": metadata},
        # Buyers are businesses: an invoice they can expense (Stripe's, for a one-time payment) with the order
        # reference every email gives, their VAT id on it, and the billing address an invoice (and Stripe Tax)
        # needs (https://docs.stripe.com/payments/checkout/receipts, https://docs.stripe.com/tax/checkout/tax-ids).
        "invoice_creation": {
            "enabled": True,
            "invoice_data": {"metadata": metadata, "custom_fields": [{"name": "Order", "value": reference}]},
        },
        "tax_id_collection": {"enabled": True},
        "billing_address_collection": "required",
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "expires_at": int(request.expires_at.timestamp()),
    }
    if terms.automatic_tax:  # https://docs.stripe.com/tax/checkout
        params["automatic_tax"] = {"enabled": True}
    if terms.recovery:  # https://docs.stripe.com/payments/checkout/abandoned-carts
        params["consent_collection"] = {"promotions": "auto"}
        params["after_expiration"] = {"recovery": {"enabled": True}}
    return params


class StripeGateway:
    """Stripe Checkout through the official SDK (https://docs.stripe.com/api/checkout/sessions/create)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.stripe_secret_key is not None
        self._http = stripe.AIOHTTPClient(timeout=20)
        self._client = stripe.StripeClient(
            settings.stripe_secret_key.value,
            base_addresses={"api": settings.stripe_api_base},
            http_client=self._http,
            max_network_retries=2,
        )
        self._recent: dict[str, tuple[float, asyncio.Future[CheckoutState | None]]] = {}
        self._terms = CheckoutTerms.from_settings(settings)

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        params = checkout_params(request, self._terms)
        key = checkout_idempotency_key(params, request.previous_checkout)
        try:
            session = await self._client.v1.checkout.sessions.create_async(params, {"idempotency_key": key})
        except stripe.StripeError as e:
            log.error("Stripe refused to create a Checkout Session for %s: %r", request.session_id, e)
            raise UpstreamError(
                "the payment provider is not answering properly; please try again shortly",
                code="payment_provider_error",
            ) from e
        url = session["url"]
        if not url:
            raise UpstreamError("the payment provider returned no checkout page", code="payment_provider_error")
        return CheckoutSession(id=session["id"], url=url)

    async def retrieve_checkout(self, checkout_id: str) -> CheckoutState | None:
        """Stripe's answer, shared by every caller within RETRIEVE_REUSE_S (simultaneous ones included)."""
        now = time.monotonic()
        recent = self._recent.get(checkout_id)
        if recent is None or now - recent[0] >= RETRIEVE_REUSE_S:
            if len(self._recent) > 1000:  # forget the stale ones now and then
                self._recent = {k: v for k, v in self._recent.items() if now - v[0] < RETRIEVE_REUSE_S}
            recent = self._recent[checkout_id] = (now, asyncio.ensure_future(self._retrieve(checkout_id)))
        return await asyncio.shield(recent[1])

    async def expire_checkout(self, checkout_id: str) -> CheckoutState | None:
        # https://docs.stripe.com/api/checkout/sessions/expire: only an open session can be expired.
        try:
            session = await self._client.v1.checkout.sessions.expire_async(checkout_id)
        except stripe.InvalidRequestError:
            self._recent.pop(checkout_id, None)
            state = await self._retrieve(checkout_id)  # completed (paid, or paying later) or expired already
        except stripe.StripeError as e:
            log.error("Stripe refused to expire Checkout Session %s: %r", checkout_id, e)
            state = None
        else:
            return self._state(session)
        if state is None:
            raise UpstreamError(
                "the payment provider is not answering properly; please try again shortly",
                code="payment_provider_error",
            )
        return state

    async def refund(self, payment_intent_id: str, reason: str, idempotency_key: str) -> Refunded:
        # https://docs.stripe.com/api/refunds/create: the whole amount when none is given; the key makes a
        # retried job one refund.
        params: RefundCreateParams = {"payment_intent": payment_intent_id, "metadata": {"why": reason}}
        if reason == "duplicate_payment":
            params["reason"] = "duplicate"
        try:
            refund = await self._client.v1.refunds.create_async(params, {"idempotency_key": idempotency_key})
        except stripe.StripeError as e:
            log.error("Stripe refused to refund %s: %r", payment_intent_id, e)
            raise UpstreamError("the payment provider refused the refund", code="payment_provider_error") from e
        return Refunded(str(refund["id"]), str(refund["status"]))

    async def invoice(self, checkout_id: str) -> Invoice | None:
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(checkout_id, {"expand": ["invoice"]})
        except stripe.StripeError as e:
            log.warning("could not retrieve the invoice of Checkout Session %s: %r", checkout_id, e)
            raise UpstreamError("the payment provider is not answering", code="payment_provider_error") from e
        invoice = session["invoice"]
        if invoice is None or isinstance(invoice, str):  # none made (or, unexpanded, only its id)
            return None
        total, untaxed = invoice["total"], invoice["total_excluding_tax"]
        tax = total - untaxed if isinstance(total, int) and isinstance(untaxed, int) else None
        return Invoice(invoice["number"], invoice["hosted_invoice_url"], invoice["invoice_pdf"], total, tax)

    async def _retrieve(self, checkout_id: str) -> CheckoutState | None:
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(checkout_id)
        except stripe.StripeError as e:
            log.warning("could not retrieve Checkout Session %s: %r", checkout_id, e)
            return None
        return self._state(session)

    @staticmethod
    def _state(session: Any) -> CheckoutState:
        payment_intent = session["payment_intent"]
        return CheckoutState(
            id=session["id"],
            payment_status=session["payment_status"],
            amount_total=session["amount_total"],
            currency=session["currency"],
            payment_intent=payment_intent
            if isinstance(payment_intent, str) or payment_intent is None
            else payment_intent["id"],
            status=session["status"],
        )

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]


class OfflineGateway:
    """No Stripe key: checkout happens on the edge's own clearly labelled offline page."""

    def __init__(self, settings: Settings) -> None:
        self._base = settings.public_base_url

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        checkout_id = OFFLINE_PREFIX + secrets.token_urlsafe(24)
        return CheckoutSession(id=checkout_id, url=f"{self._base}/offline-checkout/{checkout_id}")

    async def retrieve_checkout(self, checkout_id: str) -> CheckoutState | None:
        return None  # offline payments exist only as the webhooks the offline page sends

    async def expire_checkout(self, checkout_id: str) -> CheckoutState | None:
        return None

    async def invoice(self, checkout_id: str) -> Invoice | None:
        return None  # nothing was charged, so nothing is invoiced

    async def refund(self, payment_intent_id: str, reason: str, idempotency_key: str) -> Refunded:
        refund_id = "re_offline_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return Refunded(refund_id, "succeeded")  # nothing was charged

    async def close(self) -> None:
        return None


def gateway_for(settings: Settings) -> PaymentGateway:
    """The one place that chooses real Stripe or the offline stand-in."""
    return OfflineGateway(settings) if settings.offline_payments else StripeGateway(settings)
