"""Each applicable opportunity worked out for this business, scored on the two pillars, and the tier's selection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.costs import OptionCost, choose_option, option_cost
from crb.assessment.economics import Economics, evaluate
from crb.assessment.knowledge import OPTION_ORDER, KnowledgeBase, NotRecommendedRule, RiskSpec, Template
from crb.assessment.profile import Profile
from crb.assessment.readiness import Readiness
from crb.assessment.rules import holds
from crb.assessment.wording import percent, plural
from crb.report import Confidence, Horizon, OptionKind, Probability, Status

HOURS_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "hours_admin": "admin and data entry",
        "hours_support": "customer service",
        "hours_scheduling": "scheduling",
        "hours_reporting": "reports and spreadsheets",
        "hours_content": "writing proposals, content and documents",
    }
)
LEVELS: Final[tuple[Probability, ...]] = ("low", "medium", "high")
CONFIDENCE_LEVELS: Final[tuple[Confidence, ...]] = ("low", "medium", "high")
PHASES: Final[tuple[Horizon, ...]] = ("quick_win", "foundation", "transformation")
STATUS_ORDER: Final[Mapping[Status, int]] = MappingProxyType({"recommended": 0, "caution": 1, "not_recommended": 2})
NOT_RECOMMENDED_CAP: Final = 4  # a fired not-recommended rule caps both pillars here


@dataclass(frozen=True)
class RiskFigure:
    spec: RiskSpec
    probability: Probability
    impact: float
    basis: str

    @property
    def share(self) -> float:
        return A.PROBABILITY[self.probability]

    @property
    def expected(self) -> float:
        return self.share * self.impact


@dataclass(frozen=True)
class Evaluation:
    """One template worked out for this business with its chosen option."""

    template: Template
    hours_saved: float
    value_saved: float  # a year at full use, after the confidence discount
    value_created: float  # a year at full use, after the confidence discount
    confidence: Confidence
    options: tuple[OptionCost, OptionCost, OptionCost]
    chosen: OptionKind
    why_chosen: str
    economics: Economics
    risks: tuple[RiskFigure, ...]
    customer_value: int
    business_health: int
    status: Status
    phase: Horizon
    rule: NotRecommendedRule | None
    notes: tuple[str, ...]
    held_back: str | None = None  # passes both pillars, but would not pay back within the plan: why

    @property
    def chosen_cost(self) -> OptionCost:
        return self.options[OPTION_ORDER.index(self.chosen)]

    @property
    def value_per_year(self) -> float:
        return self.value_saved + self.value_created

    @property
    def rank_value(self) -> float:
        """The benefit it brings within the report's horizon, starting at its roadmap phase."""
        months = int(A.HORIZON_MONTHS.value) - A.PHASE_START[self.phase] + 1
        return sum(self.economics.benefit[:months])


def hours_saved(t: Template, profile: Profile) -> float:
    """Sum of weekly hours * the template's share * automation fit, capped per desk worker where the template says."""
    hours = sum(profile.hours(q) * share for q, share in t.drivers.items()) * profile.fit
    if t.max_hours_per_desk_person is not None:
        hours = min(hours, t.max_hours_per_desk_person * profile.desk_people)
    return hours


def confidence(t: Template, ready: Readiness) -> Confidence:
    """The template's evidence level, one level lower when it depends on data and the data pillar is weak."""
    level = CONFIDENCE_LEVELS.index(t.confidence)
    if t.data_dependent and ready.pillar("data") < A.PREREQUISITE_THRESHOLD.value:
        level = max(0, level - 1)
    return CONFIDENCE_LEVELS[level]


