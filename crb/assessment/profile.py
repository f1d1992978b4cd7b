"""An answer set read into a typed company profile: defaults for blanks, hours capped at what the team can work."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.knowledge import Reader
from crb.quiz import AnswerValue, InvalidAnswers, Quiz, load_quiz, validate_answers
from crb.quiz.plausibility import MAX_HOURS_PER_PERSON, TASK_HOURS

HOURS_QUESTIONS: Final = TASK_HOURS

# Only reached when analyse() gets an incomplete answer set (the edge and worker validate first).
_DEFAULTS: Final[Mapping[str, AnswerValue]] = MappingProxyType(
    {
        "industry": "other",
        "team_size": 1,
        "revenue_band": "under_250k",
        **dict.fromkeys(HOURS_QUESTIONS, 0),
        "process_repetitiveness": 3,
        "process_documentation": 3,
        "tools": [],
        "data_location": "many_disconnected",
        "data_quality": 3,
        "integration_pain": 3,
        "ai_experience": "none",
        "tech_comfort": 3,
        "change_capacity": 3,
        "data_sensitivity": "personal",
        "regulation": [],
        "ai_policy": "none",
        "risk_appetite": 3,
        "goals": ["save_time"],
        "ai_strategy": "none",
        "monthly_budget": "under_250",
        "timeline": "exploring",
    }
)


@dataclass(frozen=True)
class Profile:
    """The answers the engine works from; `answered` holds what the customer actually answered."""

    answers: Mapping[str, AnswerValue]
    answered: frozenset[str]
    company_name: str
    hourly_cost: float
    hourly_cost_given: bool
    reported_hours: Mapping[str, float]
    hours_scale: float  # 1, or the factor that brought implausible hours down to what the team can work

    def number(self, qid: str) -> float:
        return _as_float(self.answers.get(qid))

    def option(self, qid: str) -> str:
        value = self.answers.get(qid)
        return value if isinstance(value, str) else ""

    def choices(self, qid: str) -> tuple[str, ...]:
        value = self.answers.get(qid)
        return tuple(value) if isinstance(value, list) else ()

    @property
    def team_size(self) -> int:
        return max(1, int(self.number("team_size")))

    @property
    def industry(self) -> str:
        return self.option("industry")

    def hours(self, qid: str) -> float:
        return self.number(qid)

    @property
    def fit(self) -> float:
        """How well the work suits automation: 0.6 (one-off, undocumented) to 1.0 (repetitive, documented)."""
        steps = (self.number("process_repetitiveness") - 1) + (self.number("process_documentation") - 1)
        return A.FIT_BASE + A.FIT_SPAN * steps / 8

    @property
    def desk_people(self) -> int:
        return max(1, math.ceil(self.team_size * A.DESK_SHARE.get(self.industry, A.DESK_SHARE["other"])))

    @property
    def revenue(self) -> float:
        return A.REVENUE.get(self.option("revenue_band"), A.REVENUE["under_250k"])

    @property
    def budget(self) -> float:
        return A.BUDGET.get(self.option("monthly_budget"), A.BUDGET["under_250"])

    @property
    def ramp_months(self) -> int:
        return A.RAMP_MONTHS.get(int(self.number("change_capacity")), A.RAMP_MONTHS[3])

    @property
    def own_words(self) -> str | None:
        return self.option("biggest_pain") or None

    @property
    def solo(self) -> bool:
        return self.team_size == 1

    @property
    def sensitive(self) -> bool:
        """Special-category data, or rules beyond GDPR: only compliant options may touch personal data."""
        return self.option("data_sensitivity") == "special" or bool(self.choices("regulation"))

    @property
    def tools(self) -> frozenset[str]:
        return frozenset(self.choices("tools"))

    @property
    def reader(self) -> Reader:
        """Who the report's texts are written for."""
        return Reader(solo=self.solo, tools=self.tools, sensitive=self.sensitive)


def read_profile(answers: Mapping[str, object], quiz: Quiz | None = None) -> Profile:
    """Read an answer set leniently: unknown ids are ignored and a bad or blank value counts as unanswered."""
    quiz = quiz or load_quiz()
    valid = _valid_answers(quiz, answers)
    # Absent, null or empty text is blank; an empty list is an answer ("none of these").
    answered = frozenset(k for k, v in valid.items() if v != "")
    merged: dict[str, AnswerValue] = {**_DEFAULTS, **{k: valid[k] for k in answered}}
    team = max(1, int(_as_float(merged["team_size"])))
    reported = {q: _as_float(merged[q]) for q in HOURS_QUESTIONS}
    # The quiz refuses more; answers stored before that rule are scaled down to what the team can work.
    cap, total = team * MAX_HOURS_PER_PERSON, sum(reported.values())
    scale = cap / total if total > cap else 1.0
    merged.update({q: round(h * scale, 1) if scale < 1 else h for q, h in reported.items()})
    given = "hourly_cost" in answered
    return Profile(
        answers=MappingProxyType(merged),
        answered=answered,
        company_name=str(merged.get("company_name") or "Your company"),
        hourly_cost=_as_float(merged["hourly_cost"]) if given else A.DEFAULT_HOURLY_COST.value,
        hourly_cost_given=given,
        reported_hours=MappingProxyType(reported),
        hours_scale=scale,
    )


def _valid_answers(quiz: Quiz, answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    valid: dict[str, AnswerValue] = {}
    for qid, value in answers.items():
        if qid not in quiz.questions:
            continue
        try:
            valid.update(validate_answers(quiz, {qid: value}, complete=False))
        except InvalidAnswers:
            continue
    return valid


def _as_float(value: AnswerValue | None) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
