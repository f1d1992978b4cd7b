"""Opportunities worked out: hours saved, confidence, the two pillars, status, phase, and each tier's selection."""

# The worked numbers use × and − as written by hand.
# ruff: noqa: RUF003

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from crb.assessment.findings import (
    confidence,
    evaluate_all,
    evaluate_template,
    hours_saved,
    phase,
    roi_points,
    select,
    status,
)
from crb.assessment.knowledge import Template, load_knowledge
from crb.assessment.profile import HOURS_QUESTIONS, read_profile
from crb.assessment.readiness import readiness
from tests.journey import ANSWERS


def template(template_id: str) -> Template:
    return next(t for t in load_knowledge().templates if t.id == template_id)


def evaluate(template_id: str, **changes: Any) -> Any:
    profile = read_profile({**ANSWERS, **changes})
    return evaluate_template(template(template_id), load_knowledge(), profile, readiness(profile))


def test_hours_saved_worked_by_hand() -> None:
    profile = read_profile(ANSWERS)

    # fit = 0.6 + 0.4 × ((3 − 1) + (2 − 1)) / 8 = 0.75
    assert profile.fit == pytest.approx(0.75)
    # (25 × 0.12 + 12 × 0.04 + 6 × 0.03 + 6 × 0.03) × 0.75 = 3.84 × 0.75
    assert hours_saved(template("general_assistant"), profile) == pytest.approx(2.88)
    # 6 × 0.25 × 0.75
    assert hours_saved(template("support_ai_agent"), profile) == pytest.approx(1.125)


def test_the_assistant_is_capped_at_the_measured_saving_per_desk_worker() -> None:
    profile = read_profile({**ANSWERS, "team_size": 1, "hours_content": 40})

    # uncapped (40 × 0.12 + 0.84) × 0.75 = 4.23, capped at 2.2 hours × 1 desk worker
    assert hours_saved(template("general_assistant"), profile) == pytest.approx(2.2)


def test_hours_above_what_the_team_can_work_are_scaled_down() -> None:
    # Stored before the quiz refused it: 541 hours of tasks for 2 people, who can report at most 100.
    profile = read_profile({**ANSWERS, "team_size": 2, "hours_admin": 500})

    assert profile.hours_scale == pytest.approx(100 / 541)
    assert sum(profile.hours(q) for q in HOURS_QUESTIONS) == pytest.approx(100, abs=0.3)
    assert profile.hours("hours_admin") == round(500 * 100 / 541, 1)


def test_value_saved_worked_by_hand() -> None:
    e = evaluate("general_assistant")

    # 2.88 hours × €45 × 46 weeks × 1.0 (high confidence)
    assert e.value_saved == pytest.approx(2.88 * 45 * 46)
    assert e.value_created == 0


def test_value_created_worked_by_hand() -> None:
    e = evaluate("lead_scoring", revenue_band="1m_5m", data_quality=5, data_location="one_system")

    # €2,000,000 × 0.4 % × 30 % margin × 0.70 (low confidence)
    assert e.value_created == pytest.approx(2_000_000 * 0.004 * 0.3 * 0.7)
    assert e.hours_saved == 0


def test_confidence_drops_a_level_for_data_dependent_work_on_weak_data() -> None:
    weak = readiness(read_profile({**ANSWERS, "data_quality": 1, "data_location": "paper_and_email"}))
    strong = readiness(read_profile({**ANSWERS, "data_quality": 5, "data_location": "one_system"}))

    assert confidence(template("support_ai_agent"), weak) == "low"
    assert confidence(template("support_ai_agent"), strong) == "medium"
    assert confidence(template("general_assistant"), weak) == "high"  # not data-dependent


@pytest.mark.parametrize(("roi", "points"), [(-0.1, -2), (0, 0), (99.9, 0), (100, 1), (299.9, 1), (300, 2), (900, 2)])
def test_roi_points(roi: float, points: int) -> None:
    assert roi_points(roi) == points


@pytest.mark.parametrize(
    ("cv", "bh", "expected"),
    [
        (6, 6, "recommended"),
        (10, 10, "recommended"),
        (5, 6, "caution"),
        (6, 5, "caution"),
        (10, 1, "caution"),
        (5, 5, "not_recommended"),
        (1, 1, "not_recommended"),
    ],
)
def test_status(cv: int, bh: int, expected: str) -> None:
    assert status(cv, bh) == expected


def test_phase_moves_later_for_weak_prerequisites_and_custom_builds() -> None:
    weak = readiness(read_profile({**ANSWERS, "data_quality": 1, "data_location": "paper_and_email"}))
    strong = readiness(read_profile({**ANSWERS, "data_quality": 5, "data_location": "one_system"}))

    assert phase(template("automated_reporting"), strong, "off_the_shelf") == "quick_win"
    assert phase(template("automated_reporting"), weak, "off_the_shelf") == "foundation"
    assert phase(template("general_assistant"), weak, "custom") == "foundation"
    assert phase(template("dynamic_pricing"), weak, "custom") == "transformation"


def test_a_not_recommended_rule_caps_both_pillars_and_explains_itself() -> None:
    e = evaluate("support_ai_agent", hours_support=2)

    assert e.rule is not None and "five hours" in e.rule.why_not
    assert e.customer_value <= 4 and e.business_health <= 4
    assert e.status == "not_recommended"


def test_business_health_follows_the_roi_and_goals() -> None:
    e = evaluate("general_assistant")

    # base 5, ROI between 100 and 300 % → +1, serves "save time" → +1
    assert 100 <= e.economics.uncapped_roi_percent < 300
    assert e.business_health == 7
    assert e.customer_value == 6


def test_a_loss_making_opportunity_is_never_recommended() -> None:
    e = evaluate("meeting_notes", hours_admin=0, hours_content=0)

    assert e.economics.uncapped_roi_percent < 0
    assert e.business_health <= 5
    assert e.status != "recommended"


@pytest.mark.parametrize(("tier", "count", "slots"), [("report", 10, 3), ("report_call", 15, 4), ("other", 10, 3)])
def test_selection_per_tier(tier: str, count: int, slots: int) -> None:
    profile = read_profile(ANSWERS)
    evaluations = evaluate_all(load_knowledge(), profile, readiness(profile))

    chosen = select(evaluations, tier)

    assert len(chosen) == count
    statuses = [e.status for e in chosen]
    order = {"recommended": 0, "caution": 1, "not_recommended": 2}
    assert statuses == sorted(statuses, key=order.__getitem__)
    assert statuses.count("not_recommended") == slots


def test_selection_fills_with_not_recommended_when_nothing_else_is_left() -> None:
    profile = read_profile(ANSWERS)
    evaluations = evaluate_all(load_knowledge(), profile, readiness(profile))
    rejected = [dataclasses.replace(e, status="not_recommended") for e in evaluations]

    assert len(select(rejected, "report")) == 10


def test_the_knowledge_applies_by_the_answers() -> None:
    profile = read_profile(ANSWERS)
    shop = read_profile({**ANSWERS, "industry": "ecommerce", "team_size": 25})

    ids = {e.template.id for e in evaluate_all(load_knowledge(), profile, readiness(profile))}
    shop_ids = {e.template.id for e in evaluate_all(load_knowledge(), shop, readiness(shop))}

    assert "product_recommendations" not in ids and "product_recommendations" in shop_ids
    assert "ai_hiring_screening" not in ids and "ai_hiring_screening" in shop_ids
