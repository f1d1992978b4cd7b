"""The plan: when each recommendation starts, its table, the foundation steps, the timeline, summary and roadmap.

Every figure here is read from the ledger (`crb.assessment.ledger`), so what the report shows adds up.
"""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.costs import LineCost, OptionCost
from crb.assessment.findings import PHASES, Evaluation, RiskFigure
from crb.assessment.ledger import MONTHS, Entry, Sharing, apportion, break_even
from crb.assessment.profile import Profile
from crb.assessment.readiness import Readiness
from crb.assessment.wording import euro, percent, plural, quoted
from crb.report import (
    CostOption,
    Estimate,
    EuroRange,
    Horizon,
    PeriodFigures,
    PeriodId,
    Recommendation,
    Risk,
    RoadmapItem,
    RoadmapPhase,
    TimelinePoint,
    ValueSummary,
    ValueTimeline,
)

PERIODS: Final[tuple[tuple[PeriodId, str, str, int, int], ...]] = (
    ("short", "Short term", "1-6", 1, 6),
    ("mid", "Mid term", "7-18", 7, 18),
    ("long", "Long term", "19-36", 19, 36),
)


@dataclass(frozen=True)
class Prerequisite:
    """A foundation step the readiness scores call for, costed in internal hours."""

    id: str
    title: str
    detail: str
    hours: float
    weeks: int

    def cost(self, profile: Profile) -> int:
        return round(self.hours * profile.hourly_cost)


# Internal hours of the foundation steps (our assumptions, listed in the methodology).
PREREQUISITE_HOURS: Final[Mapping[str, float]] = MappingProxyType(
    {"policy": 8.0, "policy_solo": 2.0, "owner": 4.0, "owner_solo": 1.0, "training_per_person": 2.0,
     "data_base": 24.0, "data_per_person": 2.0}
)  # fmt: skip


def phase_of(month: int) -> Horizon:
    """The roadmap phase a month belongs to: quick wins 1-6, foundation 7-18, transformation 19-36."""
    return next(p for p in reversed(PHASES) if month >= A.PHASE_START[p])


def schedule(recommended: Sequence[Evaluation], earliest: int) -> tuple[tuple[Evaluation, int], ...]:
    """Each recommendation starts at the first month of its phase, and not before the verdict allows."""
    return tuple((e, max(A.PHASE_START[e.phase], earliest)) for e in recommended)


def prerequisites(profile: Profile, ready: Readiness) -> tuple[Prerequisite, ...]:
    """Foundation steps for weak pillars: an owner, a policy, basic training, and clean data."""
    h, people, threshold, solo = PREREQUISITE_HOURS, profile.desk_people, A.PREREQUISITE_THRESHOLD.value, profile.solo
    steps = []
    if ready.pillar("strategy") < threshold:
        steps.append(
            Prerequisite("owner", "Set yourself a monthly AI budget", "An hour with your figures.", h["owner_solo"], 1)
            if solo
            else Prerequisite(
                "owner", "Name an owner for AI and agree a budget", "Half a day of leadership time.", h["owner"], 1
            )
        )
    if profile.option("ai_policy") != "written":
        steps.append(
            Prerequisite(
                "policy",
                "Write down your AI ground rules",
                "Which tools you use, what data may go into them, and how you check AI output.",
                h["policy_solo"],
                1,
            )
            if solo
            else Prerequisite(
                "policy",
                "Write a one-page AI usage policy",
                "Which tools are allowed, what data may go into them, and who reviews AI output.",
                h["policy"],
                2,
            )
        )
    if ready.pillar("talent") < threshold:
        steps.append(
            Prerequisite(
                "training",
                "Take a two-hour AI basics course" if solo else "Run a two-hour AI basics session for the team",
                "Two hours of your time." if solo else f"Two hours for each of {people} desk staff.",
                h["training_per_person"] * people,
                1,
            )
        )
    if ready.pillar("data") < threshold:
        steps.append(
            Prerequisite(
                "data",
                "Clean up and connect your core customer and order data",
                f"About {h['data_base']:.0f} hours plus {h['data_per_person']:.0f} per desk worker.",
                h["data_base"] + h["data_per_person"] * people,
                6,
            )
        )
    return tuple(steps)


def periods(entry: Entry) -> tuple[PeriodFigures, PeriodFigures, PeriodFigures]:
    """The cost / risk / benefit table: plan months 1-6, 7-18 and 19-36, each the sum of its months."""
    rows = []
    for period, label, months, first, last in PERIODS:
        window = slice(first - 1, last)
        cost, risk, benefit = (sum(series[window]) for series in (entry.cost, entry.risk, entry.benefit))
        rows.append(
            PeriodFigures(
                period=period, label=label, months=months, cost=cost, risk=risk, benefit=benefit,
                net=benefit - cost - risk,
            )
        )  # fmt: skip
    return rows[0], rows[1], rows[2]


