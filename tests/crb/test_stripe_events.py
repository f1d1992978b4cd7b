"""Stripe webhook payloads: Stripe's own example objects parse into typed events; anything else is a ValueError."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import ValidationError

from crb import jsonlimits, stripe_events
from crb.stripe_events import StripeEvent

TESTS = Path(__file__).resolve().parents[1]
# Stripe's own published example objects (a copy, in the repository, of the ones the fake Stripe serves).
SOURCES = {"stripe": TESTS / "fakes" / "stripe_fixtures.json"}
EXAMPLES: dict[str, dict[str, Any]] = {
    source: json.loads(path.read_text(encoding="utf-8"))["resources"] for source, path in SOURCES.items()
}
QUIZ = uuid.UUID("6f1c2a3e-0b7d-4c41-9a55-3d2e8f0a1b2c")
OTHER = uuid.UUID("0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70")

by_source = pytest.mark.parametrize("source", list(SOURCES))


def example(source: str, resource: str, **changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = copy.deepcopy(EXAMPLES[source][resource])
    return {**obj, **changes}


def event_body(source: str, event_type: str, obj: dict[str, Any]) -> bytes:
    """Stripe's example event, carrying `obj` as its `data.object`, as the webhook's raw body."""
    envelope = example(source, "event", type=event_type)
    envelope["data"] = {**envelope["data"], "object": obj}
    return json.dumps(envelope).encode()


@by_source
def test_stripes_example_event_parses(source: str) -> None:
    event = stripe_events.parse_event(json.dumps(EXAMPLES[source]["event"]).encode())
    assert (event.id, event.type, event.livemode, event.created) == (
        "evt_1Pgc76B7WZ01zgkWwyRHS12y",
        "plan.created",
        False,
        1234567890,
    )
    assert event.data.object["id"] == "price_1PgafmB7WZ01zgkW6dKueIc5"


@by_source
def test_a_completed_checkout_reads_as_its_typed_object(source: str) -> None:
    obj = example(source, "checkout.session", client_reference_id=str(QUIZ), amount_total=14700, currency="eur")
    session = stripe_events.checkout_session(
        stripe_events.parse_event(event_body(source, "checkout.session.completed", obj))
    )
    assert session.id == "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
    assert (session.payment_status, session.status) == ("unpaid", "open")
    assert (session.amount_total, session.currency) == (14700, "eur")
    assert session.payment_intent == "pi_1PgafyB7WZ01zgkWSjxsAJo3"
    assert session.quiz_session_id == QUIZ


@by_source
def test_stripes_example_checkout_names_no_quiz_session(source: str) -> None:
    session = stripe_events.checkout_session(
        stripe_events.parse_event(event_body(source, "checkout.session.completed", example(source, "checkout.session")))
    )
    assert (session.client_reference_id, session.metadata, session.amount_total) == (None, {}, None)
    assert session.quiz_session_id is None


@pytest.mark.parametrize(
    ("client_reference_id", "metadata", "expected"),
    [
        (str(QUIZ), {}, QUIZ),
        (None, {"quiz_session_id": str(OTHER)}, OTHER),
        (str(QUIZ), {"quiz_session_id": str(OTHER)}, QUIZ),  # the reference wins
        ("order-42", {"quiz_session_id": str(OTHER)}, OTHER),  # not a uuid: the metadata's
        ("", {"quiz_session_id": str(OTHER)}, OTHER),
        ("order-42", {"quiz_session_id": "nope"}, None),
        (None, {"other": str(OTHER)}, None),
        (None, {}, None),
    ],
)
def test_a_checkouts_quiz_session_comes_from_its_reference_else_its_metadata(
    client_reference_id: str | None, metadata: dict[str, str], expected: uuid.UUID | None
) -> None:
    obj = example("stripe", "checkout.session", client_reference_id=client_reference_id, metadata=metadata)
    assert stripe_events.checkout_session(
        stripe_events.parse_event(event_body("stripe", "t", obj))
    ).quiz_session_id == (expected)


@by_source
def test_a_refunded_charge_reads_as_its_typed_object(source: str) -> None:
    obj = example(
        source,
        "charge",
        amount_refunded=100,
        refunded=True,
        payment_intent="pi_1PgafyB7WZ01zgkWSjxsAJo3",
        metadata={"quiz_session_id": str(QUIZ)},
    )
    charge = stripe_events.charge(stripe_events.parse_event(event_body(source, "charge.refunded", obj)))
    assert (charge.id, charge.amount, charge.amount_refunded, charge.refunded) == (
        "ch_1PgafuB7WZ01zgkWXYmPNZs8",
        100,
        100,
        True,
    )
    assert charge.payment_intent == "pi_1PgafyB7WZ01zgkWSjxsAJo3"
    assert charge.quiz_session_id == QUIZ


@by_source
def test_a_charge_names_its_quiz_session_by_metadata_only(source: str) -> None:
    example_charge = stripe_events.charge(
        stripe_events.parse_event(event_body(source, "charge.refunded", example(source, "charge")))
    )
    assert (example_charge.amount_refunded, example_charge.refunded, example_charge.quiz_session_id) == (0, False, None)
    odd = example(source, "charge", client_reference_id=str(QUIZ), metadata={"quiz_session_id": "x"})
    assert stripe_events.charge(stripe_events.parse_event(event_body(source, "t", odd))).quiz_session_id is None


@by_source
def test_a_failed_payment_intent_names_its_quiz_session(source: str) -> None:
    obj = example(source, "payment_intent", metadata={"quiz_session_id": str(QUIZ)})
    intent = stripe_events.payment_intent(
        stripe_events.parse_event(event_body(source, "payment_intent.payment_failed", obj))
    )
    assert (intent.id, intent.quiz_session_id) == ("pi_1PgafyB7WZ01zgkWSjxsAJo3", QUIZ)
    plain = stripe_events.payment_intent(
        stripe_events.parse_event(event_body(source, "t", example(source, "payment_intent")))
    )
    assert plain.quiz_session_id is None


def test_the_typed_objects_are_frozen_and_keep_only_their_fields() -> None:
    event = stripe_events.parse_event(event_body("stripe", "t", example("stripe", "checkout.session")))
    session = stripe_events.checkout_session(event)
    assert "customer_details" not in type(session).model_fields and not hasattr(session, "customer_details")
    with pytest.raises(ValidationError, match="frozen"):
        session.id = "cs_other"
    with pytest.raises(ValidationError, match="frozen"):
        event.type = "other"


@pytest.mark.parametrize(
    ("reader", "resource", "missing"),
    [
        (stripe_events.checkout_session, "charge", ["payment_status"]),
        (stripe_events.charge, "checkout.session", ["amount", "amount_refunded"]),
        (stripe_events.charge, "payment_intent", ["amount_refunded"]),
    ],
)
def test_an_object_of_another_kind_is_refused_by_its_missing_field(
    reader: Callable[[StripeEvent], object], resource: str, missing: list[str]
) -> None:
    event = stripe_events.parse_event(event_body("stripe", "t", example("stripe", resource)))
    with pytest.raises(ValidationError) as caught:
        reader(event)
    assert [e["loc"] for e in caught.value.errors() if e["type"] == "missing"] == [(m,) for m in missing]


def envelope(**changes: Any) -> bytes:
    """Stripe's example event with `changes`; a field changed to `...` is left out."""
    body = {**EXAMPLES["stripe"]["event"], **changes}
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not a Stripe event: Expecting value: line 1 column 1 (char 0)"),
        (b"{nope", "not a Stripe event: Expecting property name enclosed in double quotes"),
        (b"[]", "not a Stripe event: ()"),
        (b"null", "not a Stripe event: ()"),
        (envelope(id=...), "not a Stripe event: ('id',)"),
        (envelope(data=...), "not a Stripe event: ('data',)"),
        (envelope(data={"object": "plan"}), "not a Stripe event: ('data', 'object')"),
        (envelope(livemode="maybe"), "not a Stripe event: ('livemode',)"),
        (envelope(created="yesterday"), "not a Stripe event: ('created',)"),
        (b'{"id": "evt_\xff"}', "not a Stripe event: 'utf-8' codec can't decode byte 0xff"),
        (
            b'{"data": {"object": ' + b"[" * 80 + b"]" * 80 + b"}}",
            f"not a Stripe event: the JSON nests deeper than {jsonlimits.MAX_DEPTH} levels",
        ),
    ],
    ids=[
        "empty",
        "not-json",
        "a-list",
        "null",
        "no-id",
        "no-data",
        "object-not-an-object",
        "livemode-not-a-bool",
        "created-not-an-int",
        "not-utf-8",
        "too-deep",
    ],
)
def test_a_malformed_payload_is_a_value_error_saying_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        stripe_events.parse_event(body)
    assert caught.type is ValueError  # never pydantic's or json's own error
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_payload_without_nul_is_stored_as_it_came() -> None:
    payload = '{ "id":"evt_1",  "data" : {"object": {"name": "Zoë \\u00e9 \\\\ \\"x\\""}}}'
    assert stripe_events.storable(payload) == payload


