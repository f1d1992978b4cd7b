"""Which opportunities the plan recommends and which the tier's findings show, the customer's own words first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from crb.assessment import assumptions as A
from crb.assessment.findings import Evaluation
from crb.assessment.pain import PainHit


def _value_key(e: Evaluation) -> tuple[float, str]:
    return (-round(e.rank_value, 6), e.template.id)


def _ordered(evaluations: Sequence[Evaluation], strength: Mapping[str, float]) -> list[Evaluation]:
    """Those the customer's words name first, strongest first, then the rest by value within the horizon."""

    def key(e: Evaluation) -> tuple[int, float, float, str]:
        score = strength.get(e.template.id)
        return (0, -score, *_value_key(e)) if score is not None else (1, 0.0, *_value_key(e))

    return sorted(evaluations, key=key)


def strengths(hits: Sequence[PainHit]) -> dict[str, float]:
    return {h.template_id: h.score for h in hits}


def recommendations(
    evaluations: Sequence[Evaluation], hits: Sequence[PainHit], team_size: int
) -> tuple[Evaluation, ...]:
    """The plan: every opportunity that passes both pillars, those the customer named first, as many as the team
    can take on (`assumptions.max_recommendations`)."""
    passing = [e for e in evaluations if e.status == "recommended"]
    return tuple(_ordered(passing, strengths(hits))[: A.max_recommendations(team_size)])


def findings(
    evaluations: Sequence[Evaluation], plan: Sequence[Evaluation], hits: Sequence[PainHit], tier: str
) -> tuple[Evaluation, ...]:
    """The tier's findings: the plan's recommendations, then those shown with caution, then the not-recommended
    slots (named ones first, then by temptation); recommended ones beyond the plan only fill empty places."""
    count = A.FINDINGS_PER_TIER.get(tier, A.FINDINGS_PER_TIER[A.DEFAULT_TIER])
    slots = A.NOT_RECOMMENDED_SLOTS.get(tier, A.NOT_RECOMMENDED_SLOTS[A.DEFAULT_TIER])
    strength = strengths(hits)
    in_plan = {e.template.id for e in plan}
    caution = _ordered([e for e in evaluations if e.status == "caution"], strength)
    rejected = _ordered([e for e in evaluations if e.status == "not_recommended"], strength)
    beyond = _ordered([e for e in evaluations if e.status == "recommended" and e.template.id not in in_plan], {})
    others = [*plan, *caution, *beyond]
    shown_rejected = rejected[:slots]
    shown = others[: count - len(shown_rejected)]
    shown_rejected = rejected[: count - len(shown)]
    return (*shown, *shown_rejected)
