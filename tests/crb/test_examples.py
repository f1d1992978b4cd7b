"""The three example businesses: valid answers, stored report data that matches the engine, and sane numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crb.analysis import analyse
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# (example, tier, most we would ever promise over three years, at most this share of the reported hours saved)
CASES = [
    ("marketing-agency", "report", 150_000, 0.3),
    ("ecommerce-shop", "report", 500_000, 0.3),
    ("professional-services", "report_call", 2_000_000, 0.35),
]


def load(name: str) -> tuple[dict[str, object], ReportData]:
    answers = json.loads((EXAMPLES / "answers" / f"{name}.json").read_text(encoding="utf-8"))
    stored = ReportData.model_validate_json((EXAMPLES / "reports" / f"{name}.json").read_text(encoding="utf-8"))
    return answers, stored


@pytest.mark.parametrize(("name", "tier", "ceiling", "share"), CASES)
def test_stored_report_data_is_what_the_engine_gives_today(name: str, tier: str, ceiling: int, share: float) -> None:
    answers, stored = load(name)
    clean = validate_answers(load_quiz(), answers, complete=True)

    fresh = analyse(clean, tier=tier, tier_name=stored.tier_name, today=stored.generated_on)

    assert fresh == stored, f"regenerate with: crb analyse examples/answers/{name}.json --tier {tier}"


@pytest.mark.parametrize(("name", "tier", "ceiling", "share"), CASES)
def test_the_numbers_are_ones_we_would_defend(name: str, tier: str, ceiling: int, share: float) -> None:
    _, report = load(name)
    summary = report.value_summary

    assert summary.total_value.high < ceiling
    reported = sum(h.hours for h in report.profile.weekly_hours)
    assert summary.hours_saved_per_week <= share * reported
    assert 5 <= len(report.recommendations) <= 10
    assert sum(not f.recommended and f.status == "not_recommended" for f in report.findings) >= 3
    assert summary.investment > 0 and summary.net_value > 0
    assert all(r.payback_months is None or r.payback_months >= 1 for r in report.recommendations)


def test_the_examples_differ_in_the_way_the_businesses_do() -> None:
    agency, shop, firm = (load(name)[1] for name, *_ in CASES)

    assert agency.value_summary.total_value.expected < shop.value_summary.total_value.expected
    assert shop.value_summary.total_value.expected < firm.value_summary.total_value.expected
    assert shop.value_summary.value_created.expected > 0  # recommendations and forecasting sell more
    assert "product_recommendations" in {r.id for r in shop.recommendations}
    assert len(firm.findings) == 15 and len(agency.findings) == 10
