"""What each option costs this business (in EUR, from vendor prices and day rates), and which option we choose."""

from __future__ import annotations

import math
from dataclasses import dataclass

from crb.assessment import assumptions as A
from crb.assessment.knowledge import KnowledgeBase, Line, OptionSpec, Product, Seats, Template
from crb.assessment.profile import Profile
from crb.assessment.readiness import Readiness
from crb.assessment.rules import holds
from crb.assessment.wording import plural
from crb.report import OptionKind

CUSTOM_MIN_TEAM = 50
CUSTOM_MIN_TALENT = 60
CUSTOM_BUDGETS = ("5000_20000", "over_20000")
BEST_IN_CLASS_MIN_TEAM = 20


@dataclass(frozen=True)
class LineCost:
    """One product line of an option, a month, in EUR."""

    product: Product
    seats: int
    units: float
    low: float
    high: float
    fixed_high: float  # without the usage-based part

    def describe(self) -> str:
        parts = [self.product.name]
        if self.seats:
            parts.append(f"{self.seats} {plural(self.seats, 'seat')}")
        if self.units:
            unit = self.product.unit or "unit"
            parts.append(f"about {self.units:,.0f} {plural(round(self.units), unit)} a month")
        return ", ".join(parts)


@dataclass(frozen=True)
class OptionCost:
    spec: OptionSpec
    lines: tuple[LineCost, ...]
    one_off_low: float
    one_off_high: float
    internal_hours: float

    @property
    def monthly_low(self) -> float:
        return sum(line.low for line in self.lines)

    @property
    def monthly_high(self) -> float:
        return sum(line.high for line in self.lines)

    @property
    def monthly_mid(self) -> float:
        return (self.monthly_low + self.monthly_high) / 2

    @property
    def one_off_mid(self) -> float:
        return (self.one_off_low + self.one_off_high) / 2

    @property
    def fixed_high(self) -> float:
        return sum(line.fixed_high for line in self.lines)


def to_eur(amount: float, currency: str) -> float:
    """Convert at the stated ECB rate; EUR amounts pass through."""
    return amount * A.EUR_PER_USD.value if currency == "USD" else amount


def seat_count(seats: Seats | None, product: Product, profile: Profile) -> int:
    """Seats for a line: a share of the whole team or of desk staff, at least the line's and the product's minimum."""
    if seats is None:
        return 0
    people = profile.team_size if seats.basis == "team" else profile.desk_people
    return max(seats.min, product.min_seats, math.ceil(round(people * seats.share, 6)))


def line_cost(line: Line, product: Product, profile: Profile, hours_saved: float) -> LineCost:
    """fixed + per seat * seats + per unit * units, each at its low and high price, in EUR."""
    seats = seat_count(line.seats, product, profile)
    units = hours_saved * A.WEEKS_PER_MONTH.value * line.units_per_saved_hour
    low, high = (product.fixed[i] + product.per_seat[i] * seats + product.per_unit[i] * units for i in (0, 1))
    fixed_high = product.fixed[1] + product.per_seat[1] * seats
    cur = product.currency
    return LineCost(product, seats, units, to_eur(low, cur), to_eur(high, cur), to_eur(fixed_high, cur))


def option_cost(spec: OptionSpec, kb: KnowledgeBase, profile: Profile, hours_saved: float) -> OptionCost:
    """The option's monthly and one-off cost ranges and the internal hours it takes."""
    lines = tuple(line_cost(line, kb.products[line.product], profile, hours_saved) for line in spec.lines)
    seats = max((line.seats for line in lines), default=0)
    return OptionCost(
        spec=spec,
        lines=lines,
        one_off_low=spec.setup_days[0] * A.DAY_RATE.value,
        one_off_high=spec.setup_days[1] * A.DAY_RATE.value,
        internal_hours=spec.internal_hours + spec.internal_hours_per_seat * seats,
    )


def choose_option(
    template: Template, costs: dict[OptionKind, OptionCost], profile: Profile, ready: Readiness
) -> tuple[OptionKind, str]:
    """Choose by size, skills, data sensitivity and budget (never by hours, so more work never flips the choice)."""
    limit = A.BUDGET_SHARE.value * profile.budget
    team, talent = profile.team_size, ready.pillar("talent")
    custom, best = costs["custom"], costs["best_in_class"]
    if (
        template.custom_at_scale
        and team >= CUSTOM_MIN_TEAM
        and talent >= CUSTOM_MIN_TALENT
        and profile.option("monthly_budget") in CUSTOM_BUDGETS
        and custom.fixed_high <= limit
    ):
        return "custom", (
            f"With {team} people, a talent score of {talent} and your budget, a build of your own pays for its"
            " maintenance and keeps the data and the roadmap in your hands."
        )
    reason = _best_in_class_reason(profile)
    usable = best.spec.requires is None or holds(best.spec.requires, profile, ready)
    if reason and usable and best.fixed_high <= limit:
        return "best_in_class", (
            f"{reason}; its fixed running cost of about €{best.fixed_high:,.0f} a month fits within a fifth of"
            " your monthly AI budget."
        )
    if reason and not usable:
        return "off_the_shelf", (
            f"{reason}, but the best-in-class option ({best.spec.examples}) needs tools you did not say you use,"
            " so start with the off-the-shelf option."
        )
    if reason:
        return "off_the_shelf", (
            f"{reason}, but the best-in-class option's fixed cost of about €{best.fixed_high:,.0f} a month is more"
            " than a fifth of your monthly AI budget, so start with the off-the-shelf option."
        )
    return "off_the_shelf", (
        f"For a team of {team}, the off-the-shelf option gives most of the benefit at the lowest cost and with"
        " the shortest setup."
    )


def _best_in_class_reason(profile: Profile) -> str | None:
    if profile.option("data_sensitivity") == "special":
        return "Your sensitive data calls for enterprise controls and agreements"
    if profile.choices("regulation"):
        return "The rules you work under call for enterprise controls and agreements"
    if profile.team_size >= BEST_IN_CLASS_MIN_TEAM:
        return f"A team of {profile.team_size} benefits from the admin, security and integration features"
    return None
