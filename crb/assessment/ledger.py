"""The plan's ledger: each recommendation's cost, risk and benefit month by month on the plan's calendar.

This is the one source of every figure in the report. A recommendation starting in month m has nothing before m;
its one-off cost falls in month m, its running cost from m, its risk allowance is spread over its months, and its
benefit follows its adoption ramp from m. A product several recommendations use is paid for once: each month its
cost is shared among the recommendations live that month, in proportion to what each alone would pay. Every series
is then turned into whole euros by rounding its running total (so the months add up to the rounded total), and
every table, total, chart and verdict figure is a sum of these whole euros.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.economics import adoption, cap_factor, roi_percent
from crb.assessment.findings import Evaluation
from crb.assessment.profile import Profile

MONTHS: Final = int(A.HORIZON_MONTHS.value)
Series = tuple[int, ...]


@dataclass(frozen=True)
class Sharing:
    """A product this recommendation shares with others: its share and the whole, a month, once all are live."""

    product: str
    others: tuple[str, ...]  # the other recommendations' titles
    share: float
    whole: float


@dataclass(frozen=True)
class Entry:
    """One recommendation on the plan's calendar, in whole euros per month (index 0 is month 1)."""

    evaluation: Evaluation
    start: int
    one_off: Series
    running: Series
    risk: Series
    benefit: Series
    cap_factor: float
    uncapped_roi_percent: float
    running_at_end: float  # its share of the running cost a month once everything is live, exact
    sharing: tuple[Sharing, ...]

    @cached_property
    def cost(self) -> Series:
        return tuple(a + b for a, b in zip(self.one_off, self.running, strict=True))

    @cached_property
    def net(self) -> tuple[int, ...]:
        return tuple(b - c - r for b, c, r in zip(self.benefit, self.cost, self.risk, strict=True))

    @cached_property
    def total_cost(self) -> int:
        return sum(self.cost)

    @cached_property
    def total_risk(self) -> int:
        return sum(self.risk)

    @cached_property
    def total_benefit(self) -> int:
        return sum(self.benefit)

    @cached_property
    def total_net(self) -> int:
        return self.total_benefit - self.total_cost - self.total_risk

    @property
    def roi_percent(self) -> float:
        """From its whole-euro totals, so a reader can redo it; never above the cap."""
        return round(min(A.ROI_CAP.value, roi_percent(self.total_benefit, self.total_cost, self.total_risk)), 1)

    @property
    def payback(self) -> float | None:
        """Months from its start until its cumulative net stays at or above zero; None if not within the plan."""
        return payback(self.net[self.start - 1 :])

    @property
    def payback_floored(self) -> bool:
        months = self.payback
        return months is not None and months < A.PAYBACK_FLOOR.value

    @property
    def payback_months(self) -> float | None:
        """The payback as the report states it: at least a month, rounded up to a tenth."""
        months = self.payback
        if months is None:
            return None
        return max(A.PAYBACK_FLOOR.value, math.ceil(round(months * 10, 6)) / 10)


def whole_euros(values: Iterable[float]) -> Series:
    """Each month in whole euros such that every running total is the rounded exact running total."""
    out, done, total = [], 0, 0.0
    for value in values:
        total += value
        rounded = math.floor(total + 0.5)
        out.append(rounded - done)
        done = rounded
    return tuple(out)


def payback(net: Sequence[float]) -> float | None:
    """Months until the cumulative net stays at or above zero, interpolated in the month it turns; None if never.

    0 when it never goes below zero. Counting the last turn, not the first, means a later dip is never hidden.
    """
    cumulative, last_below = 0.0, None
    sums = []
    for month, flow in enumerate(net, start=1):
        cumulative += flow
        sums.append(cumulative)
        if cumulative < 0:
            last_below = month
    if last_below is None:
        return 0.0
    if last_below == len(net):
        return None
    return last_below + -sums[last_below - 1] / net[last_below]


def break_even(net: Sequence[int]) -> int | None:
    """The first month after which the cumulative net stays at or above zero; None if it ends below zero or
    nothing ever happens."""
    cumulative, last_below, anything = 0, 0, False
    for month, flow in enumerate(net, start=1):
        cumulative += flow
        anything = anything or flow != 0
        if cumulative < 0:
            last_below = month
    if not anything or last_below == len(net):
        return None
    return last_below + 1


def build(plan: Sequence[tuple[Evaluation, int]], profile: Profile) -> tuple[Entry, ...]:
    """Every recommendation of the plan (with its start month) on the plan's calendar."""
    running, sharing = _running(plan)
    return tuple(_entry(e, start, running[i], sharing[i], profile) for i, (e, start) in enumerate(plan))


def _entry(e: Evaluation, start: int, running: list[float], sharing: tuple[Sharing, ...], profile: Profile) -> Entry:
    months = range(1, MONTHS + 1)
    c = e.chosen_cost
    one_off = [c.one_off_mid + c.internal_hours * profile.hourly_cost if m == start else 0.0 for m in months]
    risk_total = sum(round(r.expected) for r in e.risks)
    live = MONTHS - start + 1
    risk = [risk_total / live if m >= start else 0.0 for m in months]
    monthly = e.value_per_year / 12
    raw = [monthly * adoption(m - start + 1, c.spec.weeks, profile.ramp_months) if m >= start else 0.0 for m in months]
    cost_total = sum(one_off) + sum(running)
    factor = cap_factor(sum(raw), cost_total, risk_total)
    return Entry(
        evaluation=e,
        start=start,
        one_off=whole_euros(one_off),
        running=whole_euros(running),
        risk=whole_euros(risk),
        benefit=whole_euros(b * factor for b in raw),
        cap_factor=factor,
        uncapped_roi_percent=roi_percent(sum(raw), cost_total, risk_total),
        running_at_end=running[-1],
        sharing=sharing,
    )


def _running(plan: Sequence[tuple[Evaluation, int]]) -> tuple[list[list[float]], list[tuple[Sharing, ...]]]:
    """Each recommendation's running cost a month, products used by several shared in proportion to their use."""
    running = [[0.0] * MONTHS for _ in plan]
    users: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    names: dict[str, str] = {}
    for i, (e, _) in enumerate(plan):
        for line in e.chosen_cost.lines:
            users[line.product.id].append((i, (line.low + line.high) / 2))
            names[line.product.id] = line.product.name
    for uses in users.values():
        for month in range(1, MONTHS + 1):
            live = [(i, cost) for i, cost in uses if plan[i][1] <= month]
            whole, asked = max((cost for _, cost in live), default=0.0), sum(cost for _, cost in live)
            for i, cost in live:
                running[i][month - 1] += whole * cost / asked if asked > 0 else 0.0
    sharing: list[list[Sharing]] = [[] for _ in plan]
    for product, uses in users.items():
        if len(uses) < 2:
            continue
        whole, asked = max(cost for _, cost in uses), sum(cost for _, cost in uses)
        for i, cost in uses:
            others = tuple(plan[j][0].template.title for j, _ in uses if j != i)
            share = whole * cost / asked if asked > 0 else 0.0
            sharing[i].append(Sharing(names[product], others, share, whole))
    return running, [tuple(s) for s in sharing]


def apportion(values: Sequence[float]) -> list[int]:
    """Whole numbers that add up to the rounded sum of `values`, each as near its value as can be (largest
    remainder), so a column of rounded shares adds up to its rounded total."""
    total = math.floor(sum(values) + 0.5)
    floors = [math.floor(v) for v in values]
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[: max(0, total - sum(floors))]:
        floors[i] += 1
    return floors
