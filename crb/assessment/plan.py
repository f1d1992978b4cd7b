"""The plan: recommendations worked out in full, the 36-month value timeline, the value summary and the roadmap."""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.costs import LineCost, OptionCost
from crb.assessment.economics import periods, table_roi
from crb.assessment.findings import PHASES, Evaluation, RiskFigure
from crb.assessment.profile import Profile
from crb.assessment.readiness import Readiness
from crb.assessment.wording import percent, plural
from crb.report import (
    CostOption,
    Estimate,
    EuroRange,
    Recommendation,
    Risk,
    RoadmapItem,
    RoadmapPhase,
    TimelinePoint,
    ValueSummary,
    ValueTimeline,
)


@dataclass(frozen=True)
class Prerequisite:
    """A foundation step the readiness scores call for, costed in internal hours."""

    id: str
    title: str
    detail: str
    hours: float


@dataclass(frozen=True)
class Scheduled:
    """A recommendation placed in the plan: from its start month, its own series shifted and cut at month 36."""

    evaluation: Evaluation
    start: int

    def month(self, month: int) -> int | None:
        """Index into the recommendation's own series for a plan month, or None before it starts."""
        own = month - self.start
        return own if own >= 0 else None


# Internal hours of the foundation steps (our assumptions, listed in the methodology).
PREREQUISITE_HOURS: Final[Mapping[str, float]] = MappingProxyType(
    {"policy": 8.0, "owner": 4.0, "training_per_person": 2.0, "data_base": 24.0, "data_per_person": 2.0}
)


def schedule(recommended: Sequence[Evaluation]) -> tuple[Scheduled, ...]:
    """Each recommendation starts at the first month of its phase."""
    return tuple(Scheduled(e, A.PHASE_START[e.phase]) for e in recommended)


def prerequisites(profile: Profile, ready: Readiness) -> tuple[Prerequisite, ...]:
    """Foundation steps for weak pillars: an owner, a policy, basic training, and clean data."""
    h, people, threshold = PREREQUISITE_HOURS, profile.desk_people, A.PREREQUISITE_THRESHOLD.value
    steps = []
    if ready.pillar("strategy") < threshold:
        steps.append(
            Prerequisite(
                "owner", "Name an owner for AI and agree a budget", "Half a day of leadership time.", h["owner"]
            )
        )
    if profile.option("ai_policy") != "written":
        steps.append(
            Prerequisite(
                "policy",
                "Write a one-page AI usage policy",
                "Which tools are allowed, what data may go into them, and who reviews AI output.",
                h["policy"],
            )
        )
    if ready.pillar("talent") < threshold:
        steps.append(
            Prerequisite(
                "training",
                "Run a two-hour AI basics session for the team",
                f"Two hours for each of {people} desk staff.",
                h["training_per_person"] * people,
            )
        )
    if ready.pillar("data") < threshold:
        steps.append(
            Prerequisite(
                "data",
                "Clean up and connect your core customer and order data",
                f"About {h['data_base']:.0f} hours plus {h['data_per_person']:.0f} per desk worker.",
                h["data_base"] + h["data_per_person"] * people,
            )
        )
    return tuple(steps)


def to_recommendation(s: Scheduled, everything: Sequence[Scheduled], profile: Profile) -> Recommendation:
    """One recommendation in full: its three options, the table, ROI, payback, risks and assumptions."""
    e, econ = s.evaluation, s.evaluation.economics
    rows = periods(econ)
    totals = {f: sum(getattr(r, f) for r in rows) for f in ("cost", "risk", "benefit")}
    return Recommendation(
        id=e.template.id,
        title=e.template.title,
        category=e.template.category,
        customer_value=e.customer_value,
        business_health=e.business_health,
        confidence=e.confidence,
        phase=e.phase,
        start_month=s.start,
        options=(_option(e.options[0]), _option(e.options[1]), _option(e.options[2])),
        chosen_option=e.chosen,
        why_chosen=e.why_chosen,
        periods=rows,
        total_cost=totals["cost"],
        total_risk=totals["risk"],
        total_benefit=totals["benefit"],
        net_benefit=totals["benefit"] - totals["cost"] - totals["risk"],
        roi_percent=table_roi(rows),
        payback_months=None if econ.payback_months is None else math.ceil(econ.payback_months * 10) / 10,
        hours_saved_per_week=round(e.hours_saved, 1),
        value_saved_per_year=round(e.value_saved),
        value_created_per_year=round(e.value_created),
        risks=tuple(_risk(r) for r in e.risks),
        assumptions=(*_assumptions(e, profile), *_shared(s, everything)),
        adjustments=adjustments(e),
    )


