"""Small wording helpers shared by the report's generated sentences."""

from __future__ import annotations

from collections.abc import Sequence


def percent(share: float, digits: int = 0) -> str:
    """A share as per cent with a space, as the report writes it: 0.12 → `12 %`."""
    return f"{share * 100:.{digits}f} %"


def plural(count: float, word: str) -> str:
    """`1 week`, `3 weeks`; for a phrase the first word takes the s: `hours of work saved`."""
    if count == 1:
        return word
    first, _, rest = word.partition(" ")
    return f"{first}s {rest}".rstrip()


def euro(amount: float) -> str:
    """Whole euros as the report writes them: `€1,234`."""
    return f"€{round(amount):,}"


def quoted(titles: Sequence[str]) -> str:
    """`'A'`, `'A' and 'B'`, `'A', 'B' and 'C'`."""
    names = [f"'{t}'" for t in titles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
