"""The quiz definition (versioned data) and validation of answer sets against it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

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


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    title: str
    questions: tuple[Question, ...]


class Quiz(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    sections: tuple[Section, ...]

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
    text = resources.files(__package__).joinpath("quiz_v1.json").read_text(encoding="utf-8")
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
            if not isinstance(value, str) or value not in {o.value for o in q.options}:
                raise AnswerError(q.id, "invalid_option", f"must be one of {[o.value for o in q.options]}")
            return value
        case "multi":
            allowed = {o.value for o in q.options}
            if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
                raise AnswerError(q.id, "invalid_option", f"must be a list drawn from {sorted(allowed)}")
            return sorted(set(value), key=[o.value for o in q.options].index)
        case "scale" | "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AnswerError(q.id, "wrong_type", "must be a number")
            if q.type == "scale" and not float(value).is_integer():
                raise AnswerError(q.id, "wrong_type", "must be a whole number")
            if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
                raise AnswerError(q.id, "out_of_range", f"must be between {q.min} and {q.max}")
            return int(value) if float(value).is_integer() else float(value)
        case "text":
            if not isinstance(value, str):
                raise AnswerError(q.id, "wrong_type", "must be text")
            text = value.strip()
            if q.max is not None and len(text) > q.max:
                raise AnswerError(q.id, "too_long", f"must be at most {q.max} characters")
            if q.required and not text:
                raise AnswerError(q.id, "required", "is required")
            return text
