"""JSON from outside: parsed within a depth limit, refused with a clear error past it (never a RecursionError)."""

from __future__ import annotations

import json

import pytest

from crb import jsonlimits


def nested(levels: int) -> str:
    return '{"a": ' * (levels - 1) + "[1]" + "}" * (levels - 1)


@pytest.mark.parametrize(
    ("value", "depth"), [(1, 0), ("x", 0), ([], 1), ({}, 1), ([[1], {"a": {"b": []}}], 4), (json.loads(nested(40)), 40)]
)
def test_depth_counts_the_deepest_container(value: object, depth: int) -> None:
    assert jsonlimits.depth(value) == depth


def test_the_deepest_allowed_body_parses() -> None:
    assert jsonlimits.depth(jsonlimits.loads(nested(jsonlimits.MAX_DEPTH))) == jsonlimits.MAX_DEPTH


@pytest.mark.parametrize("levels", [jsonlimits.MAX_DEPTH + 1, 900, 10_000, 1_000_000])
def test_deeper_bodies_are_refused_by_name(levels: int) -> None:
    with pytest.raises(jsonlimits.TooDeep, match=f"deeper than {jsonlimits.MAX_DEPTH} levels"):
        jsonlimits.loads(nested(levels) if levels < 10_000 else "[" * levels + "]" * levels)


def test_what_is_not_json_is_a_value_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        jsonlimits.loads(b"{nope")
    assert not issubclass(json.JSONDecodeError, jsonlimits.TooDeep)


@pytest.mark.parametrize("body", ['{"amount": NaN}', "[Infinity]", '{"a": -Infinity}'])
def test_what_python_takes_but_json_does_not_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="is not JSON"):
        jsonlimits.loads(body)
