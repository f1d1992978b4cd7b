"""Plausibility of the weekly task hours against the team: what the quiz refuses, and what it asks to confirm.

The rule, as the quiz page and the report's methodology state it:
- refused: the five task questions together above team size × 50 hours a week (more than everyone could work,
  overtime included);
- to confirm: together above team size × 40 (more than a full-time week for everyone), or one task above
  team size × 25 (most of everyone's week on one kind of work). Such answers would dominate the report, so the
  customer confirms them once before the teaser is computed.
"""

# The quiz's own typography uses × on purpose.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from crb.quiz import AnswerError, AnswerValue

TASK_HOURS: Final = ("hours_admin", "hours_support", "hours_scheduling", "hours_reporting", "hours_content")
MAX_HOURS_PER_PERSON: Final = 50  # refused above team size × this, the five tasks together
CONFIRM_HOURS_PER_PERSON: Final = 40  # confirmed above team size × this, together
CONFIRM_ONE_TASK_PER_PERSON: Final = 25  # confirmed above team size × this, for one task

RULE_TEXT: Final = (
    f"The five weekly task questions may add up to at most {MAX_HOURS_PER_PERSON} hours per person (team size ×"
    f" {MAX_HOURS_PER_PERSON}); above {CONFIRM_HOURS_PER_PERSON} per person in all, or above"
    f" {CONFIRM_ONE_TASK_PER_PERSON} per person for one task, the quiz asks you to confirm."
)


@dataclass(frozen=True)
class Extreme:
    """An answer the customer must confirm before the quiz completes, with its value and why."""

    question_id: str
    value: float
    message: str


def _number(answers: Mapping[str, AnswerValue], qid: str) -> float | None:
    value = answers.get(qid)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _hours(answers: Mapping[str, AnswerValue]) -> dict[str, float]:
    return {q: h for q in TASK_HOURS if (h := _number(answers, q)) is not None}


def implausible(answers: Mapping[str, AnswerValue]) -> list[AnswerError]:
    """Errors for each task question (and the team size) when the tasks add up to more than the team can work.

    Works on partial answer sets: nothing is refused until the team size and some hours are known.
    """
    team, hours = _number(answers, "team_size"), _hours(answers)
    if team is None or not hours:
        return []
    total, cap = sum(hours.values()), max(1.0, team) * MAX_HOURS_PER_PERSON
    if total <= cap:
        return []
    message = (
        f"the weekly task hours add up to {total:g}, more than a team of {team:g} can work"
        f" ({cap:g} hours a week at most: {MAX_HOURS_PER_PERSON} per person); lower them or check the team size"
    )
    named = [q for q, h in hours.items() if h > 0] + ["team_size"]
    return [AnswerError(q, "implausible_hours", message) for q in named]


def extremes(answers: Mapping[str, AnswerValue]) -> list[Extreme]:
    """Answers plausible enough to accept but large enough to dominate the report: each needs a confirmation."""
    team, hours = _number(answers, "team_size"), _hours(answers)
    if team is None or not hours:
        return []
    people = max(1.0, team)
    found = [
        Extreme(q, h, f"{h:g} hours a week is {h / people:.0f} per person on this task alone; is that right?")
        for q, h in hours.items()
        if h > people * CONFIRM_ONE_TASK_PER_PERSON
    ]
    total = sum(hours.values())
    if total > people * CONFIRM_HOURS_PER_PERSON and not found:
        biggest = max(hours, key=lambda q: (hours[q], q))
        found.append(
            Extreme(
                biggest,
                hours[biggest],
                f"the weekly task hours add up to {total:g}, more than a full-time week for a team of {team:g};"
                " is that right?",
            )
        )
    return found