def evaluate_template(t: Template, kb: KnowledgeBase, profile: Profile, ready: Readiness) -> Evaluation:
    hours = hours_saved(t, profile)
    level = confidence(t, ready)
    discount = A.CONFIDENCE_DISCOUNT[level]
    saved = hours * profile.hourly_cost * A.WORKING_WEEKS.value * discount
    created = profile.revenue * t.revenue_uplift * A.CONTRIBUTION_MARGIN.value * discount
    costs = {o.kind: option_cost(o, kb, profile, hours, personal_data=t.personal_data) for o in t.options}
    chosen, why = choose_option(t, costs, profile, ready)
    monthly_benefit = (saved + created) / 12
    risks = tuple(_risk(r, profile, ready, monthly_benefit, costs[chosen]) for r in risk_specs(t, kb, profile))
    econ = _economics(costs[chosen], profile, monthly_benefit, risks)
    rule = next((r for r in t.not_recommended if holds(r.when, profile, ready)), None)
    cv, bh, notes = pillars(t, profile, ready, econ.uncapped_roi_percent, rule)
    return Evaluation(
        template=t,
        hours_saved=hours,
        value_saved=saved,
        value_created=created,
        confidence=level,
        options=(costs["off_the_shelf"], costs["best_in_class"], costs["custom"]),
        chosen=chosen,
        why_chosen=why,
        economics=econ,
        risks=risks,
        customer_value=cv,
        business_health=bh,
        status=status(cv, bh),
        phase=phase(t, ready, chosen),
        rule=rule,
        notes=notes,
    )


def risk_specs(t: Template, kb: KnowledgeBase, profile: Profile) -> tuple[RiskSpec, ...]:
    """The template's risks, with the data-protection risk added where sensitive personal data is involved."""
    if profile.sensitive and t.personal_data and not any(r.id == "data_protection" for r in t.risks):
        return (*t.risks, kb.common_risks["data_protection"])
    return t.risks


def _economics(cost: OptionCost, profile: Profile, monthly_benefit: float, risks: Sequence[RiskFigure]) -> Economics:
    one_off = cost.one_off_mid + cost.internal_hours * profile.hourly_cost
    risk_total = sum(r.expected for r in risks)
    return evaluate(monthly_benefit, one_off, cost.monthly_mid, risk_total, cost.spec.weeks, profile.ramp_months)


def _risk(spec: RiskSpec, profile: Profile, ready: Readiness, monthly_benefit: float, cost: OptionCost) -> RiskFigure:
    level = LEVELS.index(spec.probability)
    if spec.raise_when is not None and holds(spec.raise_when, profile, ready):
        level = min(len(LEVELS) - 1, level + 1)
    parts = (
        (
            spec.impact_hours * profile.hourly_cost,
            f"{spec.impact_hours:g} {plural(spec.impact_hours, 'hour')} at €{profile.hourly_cost:,.2f}",
        ),
        (spec.impact_euros, f"€{spec.impact_euros:,.0f} of outside costs"),
        (
            spec.impact_benefit_months * monthly_benefit,
            f"{spec.impact_benefit_months:g} {plural(spec.impact_benefit_months, 'month')} of its benefit",
        ),
        (
            spec.impact_one_off_share * cost.one_off_mid,
            f"{percent(spec.impact_one_off_share)} of the outside setup cost",
        ),
    )
    used = [(amount, text) for amount, text in parts if amount > 0]
    basis = " + ".join(text for _, text in used) or "no measurable cost"
    return RiskFigure(spec, LEVELS[level], sum(amount for amount, _ in used), basis)


def roi_points(roi: float) -> int:
    """Business Health points from the 3-year ROI: < 0 → -2, 0-99 % → 0, 100-299 % → +1, ≥ 300 % → +2."""
    if roi < 0:
        return -2
    if roi < 100:
        return 0
    return 1 if roi < 300 else 2


def roi_band(roi: float) -> str:
    """The ROI band behind `roi_points`, in words (its table's ROI may differ: it shares costs and starts later)."""
    if roi < 0:
        return "on its own it does not pay back within three years"
    if roi < 100:
        return "on its own its three-year ROI is below 100 %"
    if roi < 300:
        return "on its own its three-year ROI is 100 to 299 %"
    return "on its own its three-year ROI is 300 % or more"


