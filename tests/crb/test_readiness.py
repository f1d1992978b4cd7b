"""Readiness: item points, pillar scores, the weighted score and its band, with the numbers worked by hand."""

# The worked numbers use × and − as written by hand.
# ruff: noqa: RUF003

from __future__ import annotations

from typing import Any

import pytest

from crb.assessment.profile import read_profile
from crb.assessment.readiness import PILLARS, band, readiness, round_half_up
from tests.journey import ANSWERS


def scores(answers: dict[str, Any]) -> dict[str, int]:
    return {p.id: p.score for p in readiness(read_profile(answers)).pillars}


def test_pillar_scores_of_the_journey_answers() -> None:
    # strategy: ideas 0.35 × 0.5 + €250-1,000 0.4 × 0.3 + soon 0.75 × 0.2 = 0.445 → 44.5 → 45 (halves up)
    # infrastructure: 2 counted tools of 5 → 0.4 × 0.6 + integration pain 4 → (5 − 4) / 4 = 0.25 × 0.4 = 0.34 → 34
    # data: quality 3 → 0.5 × 0.45 + many systems 0.35 × 0.35 + documentation 2 → 0.25 × 0.2 = 0.3975 → 40
    # governance: no policy 0 × 0.6 + documentation 0.25 × 0.25 + personal data 0.6 × 0.15 = 0.1525 → 15
    # talent: experimenting 0.35 × 0.55 + comfort 4 → 0.75 × 0.45 = 0.53 → 53
    # culture: change 3 → 0.5 × 0.6 + risk appetite 4 → 0.75 × 0.4 = 0.6 → 60
    assert scores(ANSWERS) == {
        "strategy": 45,
        "infrastructure": 34,
        "data": 40,
        "governance": 15,
        "talent": 53,
        "culture": 60,
    }


def test_the_readiness_score_weights_the_rounded_pillars() -> None:
    result = readiness(read_profile(ANSWERS))

    # 45 × 0.20 + 34 × 0.15 + 40 × 0.20 + 15 × 0.15 + 53 × 0.15 + 60 × 0.15 = 41.3 → 41
    assert result.score == 41
    assert result.band == "Developing"
    assert [p.weight for p in result.pillars] == [0.20, 0.15, 0.20, 0.15, 0.15, 0.15]


def test_a_blank_optional_question_is_left_out_of_the_maximum() -> None:
    without_tools = {k: v for k, v in ANSWERS.items() if k != "tools"}

    # only integration pain is left: 0.25 × 0.4 / 0.4 = 0.25 → 25 (not 0.1 / 1.0 = 10)
    assert scores(without_tools)["infrastructure"] == 25
    # an answered empty list is an answer: 0 × 0.6 + 0.25 × 0.4 = 0.1 → 10
    assert scores({**ANSWERS, "tools": []})["infrastructure"] == 10
    # 45 × 0.2 + 25 × 0.15 + 40 × 0.2 + 15 × 0.15 + 53 × 0.15 + 60 × 0.15 = 39.95 → 40
    assert readiness(read_profile(without_tools)).score == 40


def test_more_tools_than_the_target_score_no_higher() -> None:
    many = {**ANSWERS, "tools": ["crm", "accounting", "helpdesk", "erp", "bi", "booking", "spreadsheets"]}

    # 5 of 5 counted → 1.0 × 0.6 + 0.1 = 0.7 → 70
    assert scores(many)["infrastructure"] == 70


def test_the_best_and_worst_answers_span_the_scale() -> None:
    best = {
        **ANSWERS,
        "ai_strategy": "owner",
        "monthly_budget": "over_20000",
        "timeline": "now",
        "tools": ["crm", "accounting", "helpdesk", "erp", "bi"],
        "integration_pain": 1,
        "data_quality": 5,
        "data_location": "one_system",
        "process_documentation": 5,
        "ai_policy": "written",
        "data_sensitivity": "internal",
        "ai_experience": "scaling",
        "tech_comfort": 5,
        "change_capacity": 5,
        "risk_appetite": 5,
    }
    worst = {
        **best,
        "ai_strategy": "none",
        "monthly_budget": "under_250",
        "timeline": "exploring",
        "tools": [],
        "integration_pain": 5,
        "data_quality": 1,
        "data_location": "paper_and_email",
        "process_documentation": 1,
        "ai_policy": "none",
        "data_sensitivity": "special",
        "ai_experience": "none",
        "tech_comfort": 1,
        "change_capacity": 1,
        "risk_appetite": 1,
    }

    assert readiness(read_profile(best)).score == 100
    # only the budget (0.1 × 0.3), exploring (0.15 × 0.2) and special data (0.3 × 0.15) earn points
    assert scores(worst) == {"strategy": 6, "infrastructure": 0, "data": 0, "governance": 5, "talent": 0, "culture": 0}
    # 6 × 0.2 + 5 × 0.15 = 1.95 → 2
    assert readiness(read_profile(worst)).score == 2


@pytest.mark.parametrize(
    ("score", "name"),
    [
        (0, "Early stage"),
        (39, "Early stage"),
        (40, "Developing"),
        (59, "Developing"),
        (60, "Ready"),
        (79, "Ready"),
        (80, "Leading"),
        (100, "Leading"),
    ],
)
def test_bands(score: int, name: str) -> None:
    assert band(score) == name


@pytest.mark.parametrize(("value", "rounded"), [(44.5, 45), (44.49, 44), (0.5, 1), (1.5, 2), (2.5, 3), (0, 0)])
def test_halves_round_up(value: float, rounded: int) -> None:
    assert round_half_up(value) == rounded


def test_pillar_weights_add_up_to_one_and_items_name_real_questions() -> None:
    from crb.quiz import load_quiz

    questions = load_quiz().questions
    assert sum(p.weight for p in PILLARS) == pytest.approx(1.0)
    for pillar in PILLARS:
        assert sum(i.weight for i in pillar.items) == pytest.approx(1.0)
        for item in pillar.items:
            question = questions[item.question]
            if item.kind == "option":
                assert {v for v, _ in item.points} == {o.value for o in question.options}
            else:
                assert question.type == ("multi" if item.kind == "count" else "scale")
