"""The plausibility rule for the weekly task hours, and the confirmations that the extreme answers need."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crb.quiz import InvalidAnswers, load_quiz
from crb.quiz.confirmation import (
    InvalidConfirmation,
    NeedsConfirmation,
    bind,
    check_complete,
    check_save,
    excess_hours,
    parse_confirm,
    unconfirmed,
)
from crb.quiz.plausibility import TASK_HOURS, extremes, implausible
from tests.crb.strategies import answer_sets


def hours(team: float, *each: float, **named: float) -> dict[str, Any]:
    """A team size and the five task questions: `each` in order (admin first), or by name."""
    answers: dict[str, Any] = {"team_size": team, **dict(zip(TASK_HOURS, each, strict=False)), **named}
    return answers


@pytest.mark.parametrize(
    ("answers", "refused"),
    [
        (hours(1, 40, 40, 40, 40, 40), [*TASK_HOURS, "team_size"]),  # 200 hours for one person
        (hours(1, 50, 0, 0, 0, 0), []),  # exactly the cap
        (hours(1, 50.5), ["hours_admin", "team_size"]),
        (hours(1, 30, 0, 0, 0, 21), ["hours_admin", "hours_content", "team_size"]),  # a zero is not named
        (hours(120, 220, 80, 40, 90, 260), []),  # the example firm: 120 people, 690 hours
        (hours(10, 100, 100, 100, 100, 100), []),  # 500 = 10 * 50
        (hours(10, 100, 100, 100, 100, 101), [*TASK_HOURS, "team_size"]),
        (hours(2.5, 126), ["hours_admin", "team_size"]),  # a fractional team: 2.5 * 50 = 125
        ({"hours_admin": 5000}, []),  # no team size yet: nothing to judge
        ({"team_size": 1}, []),  # no hours yet
        (hours(1, hours_support=60), ["hours_support", "team_size"]),  # partial answer sets are judged too
    ],
)
def test_hours_above_fifty_per_person_are_refused_naming_each_question(
    answers: dict[str, Any], refused: list[str]
) -> None:
    errors = implausible(answers)

    assert [e.question_id for e in errors] == refused
    assert {e.code for e in errors} <= {"implausible_hours"}
    if errors:
        assert "more than a team of" in errors[0].message


@pytest.mark.parametrize(
    ("answers", "to_confirm"),
    [
        (hours(120, 220, 80, 40, 90, 260), []),  # 690 hours for 120 people: nothing to confirm
        (hours(1, 35, 0, 0, 0, 0), [("hours_admin", 35)]),  # one person, 35 hours of admin
        (hours(1, 25, 0, 0, 0, 0), []),  # exactly a quarter of a week: fine
        (hours(1, 20, 21, 0, 0, 0), [("hours_support", 21)]),  # 41 in all: the biggest answer stands for them
        (hours(1, 20, 20, 0, 0, 0), []),  # 40 in all: a full-time week is fine
        (hours(1, 30, 0, 0, 0, 30), [("hours_admin", 30), ("hours_content", 30)]),  # each (though refused too)
        (hours(4, 101, 0, 0, 0, 0), [("hours_admin", 101)]),
        (hours(4, 100, 20, 20, 20, 0), []),  # 160 = 4 * 40
        (hours(1, 21, 21), [("hours_support", 21)]),  # a tie for the biggest: the later question, every time
        ({"hours_admin": 5000}, []),
    ],
)
def test_extreme_answers_need_a_confirmation(answers: dict[str, Any], to_confirm: list[tuple[str, float]]) -> None:
    found = extremes(answers)

    assert [(x.question_id, x.value) for x in found] == to_confirm
    assert all(x.message.endswith("is that right?") for x in found)


def test_the_message_says_what_the_answer_means_per_person() -> None:
    (one,) = extremes(hours(1, 35))
    (total,) = extremes(hours(2, 45, 40))

    assert one.message == "35 hours a week is 35 per person on this task alone; is that right?"
    assert total.message == (
        "the weekly task hours add up to 85, more than a full-time week for a team of 2; is that right?"
    )


@given(answer_sets())
def test_excess_hours_is_positive_exactly_when_the_answers_are_refused(answers: dict[str, Any]) -> None:
    assert (excess_hours(answers) > 0) == bool(implausible(answers))


# ---- the rule at the boundary: saving, confirming, completing ----


def test_a_save_that_leaves_the_hours_implausible_is_refused() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        check_save(hours(1, 40), hours(1, 40, 40, 40, 40, 40))

    assert [e.question_id for e in caught.value.errors] == [*TASK_HOURS, "team_size"]
    check_save({}, hours(120, 220, 80, 40, 90, 260))  # plausible: nothing to say


def test_answers_stored_before_the_rule_can_be_mended_one_at_a_time() -> None:
    before = hours(1, 40, 40, 40, 40, 40)
    check_save(before, hours(1, 10, 40, 40, 40, 40))  # lower, still over: taken
    check_save(before, hours(2, 40, 40, 40, 40, 40))  # a larger team: taken
    for same_or_worse in (before | {"industry": "marketing"}, hours(1, 41, 40, 40, 40, 40)):
        with pytest.raises(InvalidAnswers):
            check_save(before, same_or_worse)


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        (35, "confirm", "wrong_type"),
        (["hours_admin"], "confirm", "wrong_type"),
        (None, "confirm", "wrong_type"),
        ({"no_such_question": 35}, "no_such_question", "unknown_question"),
        ({"team_size": 1}, "team_size", "not_confirmable"),
        ({"hours_admin": "35"}, "hours_admin", "wrong_type"),
        ({"hours_admin": True}, "hours_admin", "wrong_type"),
        ({"hours_admin": None}, "hours_admin", "wrong_type"),
        ({"hours_admin": float("nan")}, "hours_admin", "wrong_type"),
        ({"hours_admin": float("inf")}, "hours_admin", "wrong_type"),
        ({"hours_admin": [35]}, "hours_admin", "wrong_type"),
    ],
)
def test_a_malformed_confirmation_names_what_is_wrong(raw: object, field: str, code: str) -> None:
    with pytest.raises(InvalidConfirmation) as caught:
        parse_confirm(load_quiz(), raw)

    (error,) = caught.value.errors
    assert (error.question_id, error.code) == (field, code)


def test_a_well_formed_confirmation_is_parsed() -> None:
    assert parse_confirm(load_quiz(), {"hours_admin": 35, "hours_support": 2.5}) == {
        "hours_admin": 35,
        "hours_support": 2.5,
    }
    assert parse_confirm(load_quiz(), {}) == {}
    assert parse_confirm(load_quiz(), {"hours_admin": 10**400}) == {"hours_admin": 10**400}  # then a mismatch


def test_a_confirmation_binds_to_the_value_and_goes_when_the_value_changes() -> None:
    answers = hours(1, 35)
    confirmed = bind({}, {"hours_admin": 35.0}, answers)

    assert confirmed == {"hours_admin": 35}
    assert unconfirmed(answers, confirmed) == []
    changed = answers | {"hours_admin": 36}
    assert bind(confirmed, {}, changed) == {}
    assert [x.question_id for x in unconfirmed(changed, confirmed)] == ["hours_admin"]
    assert bind(confirmed, {}, {"team_size": 1}) == {}  # the answer taken back
    assert bind(confirmed, {}, answers | {"industry": "marketing"}) == {"hours_admin": 35}  # others don't matter


@pytest.mark.parametrize(
    ("confirm", "answers", "message"),
    [
        ({"hours_admin": 30}, hours(1, 35), "confirms another value than the answer, 35"),
        ({"hours_admin": 10**400}, hours(1, 35), "confirms another value than the answer, 35"),
        ({"hours_support": 30}, hours(1, 35), "has no answer to confirm"),
    ],
)
def test_a_confirmation_of_another_value_is_refused(
    confirm: dict[str, float], answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidConfirmation) as caught:
        bind({}, confirm, answers)

    (error,) = caught.value.errors
    assert error.code == "confirmation_mismatch"
    assert error.message.startswith(message)


def test_completion_needs_plausible_hours_and_every_extreme_confirmed() -> None:
    with pytest.raises(InvalidAnswers):
        check_complete(hours(1, 40, 40, 40, 40, 40), {})
    for confirmed in ({}, {"hours_admin": 34}, {"hours_support": 35}):
        with pytest.raises(NeedsConfirmation) as caught:
            check_complete(hours(1, 35, 10), confirmed)
        assert [x.question_id for x in caught.value.extremes] == ["hours_admin"]
        assert "hours_admin: 35 hours a week is 35 per person" in str(caught.value)
    check_complete(hours(1, 35, 10), {"hours_admin": 35})
    check_complete(hours(120, 220, 80, 40, 90, 260), {})


@given(answer_sets(), st.data())
def test_confirming_every_extreme_answer_lets_the_quiz_complete(answers: dict[str, Any], data: st.DataObject) -> None:
    if implausible(answers):
        return
    waiting = unconfirmed(answers, {})
    confirmed = bind({}, {x.question_id: answers[x.question_id] for x in waiting}, answers)
    check_complete(answers, confirmed)
    leave_out = data.draw(st.sampled_from([None, *(x.question_id for x in waiting)]))
    if leave_out is not None:
        with pytest.raises(NeedsConfirmation):
            check_complete(answers, {q: v for q, v in confirmed.items() if q != leave_out})


@given(answer_sets())
def test_an_accepted_answer_set_has_at_most_one_answer_to_confirm(answers: dict[str, Any]) -> None:
    """Two tasks above a quarter of everyone's week would be above half of it together: refused already.
    So the quiz page asks about one answer at a time."""
    if not implausible(answers):
        assert len(extremes(answers)) <= 1
