"""One opportunity's economics on its own: adoption ramp, ROI with its cap."""

# The worked numbers use × and − as written by hand.
# ruff: noqa: RUF003

from __future__ import annotations

import pytest

from crb.assessment.economics import adoption, cap_factor, evaluate, roi_percent

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


def test_a_worked_example() -> None:
    # €1,000 a month at full use, €2,000 once, €100 a month, €360 of expected risk, live after 3 months, 4-month ramp
    econ = evaluate(1000, 2000, 100, 360, WEEKS_3_MONTHS, 4)

    assert econ.benefit[:8] == pytest.approx((0, 0, 0, 125, 375, 625, 875, 1000))
    assert econ.total_benefit == pytest.approx(31_000)  # 125 + 375 + 625 + 875 + 29 × 1,000
    assert sum(econ.cost) == pytest.approx(5_600)  # 2,000 + 36 × 100
    assert econ.risk[0] == pytest.approx(10)
    assert econ.uncapped_roi_percent == pytest.approx(100 * (31_000 - 5_960) / 5_960)  # 420.1 %
    assert econ.cap_factor == 1.0
    assert econ.total_benefit - sum(econ.cost) - sum(econ.risk) == pytest.approx(31_000 - 5_600 - 360)


def test_an_implausible_roi_is_capped_and_says_so() -> None:
    econ = evaluate(10_000, 2000, 100, 360, WEEKS_3_MONTHS, 4)

    assert econ.uncapped_roi_percent == pytest.approx(100 * (310_000 - 5_960) / 5_960)
    assert econ.cap_factor == pytest.approx(6 * 5_960 / 310_000)
    assert roi_percent(econ.total_benefit, sum(econ.cost), sum(econ.risk)) == pytest.approx(500)
    assert econ.total_benefit == pytest.approx(35_760)


def test_no_benefit_loses_everything_spent() -> None:
    econ = evaluate(0, 500, 20, 36, 1, 2)

    assert econ.total_benefit == 0
    assert econ.uncapped_roi_percent == -100
