"""Every global assumption of the assessment as a named, sourced constant (listed in the report's methodology)."""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from crb.quiz.plausibility import MAX_HOURS_PER_PERSON
from crb.report import Confidence, Horizon, Probability


@dataclass(frozen=True)
class Assumed:
    """One number the analysis rests on, with where it comes from."""

    id: str
    label: str
    value: float
    unit: str
    source: str


DEFAULT_HOURLY_COST: Final = Assumed(
    "default_hourly_cost",
    "Loaded cost of an hour of staff time, when you left it blank",
    37.30,
    "€ per hour",
    "Eurostat hourly labour costs 2024, euro-area average (Germany €43.40, EU €33.50)",
)
WORKING_WEEKS: Final = Assumed(
    "working_weeks",
    "Working weeks a year",
    46,
    "weeks",
    "Our assumption: 52 weeks less about 6 weeks of leave and holidays",
)
WEEKS_PER_MONTH: Final = Assumed(
    "weeks_per_month", "Weeks in a month", 52 / 12, "weeks", "Calendar: 52 weeks / 12 months"
)
HOURS_PER_PERSON: Final = Assumed(
    "hours_per_person",
    "Most weekly task hours a person can report, the five tasks together",
    MAX_HOURS_PER_PERSON,
    "hours per week",
    "Our plausibility rule: the quiz refuses more than team size × 50 and asks to confirm more than × 40",
)
DAY_RATE: Final = Assumed(
    "day_rate",
    "Day rate for outside help (setup, builds, maintenance)",
    800,
    "€ per day",
    "Derived: €100.26 per hour average IT freelancer rate in DACH (freelancermap, June 2023) × 8 hours, rounded",
)
EUR_PER_USD: Final = Assumed(
    "eur_per_usd",
    "Exchange rate for prices quoted in US dollars",
    round(1 / 1.1592, 4),
    "€ per $",
    "ECB euro reference rate of 11 September 2026: €1 = $1.1592",
)
CONTRIBUTION_MARGIN: Final = Assumed(
    "contribution_margin",
    "Share of extra revenue counted as value created",
    0.30,
    "share",
    "Our conservative assumption: the contribution margin left after the cost of what was sold",
)
ROI_CAP: Final = Assumed(
    "roi_cap",
    "Highest ROI we report; benefits above it are scaled down",
    500,
    "%",
    "Our plausibility rule, after the earlier version's check of results above 500 %",
)
PAYBACK_FLOOR: Final = Assumed(
    "payback_floor",
    "Shortest payback we report",
    1,
    "month",
    "Our plausibility rule: faster paybacks are shown as one month",
)
HORIZON_MONTHS: Final = Assumed(
    "horizon_months", "Horizon of the analysis", 36, "months", "The report's three-year view"
)
BUDGET_SHARE: Final = Assumed(
    "budget_share",
    "Most of your monthly AI budget one option's fixed running cost may take before we choose a simpler one",
    0.20,
    "share",
    "Our assumption: a budget spread over about five recommendations",
)
PREREQUISITE_THRESHOLD: Final = Assumed(
    "prerequisite_threshold",
    "Readiness pillar score below which an opportunity that depends on it moves a phase later",
    40,
    "points",
    "Our assumption: the edge of the Early stage band",
)
RECOMMEND_THRESHOLD: Final = Assumed(
    "recommend_threshold",
    "Lowest Customer Value and Business Health for a recommendation",
    6,
    "points of 10",
    "CRB Analyser's earlier version: recommended only when both pillars are 6 or above",
)

