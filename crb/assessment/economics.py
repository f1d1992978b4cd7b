"""One opportunity on its own, from its own month 1: adoption ramp, ROI with its cap. This is what its pillars and
its 'on its own' sentence are judged on; the plan's figures come from the ledger (`ledger.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from crb.assessment import assumptions as A


@dataclass(frozen=True)
class Economics:
    """Monthly series over the recommendation's own first 36 months, and what follows from them."""

    benefit: tuple[float, ...]
    cost: tuple[float, ...]
    risk: tuple[float, ...]
    uncapped_roi_percent: float
    cap_factor: float

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
    return Economics(
        benefit=benefit,
        cost=cost,
        risk=risk,
        uncapped_roi_percent=uncapped,
        cap_factor=factor,
    )
