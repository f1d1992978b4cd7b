"""Small wording helpers shared by the report's generated sentences."""

from __future__ import annotations


def percent(share: float, digits: int = 0) -> str:
    """A share as per cent with a space, as the report writes it: 0.12 → `12 %`."""
    return f"{share * 100:.{digits}f} %"


def plural(count: float, word: str) -> str:
    """`1 week`, `3 weeks`; for a phrase the first word takes the s: `hours of work saved`."""
    if count == 1:
        return word
    first, _, rest = word.partition(" ")
    return f"{first}s {rest}".rstrip()