def to_recommendation(entry: Entry, profile: Profile) -> Recommendation:
    """One recommendation in full: its three options, the table, ROI, payback, risks and assumptions."""
    e = entry.evaluation
    rows = periods(entry)
    return Recommendation(
        id=e.template.id,
        title=e.template.title,
        category=e.template.category,
        customer_value=e.customer_value,
        business_health=e.business_health,
        confidence=e.confidence,
        phase=phase_of(entry.start),
        horizon=e.phase,
        deferred=entry.start > A.PHASE_START[e.phase],
        start_month=entry.start,
        options=(_option(e.options[0]), _option(e.options[1]), _option(e.options[2])),
        chosen_option=e.chosen,
        why_chosen=e.why_chosen,
        periods=rows,
        total_cost=entry.total_cost,
        total_risk=entry.total_risk,
        total_benefit=entry.total_benefit,
        net_benefit=entry.total_net,
        roi_percent=entry.roi_percent,
        payback_months=entry.payback_months,
        hours_saved_per_week=round(e.hours_saved, 1),
        value_saved_per_year=round(e.value_saved),
        value_created_per_year=round(e.value_created),
        risks=tuple(_risk(r) for r in e.risks),
        assumptions=(*_assumptions(entry, profile), *_shared(entry)),
        adjustments=adjustments(entry),
        personal_data=e.template.personal_data,
    )


def _option(c: OptionCost) -> CostOption:
    basis = "; ".join(_line_basis(line) for line in c.lines) or "no running cost"
    if c.review:
        basis += (
            f"; one-off: a data-protection review ({_days(A.DATA_PROTECTION_REVIEW_DAYS)} of outside help and"
            f" {A.DATA_PROTECTION_REVIEW_HOURS:g} internal hours)"
        )
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
        includes=c.includes,
        data_protection_review=c.review,
        sensitive_data_ok=c.spec.sensitive_ok,
    )


def _days(days: tuple[float, float]) -> str:
    low, high = days
    return f"{low:g} {plural(low, 'day')}" if low == high else f"{low:g} to {high:g} days"


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
        id=r.spec.id,
        title=r.spec.title,
        probability=r.probability,
        probability_share=r.share,
        impact=round(r.impact),
        impact_basis=r.basis,
        expected_cost=round(r.expected),
        mitigation=r.spec.mitigation,
    )


def _assumptions(entry: Entry, profile: Profile) -> tuple[str, ...]:
    e = entry.evaluation
    c = e.chosen_cost
    internal = round(c.internal_hours)
    notes = [
        e.template.value_note,
        f"Confidence {e.confidence}: benefits counted at {percent(A.CONFIDENCE_DISCOUNT[e.confidence])}.",
        *(
            [f"Starts in month {entry.start}: the months before hold nothing, and payback and ROI count from there."]
            if entry.start > 1
            else []
        ),
        f"Costs use the middle of each range: {euro(c.monthly_mid)} a month to run,"
        f" {euro(c.one_off_mid)} of outside help once, and {internal} internal {plural(internal, 'hour')} at"
        f" €{profile.hourly_cost:,.2f}.",
        f"Live after {c.spec.weeks} {plural(c.spec.weeks, 'week')}, then at full use after a"
        f" {profile.ramp_months}-month ramp.",
        f"Risks add an expected {euro(entry.total_risk)} (probability × impact), spread over its months.",
    ]
    if c.review:
        notes.append(
            f"Includes a data-protection review in its setup ({_days(A.DATA_PROTECTION_REVIEW_DAYS)} of outside help"
            f" and {A.DATA_PROTECTION_REVIEW_HOURS:g} internal hours): an impact assessment and the vendor's"
            " data-processing agreement."
        )
    if c.includes:
        notes.append(f"Includes {' and '.join(c.includes)}, which you do not use yet: its price and setup are counted.")
    return (*notes, *e.notes)


def _shared(entry: Entry) -> tuple[str, ...]:
    """One note per group of recommendations it shares products with."""
    groups: dict[tuple[str, ...], list[Sharing]] = {}
    for s in entry.sharing:
        groups.setdefault(s.others, []).append(s)
    return tuple(
        f"Shares {' and '.join(s.product for s in shared)} with {quoted(others)}: the plan pays for"
        f" {'it' if len(shared) == 1 else 'each'} once, and this table carries its share, about"
        f" {euro(sum(s.share for s in shared))} of {euro(sum(s.whole for s in shared))} a month."
        for others, shared in groups.items()
    )


def adjustments(entry: Entry) -> tuple[str, ...]:
    """What the plausibility rules changed, in words."""
    title, notes = entry.evaluation.template.title, []
    if entry.cap_factor < 1:
        notes.append(
            f"{title}: the ROI came to {entry.uncapped_roi_percent:,.0f} %, above our"
            f" {A.ROI_CAP.value:.0f} % plausibility cap, so we scaled its benefits down to {percent(entry.cap_factor)}."
        )
    if entry.payback_floored:
        notes.append(f"{title}: payback came out under one month; we show one month.")
    return tuple(notes)


