"""The quiz definition (versioned data) and validation of answer sets against it."""

from __future__ import annotations

import json
import math
import unicodedata
from functools import cache
from importlib import resources
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, model_validator

QUIZ_FILE: Final = "quiz_v2.json"
# The site shows a text question allowed more than this many characters as a textarea, the rest as one-line
# inputs (site/templates/quiz.html): only the former may hold line breaks and tabs.
MULTILINE_ABOVE: Final = 200
LINE_BREAKS_AND_TABS: Final = frozenset("\n\r\t")

QuestionType = Literal["single", "multi", "scale", "number", "text"]
AnswerValue = str | int | float | list[str]


class Option(BaseModel):
    model_config = ConfigDict(frozen=True)
    value: str
    label: str


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    text: str
    type: QuestionType
    required: bool = True
    options: tuple[Option, ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    unit: str | None = None
    help: str | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Question:
        if (self.type in ("single", "multi")) != bool(self.options):
            raise ValueError(f"{self.id}: single and multi questions, and only they, have options")
        if len({o.value for o in self.options}) != len(self.options):
            raise ValueError(f"{self.id}: option values must be unique")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.id}: min is above max")
        return self


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    title: str
    questions: tuple[Question, ...]


class Quiz(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    sections: tuple[Section, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> Quiz:
        ids = [q.id for s in self.sections for q in s.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique within a quiz version")
        return self

    @property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}


class AnswerError(ValueError):
    """One answer (or a missing one) that the quiz definition does not accept."""

    def __init__(self, question_id: str, code: str, message: str) -> None:
        super().__init__(f"{question_id}: {message}")
        self.question_id = question_id
        self.code = code
        self.message = message


class InvalidAnswers(ValueError):
    """Every problem found in an answer set, each naming its question."""

    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@cache
def load_quiz() -> Quiz:
    """The current quiz definition, shipped with the package."""
    text = resources.files(__package__).joinpath(QUIZ_FILE).read_text(encoding="utf-8")
    return Quiz.model_validate(json.loads(text))


def validate_answers(quiz: Quiz, answers: dict[str, object], *, complete: bool) -> dict[str, AnswerValue]:
    """Check a (partial or complete) answer set; raise InvalidAnswers naming every bad question."""
    questions = quiz.questions
    errors: list[AnswerError] = []
    clean: dict[str, AnswerValue] = {}
    for qid, value in answers.items():
        question = questions.get(qid)
        if question is None:
            errors.append(AnswerError(qid, "unknown_question", "is not a question of this quiz"))
            continue
        if value is None:
            continue
        try:
            clean[qid] = _check(question, value)
        except AnswerError as e:
            errors.append(e)
    if complete:
        errors += [
            AnswerError(q.id, "required", "is required")
            for q in questions.values()
            if q.required and q.id not in clean and not _has_error(errors, q.id)
        ]
    if errors:
        raise InvalidAnswers(errors)
    return clean


def _has_error(errors: list[AnswerError], qid: str) -> bool:
    return any(e.question_id == qid for e in errors)


def _check(q: Question, value: object) -> AnswerValue:
    match q.type:
        case "single":
            return _check_single(q, value)
        case "multi":
            return _check_multi(q, value)
        case "scale" | "number":
            return _check_number(q, value)
        case "text":
            return _check_text(q, value)


def _check_single(q: Question, value: object) -> str:
    if not isinstance(value, str):
        raise AnswerError(q.id, "wrong_type", "must be one option's value, as text")
    if value not in {o.value for o in q.options}:
        raise AnswerError(q.id, "invalid_option", f"must be one of {[o.value for o in q.options]}")
    return value


def _check_multi(q: Question, value: object) -> list[str]:
    order = [o.value for o in q.options]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnswerError(q.id, "wrong_type", "must be a list of option values")
    if not all(v in order for v in value):
        raise AnswerError(q.id, "invalid_option", f"must be a list drawn from {order}")
    chosen = sorted(set(value), key=order.index)
    if q.max is not None and len(chosen) > q.max:
        raise AnswerError(q.id, "out_of_range", f"choose at most {_fmt(q.max)}")
    if q.required and not chosen:
        raise AnswerError(q.id, "required", "choose at least one")
    return chosen


def _check_number(q: Question, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(q.id, "wrong_type", "must be a number")
    try:
        number = float(value)  # JSON integers have no size limit; one beyond a float's range is no answer
    except OverflowError:
        raise AnswerError(q.id, "out_of_range", f"must be between {_fmt(q.min)} and {_fmt(q.max)}") from None
    if not math.isfinite(number):
        raise AnswerError(q.id, "wrong_type", "must be a number")
    if q.type == "scale" and not number.is_integer():
        raise AnswerError(q.id, "wrong_type", "must be a whole number")
    if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
        raise AnswerError(q.id, "out_of_range", f"must be between {_fmt(q.min)} and {_fmt(q.max)}")
    return int(value) if number.is_integer() else number


def _check_text(q: Question, value: object) -> str:
    if not isinstance(value, str):
        raise AnswerError(q.id, "wrong_type", "must be text")
    text = value.strip()
    if q.max is not None and q.max > MULTILINE_ABOVE:
        if _control_characters(text, allowed=LINE_BREAKS_AND_TABS):
            raise AnswerError(q.id, "invalid_characters", "must not contain control characters")
    elif _control_characters(text, allowed=frozenset()):
        raise AnswerError(q.id, "invalid_characters", "must be one line, without control characters")
    if q.max is not None and len(text) > q.max:
        raise AnswerError(q.id, "too_long", f"must be at most {_fmt(q.max)} characters")
    if q.required and not text:
        raise AnswerError(q.id, "required", "is required")
    return text


def _control_characters(text: str, *, allowed: frozenset[str]) -> bool:
    # Control characters (Postgres jsonb refuses NUL) and lone surrogates (not UTF-8, so not storable).
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)


def _fmt(bound: float | None) -> str:
    return "any" if bound is None else f"{bound:g}"
