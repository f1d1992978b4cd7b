"""Every signed webhook body, whatever its shape, gets 200 or a 4xx with the JSON error body: never a 5xx.

Hypothesis builds events around Stripe's event envelope, with every field of it (and of the objects we read)
replaced at random by other JSON: wrong types, missing keys, odd strings, deep nesting, numbers out of range.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crb.doctor import WEBHOOK_EVENTS
from tests.fakes.stripe_server import fixture, signed
from tests.journey import Client, EdgeClient

SECRET = "whsec_fuzz"
json_scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)
TYPES = st.sampled_from([*WEBHOOK_EVENTS, "customer.created"])  # what the edge handles, and one it only stores
OBJECTS = {"checkout.session": fixture("checkout.session"), "charge": fixture("charge")}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    obj = dict(OBJECTS[draw(st.sampled_from(sorted(OBJECTS)))])
    obj["metadata"] = {"quiz_session_id": draw(st.sampled_from([str(uuid.uuid4()), "not-a-uuid", ""]))}
    for key in draw(st.lists(st.sampled_from(sorted(obj)), max_size=4)):  # some fields replaced by anything
        obj[key] = draw(json_values)
    for key in draw(st.lists(st.sampled_from(sorted(obj)), max_size=2)):
        obj.pop(key, None)
    event: dict[str, Any] = dict(fixture("event"))
    event.update(id="evt_fuzz_" + uuid.uuid4().hex, type=draw(TYPES), livemode=False, data={"object": obj})
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=2)):
        event[key] = draw(json_values)
    return event


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events())
async def test_any_signed_event_is_answered_without_a_server_error(
    edge_client: EdgeClient, event: dict[str, Any]
) -> None:
    client = await stripe_edge(edge_client)
    body, header = signed(event, SECRET)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    text = await response.text()
    assert response.status < 500, text
    if response.status >= 400:
        assert {"code", "message"} <= json.loads(text)["error"].keys()


_edges: dict[int, Client] = {}


async def stripe_edge(edge_client: EdgeClient) -> Client:
    """One edge per test function run (hypothesis calls the test many times with the same fixtures)."""
    key = id(edge_client)
    if key not in _edges:
        _edges.clear()
        _edges[key], _ = await edge_client(STRIPE_SECRET_KEY="sk_test_fuzz", STRIPE_WEBHOOK_SECRET=SECRET)
    return _edges[key]


@pytest.mark.parametrize(
    ("object_changes", "event_changes", "status"),
    [
        ({"amount_total": 2**40}, {}, 200),  # beyond the database's integer: stored as unreadable
        ({}, {"created": 2**70}, 400),  # beyond any timestamp
        ({}, {"id": "evt_\u0000nul"}, 400),  # Postgres' text takes no NUL
        ({"currency": "eu\u0000"}, {}, 200),
        ({"payment_intent": "pi_\u0000"}, {}, 200),
    ],
)
async def test_values_the_database_cannot_hold_are_refused_or_stored_as_unreadable(
    edge_client: EdgeClient, object_changes: dict[str, Any], event_changes: dict[str, Any], status: int
) -> None:
    """What the fuzzing found: each was a 500 before."""
    client, _ = await edge_client(STRIPE_SECRET_KEY="sk_test_fuzz", STRIPE_WEBHOOK_SECRET=SECRET)
    obj = dict(fixture("checkout.session")) | {"payment_status": "paid", "client_reference_id": None}
    obj |= {"metadata": {"quiz_session_id": str(uuid.uuid4())}} | object_changes
    event = dict(fixture("event")) | {"id": "evt_odd_" + uuid.uuid4().hex, "type": "checkout.session.completed"}
    event |= {"livemode": False, "data": {"object": obj}} | event_changes
    body, header = signed(event, SECRET)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert response.status == status, await response.text()
