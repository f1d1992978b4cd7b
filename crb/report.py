"""The report data model: the renderer's input contract, versioned, JSON-serialisable, with a JSON Schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

REPORT_SCHEMA_VERSION: Final = 3

Category = Literal["efficiency", "growth", "risk", "compliance", "customer_experience"]
CATEGORY_LABELS: Final[Mapping[Category, str]] = MappingProxyType(
    {
        "efficiency": "Efficiency",
        "growth": "Growth",
        "risk": "Risk",
        "compliance": "Compliance",
        "customer_experience": "Customer experience",
    }
)
Status = Literal["recommended", "caution", "not_recommended"]
Confidence = Literal["high", "medium", "low"]
Horizon = Literal["quick_win", "foundation", "transformation"]
OptionKind = Literal["off_the_shelf", "best_in_class", "custom"]
Decision = Literal["go", "proceed_with_caution", "wait", "not_now"]
Probability = Literal["low", "medium", "high"]
PeriodId = Literal["short", "mid", "long"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PillarScore(_Frozen):
    """One readiness pillar (aligned with the Cisco AI Readiness Index pillars), 0-100."""

    id: str
    name: str
    score: int = Field(ge=0, le=100)
    weight: float = Field(default=0.0, ge=0, le=1)


class Estimate(_Frozen):
    """A euro amount as a range around its expected value."""

    low: int = Field(ge=0)
    expected: int = Field(ge=0)
    high: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Estimate:
        if not self.low <= self.expected <= self.high:
            raise ValueError("an estimate needs low <= expected <= high")
        return self


class Choice(_Frozen):
    """A quiz answer: its value and its label."""

    id: str
    label: str


class EuroRange(_Frozen):
    low: int = Field(ge=0)
    high: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> EuroRange:
        if self.low > self.high:
            raise ValueError("a range needs low <= high")
        return self


class Finding(_Frozen):
    """One opportunity as it applies to this business, recommended or not."""

    id: str
    title: str
    summary: str
    category: Category
    customer_value: int = Field(ge=1, le=10)
    business_health: int = Field(ge=1, le=10)
    status: Status
    recommended: bool
    confidence: Confidence
    horizon: Horizon
    hours_saved_per_week: float = Field(ge=0)
    value_saved_per_year: int = Field(ge=0)
    value_created_per_year: int = Field(ge=0)
    rationale: str
    basis: str
    why_not: str | None = None
    what_instead: str | None = None
    source_ids: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Finding:
        if self.recommended != (self.status == "recommended"):
            raise ValueError("recommended must match status")
        if self.recommended and min(self.customer_value, self.business_health) < 6:
            raise ValueError("a finding is recommended only when both pillars are 6 or above")
        if self.status == "not_recommended" and not (self.why_not and self.what_instead):
            raise ValueError("a not-recommended finding needs why_not and what_instead")
        return self


class CostOption(_Frozen):
    """One way to do it: off-the-shelf, best-in-class or a custom build."""

    kind: OptionKind
    name: str
    examples: str
    monthly_cost: EuroRange
    one_off_cost: EuroRange
    internal_hours: float = Field(ge=0)
    implementation_weeks: int = Field(ge=1)
    price_basis: str
    source_ids: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()  # tools it adds (and costs) because the business does not use them yet
    data_protection_review: bool = False  # its setup includes a data-protection review
    sensitive_data_ok: bool = False  # EU hosting, a data-processing agreement and no training on the data


class Risk(_Frozen):
    id: str = "own"  # a common risk's key (e.g. "data_protection"), or "own"
    title: str
    probability: Probability
    probability_share: float = Field(ge=0, le=1)
    impact: int = Field(ge=0)
    impact_basis: str
    expected_cost: int = Field(ge=0)
    mitigation: str


class PeriodFigures(_Frozen):
    """One column of the cost / risk / benefit table."""

    period: PeriodId
    label: str
    months: str
    cost: int = Field(ge=0)
    risk: int = Field(ge=0)
    benefit: int = Field(ge=0)
    net: int


class Recommendation(_Frozen):
    """A recommended finding worked out: options, the chosen one, cost / risk / benefit, ROI and payback."""

    id: str
    title: str
    category: Category
    customer_value: int = Field(ge=6, le=10)
    business_health: int = Field(ge=6, le=10)
    confidence: Confidence
    phase: Horizon  # the roadmap phase it starts in
    horizon: Horizon  # the phase its readiness allows, before the verdict's rule on when to start
    deferred: bool = False  # starts later than its horizon because of the verdict
    start_month: int = Field(ge=1, le=36)
    options: tuple[CostOption, CostOption, CostOption]
    chosen_option: OptionKind
    why_chosen: str
    periods: tuple[PeriodFigures, PeriodFigures, PeriodFigures]
    total_cost: int = Field(ge=0)
    total_risk: int = Field(ge=0)
    total_benefit: int = Field(ge=0)
    net_benefit: int
    roi_percent: float = Field(le=500)
    payback_months: float | None = Field(default=None, ge=1, le=36)  # counted from its start month
    hours_saved_per_week: float = Field(ge=0)
    value_saved_per_year: int = Field(ge=0)
    value_created_per_year: int = Field(ge=0)
    risks: tuple[Risk, ...]
    assumptions: tuple[str, ...]
    adjustments: tuple[str, ...] = ()
    personal_data: bool = True  # it handles customers' or staff's personal data


class ValueSummary(_Frozen):
    """The plan's value over the report's horizon, after confidence discounts, as ranges."""

    horizon_months: int
    value_saved: Estimate
    value_created: Estimate
    total_value: Estimate
    investment: int = Field(ge=0)
    one_off_investment: int = Field(ge=0)
    monthly_running_cost: int = Field(ge=0)
    risk_allowance: int = Field(ge=0)
    net_value: int
    hours_saved_per_week: float = Field(ge=0)
    prerequisites_cost: int = Field(default=0, ge=0)  # the foundation steps' internal time, in month 1
    recommendation_count: int = Field(default=0, ge=0)


class TimelinePoint(_Frozen):
    month: int = Field(ge=1)
    value_saved: int = Field(ge=0)
    value_created: int = Field(ge=0)
    cost: int = Field(ge=0)
    risk: int = Field(ge=0)
    cumulative_value: int = Field(ge=0)
    cumulative_cost: int = Field(ge=0)
    cumulative_net: int


class ValueTimeline(_Frozen):
    """Month by month over the horizon: value with its adoption ramp, investment, and the break-even month."""

    points: tuple[TimelinePoint, ...]
    break_even_month: int | None = Field(default=None, ge=1)


class RoadmapItem(_Frozen):
    kind: Literal["recommendation", "prerequisite"]
    recommendation_id: str | None = None
    title: str
    detail: str
    start_month: int = Field(ge=1)
    implementation_weeks: int = Field(ge=0)
    one_off_cost: int = Field(ge=0)
    monthly_cost: int = Field(ge=0)
    deferred: bool = False  # a quick win that waits for the foundations, by the verdict


class RoadmapPhase(_Frozen):
    id: Horizon
    name: str
    months: str
    items: tuple[RoadmapItem, ...]


class Verdict(_Frozen):
    decision: Decision
    label: str
    summary: str
    reasons: tuple[str, ...]
    earliest_start: int = Field(default=1, ge=1, le=36)  # the first month a recommendation may start
    plan_rule: str = ""  # what the verdict means for the plan, in one sentence


class Assumption(_Frozen):
    id: str
    label: str
    value: str
    source: str


class Source(_Frozen):
    id: str
    title: str
    url: str | None = None
    date: str
    kind: str


class Formula(_Frozen):
    name: str
    expression: str


class Methodology(_Frozen):
    """How every number was made: formulas, every assumption with its source, and what was capped."""

    overview: tuple[str, ...]
    formulas: tuple[Formula, ...]
    assumptions: tuple[Assumption, ...]
    adjustments: tuple[str, ...]
    sources: tuple[Source, ...]
    disclaimer: str


class WeeklyHours(_Frozen):
    id: str
    label: str
    hours: float = Field(ge=0)


class CompanyProfile(_Frozen):
    """The answers the numbers rest on, in words."""

    industry: str
    industry_id: str = "other"
    team_size: int = Field(ge=1)
    revenue_band: str
    hourly_cost: float = Field(gt=0)
    hourly_cost_source: str
    weekly_hours: tuple[WeeklyHours, ...]
    goals: tuple[str, ...]
    monthly_budget: str
    timeline: str
    own_words: str | None = None
    tools: tuple[Choice, ...] = ()
    data_sensitivity: Choice | None = None
    regulation: tuple[Choice, ...] = ()


class PainLink(_Frozen):
    """An opportunity the customer's own words point to, and where the report deals with it."""

    id: str
    title: str
    status: Status
    recommendation: int | None = Field(default=None, ge=1)  # its number among the recommendations
    words: tuple[str, ...] = ()  # the customer's words that matched, as written
    why_not: str | None = None  # for one the findings do not show: why it is not recommended


