"""Hypothesis strategies: random valid answer sets for the current quiz, built from its definition."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from crb.quiz import Question, load_quiz

HOURS = ("hours_admin", "hours_support", "hours_scheduling", "hours_reporting", "hours_content")


def answer_value(q: Question) -> st.SearchStrategy[Any]:
    """Any value the question accepts, leaning towards realistic sizes for numbers."""
    match q.type:
        case "single":
            return st.sampled_from([o.value for o in q.options])
        case "multi":
            values = [o.value for o in q.options]
            size = int(q.max) if q.max is not None else len(values)
            return st.lists(st.sampled_from(values), min_size=1 if q.required else 0, max_size=size, unique=True)
        case "scale":
            return st.integers(int(q.min or 0), int(q.max or 0))
        case "number":
            return _number(q)
        case "text":
            # Printable text: control characters and lone surrogates are refused with a 422 (tests/edge/test_hardening).
            letters = st.characters(blacklist_categories=("Cc", "Cs"))
            return st.text(letters, min_size=1, max_size=int(q.max or 100)).filter(lambda s: bool(s.strip()))


def _number(q: Question) -> st.SearchStrategy[Any]:
    low, high = float(q.min or 0), float(q.max or 0)
    if q.id == "team_size":
        return st.one_of(st.integers(1, 30), st.integers(31, 400), st.integers(1, int(high)))
    if q.id in HOURS:
        return st.one_of(st.integers(0, 60), st.integers(0, int(high)), st.floats(0, 400).map(lambda x: round(x, 1)))
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def answer_sets() -> st.SearchStrategy[dict[str, Any]]:
    """Complete answer sets: every required question answered, each optional one answered or left out."""
    questions = load_quiz().questions.values()
    required = {q.id: answer_value(q) for q in questions if q.required}
    optional = {q.id: answer_value(q) for q in questions if not q.required}
    return st.fixed_dictionaries(required, optional=optional)
