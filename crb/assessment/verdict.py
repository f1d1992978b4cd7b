"""The report's two pillars, its verdict by stated rules, and the one-sentence key insight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.readiness import round_half_up
from crb.report import Decision, PillarScore, Recommendation, ValueSummary, ValueTimeline, Verdict

NOT_NOW_SCORE: Final = 30
WAIT_SCORE: Final = 40
CAUTION_SCORE: Final = 60
LOW_PILLAR: Final = 5
WEAK_READINESS_PILLAR: Final = 30
STRONG_PILLAR: Final = 7
WEAK_ROI: Final = 100
MANY_HIGH_RISKS: Final = 3
LATE_BREAK_EVEN: Final = 18
LABELS: Final[Mapping[Decision, str]] = MappingProxyType(
    {
        "go": "Go",
        "proceed_with_caution": "Proceed with caution",
        "wait": "Wait",
        "not_now": "Not now",
    }
)
RULES_TEXT: Final = (
    f"Not now: readiness below {NOT_NOW_SCORE}, no recommendation passes both pillars, or both report pillars"
    f" below {LOW_PILLAR}.",
    f"Wait: readiness below {WAIT_SCORE}, or an average ROI below {WEAK_ROI} % while the three-year investment"
    " is more than half of the low value estimate.",
    f"Proceed with caution: readiness below {CAUTION_SCORE}, a readiness pillar below {WEAK_READINESS_PILLAR},"
    f" {MANY_HIGH_RISKS} or more different high-probability risks, both report pillars below {STRONG_PILLAR},"
    f" running costs above your budget band, or no break-even within {LATE_BREAK_EVEN} months.",
    "Go: none of the above.",
)


@dataclass(frozen=True)
class Facts:
    """Everything the verdict rules look at, read from the plan as it would be with every recommendation started
    as early as its phase allows (the verdict then decides how early they may really start)."""

    score: int
    pillars: Sequence[PillarScore]
    customer_value: int
    business_health: int
    recommendations: Sequence[Recommendation]
    summary: ValueSummary
    timeline: ValueTimeline
    budget_ceiling: float | None


# The first month a recommendation may start, by verdict: the rule that makes the plan agree with the verdict.
EARLIEST_START: Final[Mapping[Decision, int]] = MappingProxyType(
    {"go": 1, "proceed_with_caution": 1, "wait": 7, "not_now": 7}
)
PLAN_RULES: Final[Mapping[Decision, str]] = MappingProxyType(
    {
        "go": "Each recommendation starts with its phase: quick wins from month 1, foundation from month 7,"
        " transformation from month 19.",
        "proceed_with_caution": "Each recommendation starts with its phase (quick wins from month 1), and the"
        " foundation steps for the weak spots run alongside from month 1.",
        "wait": "The first six months are for the foundation steps only; every recommendation starts in month 7"
        " at the earliest, the quick wins among them once the foundations are in place.",
        "not_now": "No spending on AI tools in the first six months: the foundation steps come first, and the"
        " recommendations start in month 7 at the earliest, once these are in place.",
    }
)
PLAN_RULE_TEXT: Final = (
    "The verdict sets when recommendations may start. Go and Proceed with caution: each starts with its phase"
    " (quick wins month 1, foundation month 7, transformation month 19). Wait and Not now: the first six months"
    " hold the foundation steps only, and every recommendation starts in month 7 at the earliest; a quick win"
    " moved there is marked 'once the foundations are in place'. The verdict itself is decided on the plan as it"
    " would be with every recommendation started as early as its phase allows."
)


def report_pillars(plan: Sequence[tuple[int, int]], fallback: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """Customer Value and Business Health of the report: the mean over the plan's recommendations, halves up;
    with no recommendation, over the `fallback` opportunities (those shown with caution, else all)."""
    pool = list(plan) or list(fallback)
    if not pool:
        return 1, 1
    cv = round_half_up(Fraction(sum(c for c, _ in pool), len(pool)))
    bh = round_half_up(Fraction(sum(b for _, b in pool), len(pool)))
    return cv, bh


def verdict(facts: Facts) -> Verdict:
    """The first rule that matches decides; its reasons are listed, with what it means for the plan."""
    checks: tuple[tuple[Decision, list[str]], ...] = (
        ("not_now", _not_now(facts)),
        ("wait", _wait(facts)),
        ("proceed_with_caution", _caution(facts)),
    )
    for decision, reasons in checks:
        if reasons:
            return _verdict(decision, reasons, bool(facts.recommendations))
    return _verdict("go", _go(facts), True)


def _verdict(decision: Decision, reasons: list[str], any_recommendation: bool) -> Verdict:
    summaries: dict[Decision, str] = {
        "go": "Start with the quick wins now; the numbers and your readiness support it.",
        "proceed_with_caution": "Start small with the quick wins, and fix the weak spots below as you go.",
        "wait": "Lay the foundations first; the recommendations start from month 7, once they are in place.",
        "not_now": "AI is not the best use of your money yet: do the foundation steps first, and start the"
        " recommendations once these are in place.",
    }
    rule = PLAN_RULES[decision]
    if decision == "not_now" and not any_recommendation:
        summaries["not_now"] = "AI is not the best use of your money yet: the foundation steps come first."
        rule = "The plan holds the foundation steps only: no opportunity passes both of our tests yet."
    return Verdict(
        decision=decision,
        label=LABELS[decision],
        summary=summaries[decision],
        reasons=tuple(reasons),
        earliest_start=EARLIEST_START[decision],
        plan_rule=rule,
    )


def foundations_only(v: Verdict) -> Verdict:
    """The verdict when, started as late as it allows, no recommendation would pay back: foundations only."""
    return v.model_copy(
        update={
            "summary": "AI is not the best use of your money yet: the foundation steps come first.",
            "plan_rule": f"The plan holds the foundation steps only: started from month {v.earliest_start}, none of"
            " the opportunities would pay back within three years.",
        }
    )


def _not_now(f: Facts) -> list[str]:
    reasons = []
    if f.score < NOT_NOW_SCORE:
        reasons.append(f"Your readiness score of {f.score} is below {NOT_NOW_SCORE}.")
    if not f.recommendations:
        reasons.append("None of the opportunities passes both the Customer Value and the Business Health test.")
    if f.customer_value < LOW_PILLAR and f.business_health < LOW_PILLAR:
        reasons.append(f"Both report pillars are below {LOW_PILLAR}.")
    return reasons


def _wait(f: Facts) -> list[str]:
    reasons = []
    if f.score < WAIT_SCORE:
        reasons.append(f"Your readiness score of {f.score} is below {WAIT_SCORE}.")
    average = _average_roi(f.recommendations)
    outlay = f.summary.investment + f.summary.risk_allowance
    if f.recommendations and average < WEAK_ROI and outlay > f.summary.total_value.low / 2:
        reasons.append(
            f"Even started as early as their phases allow, the recommendations would average a ROI of"
            f" {average:.0f} %, and their €{outlay:,} three-year outlay would be more than half of the"
            f" €{f.summary.total_value.low:,} low value estimate."
        )
    return reasons


def _caution(f: Facts) -> list[str]:
    reasons = []
    if f.score < CAUTION_SCORE:
        reasons.append(f"Your readiness score of {f.score} is below {CAUTION_SCORE}.")
    weak = [p for p in f.pillars if p.score < WEAK_READINESS_PILLAR]
    if weak:
        listed = ", ".join(f"{p.name} ({p.score})" for p in weak)
        reasons.append(f"Weak spots that can hold adoption back: {listed}, below {WEAK_READINESS_PILLAR}.")
    high = sorted({r.title for rec in f.recommendations for r in rec.risks if r.probability == "high"})
    if len(high) >= MANY_HIGH_RISKS:
        reasons.append(f"{len(high)} different risks are likely (high probability): {'; '.join(high)}.")
    if f.customer_value < STRONG_PILLAR and f.business_health < STRONG_PILLAR:
        reasons.append(
            f"Customer Value {f.customer_value} and Business Health {f.business_health} are both below {STRONG_PILLAR}."
        )
    if f.budget_ceiling is not None and f.summary.monthly_running_cost > f.budget_ceiling:
        reasons.append(
            f"Running everything would cost about €{f.summary.monthly_running_cost:,} a month, above your budget band."
        )
    if f.timeline.break_even_month is None or f.timeline.break_even_month > LATE_BREAK_EVEN:
        reasons.append(f"The plan does not break even within {LATE_BREAK_EVEN} months.")
    return reasons


def _go(f: Facts) -> list[str]:
    return [
        f"Your readiness score of {f.score} is {CAUTION_SCORE} or more.",
        f"The recommendations average a ROI of {_average_roi(f.recommendations):.0f} %.",
        f"The plan breaks even in month {f.timeline.break_even_month}.",
    ]


def _average_roi(recommendations: Sequence[Recommendation]) -> float:
    return sum(r.roi_percent for r in recommendations) / len(recommendations) if recommendations else 0.0


def biggest(recommendations: Sequence[Recommendation]) -> Recommendation | None:
    """The recommendation worth most over the plan (net of cost and risk); ties go to the higher ROI, then order."""
    if not recommendations:
        return None
    ranked = sorted(enumerate(recommendations), key=lambda ir: (-ir[1].net_benefit, -ir[1].roi_percent, ir[0]))
    return ranked[0][1]


def key_insight(recommendations: Sequence[Recommendation], summary: ValueSummary, earliest_start: int) -> str:
    """The single most useful sentence of the report."""
    top = biggest(recommendations)
    if top is None:
        return (
            "None of the opportunities we checked passes both our customer and business tests yet: start with the"
            " foundations in the roadmap."
        )
    worth = (
        f"about {top.hours_saved_per_week:.1f} hours a week, worth about €{top.value_saved_per_year:,} a year"
        if top.value_saved_per_year
        else f"about €{top.value_created_per_year:,} a year of extra margin"
    )
    cost = next(o for o in top.options if o.kind == top.chosen_option).monthly_cost
    together = (
        f"Together the {len(recommendations)} recommendations could be worth"
        if len(recommendations) > 1
        else "It could be worth"
    )
    later = (
        f" They start from month {earliest_start}, once the foundation steps are in place."
        if earliest_start > 1
        else ""
    )
    return (
        f"Your biggest opportunity is '{top.title}': {worth}, for {_euro_range(cost.low, cost.high)} a month."
        f" {together} €{summary.total_value.low:,} to €{summary.total_value.high:,} over"
        f" {A.HORIZON_MONTHS.value:.0f} months.{later}"
    )


def _euro_range(low: int, high: int) -> str:
    return f"€{low:,}" if low == high else f"€{low:,} to €{high:,}"
