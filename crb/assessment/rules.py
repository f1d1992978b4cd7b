"""Evaluating the knowledge base's conditions against a profile and its readiness pillars."""

from __future__ import annotations

from crb.assessment.knowledge import Cond
from crb.assessment.profile import Profile
from crb.assessment.readiness import Readiness


def holds(cond: Cond, profile: Profile, ready: Readiness) -> bool:
    """Whether the condition is true for these answers."""
    if cond.always is not None:
        return cond.always
    if cond.all_of is not None:
        return all(holds(c, profile, ready) for c in cond.all_of)
    if cond.any_of is not None:
        return any(holds(c, profile, ready) for c in cond.any_of)
    if cond.negate is not None:
        return not holds(cond.negate, profile, ready)
    if cond.pillar is not None:
        return _compare(cond, float(ready.pillar(cond.pillar)))
    return _test_answer(cond, profile)


def _test_answer(cond: Cond, profile: Profile) -> bool:
    qid = cond.q or ""
    if cond.is_in is not None:
        return profile.option(qid) in cond.is_in
    if cond.has is not None:
        return bool(set(profile.choices(qid)) & set(cond.has))
    return _compare(cond, profile.number(qid))


def _compare(cond: Cond, value: float) -> bool:
    if cond.gte is not None:
        return value >= cond.gte
    if cond.lt is not None:
        return value < cond.lt
    raise ValueError("a pillar condition needs gte or lt")