def prerequisites_cost(steps: Sequence[Prerequisite], profile: Profile) -> int:
    return sum(s.cost(profile) for s in steps)


def timeline(entries: Sequence[Entry], steps: Sequence[Prerequisite], profile: Profile) -> ValueTimeline:
    """Month by month: each month the sum of the recommendations' months, the foundation steps in month 1."""
    points: list[TimelinePoint] = []
    value = spent = 0
    nets = []
    for month in range(1, MONTHS + 1):
        i = month - 1
        saved = sum(x.benefit[i] for x in entries if x.evaluation.template.kind == "saved")
        created = sum(x.benefit[i] for x in entries if x.evaluation.template.kind == "created")
        cost = sum(x.cost[i] for x in entries) + (prerequisites_cost(steps, profile) if month == 1 else 0)
        risk = sum(x.risk[i] for x in entries)
        value, spent = value + saved + created, spent + cost + risk
        nets.append(saved + created - cost - risk)
        points.append(
            TimelinePoint(
                month=month, value_saved=saved, value_created=created, cost=cost, risk=risk,
                cumulative_value=value, cumulative_cost=spent, cumulative_net=value - spent,
            )
        )  # fmt: skip
    return ValueTimeline(points=tuple(points), break_even_month=break_even(nets))


def value_summary(
    entries: Sequence[Entry], recommendations: Sequence[Recommendation], steps: Sequence[Prerequisite],
    profile: Profile,
) -> ValueSummary:  # fmt: skip
    """Three-year value saved and created as ranges, with the investment and risk allowance behind them."""
    saved = sum(x.total_benefit for x in entries if x.evaluation.template.kind == "saved")
    created = sum(x.total_benefit for x in entries if x.evaluation.template.kind == "created")
    foundations = prerequisites_cost(steps, profile)
    investment = sum(x.total_cost for x in entries) + foundations
    risk = sum(x.total_risk for x in entries)
    saved_est, created_est = _estimate(saved, A.SAVED_RANGE), _estimate(created, A.CREATED_RANGE)
    total = Estimate(
        low=saved_est.low + created_est.low,
        expected=saved_est.expected + created_est.expected,
        high=saved_est.high + created_est.high,
    )
    return ValueSummary(
        horizon_months=MONTHS,
        value_saved=saved_est,
        value_created=created_est,
        total_value=total,
        investment=investment,
        one_off_investment=sum(sum(x.one_off) for x in entries) + foundations,
        monthly_running_cost=sum(running_shares(entries)),
        risk_allowance=risk,
        net_value=total.expected - investment - risk,
        hours_saved_per_week=round(sum(r.hours_saved_per_week for r in recommendations), 1),
        prerequisites_cost=foundations,
        recommendation_count=len(entries),
    )


def running_shares(entries: Sequence[Entry]) -> list[int]:
    """Each recommendation's share of the running cost a month once everything is live, adding up to the whole."""
    return apportion([x.running_at_end for x in entries])


def _estimate(expected: int, spread: tuple[float, float]) -> Estimate:
    return Estimate(low=round(expected * spread[0]), expected=expected, high=round(expected * spread[1]))


def roadmap(
    entries: Sequence[Entry], steps: Sequence[Prerequisite], profile: Profile
) -> tuple[RoadmapPhase, RoadmapPhase, RoadmapPhase]:
    """Quick wins (months 1-6), foundation (7-18) and transformation (19-36) by start month, prerequisites first."""
    prereq = [
        RoadmapItem(
            kind="prerequisite",
            title=s.title,
            detail=s.detail,
            start_month=1,
            implementation_weeks=s.weeks,
            one_off_cost=s.cost(profile),
            monthly_cost=0,
        )
        for s in steps
    ]
    shares = running_shares(entries)
    phases = []
    for phase_id in PHASES:
        name, months = A.PHASE_NAMES[phase_id]
        items = [
            _roadmap_item(x, share) for x, share in zip(entries, shares, strict=True) if phase_of(x.start) == phase_id
        ]
        phases.append(
            RoadmapPhase(
                id=phase_id, name=name, months=months, items=(*(prereq if phase_id == "quick_win" else []), *items)
            )
        )
    return phases[0], phases[1], phases[2]


def _roadmap_item(entry: Entry, monthly: int) -> RoadmapItem:
    e, c = entry.evaluation, entry.evaluation.chosen_cost
    deferred = entry.start > A.PHASE_START[e.phase]
    detail = f"{c.spec.name}: {c.spec.examples}."
    return RoadmapItem(
        kind="recommendation",
        recommendation_id=e.template.id,
        title=e.template.title,
        detail=detail,
        start_month=entry.start,
        implementation_weeks=c.spec.weeks,
        one_off_cost=sum(entry.one_off),
        monthly_cost=monthly,
        deferred=deferred,
    )
