"""Month-by-month cost, risk and benefit of one recommendation: adoption ramp, ROI with its cap, and payback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from crb.assessment import assumptions as A
from crb.report import PeriodFigures, PeriodId

PERIODS: Final[tuple[tuple[PeriodId, str, str, int, int], ...]] = (
    ("short", "Short term", "0-6", 0, 6),
    ("mid", "Mid term", "6-18", 6, 18),
    ("long", "Long term", "18-36", 18, 36),
)


@dataclass(frozen=True)
class Economics:
    """Monthly series over the recommendation's own first 36 months, and what follows from them."""

    benefit: tuple[float, ...]
    cost: tuple[float, ...]
    risk: tuple[float, ...]
    roi_percent: float
    uncapped_roi_percent: float
    cap_factor: float
    payback_months: float | None
    payback_floored: bool

    @property
    def net(self) -> tuple[float, ...]:
        return tuple(b - c - r for b, c, r in zip(self.benefit, self.cost, self.risk, strict=True))

    @property
    def total_benefit(self) -> float:
        return sum(self.benefit)


def adoption(month: int, weeks: int, ramp_months: int) -> float:
    """Share of the full benefit in a month: nothing until go-live, then a straight ramp (measured mid-month)."""
    live = weeks / A.WEEKS_PER_MONTH.value
    return min(1.0, max(0.0, (month - 0.5 - live) / ramp_months))


def roi_percent(benefit: float, cost: float, risk: float) -> float:
    """(benefit - cost - risk) / (cost + risk), in per cent."""
    outlay = cost + risk
    if outlay <= 0:
        return A.ROI_CAP.value if benefit > 0 else 0.0
    return 100 * (benefit - outlay) / outlay


def cap_factor(benefit: float, cost: float, risk: float) -> float:
    """The factor that brings benefits down to the ROI cap, or 1 when under it."""
    if roi_percent(benefit, cost, risk) <= A.ROI_CAP.value or benefit <= 0:
        return 1.0
    return (1 + A.ROI_CAP.value / 100) * (cost + risk) / benefit


def payback(net: Sequence[float]) -> float | None:
    """Months until the cumulative net turns non-negative, interpolated within the month; None if never."""
    cumulative = 0.0
    for month, flow in enumerate(net, start=1):
        before, cumulative = cumulative, cumulative + flow
        if cumulative >= 0 and flow > 0:
            return month - 1 + (-before / flow if before < 0 else 0.0)
    return None


def evaluate(
    monthly_benefit: float, one_off: float, monthly_cost: float, risk_total: float, weeks: int, ramp_months: int
) -> Economics:
    """The recommendation's economics from its start: one-off cost in month 1, running cost monthly, risk spread."""
    months = range(1, int(A.HORIZON_MONTHS.value) + 1)
    raw = [monthly_benefit * adoption(m, weeks, ramp_months) for m in months]
    cost = tuple(monthly_cost + (one_off if m == 1 else 0.0) for m in months)
    risk = tuple(risk_total / len(months) for _ in months)
    uncapped = roi_percent(sum(raw), sum(cost), sum(risk))
    factor = cap_factor(sum(raw), sum(cost), sum(risk))
    benefit = tuple(b * factor for b in raw)
    months_to_payback = payback([b - c - r for b, c, r in zip(benefit, cost, risk, strict=True)])
    floored = months_to_payback is not None and months_to_payback < A.PAYBACK_FLOOR.value
    return Economics(
        benefit=benefit,
        cost=cost,
        risk=risk,
        roi_percent=min(uncapped, A.ROI_CAP.value),
        uncapped_roi_percent=uncapped,
        cap_factor=factor,
        payback_months=A.PAYBACK_FLOOR.value if floored else months_to_payback,
        payback_floored=floored,
    )


def periods(econ: Economics) -> tuple[PeriodFigures, PeriodFigures, PeriodFigures]:
    """The cost / risk / benefit table: short (0-6), mid (6-18) and long term (18-36), in whole euros."""
    rows = []
    for period, label, months, start, end in PERIODS:
        window = slice(start, end)
        cost, risk, benefit = (round(sum(series[window])) for series in (econ.cost, econ.risk, econ.benefit))
        rows.append(
            PeriodFigures(
                period=period,
                label=label,
                months=months,
                cost=cost,
                risk=risk,
                benefit=benefit,
                net=benefit - cost - risk,
            )
        )
    return rows[0], rows[1], rows[2]


def table_roi(rows: Sequence[PeriodFigures]) -> float:
    """ROI from the table's own whole-euro totals, so a reader can redo it; never above the cap."""
    benefit, cost, risk = (sum(getattr(r, f) for r in rows) for f in ("benefit", "cost", "risk"))
    return round(min(A.ROI_CAP.value, roi_percent(benefit, cost, risk)), 1)
