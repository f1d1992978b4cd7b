"""Evaluations in words: the report's findings with their rationale, and why not / what instead where it applies."""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from crb.assessment import assumptions as A
from crb.assessment.findings import HOURS_LABELS, Evaluation
from crb.assessment.profile import Profile
from crb.assessment.wording import percent
from crb.report import Finding


def to_finding(e: Evaluation, profile: Profile) -> Finding:
    """The finding as the report shows it."""
    why_not, instead = _why_not(e, profile)
    return Finding(
        id=e.template.id,
        title=e.template.title,
        summary=e.template.summary,
        category=e.template.category,
        customer_value=e.customer_value,
        business_health=e.business_health,
        status=e.status,
        recommended=e.status == "recommended",
        confidence=e.confidence,
        horizon=e.phase,
        hours_saved_per_week=round(e.hours_saved, 1),
        value_saved_per_year=round(e.value_saved),
        value_created_per_year=round(e.value_created),
        rationale=rationale(e, profile),
        basis=e.template.value_note,
        why_not=why_not,
        what_instead=instead,
        source_ids=source_ids(e),
    )


def rationale(e: Evaluation, profile: Profile) -> str:
    """Why this applies to you, with the numbers it rests on."""
    t = e.template
    if t.kind == "created":
        return (
            f"On revenue of about €{profile.revenue:,.0f} (your band), {percent(t.revenue_uplift, 1)} more revenue"
            f" at a {percent(A.CONTRIBUTION_MARGIN.value)} margin is worth about €{e.value_created:,.0f} a year"
            f" after our {e.confidence}-confidence discount."
        )
    parts = [
        f"{profile.hours(q):g} hours a week of {HOURS_LABELS[q]} × {percent(share)}" for q, share in t.drivers.items()
    ]
    return (
        f"From {' plus '.join(parts)}, at an automation fit of {profile.fit:.2f} for how repetitive and documented"
        f" your work is: about {e.hours_saved:.1f} hours a week, worth about €{e.value_saved:,.0f} a year after"
        f" our {e.confidence}-confidence discount."
    )


def _why_not(e: Evaluation, profile: Profile) -> tuple[str | None, str | None]:
    if e.status == "recommended":
        return None, None
    if e.rule is not None:
        return e.rule.why_not, e.rule.what_instead
    econ = e.economics
    running = e.chosen_cost.monthly_mid * 12
    low = [
        name
        for name, score in (("Customer Value", e.customer_value), ("Business Health", e.business_health))
        if score < A.RECOMMEND_THRESHOLD.value
    ]
    scores = " and ".join(f"{name} is {_score(e, name)}" for name in low)
    why = (
        f"{scores}, below the 6 we require. At your volumes it would bring about"
        f" €{e.value_saved + e.value_created:,.0f} a year against about €{running:,.0f} a year to run,"
        f" a three-year ROI of {econ.uncapped_roi_percent:.0f} %."
    )
    return why, e.template.alternative


def _score(e: Evaluation, name: str) -> int:
    return e.customer_value if name == "Customer Value" else e.business_health


def source_ids(e: Evaluation) -> tuple[str, ...]:
    """The template's evidence and the price sources of its chosen option, each once."""
    ids = [*e.template.source_ids, *(s for line in e.chosen_cost.lines for s in line.product.source_ids)]
    return tuple(dict.fromkeys(ids))
