"""The example businesses: valid, plausible answers, stored report data that matches the engine, sane numbers,
and every report holding together (the consistency check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crb.analysis import analyse, contradictions
from crb.assessment.assumptions import max_recommendations
from crb.quiz import load_quiz, validate_answers
from crb.quiz.plausibility import extremes, implausible
from crb.report import ReportData

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# (example, tier, most we would ever promise over three years, at most this share of the reported hours saved)
CASES = [
    ("bookkeeper-solo", "report", 60_000, 0.3),
    ("marketing-agency", "report", 150_000, 0.3),
    ("dental-clinic", "report", 100_000, 0.3),
    ("youth-charity", "report", 60_000, 0.3),
    ("heating-installer", "report", 150_000, 0.3),
    ("ecommerce-shop", "report", 500_000, 0.3),
    ("professional-services", "report_call", 2_000_000, 0.35),
    ("logistics-firm", "report_call", 2_500_000, 0.35),
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

    assert fresh == stored, "regenerate with: .venv/bin/python examples/regenerate.py"


@pytest.mark.parametrize(("name", "tier", "ceiling", "share"), CASES)
def test_every_example_holds_together_and_passes_the_quiz(name: str, tier: str, ceiling: int, share: float) -> None:
    answers, report = load(name)
    clean = validate_answers(load_quiz(), answers, complete=True)

    assert contradictions(report) == []
    assert implausible(clean) == [] and extremes(clean) == []  # the quiz takes them without a confirmation
    assert report.tier == tier


@pytest.mark.parametrize(("name", "tier", "ceiling", "share"), CASES)
def test_the_numbers_are_ones_we_would_defend(name: str, tier: str, ceiling: int, share: float) -> None:
    _, report = load(name)
    summary = report.value_summary

    assert summary.total_value.high < ceiling
    reported = sum(h.hours for h in report.profile.weekly_hours)
    assert summary.hours_saved_per_week <= share * reported
    assert 3 <= len(report.recommendations) <= max_recommendations(report.profile.team_size)
    assert sum(not f.recommended and f.status == "not_recommended" for f in report.findings) >= 3
    assert summary.investment > 0 and summary.net_value > 0
    assert all(r.payback_months is None or r.payback_months >= 1 for r in report.recommendations)


def test_the_examples_cover_sizes_sectors_and_every_verdict_but_the_rarest() -> None:
    reports = {name: load(name)[1] for name, *_ in CASES}

    sizes = sorted(r.profile.team_size for r in reports.values())
    assert sizes[0] == 1 and sizes[-1] >= 250 and any(10 <= s <= 50 for s in sizes) and any(2 <= s < 10 for s in sizes)
    assert len({r.profile.industry_id for r in reports.values()}) == len(reports)
    assert {r.verdict.decision for r in reports.values()} == {"go", "proceed_with_caution", "wait", "not_now"}
    assert {r.tier for r in reports.values()} == {"report", "report_call"}


def test_the_examples_differ_in_the_way_the_businesses_do() -> None:
    agency, shop, firm = (load(name)[1] for name in ("marketing-agency", "ecommerce-shop", "professional-services"))

    assert agency.value_summary.total_value.expected < shop.value_summary.total_value.expected
    assert shop.value_summary.total_value.expected < firm.value_summary.total_value.expected
    assert shop.value_summary.value_created.expected > 0  # recommendations and forecasting sell more
    assert "product_recommendations" in {r.id for r in shop.recommendations}
    assert len(firm.findings) == 15 and len(agency.findings) == 10


def test_the_installer_is_told_about_quotes_and_planning_first() -> None:
    """The issue's case: 'writing quotes takes evenings, and planning which technician goes where is chaos'."""
    _, installer = load("heating-installer")

    leading = [r.id for r in installer.recommendations[:3]]
    assert "proposal_drafting" in leading
    assert any(i in leading for i in ("shift_planning", "ai_planning"))
    assert installer.own_words is not None and "quotes" in installer.own_words.summary


def test_no_tool_is_assumed_and_sensitive_data_gets_the_compliant_option() -> None:
    _, installer = load("heating-installer")  # no accounting software, no CRM, no helpdesk
    _, clinic = load("dental-clinic")  # health data under medical rules

    capture = next(r for r in installer.recommendations if r.id == "invoice_capture")
    chosen = next(o for o in capture.options if o.kind == capture.chosen_option)
    assert "accounting software" in chosen.includes and "your accounting" not in chosen.name.lower()
    for rec in clinic.recommendations:
        if rec.personal_data:
            option = next(o for o in rec.options if o.kind == rec.chosen_option)
            assert option.sensitive_data_ok and option.data_protection_review
            assert any(r.id == "data_protection" for r in rec.risks)


def test_the_one_person_business_gets_a_plan_for_one() -> None:
    _, solo = load("bookkeeper-solo")

    assert len(solo.recommendations) <= 4
    text = solo.model_dump_json().lower()
    assert "train everyone" not in text and "volunteers" not in text
