"""The report's two pillars, its verdict by stated rules, and the one-sentence key insight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.readiness import round_half_up
from crb.report import Decision, Finding, PillarScore, Recommendation, ValueSummary, ValueTimeline, Verdict

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
    """Everything the verdict rules look at."""

    score: int
    pillars: Sequence[PillarScore]
    customer_value: int
    business_health: int
    recommendations: Sequence[Recommendation]
    summary: ValueSummary
    timeline: ValueTimeline
    budget_ceiling: float | None


def report_pillars(findings: Sequence[Finding]) -> tuple[int, int]:
    """Customer Value and Business Health of the report: the mean over findings not ruled out, halves up."""
    pool = [f for f in findings if f.status != "not_recommended"] or list(findings)
    if not pool:
        return 1, 1
    cv = round_half_up(Fraction(sum(f.customer_value for f in pool), len(pool)))
    bh = round_half_up(Fraction(sum(f.business_health for f in pool), len(pool)))
    return cv, bh


def verdict(facts: Facts) -> Verdict:
    """The first rule that matches decides; its reasons are listed."""
    checks: tuple[tuple[Decision, list[str]], ...] = (
        ("not_now", _not_now(facts)),
        ("wait", _wait(facts)),
        ("proceed_with_caution", _caution(facts)),
    )
    for decision, reasons in checks:
        if reasons:
            return _verdict(decision, reasons)
    return _verdict("go", _go(facts))


def _verdict(decision: Decision, reasons: list[str]) -> Verdict:
    summaries: dict[Decision, str] = {
        "go": "Start with the quick wins now; the numbers and your readiness support it.",
        "proceed_with_caution": "Start small with the quick wins, and fix the weak spots below as you go.",
        "wait": "Lay the foundations first; most opportunities do not pay off for you yet.",
        "not_now": "AI is not the best use of your money yet; the roadmap's first steps come first.",
    }
    return Verdict(decision=decision, label=LABELS[decision], summary=summaries[decision], reasons=tuple(reasons))


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
    if average < WEAK_ROI and outlay > f.summary.total_value.low / 2:
        reasons.append(
            f"The average ROI is {average:.0f} % and the €{outlay:,} three-year outlay is more than half of the"
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


def key_insight(recommendations: Sequence[Recommendation], summary: ValueSummary) -> str:
    """The single most useful sentence of the report."""
    if not recommendations:
        return (
            "None of the opportunities we checked passes both our customer and business tests yet: start with the"
            " foundations in the roadmap."
        )
    top = recommendations[0]  # the recommendations come largest value within the horizon first
    worth = (
        f"about {top.hours_saved_per_week:.1f} hours a week, worth about €{top.value_saved_per_year:,} a year"
        if top.value_saved_per_year
        else f"about €{top.value_created_per_year:,} a year of extra margin"
    )
    cost = next(o for o in top.options if o.kind == top.chosen_option).monthly_cost
    return (
        f"Your biggest opportunity is '{top.title}': {worth}, for {_euro_range(cost.low, cost.high)} a month."
        f" Together the {len(recommendations)} recommendations could be worth €{summary.total_value.low:,} to"
        f" €{summary.total_value.high:,} over {A.HORIZON_MONTHS.value:.0f} months."
    )


def _euro_range(low: int, high: int) -> str:
    return f"€{low:,}" if low == high else f"€{low:,} to €{high:,}"
