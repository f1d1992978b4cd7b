"""The quiz page: resume after a reload and in another tab, keyboard only, and the API's validation messages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

from crb.quiz import InvalidAnswers, Question, load_quiz, validate_answers
from crb.quiz.plausibility import extremes, implausible
from tests.journey import new_session
from tests.site.browsing import (
    adopt_session,
    assert_accessible,
    auth,
    fill_in,
    generic_answer,
    generic_answers,
    next_question,
    questions,
    session_state,
    step,
    stored_session,
)
from tests.site.conftest import Edge

pytestmark = pytest.mark.browser


def api_message(q: Question, value: Any, answers: dict[str, Any] | None = None) -> str:
    """What the edge says about this answer, as the page words it (see `sentence` in app.js)."""
    given = {q.id: value} if answers is None else answers
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(load_quiz(), given, complete=answers is not None)
    message = next(e.message for e in caught.value.errors if e.question_id == q.id).rstrip(".")
    if message.split(" ", 1)[0] in ("is", "must", "should", "can"):
        return f"This answer {message}."
    return message[0].upper() + message[1:] + "."


async def count(page: Page, n: int) -> None:
    await expect(page.locator("#count")).to_contain_text(f"Question {n} of {len(questions())}")


async def test_resume_after_reload_and_in_another_tab(
    page: Page, edge: Edge, new_page: Callable[[], Awaitable[Page]]
) -> None:
    first_three = questions()[:3]
    await page.goto("/quiz.html")
    for q in first_three:
        await fill_in(page, q, generic_answer(q))
        await next_question(page)
    await count(page, 4)

    await page.reload()
    await count(page, 4)
    await expect(step(page, questions()[3])).to_be_visible()

    other = await new_page()
    await other.goto("/quiz.html")
    await count(other, 4)
    await other.get_by_role("button", name="Back").click()
    await count(other, 3)
    third = step(other, first_three[2])
    value = generic_answer(first_three[2])
    if first_three[2].type in ("single", "multi", "scale"):
        for v in value if isinstance(value, list) else [value]:
            await expect(third.locator(f'input[value="{v}"]')).to_be_checked()
    else:
        await expect(third.locator("input, textarea")).to_have_value(str(value))
    sid, token = await stored_session(other)
    assert (sid, token) == await stored_session(page)
    saved = (await session_state(edge.client, sid, token))["answers"]
    assert {q.id: saved[q.id] for q in first_three} == {q.id: generic_answer(q) for q in first_three}


async def tab_to(page: Page, condition: str, limit: int = 30) -> None:
    """Press Tab until `condition` (JavaScript, about `document.activeElement`) holds."""
    for _ in range(limit):
        if await page.evaluate(f"(() => {{ const el = document.activeElement; return {condition}; }})()"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached: {condition}")


def keyboard_answer(q: Question) -> Any:
    """What the keyboard gives: Space on a group's first control, or typing the generic answer."""
    match q.type:
        case "single":
            return q.options[0].value
        case "multi":
            return [q.options[0].value]
        case "scale":
            return int(q.min if q.min is not None else 1)
        case _:
            return generic_answer(q)


async def test_the_quiz_completed_with_the_keyboard_alone(page: Page, edge: Edge) -> None:
    qs = questions()
    await page.goto("/quiz.html")
    in_question = "el.closest('.q') && !el.closest('.q').hidden"
    await tab_to(page, in_question)
    for n, q in enumerate(qs, start=1):
        await count(page, n)
        if q.type in ("single", "multi", "scale"):
            await page.keyboard.press("Space")
        else:
            await page.keyboard.type(str(keyboard_answer(q)))
        if n == 3:  # back and forth once, with the Back button
            await tab_to(page, "el.id === 'back'")
            await page.keyboard.press("Enter")
            await count(page, 2)
            await page.keyboard.press("Enter")  # focus is on question 2's answer: Enter moves on again
            await count(page, 3)
        if await page.evaluate("document.activeElement.tagName === 'TEXTAREA'"):
            await tab_to(page, "el.id === 'next'")
        await page.keyboard.press("Enter")
    await page.wait_for_url("**/results.html")
    sid, token = await stored_session(page)
    saved = (await session_state(edge.client, sid, token))["answers"]
    assert saved == {q.id: keyboard_answer(q) for q in qs}


async def open_at(page: Page, edge: Edge, index: int, answers: dict[str, Any] | None = None) -> tuple[str, str]:
    """The quiz opened at question `index` of a session made over the API."""
    sid, token = await new_session(edge.client)
    if answers:
        response = await edge.client.put(f"/api/sessions/{sid}/answers", json={"answers": answers}, headers=auth(token))
        assert response.status == 200, await response.text()
    await adopt_session(page, sid, token, at=index)
    await page.goto("/quiz.html")
    await count(page, index + 1)
    return sid, token


async def test_validation_messages_come_from_the_api(page: Page, edge: Edge) -> None:
    qs = questions()
    number = next(q for q in qs if q.type == "number" and q.max is not None)
    too_big = (number.max or 0) + 1
    await open_at(page, edge, qs.index(number))
    await fill_in(page, number, too_big)
    await next_question(page)
    error = step(page, number).get_by_role("alert")
    await expect(error).to_have_text(api_message(number, too_big))
    await expect(step(page, number).locator("input")).to_be_focused()
    await expect(step(page, number).locator("input")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page)
    await fill_in(page, number, generic_answer(number))
    await next_question(page)
    await count(page, qs.index(number) + 2)

    capped = [q for q in qs if q.type == "multi" and q.max is not None and len(q.options) > q.max]
    for q in capped[:1]:
        too_many = [o.value for o in q.options[: int(q.max or 0) + 1]]
        await open_at(page, edge, qs.index(q))
        await fill_in(page, q, too_many)
        await next_question(page)
        await expect(step(page, q).get_by_role("alert")).to_have_text(api_message(q, too_many))