CONFIDENCE_DISCOUNT: Final[Mapping[Confidence, float]] = MappingProxyType({"high": 1.0, "medium": 0.85, "low": 0.70})
CONFIDENCE_SOURCE: Final = "CRB Analyser's earlier version (Amplify-Logic/crb-analyser, December 2025)"
SAVED_RANGE: Final = (0.8, 1.2)  # value saved shown ±20 %, as the earlier version did
CREATED_RANGE: Final = (0.7, 1.3)  # value created shown ×0.7 to ×1.3, as the earlier version did
PROBABILITY: Final[Mapping[Probability, float]] = MappingProxyType({"low": 0.10, "medium": 0.25, "high": 0.50})
PHASE_START: Final[Mapping[Horizon, int]] = MappingProxyType({"quick_win": 1, "foundation": 7, "transformation": 19})
PHASE_NAMES: Final[Mapping[Horizon, tuple[str, str]]] = MappingProxyType(
    {
        "quick_win": ("Quick wins", "1-6"),
        "foundation": ("Foundation", "7-18"),
        "transformation": ("Transformation", "19-36"),
    }
)
# Months from go-live to full use, by the answer to "how much room for change" (1-5).
RAMP_MONTHS: Final[Mapping[int, int]] = MappingProxyType({1: 6, 2: 5, 3: 4, 4: 3, 5: 2})
# The automation fit of the work: 0.6 for one-off, undocumented work up to 1.0 for repetitive, documented work.
FIT_BASE: Final = 0.6
FIT_SPAN: Final = 0.4
# Revenue bands to the revenue we count (lower-middle of each band, rounded down).
REVENUE: Final[Mapping[str, float]] = MappingProxyType(
    {
        "under_250k": 150_000,
        "250k_1m": 500_000,
        "1m_5m": 2_000_000,
        "5m_20m": 10_000_000,
        "20m_50m": 30_000_000,
        "over_50m": 60_000_000,
    }
)
# Budget bands to the monthly budget we plan against (lower-middle of each band).
BUDGET: Final[Mapping[str, float]] = MappingProxyType(
    {"under_250": 150, "250_1000": 500, "1000_5000": 2_000, "5000_20000": 8_000, "over_20000": 25_000}
)
BUDGET_CEILING: Final[Mapping[str, float | None]] = MappingProxyType(
    {"under_250": 250, "250_1000": 1_000, "1000_5000": 5_000, "5000_20000": 20_000, "over_20000": None}
)
# Share of staff who work at a desk and so need a seat for office tools, by industry.
DESK_SHARE: Final[Mapping[str, float]] = MappingProxyType(
    {
        "professional_services": 1.0,
        "marketing": 1.0,
        "software": 1.0,
        "finance": 1.0,
        "ecommerce": 0.6,
        "healthcare": 0.5,
        "manufacturing": 0.4,
        "construction": 0.3,
        "trades": 0.3,
        "transport": 0.3,
        "hospitality": 0.3,
        "education": 0.7,
        "nonprofit": 0.8,
        "other": 0.7,
    }
)
FINDINGS_PER_TIER: Final[Mapping[str, int]] = MappingProxyType({"report": 10, "report_call": 15})
NOT_RECOMMENDED_SLOTS: Final[Mapping[str, int]] = MappingProxyType({"report": 3, "report_call": 4})
DEFAULT_TIER: Final = "report"
CALL_MINUTES: Final[Mapping[str, int]] = MappingProxyType({"report_call": 60})  # tiers with a strategy call
# Each recommendation needs someone's time to adopt: a small team gets fewer at once.
RECOMMENDATIONS_BY_TEAM: Final = ((1, 4), (5, 5), (10_000, 7))
TEASER_FULL_FINDINGS: Final = 2

DATA_PROTECTION_REVIEW: Final = Assumed(
    "data_protection_review",
    "Outside help for a data-protection review of each recommendation that handles special-category or"
    " regulated data (an impact assessment and the vendor's data-processing agreement)",
    1.5,
    "days",
    "Our assumption: GDPR Art. 35 asks for an impact assessment of high-risk processing; one to two days of an"
    " adviser, plus 6 internal hours",
)
DATA_PROTECTION_REVIEW_DAYS: Final = (1.0, 2.0)
DATA_PROTECTION_REVIEW_HOURS: Final = 6.0

GLOBAL_ASSUMPTIONS: Final = (
    WORKING_WEEKS,
    WEEKS_PER_MONTH,
    HOURS_PER_PERSON,
    DAY_RATE,
    EUR_PER_USD,
    CONTRIBUTION_MARGIN,
    ROI_CAP,
    PAYBACK_FLOOR,
    HORIZON_MONTHS,
    BUDGET_SHARE,
    PREREQUISITE_THRESHOLD,
    RECOMMEND_THRESHOLD,
    DATA_PROTECTION_REVIEW,
)


def max_recommendations(team_size: int) -> int:
    """How many recommendations the plan holds for a team of this size."""
    return next(most for size, most in RECOMMENDATIONS_BY_TEAM if team_size <= size)
