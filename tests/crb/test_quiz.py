"""The quiz definition and the validation of answer sets: each kind of bad answer gets its own error."""

from __future__ import annotations

from typing import Any

import pytest

from crb.quiz import AnswerError, InvalidAnswers, load_quiz, validate_answers
from tests.journey import ANSWERS

QUESTION_IDS = (
    "company_name",
    "industry",
    "team_size",
    "revenue_band",
    "hourly_cost",
    "hours_admin",
    "hours_support",
    "hours_scheduling",
    "hours_reporting",
    "hours_content",
    "process_repetitiveness",
    "process_documentation",
    "tools",
    "data_location",
    "data_quality",
    "integration_pain",
    "ai_experience",
    "tech_comfort",
    "change_capacity",
    "data_sensitivity",
    "regulation",
    "ai_policy",
    "risk_appetite",
    "goals",
    "ai_strategy",
    "monthly_budget",
    "timeline",
    "biggest_pain",
)


def test_the_quiz_has_six_sections_and_28_questions_with_stable_ids() -> None:
    quiz = load_quiz()

    assert [s.id for s in quiz.sections] == ["company", "operations", "technology", "people", "governance", "goals"]
    assert tuple(quiz.questions) == QUESTION_IDS  # ids never change within a version
    assert quiz.version == "2026-11-v2"


def test_every_question_type_is_used_and_optional_ones_are_few() -> None:
    questions = load_quiz().questions.values()

    assert {q.type for q in questions} == {"single", "multi", "scale", "number", "text"}
    assert {q.id for q in questions if not q.required} == {"hourly_cost", "tools", "regulation", "biggest_pain"}


def test_the_industry_question_lists_its_options_with_stable_values() -> None:
    industry = load_quiz().questions["industry"]

    assert [o.value for o in industry.options] == [
        "professional_services",
        "marketing",
        "ecommerce",
        "software",
        "manufacturing",
        "construction",
        "trades",
        "transport",
        "healthcare",
        "hospitality",
        "finance",
        "education",
        "nonprofit",
        "other",  # always last
    ]
    assert all(o.label.strip() for o in industry.options)


def test_the_quiz_dumps_in_the_api_shape() -> None:
    body = load_quiz().model_dump(mode="json", exclude_none=True)

    question = body["sections"][0]["questions"][1]
    assert {"id", "text", "type", "required", "options"} <= question.keys()
    assert "help" not in body["sections"][0]["questions"][0]


def test_the_journey_answers_are_complete_and_valid() -> None:
    clean = validate_answers(load_quiz(), ANSWERS, complete=True)

    assert clean["company_name"] == "Müller & Söhne Marketing GmbH"


@pytest.mark.parametrize(
    ("answers", "question", "code"),
    [
        ({"nope": 1}, "nope", "unknown_question"),
        ({"industry": "mining"}, "industry", "invalid_option"),
        ({"industry": ["marketing"]}, "industry", "wrong_type"),
        ({"tools": ["crm", "abacus"]}, "tools", "invalid_option"),
        ({"tools": "crm"}, "tools", "wrong_type"),
        ({"tools": [1]}, "tools", "wrong_type"),
        ({"goals": []}, "goals", "required"),
        ({"goals": ["save_time", "cut_costs", "grow_revenue", "fewer_errors"]}, "goals", "out_of_range"),
        ({"team_size": 0}, "team_size", "out_of_range"),
        ({"team_size": 10001}, "team_size", "out_of_range"),
        ({"team_size": "6"}, "team_size", "wrong_type"),
        ({"team_size": True}, "team_size", "wrong_type"),
        ({"team_size": float("nan")}, "team_size", "wrong_type"),
        ({"hours_admin": float("inf")}, "hours_admin", "wrong_type"),
        ({"hours_admin": -0.5}, "hours_admin", "out_of_range"),
        ({"hourly_cost": 9.99}, "hourly_cost", "out_of_range"),
        ({"data_quality": 2.5}, "data_quality", "wrong_type"),
        ({"data_quality": 6}, "data_quality", "out_of_range"),
        ({"company_name": 42}, "company_name", "wrong_type"),
        ({"company_name": "  "}, "company_name", "required"),
        ({"company_name": "x" * 121}, "company_name", "too_long"),
        ({"biggest_pain": "x" * 501}, "biggest_pain", "too_long"),
    ],
)
def test_each_bad_answer_names_its_question_and_kind(answers: dict[str, Any], question: str, code: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(load_quiz(), answers, complete=False)

    (error,) = caught.value.errors
    assert isinstance(error, AnswerError)
    assert (error.question_id, error.code) == (question, code)
    assert question in str(error)


def test_missing_required_answers_are_listed_but_blank_optional_ones_are_not() -> None:
    partial = {k: v for k, v in ANSWERS.items() if k not in ("industry", "goals", "hourly_cost", "tools")}

    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(load_quiz(), partial, complete=True)

    assert {(e.question_id, e.code) for e in caught.value.errors} == {("industry", "required"), ("goals", "required")}


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(load_quiz(), {"team_size": 0, "industry": "mining", "nope": 1}, complete=False)

    assert [e.question_id for e in caught.value.errors] == ["team_size", "industry", "nope"]


def test_valid_answers_are_normalised() -> None:
    clean = validate_answers(
        load_quiz(),
        {"company_name": "  Acme  ", "tools": ["crm", "accounting", "crm"], "team_size": 6.0, "hours_admin": 2.5},
        complete=False,
    )

    assert clean == {"company_name": "Acme", "tools": ["crm", "accounting"], "team_size": 6, "hours_admin": 2.5}


def test_none_counts_as_unanswered() -> None:
    assert validate_answers(load_quiz(), {"hourly_cost": None}, complete=False) == {}