def _option(c: OptionCost) -> CostOption:
    basis = "; ".join(_line_basis(line) for line in c.lines) or "no running cost"
    return CostOption(
        kind=c.spec.kind,
        name=c.spec.name,
        examples=c.spec.examples,
        monthly_cost=EuroRange(low=round(c.monthly_low), high=round(c.monthly_high)),
        one_off_cost=EuroRange(low=round(c.one_off_low), high=round(c.one_off_high)),
        internal_hours=round(c.internal_hours, 1),
        implementation_weeks=c.spec.weeks,
        price_basis=basis,
        source_ids=tuple(dict.fromkeys(s for line in c.lines for s in line.product.source_ids)),
    )


def _line_basis(line: LineCost) -> str:
    p = line.product
    prices = []
    symbol = "$" if p.currency == "USD" else "€"
    for label, (low, high) in (("a month", p.fixed), ("a seat a month", p.per_seat), (f"per {p.unit}", p.per_unit)):
        if high:
            prices.append(f"{symbol}{low:,.2f}-{high:,.2f} {label}" if low != high else f"{symbol}{high:,.2f} {label}")
    converted = f" (converted at €{A.EUR_PER_USD.value} per $)" if p.currency == "USD" else ""
    return f"{line.describe()} at {' + '.join(prices) or 'no charge'}{converted}"


def _risk(r: RiskFigure) -> Risk:
    return Risk(
        title=r.spec.title,
        probability=r.probability,
        probability_share=r.share,
        impact=round(r.impact),
        impact_basis=r.basis,
        expected_cost=round(r.expected),
        mitigation=r.spec.mitigation,
    )


def _assumptions(e: Evaluation, profile: Profile) -> tuple[str, ...]:
    c, econ = e.chosen_cost, e.economics
    return (
        e.template.value_note,
        f"Confidence {e.confidence}: benefits counted at {percent(A.CONFIDENCE_DISCOUNT[e.confidence])}.",
        f"Costs use the middle of each range: €{c.monthly_mid:,.0f} a month to run, €{c.one_off_mid:,.0f} of outside"
        f" help once, and {c.internal_hours:.0f} internal hours at €{profile.hourly_cost:,.2f}.",
        f"Live after {c.spec.weeks} {plural(c.spec.weeks, 'week')}, then at full use after a"
        f" {profile.ramp_months}-month ramp.",
        f"Risks add an expected €{sum(econ.risk):,.0f} over three years (probability × impact), spread evenly.",
        *e.notes,
    )


def _shared(s: Scheduled, everything: Sequence[Scheduled]) -> tuple[str, ...]:
    notes = []
    for line in s.evaluation.chosen_cost.lines:
        others = [
            o.evaluation.template.title
            for o in everything
            if o is not s and any(x.product.id == line.product.id for x in o.evaluation.chosen_cost.lines)
        ]
        if others:
            shared = "', '".join(others)
            notes.append(f"Shares {line.product.name} with '{shared}'; the plan's totals count it once.")
    return tuple(notes)


def adjustments(e: Evaluation) -> tuple[str, ...]:
    """What the plausibility rules changed, in words."""
    econ, notes = e.economics, []
    if econ.cap_factor < 1:
        notes.append(
            f"{e.template.title}: the ROI came to {econ.uncapped_roi_percent:,.0f} %, above our"
            f" {A.ROI_CAP.value:.0f} % plausibility cap, so we scaled its benefits down to {percent(econ.cap_factor)}."
        )
    if econ.payback_floored:
        notes.append(f"{e.template.title}: payback came out under one month; we show one month.")
    return tuple(notes)


def timeline(plan: Sequence[Scheduled], steps: Sequence[Prerequisite], profile: Profile) -> ValueTimeline:
    """Month by month: value saved and created with each ramp, costs (shared products counted once), risk."""
    one_off_steps = sum(s.hours for s in steps) * profile.hourly_cost
    points: list[TimelinePoint] = []
    value = spent = 0.0
    break_even: int | None = None
    for month in range(1, int(A.HORIZON_MONTHS.value) + 1):
        saved, created, cost, risk = _month(plan, month)
        cost += one_off_steps if month == 1 else 0.0
        value, spent = value + saved + created, spent + cost + risk
        if break_even is None and value > 0 and value >= spent:
            break_even = month
        points.append(_point(month, (saved, created, cost, risk), value, spent))
    return ValueTimeline(points=tuple(points), break_even_month=break_even)


