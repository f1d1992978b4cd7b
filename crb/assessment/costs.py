"""What each option costs this business (in EUR, from vendor prices and day rates), and which option we choose."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.knowledge import OPTION_ORDER, KnowledgeBase, Line, OptionSpec, Product, Seats, Template
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
    includes: tuple[str, ...] = ()  # tools it adds because the business does not use them yet
    review: bool = False  # a data-protection review is part of its setup

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


def option_cost(
    spec: OptionSpec, kb: KnowledgeBase, profile: Profile, hours_saved: float, *, personal_data: bool = True
) -> OptionCost:
    """The option's monthly and one-off cost ranges and the internal hours it takes.

    A tool the option builds on that the business does not use is added with its price and setup hours; with
    special-category or regulated data, an option that handles personal data includes a data-protection review.
    """
    missing = [kb.tools[n] for n in spec.needs if n not in profile.tools]
    specs = [*spec.lines, *(tool.line for tool in missing)]
    lines = tuple(line_cost(line, kb.products[line.product], profile, hours_saved) for line in specs)
    seats = max((line.seats for line in lines), default=0)
    review = profile.sensitive and personal_data
    days = spec.setup_days
    if review:
        days = (days[0] + A.DATA_PROTECTION_REVIEW_DAYS[0], days[1] + A.DATA_PROTECTION_REVIEW_DAYS[1])
    internal = spec.internal_hours + spec.internal_hours_per_seat * seats + sum(t.internal_hours for t in missing)
    return OptionCost(
        spec=spec,
        lines=lines,
        one_off_low=days[0] * A.DAY_RATE.value,
        one_off_high=days[1] * A.DAY_RATE.value,
        internal_hours=internal + (A.DATA_PROTECTION_REVIEW_HOURS if review else 0.0),
        includes=tuple(t.label for t in missing),
        review=review,
    )


def choose_option(
    template: Template, costs: dict[OptionKind, OptionCost], profile: Profile, ready: Readiness
) -> tuple[OptionKind, str]:
    """Choose by data protection, size, skills and budget (never by hours, so more work never flips the choice)."""
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
    if profile.sensitive and template.personal_data:
        return _compliant(template, costs, profile, ready)
    usable = best.spec.requires is None or holds(best.spec.requires, profile, ready)
    if team >= BEST_IN_CLASS_MIN_TEAM and usable and best.fixed_high <= limit:
        return "best_in_class", (
            f"A team of {team} benefits from the admin, security and integration features; its fixed running cost"
            f" of about €{best.fixed_high:,.0f} a month fits within a fifth of your monthly AI budget."
        )
    if team >= BEST_IN_CLASS_MIN_TEAM and not usable:
        return "off_the_shelf", (
            f"A team of {team} would benefit from the best-in-class option ({best.spec.examples}), but it needs"
            " tools you did not say you use, so start with the off-the-shelf option."
        )
    if team >= BEST_IN_CLASS_MIN_TEAM:
        return "off_the_shelf", (
            f"A team of {team} would benefit from the best-in-class option, but its fixed cost of about"
            f" €{best.fixed_high:,.0f} a month is more than a fifth of your monthly AI budget, so start with the"
            " off-the-shelf option."
        )
    who = "you" if profile.solo else f"a team of {team}"
    return "off_the_shelf", (
        f"For {who}, the off-the-shelf option gives most of the benefit at the lowest cost and with the shortest setup."
    )


COMPLIANT: Final = "EU hosting, a data-processing agreement and no training on your data"


def _compliant(
    template: Template, costs: dict[OptionKind, OptionCost], profile: Profile, ready: Readiness
) -> tuple[OptionKind, str]:
    """The first option, cheapest kind first, that is fit for special-category or regulated data."""
    why = "Your sensitive data" if profile.option("data_sensitivity") == "special" else "The rules you work under"
    passed: list[str] = []
    for kind in OPTION_ORDER:
        spec = costs[kind].spec
        usable = spec.requires is None or holds(spec.requires, profile, ready)
        if spec.sensitive_ok and usable:
            skipped = f"; our sources show no such terms for {' or '.join(passed)}" if passed else ""
            build = ", built on an EU-hosted model API" if kind == "custom" else ""
            return kind, f"{why} calls for {COMPLIANT}{skipped}, so we chose this option{build}."
        passed.append(f"{spec.examples}")
    raise ValueError(f"{template.id}: no option is fit for sensitive data")
