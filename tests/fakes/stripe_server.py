"""A loopback Stripe: Checkout Sessions and signed events, built from Stripe's own published example objects."""

from __future__ import annotations

import copy
import json
import re
import secrets
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import stripe
from aiohttp import web
from stripe.params.checkout import SessionCreateParams

FIXTURES = json.loads((Path(__file__).with_name("stripe_fixtures.json")).read_text())["resources"]


def fixture(name: str) -> dict[str, Any]:
    """A deep copy of one of Stripe's example objects (`checkout.session`, `charge`, `event`, ...)."""
    return copy.deepcopy(FIXTURES[name])


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append(None)
                if last:
                    node[idx] = value
                else:
                    if node[idx] is None:
                        node[idx] = [] if nxt_is_index else {}
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return root


@dataclass
class FakeStripe:
    """State of the fake: created sessions, the requests seen, and a switch to make it fail."""

    base_url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The first request under each key: its parameters and its answer.
    by_idempotency_key: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)  # the Checkout Session ids asked for, in order
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # each Checkout Session's, by its id
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    fail_with: int | None = None
    # What a new refund's status is: succeeded, or pending (a bank debit's), or failed (a closed account).
    refund_status: str = "succeeded"
    tax_rate_percent: float = 19.0  # Stripe Tax's rate for the buyer's address (Germany's, by default)
    webhook_endpoints: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/checkout/sessions", self._create)
        app.router.add_get("/v1/checkout/sessions/{id}", self._retrieve)
        app.router.add_post("/v1/checkout/sessions/{id}/expire", self._expire)
        app.router.add_post("/v1/refunds", self._refund)
        app.router.add_get("/v1/webhook_endpoints", self._webhook_endpoints)
        return app

    async def _webhook_endpoints(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "").startswith("Bearer sk_") is False:
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        return web.json_response(
            {"object": "list", "url": "/v1/webhook_endpoints", "has_more": False, "data": self.webhook_endpoints}
        )

    def add_webhook_endpoint(self, url: str, events: list[str], status: str = "enabled") -> None:
        endpoint = fixture("webhook_endpoint")
        endpoint.update(id="we_" + secrets.token_hex(8), url=url, enabled_events=events, status=status)
        self.webhook_endpoints.append(endpoint)

    async def _create(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "").startswith("Bearer sk_") is False:
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        params = decode_form(list((await request.post()).items()))  # type: ignore[arg-type]
        key = request.headers.get("Idempotency-Key")
        self.requests.append({"params": params, "idempotency_key": key})
        if self.fail_with:
            return _error(self.fail_with, "api_error", "Something went wrong on Stripe's end.")
        if key and key in self.by_idempotency_key:
            first_params, first = self.by_idempotency_key[key]
            if first_params != params:  # Stripe keeps the first request's parameters with its key, for 24 h
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used"
                    f" with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            return web.json_response(first)
        if unknown := unknown_parameters(params, SessionCreateParams):
            return _error(400, "invalid_request_error", f"Received unknown parameter: {unknown[0]}")
        if (refused := _expiry_refused(params.get("expires_at"))) is not None:
            return refused
        session = self.checkout_session(params)
        self.sessions[session["id"]] = session
        self.params[session["id"]] = params
        if key:
            self.by_idempotency_key[key] = (params, session)
        return web.json_response(session)

    async def _retrieve(self, request: web.Request) -> web.Response:
        self.retrieved.append(request.match_info["id"])
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return _error(404, "invalid_request_error", "No such checkout.session")
        expand = [v for k, v in request.query.items() if k.startswith("expand[")]  # expand[0]=… as the SDK sends
        if "invoice" in expand and session.get("invoice"):
            return web.json_response({**session, "invoice": self.invoices[session["invoice"]]})  # expanded
        return web.json_response(session)

    async def _refund(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "").startswith("Bearer sk_") is False:
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        if self.fail_with:
            return _error(self.fail_with, "api_error", "Something went wrong on Stripe's end.")
        params = decode_form(list((await request.post()).items()))  # type: ignore[arg-type]
        key = request.headers.get("Idempotency-Key", "")
        if key not in self.refunds:
            refund = fixture("refund")
            refund.update(
                id="re_test_" + secrets.token_hex(12),
                payment_intent=params["payment_intent"],
                reason=params.get("reason"),
                metadata=params.get("metadata", {}),
                status=self.refund_status,
            )
            self.refunds[key] = refund
        return web.json_response(self.refunds[key])

    async def _expire(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return _error(404, "invalid_request_error", "No such checkout.session")
        if self.fail_with:
            return _error(self.fail_with, "api_error", "Something went wrong on Stripe's end.")
        if session["status"] != "open":
            return _error(
                400, "invalid_request_error", 'Only Checkout Sessions with a status in ["open"] can be expired.'
            )
        return web.json_response(self.expire(session["id"]))

    def checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        s = fixture("checkout.session")
        sid = "cs_test_" + secrets.token_hex(24)
        item = params["line_items"][0]["price_data"]
        s.update(
            id=sid,
            url=f"{self.base_url}/pay/{sid}",
            status="open",
            payment_status="unpaid",
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            metadata=params.get("metadata", {}),
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            expires_at=int(params["expires_at"]),
            amount_total=int(item["unit_amount"]),
            amount_subtotal=int(item["unit_amount"]),
            currency=item["currency"],
            payment_intent=None,
            created=int(time.time()),
        )
        s["customer_details"]["email"] = params.get("customer_email")
        s["payment_intent_metadata"] = params.get("payment_intent_data", {}).get("metadata", {})
        return s

    def complete(self, session_id: str, *, payment_status: str = "paid") -> dict[str, Any]:
        """Mark a session paid as Stripe would after the customer pays; return its updated object. With
        `automatic_tax[enabled]`, Stripe Tax works out VAT at `tax_rate_percent` (the buyer's country's rate)
        within an inclusive price or on top of an exclusive one. A session made with `invoice_creation[enabled]`
        gets its invoice, paid, with its number, links and the same amounts."""
        s = self.sessions[session_id]
        params = self.params[session_id]
        price = params["line_items"][0]["price_data"]
        subtotal, tax = int(price["unit_amount"]), 0
        if params.get("automatic_tax", {}).get("enabled") == "true":
            rate = self.tax_rate_percent / 100
            inclusive = price.get("tax_behavior") == "inclusive"
            tax = round(subtotal - subtotal / (1 + rate)) if inclusive else round(subtotal * rate)
            total = subtotal if inclusive else subtotal + tax
            s["automatic_tax"] = {"enabled": True, "liability": {"type": "self"}, "status": "complete"}
        else:
            total = subtotal
        s.update(
            status="complete",
            payment_status=payment_status,
            payment_intent=s["payment_intent"] or "pi_test_" + secrets.token_hex(12),
            amount_subtotal=subtotal,
            amount_total=total,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": tax},
        )
        creation = params.get("invoice_creation", {})
        if creation.get("enabled") == "true" and payment_status == "paid" and not s.get("invoice"):
            invoice = fixture("invoice")
            iid = "in_test_" + secrets.token_hex(12)
            invoice.update(
                id=iid,
                status="paid",
                number=f"CRB-{len(self.invoices) + 1:04d}",
                hosted_invoice_url=f"{self.base_url}/i/{iid}",
                invoice_pdf=f"{self.base_url}/i/{iid}/pdf",
                metadata=creation.get("invoice_data", {}).get("metadata", {}),
                payment_intent=s["payment_intent"],
                currency=s["currency"],
                subtotal=total - tax if price.get("tax_behavior") == "inclusive" else subtotal,
                total_excluding_tax=total - tax,
                total=total,
                amount_due=total,
                amount_paid=total,
                amount_remaining=0,
            )
            self.invoices[iid] = invoice
            s["invoice"] = iid
        return copy.deepcopy(s)

    def expire(self, session_id: str, *, promotions: str | None = None) -> dict[str, Any]:
        """The session expires unpaid (its time ran out, or it was expired through the API); return it as the
        `checkout.session.expired` event carries it. `promotions` is the buyer's answer to the consent box, which
        Checkout shows only where the session asked for it (`consent_collection[promotions]`); a session made with
        `after_expiration[recovery][enabled]` gets its recovery link, valid for 30 days
        (https://docs.stripe.com/payments/checkout/abandoned-carts)."""
        s = self.sessions[session_id]
        params = self.params.get(session_id, {})
        s["status"] = "expired"
        asked = params.get("consent_collection", {}).get("promotions") == "auto"
        s["consent"] = {"promotions": promotions if asked else None, "terms_of_service": None}
        s["consent_collection"] = params.get("consent_collection")
        if params.get("after_expiration", {}).get("recovery", {}).get("enabled") == "true":
            s["after_expiration"] = {
                "recovery": {
                    "allow_promotion_codes": False,
                    "enabled": True,
                    "expires_at": int(time.time()) + 30 * 24 * 3600,
                    "url": f"https://buy.stripe.com/r/test_{secrets.token_urlsafe(24)}",
                }
            }
        else:
            s["after_expiration"] = None
        return copy.deepcopy(s)

    def recover(self, recovery_url: str) -> dict[str, Any]:
        """The buyer opens a recovery link: Stripe makes a new session, a copy of the expired one, open for 24
        hours; return it."""
        (old,) = [
            s
            for s in self.sessions.values()
            if (s.get("after_expiration") or {}).get("recovery", {}).get("url") == recovery_url
        ]
        params = dict(self.params[old["id"]], expires_at=str(int(time.time()) + 24 * 3600))
        params.pop("after_expiration", None)
        new = self.checkout_session(params)
        new["recovered_from"] = old["id"]
        self.sessions[new["id"]] = new
        self.params[new["id"]] = params
        return copy.deepcopy(new)

    def dispute(self, session_id: str, *, status: str = "needs_response", reason: str = "fraudulent") -> dict[str, Any]:
        """The customer's bank disputes a completed session's payment: a new dispute, as Stripe would make it
        (its evidence is due three weeks on); return it."""
        s = self.sessions[session_id]
        d = fixture("dispute")
        now = int(time.time())
        d.update(
            id="dp_test_" + secrets.token_hex(12),
            amount=s["amount_total"],
            currency=s["currency"],
            charge="ch_test_" + secrets.token_hex(12),
            payment_intent=s["payment_intent"],
            reason=reason,
            status=status,
            created=now,
            livemode=s["livemode"],
        )
        d["evidence_details"]["due_by"] = now + 21 * 24 * 3600
        self.disputes[d["id"]] = d
        return copy.deepcopy(d)

    def update_dispute(self, dispute_id: str, status: str) -> dict[str, Any]:
        """The dispute moves on (evidence submitted, the bank decides); return it as it is now."""
        d = self.disputes[dispute_id]
        d["status"] = status
        if status in ("under_review", "warning_under_review"):
            d["evidence_details"].update(has_evidence=True, submission_count=1)
        if status in ("won", "lost", "warning_closed", "prevented"):
            d["is_charge_refundable"] = False
        return copy.deepcopy(d)


def event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """A Stripe event wrapping `obj`, in the shape of Stripe's example event."""
    e = fixture("event")
    e.update(
        id=event_id or "evt_test_" + secrets.token_hex(12),
        type=event_type,
        created=int(time.time()),
        livemode=bool(obj.get("livemode", False)),
        data={"object": obj},
        api_version="2025-10-29.clover",
    )
    return e


def signed(payload: dict[str, Any], secret: str, *, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body and `Stripe-Signature` header Stripe would send for `payload`."""
    body = json.dumps(payload)
    return body.encode(), stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)


def unknown_parameters(params: Mapping[str, Any], typed: type, path: str = "") -> list[str]:
    """The parameters stripe-python's generated types (e.g. `SessionCreateParams`) do not declare, by dotted path:
    Stripe answers those with 400 `parameter_unknown`. Nested objects are checked as far as they are typed."""
    module = sys.modules[typed.__module__]
    declared: dict[str, Any] = getattr(typed, "__annotations__", {})
    unknown = []
    for key, value in params.items():
        if key not in declared:
            unknown.append(path + key)
            continue
        names = re.findall(r"ForwardRef\('(\w+)'\)", repr(declared[key]))
        nested = getattr(module, names[0], None) if names else None
        if not isinstance(nested, type) or not hasattr(nested, "__annotations__"):
            continue  # a scalar, or an untyped map such as metadata
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, Mapping):
                where = f"{path}{key}[{i}]." if isinstance(value, list) else f"{path}{key}."
                unknown += unknown_parameters(item, nested, where)
    return unknown


def _expiry_refused(expires_at: Any) -> web.Response | None:
    """Stripe's range for a Checkout Session's `expires_at`: 30 minutes to 24 hours after its creation."""
    if expires_at is None:
        return None
    left = int(expires_at) - time.time()
    if left < 30 * 60:
        return _error(400, "invalid_request_error", "The `expires_at` timestamp must be at least 30 minutes from now.")
    if left > 24 * 3600:
        return _error(400, "invalid_request_error", "The `expires_at` timestamp must be less than 24 hours from now.")
    return None


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message}}, status=status)