def pillars(
    t: Template, profile: Profile, ready: Readiness, roi: float, rule: NotRecommendedRule | None
) -> tuple[int, int, tuple[str, ...]]:
    """Customer Value and Business Health, 1-10, with the reasons for every adjustment."""
    cv, bh = t.customer_value, t.business_health + roi_points(roi)
    notes = [f"Business Health {t.business_health} from the knowledge base, {roi_points(roi):+d}: {roi_band(roi)}"]
    if set(t.goals) & set(profile.choices("goals")):
        bh += 1
        notes.append("Business Health +1: it serves a goal you chose")
    weak = [p for p in t.prerequisites if ready.pillar(p) < A.PREREQUISITE_THRESHOLD.value]
    if weak:
        bh -= len(weak)
        notes.append(f"Business Health -{len(weak)}: it depends on {', '.join(weak)}, which scores below 40")
    for m in t.modifiers:
        if holds(m.when, profile, ready):
            cv, bh = cv + m.customer_value, bh + m.business_health
            notes.append(f"{m.reason} ({_signed(m.customer_value, m.business_health)})")
    cv, facing = _facing(t, profile, cv)
    notes += facing
    if roi < 0:
        bh = min(bh, 5)
        notes.append("Business Health at most 5: it does not pay back within three years")
    if rule is not None:
        cv, bh = min(cv, NOT_RECOMMENDED_CAP), min(bh, NOT_RECOMMENDED_CAP)
        notes.append(f"Both pillars at most {NOT_RECOMMENDED_CAP}: {rule.why_not}")
    return _clamp(cv), _clamp(bh), tuple(notes)


def _facing(t: Template, profile: Profile, cv: int) -> tuple[int, list[str]]:
    notes = []
    if t.customer_facing and profile.option("data_sensitivity") == "special":
        cv -= 1
        notes.append("Customer Value -1: customers' sensitive data is involved")
    if t.customer_facing and profile.number("process_documentation") < 3:
        cv -= 1
        notes.append("Customer Value -1: undocumented answers make customer-facing AI less reliable")
    return cv, notes


def _signed(cv: int, bh: int) -> str:
    parts = [f"Customer Value {cv:+d}" if cv else "", f"Business Health {bh:+d}" if bh else ""]
    return ", ".join(p for p in parts if p)


def _clamp(score: int) -> int:
    return max(1, min(10, score))


def status(cv: int, bh: int) -> Status:
    """Recommended when both pillars are ≥ 6, not recommended when both are below, caution otherwise."""
    threshold = A.RECOMMEND_THRESHOLD.value
    if cv >= threshold and bh >= threshold:
        return "recommended"
    return "not_recommended" if cv < threshold and bh < threshold else "caution"


def phase(t: Template, ready: Readiness, chosen: OptionKind) -> Horizon:
    """The template's horizon, a phase later when a prerequisite pillar is weak; a custom build is never a quick win."""
    index = PHASES.index(t.horizon)
    if any(ready.pillar(p) < A.PREREQUISITE_THRESHOLD.value for p in t.prerequisites):
        index += 1
    if chosen == "custom":
        index = max(index, 1)
    return PHASES[min(index, len(PHASES) - 1)]


def evaluate_all(kb: KnowledgeBase, profile: Profile, ready: Readiness) -> tuple[Evaluation, ...]:
    """Every template whose applicability rule holds, worked out."""
    return tuple(evaluate_template(t, kb, profile, ready) for t in kb.templates if holds(t.applies, profile, ready))


def select(evaluations: Sequence[Evaluation], tier: str) -> tuple[Evaluation, ...]:
    """The tier's findings: recommended, then caution, by value; then the not-recommended slots, by temptation."""
    count = A.FINDINGS_PER_TIER.get(tier, A.FINDINGS_PER_TIER[A.DEFAULT_TIER])
    slots = A.NOT_RECOMMENDED_SLOTS.get(tier, A.NOT_RECOMMENDED_SLOTS[A.DEFAULT_TIER])
    rejected = sorted((e for e in evaluations if e.status == "not_recommended"), key=_by_value)
    others = sorted(
        (e for e in evaluations if e.status != "not_recommended"), key=lambda e: (STATUS_ORDER[e.status], *_by_value(e))
    )
    shown_rejected = rejected[:slots]
    shown = others[: count - len(shown_rejected)]
    shown_rejected = rejected[: count - len(shown)]
    return (*shown, *shown_rejected)


def _by_value(e: Evaluation) -> tuple[float, str]:
    return (-round(e.rank_value, 6), e.template.id)
