"""JSON from outside, within limits: a body nested deeper than any real one is refused with a clear message
before anything else reads it (Python's parser and Postgres' jsonb both fail on deep nesting, as errors the
caller did not cause)."""

from __future__ import annotations

import json
from typing import Any, Final

# The deepest real bodies: a Stripe event (about 8 levels, in its expanded objects) and the renderer's report
# data (about 7). Far above both, far below where Python (about 1,000) or Postgres' jsonb would fail.
MAX_DEPTH: Final = 64


class TooDeep(ValueError):
    """The JSON nests deeper than allowed."""


def depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0, `[]` and `{}` are 1); without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> Any:
    """The value, if it nests at most `max_depth` deep; TooDeep otherwise."""
    if depth(value) > max_depth:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels")
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python's parser takes NaN and Infinity; JSON (and jsonb) do not


def loads(raw: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON from outside: ValueError (json.JSONDecodeError, TooDeep, or NaN and Infinity, which Python
    takes and JSON does not) for anything but JSON within the depth limit."""
    try:
        value = json.loads(raw, parse_constant=_not_json)
    except RecursionError:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels") from None
    return check_depth(value, max_depth)
