"""The verdict by its stated rules, the report's two pillars, and the key insight."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from crb.analysis import analyse, teaser
from crb.assessment.verdict import Facts, key_insight, report_pillars, verdict
from crb.report import PillarScore, ReportData
from tests.journey import ANSWERS

GOOD_PILLARS = tuple(PillarScore(id=p, name=p.title(), score=70, weight=0.15) for p in ("strategy", "data"))


@pytest.fixture(scope="module")
def report() -> ReportData:
    return analyse(ANSWERS, tier="report", tier_name="CRB Report", today=dt.date(2026, 11, 20))


@pytest.fixture
def good(report: ReportData) -> Facts:
    """Facts that pass every rule: the base each case below changes one thing in."""
    recs = tuple(r.model_copy(update={"roi_percent": 200.0, "risks": ()}) for r in report.recommendations)
    summary = report.value_summary.model_copy(update={"monthly_running_cost": 200})
    timeline = report.timeline.model_copy(update={"break_even_month": 8})
    return Facts(
        score=70,
        pillars=GOOD_PILLARS,
        customer_value=7,
        business_health=7,
        recommendations=recs,
        summary=summary,
        timeline=timeline,
        budget_ceiling=1000,
    )


def test_all_good_is_go(good: Facts) -> None:
    result = verdict(good)

    assert (result.decision, result.label) == ("go", "Go")
    assert "month 8" in " ".join(result.reasons)


@pytest.mark.parametrize(
    ("changes", "decision", "reason"),
    [
        ({"score": 29}, "not_now", "below 30"),
        ({"recommendations": ()}, "not_now", "None of the opportunities"),
        ({"customer_value": 4, "business_health": 4}, "not_now", "Both report pillars are below 5"),
        ({"score": 39}, "wait", "below 40"),
        ({"score": 59}, "proceed_with_caution", "below 60"),
        (
            {"pillars": (PillarScore(id="culture", name="Culture", score=29, weight=0.15),)},
            "proceed_with_caution",
            "Culture (29)",
        ),
        ({"customer_value": 6, "business_health": 6}, "proceed_with_caution", "both below 7"),
        ({"customer_value": 6, "business_health": 7}, "go", "60 or more"),
        ({"budget_ceiling": 100}, "proceed_with_caution", "above your budget band"),
        ({"budget_ceiling": None}, "go", "60 or more"),
    ],
)
def test_rules(good: Facts, changes: dict[str, Any], decision: str, reason: str) -> None:
    result = verdict(dataclasses.replace(good, **changes))

    assert result.decision == decision
    assert reason in " ".join(result.reasons)


@pytest.mark.parametrize("month", [None, 19])
def test_a_late_break_even_calls_for_caution(good: Facts, month: int | None) -> None:
    timeline = good.timeline.model_copy(update={"break_even_month": month})

    assert verdict(dataclasses.replace(good, timeline=timeline)).decision == "proceed_with_caution"


def test_weak_economics_mean_wait(good: Facts) -> None:
    recs = tuple(r.model_copy(update={"roi_percent": 50.0}) for r in good.recommendations)
    low = good.summary.total_value.low
    summary = good.summary.model_copy(update={"investment": low // 2 + 1, "risk_allowance": 0})

    result = verdict(dataclasses.replace(good, recommendations=recs, summary=summary))

    assert result.decision == "wait"
    assert "would average a ROI of 50 %" in result.reasons[0]
    assert result.earliest_start == 7  # the plan then holds only foundation steps before month 7


def test_three_different_likely_risks_call_for_caution(good: Facts, report: ReportData) -> None:
    risk = report.recommendations[0].risks[0]
    likely = tuple(risk.model_copy(update={"title": t, "probability": "high"}) for t in ("a", "b", "c"))
    recs = (good.recommendations[0].model_copy(update={"risks": likely}), *good.recommendations[1:])

    assert verdict(dataclasses.replace(good, recommendations=recs)).decision == "proceed_with_caution"
    same = tuple(r.model_copy(update={"title": "a"}) for r in likely)
    recs = (good.recommendations[0].model_copy(update={"risks": same}), *good.recommendations[1:])
    assert verdict(dataclasses.replace(good, recommendations=recs)).decision == "go"


def test_report_pillars_are_the_mean_of_the_plans_recommendations() -> None:
    # (6 + 7) / 2 = 6.5 → 7 and (7 + 8) / 2 = 7.5 → 8, halves up; the fallback only counts without a plan
    assert report_pillars([(6, 7), (7, 8)], [(1, 1)]) == (7, 8)
    assert report_pillars([], [(2, 3), (3, 4)]) == (3, 4)  # 2.5 → 3, 3.5 → 4
    assert report_pillars([], []) == (1, 1)


def test_the_same_verdict_in_both_editions_and_the_teaser() -> None:
    full = analyse(ANSWERS, tier="report", tier_name="CRB Report", today=dt.date(2026, 11, 20))
    call = analyse(ANSWERS, tier="report_call", tier_name="CRB Report + Strategy Call", today=dt.date(2026, 11, 20))

    assert full.verdict == call.verdict == teaser(ANSWERS).verdict
    assert [r.id for r in full.recommendations] == [r.id for r in call.recommendations]


def test_key_insight_names_the_biggest_opportunity(report: ReportData) -> None:
    top = max(report.recommendations, key=lambda r: r.net_benefit)

    text = key_insight(report.recommendations, report.value_summary, 1)

    assert f"'{top.title}'" in text
    assert f"€{report.value_summary.total_value.low:,}" in text
    assert "foundations" in key_insight((), report.value_summary, 1)
    assert "from month 7, once the foundation steps" in key_insight(report.recommendations, report.value_summary, 7)


def test_of_two_equal_items_the_key_insight_names_the_one_with_the_higher_roi(report: ReportData) -> None:
    first, second = report.recommendations[:2]
    weaker = first.model_copy(update={"net_benefit": 1000, "roi_percent": 100.0})
    stronger = second.model_copy(update={"net_benefit": 1000, "roi_percent": 200.0})

    assert f"'{second.title}'" in key_insight((weaker, stronger), report.value_summary, 1)