async def test_a_missing_answer_found_on_completion_is_shown_at_its_question(page: Page, edge: Edge) -> None:
    qs = questions()
    skipped = next(q for q in qs[1:-1] if q.required)
    answers = {k: v for k, v in generic_answers().items() if k != skipped.id}
    last = qs[-1]
    await open_at(page, edge, len(qs) - 1, answers)
    await fill_in(page, last, generic_answer(last))
    await page.get_by_role("button", name="See my results").click()
    await count(page, qs.index(skipped) + 1)
    await expect(step(page, skipped).get_by_role("alert")).to_have_text(api_message(skipped, None, answers))
    await fill_in(page, skipped, generic_answer(skipped))
    for n in range(qs.index(skipped) + 1, len(qs) + 1):  # the later answers are all there: Next through them
        await count(page, n)
        await next_question(page)
    await page.wait_for_url("**/results.html")
    await expect(page.get_by_role("heading", name="Your AI readiness results")).to_be_visible()


# ---- the weekly task hours: refused when more than the team can work, confirmed when extreme ----


def hours_question(qid: str) -> Question:
    return next(q for q in questions() if q.id == qid)


async def test_implausible_hours_are_refused_at_the_hours_question(page: Page, edge: Edge) -> None:
    qs = questions()
    content = hours_question("hours_content")
    answers = {"team_size": 1} | dict.fromkeys(
        ("hours_admin", "hours_support", "hours_scheduling", "hours_reporting"), 10
    )
    sid, token = await open_at(page, edge, qs.index(content), answers)

    await fill_in(page, content, 20)  # 60 hours a week for one person
    await next_question(page)
    alert = step(page, content).get_by_role("alert")
    (refusal,) = {e.message for e in implausible(answers | {"hours_content": 20})}
    await expect(alert).to_have_text(refusal[0].upper() + refusal[1:] + ".")
    await expect(alert).to_contain_text("add up to 60, more than a team of 1 can work")
    await expect(step(page, content).locator("input")).to_be_focused()
    await expect(step(page, content).locator("input")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page)
    assert "hours_content" not in (await session_state(edge.client, sid, token))["answers"]

    # 45 in all: accepted, but more than a full-time week, so the page asks before it moves on.
    await fill_in(page, content, 5)
    await next_question(page)
    (extreme,) = extremes(answers | {"hours_content": 5})
    box = page.get_by_role("group", name=extreme.message[0].upper() + extreme.message[1:])
    await expect(box).to_be_visible()
    await expect(alert).to_be_hidden()
    await expect(page.get_by_role("button", name="Yes, that's right")).to_be_focused()
    await count(page, qs.index(content) + 1)
    await assert_accessible(page)
    await page.get_by_role("button", name="Yes, that's right").click()
    await count(page, qs.index(content) + 2)
    state = await session_state(edge.client, sid, token)
    assert state["confirmed"] == {extreme.question_id: extreme.value}
    assert state["needs_confirmation"] == []


async def test_an_extreme_answer_is_confirmed_or_changed_with_the_keyboard(page: Page, edge: Edge) -> None:
    qs = questions()
    admin = hours_question("hours_admin")
    sid, token = await open_at(page, edge, qs.index(admin), {"team_size": 1})
    field = step(page, admin).locator("input")
    await field.focus()
    await page.keyboard.type("35")
    await page.keyboard.press("Enter")
    yes = page.get_by_role("button", name="Yes, that's right")
    await expect(yes).to_be_focused()
    group = page.get_by_role("group", name="35 hours a week is 35 per person on this task alone; is that right?")
    await expect(group).to_be_visible()
    await expect(page.locator("#next")).to_be_hidden()  # no way past it but an answer

    await page.keyboard.press("Shift+Tab")  # "Change it" comes first, as Back does
    await expect(page.get_by_role("button", name="Change it")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(group).to_be_hidden()
    await expect(field).to_be_focused()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("30")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("group", name=re.compile("^30 hours a week is 30 per person"))).to_be_visible()
    await page.keyboard.press("Escape")  # Escape changes it too
    await expect(field).to_be_focused()
    await page.keyboard.press("Enter")  # the same value again: the same question
    await expect(yes).to_be_focused()
    await page.keyboard.press("Enter")
    await count(page, qs.index(admin) + 2)
    state = await session_state(edge.client, sid, token)
    assert (state["answers"]["hours_admin"], state["confirmed"]) == (30, {"hours_admin": 30})

    await page.get_by_role("button", name="Back").click()  # back and on again: confirmed once is enough
    await count(page, qs.index(admin) + 1)
    await next_question(page)
    await count(page, qs.index(admin) + 2)


async def test_an_unconfirmed_answer_found_on_completion_is_confirmed_at_its_question(page: Page, edge: Edge) -> None:
    qs = questions()
    answers = (
        generic_answers()
        | {"team_size": 1, "hours_support": 35}
        | {q: 1 for q in ("hours_admin", "hours_scheduling", "hours_reporting", "hours_content")}
    )
    await open_at(page, edge, len(qs) - 1, answers)
    await page.get_by_role("button", name="See my results").click()
    await count(page, qs.index(hours_question("hours_support")) + 1)
    await expect(page.get_by_role("group", name=re.compile("^35 hours a week is 35 per person"))).to_be_visible()
    await page.get_by_role("button", name="Yes, that's right").click()
    await page.wait_for_url("**/results.html")
    await expect(page.locator("#verdict-label")).not_to_be_empty()