class OwnWords(_Frozen):
    """What the customer wrote about their biggest time sink, and what the report found for it."""

    text: str
    matched: tuple[PainLink, ...]
    closest: tuple[PainLink, ...] = ()  # when nothing matched: the nearest findings
    summary: str


class SellerIdentity(_Frozen):
    """Who sells the report, on its last page (the seller's settings; none in the stored examples)."""

    name: str = Field(min_length=1, max_length=200)
    address_lines: tuple[str, ...] = Field(default=(), max_length=8)
    vat_id: str | None = Field(default=None, max_length=40)
    support_email: str | None = Field(default=None, max_length=254)


class StrategyCall(_Frozen):
    """The call that comes with the higher edition: what it covers and how to book it."""

    minutes: int = Field(ge=15, le=240)
    agenda: tuple[str, ...]
    booking_url: str | None = None
    how_to_book: str


class Teaser(_Frozen):
    """What a visitor sees for free once the quiz is complete: the same computation as the report."""

    schema_version: Literal[3] = REPORT_SCHEMA_VERSION
    quiz_version: str
    readiness_score: int = Field(ge=0, le=100)
    band: str
    pillars: tuple[PillarScore, ...]
    verdict: Verdict  # the report's verdict and why, shown before payment
    findings: tuple[Finding, ...]
    locked_titles: tuple[str, ...]


class ReportData(_Frozen):
    """Everything the renderer needs to print one customer's report."""

    schema_version: Literal[3] = REPORT_SCHEMA_VERSION
    quiz_version: str
    knowledge_base_version: str
    company_name: str = Field(min_length=1, max_length=200)
    tier: str
    tier_name: str
    generated_on: dt.date
    currency: Literal["EUR"] = "EUR"
    profile: CompanyProfile
    readiness_score: int = Field(ge=0, le=100)
    band: str
    pillars: tuple[PillarScore, ...] = Field(min_length=1)
    customer_value: int = Field(ge=1, le=10)
    business_health: int = Field(ge=1, le=10)
    verdict: Verdict
    key_insight: str
    findings: tuple[Finding, ...]
    recommendations: tuple[Recommendation, ...] = Field(max_length=10)
    value_summary: ValueSummary
    timeline: ValueTimeline
    roadmap: tuple[RoadmapPhase, RoadmapPhase, RoadmapPhase]
    methodology: Methodology
    own_words: OwnWords | None = None
    strategy_call: StrategyCall | None = None
    seller: SellerIdentity | None = None


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema of `ReportData` as the renderer accepts it."""
    schema = ReportData.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
