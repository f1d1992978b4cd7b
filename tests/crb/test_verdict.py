"""The verdict by its stated rules, the report's two pillars, and the key insight."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from crb.analysis import analyse
from crb.assessment.verdict import Facts, key_insight, report_pillars, verdict
from crb.report import Finding, PillarScore, ReportData
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
    assert "average ROI is 50 %" in result.reasons[0]


def test_three_different_likely_risks_call_for_caution(good: Facts, report: ReportData) -> None:
    risk = report.recommendations[0].risks[0]
    likely = tuple(risk.model_copy(update={"title": t, "probability": "high"}) for t in ("a", "b", "c"))
    recs = (good.recommendations[0].model_copy(update={"risks": likely}), *good.recommendations[1:])

    assert verdict(dataclasses.replace(good, recommendations=recs)).decision == "proceed_with_caution"
    same = tuple(r.model_copy(update={"title": "a"}) for r in likely)
    recs = (good.recommendations[0].model_copy(update={"risks": same}), *good.recommendations[1:])
    assert verdict(dataclasses.replace(good, recommendations=recs)).decision == "go"


def test_report_pillars_are_the_mean_of_findings_not_ruled_out(report: ReportData) -> None:
    base = report.findings[0]
    findings = [
        base.model_copy(update={"customer_value": 6, "business_health": 7}),
        base.model_copy(update={"customer_value": 7, "business_health": 8}),
        _rejected(base, 1, 1),
    ]

    # (6 + 7) / 2 = 6.5 → 7 and (7 + 8) / 2 = 7.5 → 8, halves up; the rejected one is left out
    assert report_pillars(findings) == (7, 8)
    assert report_pillars([_rejected(base, 2, 3), _rejected(base, 3, 4)]) == (3, 4)  # 2.5 → 3, 3.5 → 4
    assert report_pillars([]) == (1, 1)


def _rejected(base: Finding, cv: int, bh: int) -> Finding:
    return Finding.model_validate(
        {
            **base.model_dump(),
            "customer_value": cv,
            "business_health": bh,
            "status": "not_recommended",
            "recommended": False,
            "why_not": "It does not pay.",
            "what_instead": "Something else.",
        }
    )


def test_key_insight_names_the_biggest_opportunity(report: ReportData) -> None:
    top = report.recommendations[0]

    text = key_insight(report.recommendations, report.value_summary)

    assert f"'{top.title}'" in text
    assert f"€{report.value_summary.total_value.low:,}" in text
    assert "foundations" in key_insight((), report.value_summary)
