"""The plausibility rule at the boundary: which saves are refused, and which answers still need a confirmation.

A confirmation is the customer's "yes, that's right" for one extreme answer (`plausibility.extremes`), kept as
question id → the value confirmed. It holds only while the answer keeps that value: a changed or cleared answer
drops it, so the new value needs a confirmation of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from crb.quiz import AnswerError, AnswerValue, InvalidAnswers, Quiz
from crb.quiz.plausibility import MAX_HOURS_PER_PERSON, TASK_HOURS, Extreme, extremes, implausible

Confirmations = dict[str, int | float]
CONFIRMABLE: Final = frozenset(TASK_HOURS)


class InvalidConfirmation(ValueError):
    """A confirmation that is malformed, or confirms something other than the answer as it is."""

    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class NeedsConfirmation(ValueError):
    """Extreme answers the customer has not confirmed yet; the quiz cannot complete before they do."""

    def __init__(self, extremes: list[Extreme]) -> None:
        super().__init__("; ".join(f"{x.question_id}: {x.message}" for x in extremes))
        self.extremes = extremes


def parse_confirm(quiz: Quiz, raw: object) -> Confirmations:
    """The request's `confirm` object (question id → the value confirmed); InvalidConfirmation otherwise."""
    if not isinstance(raw, dict):
        message = "must be an object of question id → the answer's value, like {'hours_admin': 35}"
        raise InvalidConfirmation([AnswerError("confirm", "wrong_type", message)])
    errors: list[AnswerError] = []
    parsed: Confirmations = {}
    for qid, value in raw.items():
        if qid not in quiz.questions:
            errors.append(AnswerError(qid, "unknown_question", "is not a question of this quiz"))
        elif qid not in CONFIRMABLE:
            errors.append(AnswerError(qid, "not_confirmable", "needs no confirmation; only the weekly task hours do"))
        elif (number := _number(value)) is None or (isinstance(number, float) and not math.isfinite(number)):
            errors.append(AnswerError(qid, "wrong_type", "must be confirmed with the answer's value, a number"))
        else:
            parsed[qid] = number
    if errors:
        raise InvalidConfirmation(errors)
    return parsed


def check_save(stored: Mapping[str, AnswerValue], merged: Mapping[str, AnswerValue]) -> None:
    """Refuse a save that leaves the task hours above what the team can work (InvalidAnswers naming them).

    One exception: answers stored before the rule existed may already be over; a save that brings them down
    is taken, so they can be mended one answer at a time.
    """
    errors = implausible(merged)
    if errors and not excess_hours(merged) < excess_hours(stored):
        raise InvalidAnswers(errors)


def excess_hours(answers: Mapping[str, object]) -> float:
    """How many weekly task hours are over the team's cap, by `implausible`'s rule; 0 when within or unknown."""
    team = _number(answers.get("team_size"))
    hours = [h for q in TASK_HOURS if (h := _number(answers.get(q))) is not None]
    if team is None or not hours:
        return 0.0
    return max(0.0, sum(hours) - max(1.0, team) * MAX_HOURS_PER_PERSON)


def bind(kept: Mapping[str, object], confirm: Confirmations, answers: Mapping[str, object]) -> Confirmations:
    """The confirmations that hold for `answers`: the earlier ones whose answer kept its value, and the new ones.

    A new confirmation must name the answer's value as it is (stored, or sent along): InvalidConfirmation if not.
    """
    errors = [
        AnswerError(qid, "confirmation_mismatch", _mismatch(answers.get(qid)))
        for qid, value in confirm.items()
        if not _same(answers.get(qid), value)
    ]
    if errors:
        raise InvalidConfirmation(errors)
    wanted = {**kept, **confirm}
    return {q: a for q, v in wanted.items() if (a := _number(answers.get(q))) is not None and _same(a, v)}


def unconfirmed(answers: Mapping[str, AnswerValue], confirmations: Mapping[str, object]) -> list[Extreme]:
    """The extreme answers without a confirmation of their current value."""
    return [x for x in extremes(answers) if not _same(answers.get(x.question_id), confirmations.get(x.question_id))]


def check_complete(answers: Mapping[str, AnswerValue], confirmations: Mapping[str, object]) -> None:
    """Before the teaser: the hours must be plausible (InvalidAnswers) and every extreme answer confirmed
    (NeedsConfirmation)."""
    if errors := implausible(answers):
        raise InvalidAnswers(errors)
    if missing := unconfirmed(answers, confirmations):
        raise NeedsConfirmation(missing)


def _number(value: object) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _same(answer: object, confirmed: object) -> bool:
    a, c = _number(answer), _number(confirmed)
    return a is not None and c is not None and a == c


def _mismatch(answer: object) -> str:
    number = _number(answer)
    if number is None:
        return "has no answer to confirm; save the answer first, or send it along"
    return f"confirms another value than the answer, {number:g}; confirm the answer as it is"