def test_nul_is_dropped_from_every_string_and_nothing_else() -> None:
    payload = json.dumps(
        {
            "id": "evt_1",
            "n": 1.5,
            "ok": True,
            "none": None,
            "data": {"object": {"name": "Ja\x00ne\x00", "lines": ["a\x00b", {"k\x00ey": "\x00"}], "é": "ü"}},
        }
    )
    assert "\\u0000" in payload
    assert json.loads(stripe_events.storable(payload)) == {
        "id": "evt_1",
        "n": 1.5,
        "ok": True,
        "none": None,
        "data": {"object": {"name": "Jane", "lines": ["ab", {"key": ""}], "é": "ü"}},
    }


def test_an_escaped_backslash_before_u0000_is_text_and_kept() -> None:
    payload = json.dumps({"path": "C:\\u0000\\dir"})  # a backslash, then the letters u0000: no NUL
    assert "\\u0000" in payload
    assert json.loads(stripe_events.storable(payload)) == {"path": "C:\\u0000\\dir"}


def checkout_with_nul() -> tuple[str, StripeEvent]:
    details = {**EXAMPLES["stripe"]["checkout.session"]["customer_details"], "name": "Jane\x00 Doe"}
    body = event_body(
        "stripe", "checkout.session.completed", example("stripe", "checkout.session", customer_details=details)
    )
    return body.decode(), stripe_events.parse_event(body)


async def test_postgres_jsonb_takes_a_payload_with_nul_once_storable(db: asyncpg.Connection) -> None:
    payload, event = checkout_with_nul()
    assert event.data.object["customer_details"]["name"] == "Jane\x00 Doe"  # parsing keeps it: only storage cannot
    with pytest.raises(asyncpg.UntranslatableCharacterError):
        await db.fetchval("select $1::jsonb", payload)
    stored = json.loads(await db.fetchval("select $1::jsonb::text", stripe_events.storable(payload)))
    assert stored["data"]["object"]["customer_details"]["name"] == "Jane Doe"
    stored["data"]["object"]["customer_details"]["name"] = "Jane\x00 Doe"
    assert stored == json.loads(payload)


def test_a_lone_surrogate_becomes_a_replacement_character_and_a_pair_stays_its_character() -> None:
    payload = json.dumps({"name": "Ada \ud800 Lovelace", "emoji": "\U0001f600", "nul": "a\x00b"})
    assert json.loads(stripe_events.storable(payload)) == {
        "name": "Ada \ufffd Lovelace",
        "emoji": "\U0001f600",
        "nul": "ab",
    }
