"""One recommendation's economics: adoption ramp, ROI with its cap, payback and the three-period table."""

# The worked numbers use × and − as written by hand.
# ruff: noqa: RUF003

from __future__ import annotations

import pytest

from crb.assessment.economics import adoption, cap_factor, evaluate, payback, periods, roi_percent, table_roi

WEEKS_3_MONTHS = 13  # 13 weeks / (52 / 12) = exactly 3 months to go-live


@pytest.mark.parametrize(
    ("month", "weeks", "ramp", "share"),
    [
        (1, WEEKS_3_MONTHS, 4, 0.0),
        (3, WEEKS_3_MONTHS, 4, 0.0),  # (2.5 − 3) / 4 < 0
        (4, WEEKS_3_MONTHS, 4, 0.125),  # (3.5 − 3) / 4
        (7, WEEKS_3_MONTHS, 4, 0.875),  # (6.5 − 3) / 4
        (8, WEEKS_3_MONTHS, 4, 1.0),  # (7.5 − 3) / 4 > 1
        (36, 1, 6, 1.0),
    ],
)
def test_adoption_ramp(month: int, weeks: int, ramp: int, share: float) -> None:
    assert adoption(month, weeks, ramp) == pytest.approx(share)


@pytest.mark.parametrize(
    ("benefit", "cost", "risk", "roi"),
    [(1200, 300, 100, 200.0), (400, 300, 100, 0.0), (200, 300, 100, -50.0), (0, 0, 0, 0.0), (10, 0, 0, 500.0)],
)
def test_roi_is_net_over_cost_and_risk(benefit: float, cost: float, risk: float, roi: float) -> None:
    assert roi_percent(benefit, cost, risk) == pytest.approx(roi)


@pytest.mark.parametrize(
    ("benefit", "factor"),
    [(3000, 1.0), (6000, 0.5), (12000, 0.25)],  # (6000 − 500) / 500 = 1,100 % → 6 × 500 / 6000 = 0.5
)
def test_the_cap_brings_roi_down_to_500_percent(benefit: float, factor: float) -> None:
    assert cap_factor(benefit, 400, 100) == pytest.approx(factor)
    assert roi_percent(benefit * factor, 400, 100) <= 500 + 1e-9


@pytest.mark.parametrize(
    ("net", "months"),
    [
        ([-100, 50, 50, 50], 3.0),  # cumulative −100, −50, 0
        ([-100, 40, 80], 2.75),  # −60 left at the end of month 2, recovered in 60 / 80 of month 3
        ([-100, -10, 20], None),
        ([50, 50], 0.0),
        ([0, 0], None),
    ],
)
def test_payback(net: list[float], months: float | None) -> None:
    assert payback(net) == months


def test_a_worked_example() -> None:
    # €1,000 a month at full use, €2,000 once, €100 a month, €360 of expected risk, live after 3 months, 4-month ramp
    econ = evaluate(1000, 2000, 100, 360, WEEKS_3_MONTHS, 4)

    assert econ.benefit[:8] == pytest.approx((0, 0, 0, 125, 375, 625, 875, 1000))
    assert econ.total_benefit == pytest.approx(31_000)  # 125 + 375 + 625 + 875 + 29 × 1,000
    assert sum(econ.cost) == pytest.approx(5_600)  # 2,000 + 36 × 100
    assert econ.risk[0] == pytest.approx(10)
    assert econ.roi_percent == pytest.approx(100 * (31_000 - 5_960) / 5_960)  # 420.1 %
    assert econ.cap_factor == 1.0
    # cumulative net after month 7 is −770 and month 8 nets 1,000 − 110 = 890
    assert econ.payback_months == pytest.approx(7 + 770 / 890)

    short, mid, long = periods(econ)
    assert (short.cost, short.risk, short.benefit, short.net) == (2_600, 60, 1_125, -1_535)
    assert (mid.cost, mid.risk, mid.benefit, mid.net) == (1_200, 120, 11_875, 10_555)
    assert (long.cost, long.risk, long.benefit, long.net) == (1_800, 180, 18_000, 16_020)
    assert table_roi((short, mid, long)) == 420.1


def test_an_implausible_roi_is_capped_and_says_so() -> None:
    econ = evaluate(10_000, 2000, 100, 360, WEEKS_3_MONTHS, 4)

    assert econ.uncapped_roi_percent == pytest.approx(100 * (310_000 - 5_960) / 5_960)
    assert econ.cap_factor == pytest.approx(6 * 5_960 / 310_000)
    assert econ.roi_percent == 500
    assert econ.total_benefit == pytest.approx(35_760)


def test_a_payback_under_a_month_is_shown_as_one() -> None:
    # nothing to pay: the first month's benefit covers its (zero) outlay at once
    econ = evaluate(1000, 0, 0, 0, 1, 2)

    assert econ.payback_floored
    assert econ.payback_months == 1


def test_no_benefit_never_pays_back() -> None:
    econ = evaluate(0, 500, 20, 36, 1, 2)

    assert econ.payback_months is None
    assert econ.roi_percent == -100