def _point(month: int, flows: tuple[float, float, float, float], value: float, spent: float) -> TimelinePoint:
    saved, created, cost, risk = flows
    return TimelinePoint(
        month=month,
        value_saved=round(saved),
        value_created=round(created),
        cost=round(cost),
        risk=round(risk),
        cumulative_value=round(value),
        cumulative_cost=round(spent),
        cumulative_net=round(value) - round(spent),
    )


def _month(plan: Sequence[Scheduled], month: int) -> tuple[float, float, float, float]:
    saved = created = one_off = risk = 0.0
    running: dict[str, float] = {}
    for s in plan:
        own = s.month(month)
        if own is None:
            continue
        econ = s.evaluation.economics
        benefit = econ.benefit[own]
        saved, created = (
            (saved + benefit, created) if s.evaluation.template.kind == "saved" else (saved, created + benefit)
        )
        one_off += econ.cost[own] - s.evaluation.chosen_cost.monthly_mid
        risk += econ.risk[own]
        for line in s.evaluation.chosen_cost.lines:
            running[line.product.id] = max(running.get(line.product.id, 0.0), (line.low + line.high) / 2)
    return saved, created, one_off + sum(running.values()), risk


def running_cost(plan: Sequence[Scheduled]) -> float:
    """Monthly running cost once everything is live, a product shared by several recommendations counted once."""
    running: dict[str, float] = {}
    for s in plan:
        for line in s.evaluation.chosen_cost.lines:
            running[line.product.id] = max(running.get(line.product.id, 0.0), (line.low + line.high) / 2)
    return sum(running.values())


def value_summary(
    plan: Sequence[Scheduled], line: ValueTimeline, steps: Sequence[Prerequisite], profile: Profile
) -> ValueSummary:
    """Three-year value saved and created as ranges, with the investment and risk allowance behind them."""
    saved = sum(p.value_saved for p in line.points)
    created = sum(p.value_created for p in line.points)
    investment = sum(p.cost for p in line.points)
    risk = sum(p.risk for p in line.points)
    one_off = sum(s.evaluation.economics.cost[0] - s.evaluation.chosen_cost.monthly_mid for s in plan)
    one_off += sum(s.hours for s in steps) * profile.hourly_cost
    saved_est, created_est = _estimate(saved, A.SAVED_RANGE), _estimate(created, A.CREATED_RANGE)
    total = Estimate(
        low=saved_est.low + created_est.low,
        expected=saved_est.expected + created_est.expected,
        high=saved_est.high + created_est.high,
    )
    return ValueSummary(
        horizon_months=int(A.HORIZON_MONTHS.value),
        value_saved=saved_est,
        value_created=created_est,
        total_value=total,
        investment=investment,
        one_off_investment=round(one_off),
        monthly_running_cost=round(running_cost(plan)),
        risk_allowance=risk,
        net_value=total.expected - investment - risk,
        hours_saved_per_week=round(sum(s.evaluation.hours_saved for s in plan), 1),
    )


def _estimate(expected: int, spread: tuple[float, float]) -> Estimate:
    return Estimate(low=round(expected * spread[0]), expected=expected, high=round(expected * spread[1]))


def roadmap(
    plan: Sequence[Scheduled], steps: Sequence[Prerequisite], profile: Profile
) -> tuple[RoadmapPhase, RoadmapPhase, RoadmapPhase]:
    """Quick wins (0-6 months), foundation (6-18) and transformation (18-36), prerequisites first."""
    prereq = [
        RoadmapItem(
            kind="prerequisite",
            title=s.title,
            detail=s.detail,
            start_month=1,
            implementation_weeks=0,
            one_off_cost=round(s.hours * profile.hourly_cost),
            monthly_cost=0,
        )
        for s in steps
    ]
    phases = []
    for phase_id in PHASES:
        name, months = A.PHASE_NAMES[phase_id]
        items = [_roadmap_item(s) for s in plan if s.evaluation.phase == phase_id]
        phases.append(
            RoadmapPhase(
                id=phase_id, name=name, months=months, items=(*(prereq if phase_id == "quick_win" else []), *items)
            )
        )
    return phases[0], phases[1], phases[2]


def _roadmap_item(s: Scheduled) -> RoadmapItem:
    e, c = s.evaluation, s.evaluation.chosen_cost
    return RoadmapItem(
        kind="recommendation",
        recommendation_id=e.template.id,
        title=e.template.title,
        detail=f"{c.spec.name}: {c.spec.examples}.",
        start_month=s.start,
        implementation_weeks=c.spec.weeks,
        one_off_cost=round(e.economics.cost[0] - c.monthly_mid),
        monthly_cost=round(c.monthly_mid),
    )
