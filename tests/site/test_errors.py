"""TEST-002, what goes wrong: a cancelled or expired checkout, a failed generation, a dropped connection while
answering, and a duplicate webhook."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from playwright.async_api import BrowserContext, Page, expect

from crb.sessions import QuizSession
from edge.offline import ACTIONS, checkout_event
from tests.conftest import run_worker
from tests.fakes.stripe_server import signed
from tests.jobs.running import QUICK_RETRIES
from tests.site.browsing import (
    adopt_session,
    assert_accessible,
    completed,
    fill_in,
    generic_answer,
    next_question,
    outbox,
    paid_offline,
    questions,
    session_state,
    stored_session,
)
from tests.site.conftest import Edge

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


async def to_offline_checkout(page: Page, edge: Edge) -> tuple[str, str]:
    sid, token = await completed(edge.client)
    await adopt_session(page, sid, token)
    await page.goto("/results.html")
    await page.get_by_label("Email address for your report").fill("owner@example.com")
    await page.get_by_role("button", name="Continue to secure payment").click()
    await page.wait_for_url("**/offline-checkout/**")
    return sid, token


async def test_cancelled_checkout_returns_to_the_teaser_with_a_message(page: Page, edge: Edge) -> None:
    sid, token = await to_offline_checkout(page, edge)
    await page.get_by_role("button", name="Cancel").click()
    await page.wait_for_url("**/results.html?checkout=cancelled")
    await expect(page.locator("#banner")).to_have_text(
        "Checkout cancelled: nothing was charged. Your results are still here whenever you are ready."
    )
    await expect(page.locator("#score")).not_to_have_text("\N{EN DASH}")  # the placeholder
    await expect(page.get_by_role("button", name="Continue to secure payment")).to_be_enabled()
    await assert_accessible(page)
    assert (await session_state(edge.client, sid, token))["status"] == "checkout"


async def test_expired_checkout_returns_to_the_teaser_and_can_start_again(page: Page, edge: Edge) -> None:
    sid, token = await to_offline_checkout(page, edge)
    first = page.url
    await page.get_by_role("button", name="Let it expire").click()
    await page.wait_for_url("**/results.html?checkout=cancelled")
    await expect(page.locator("#banner")).to_contain_text("Your checkout expired before payment: nothing was charged.")
    assert (await session_state(edge.client, sid, token))["checkout"]["last_event"] == "expired"

    await page.get_by_label("Email address for your report").fill("owner@example.com")
    await page.get_by_role("button", name="Continue to secure payment").click()
    await page.wait_for_url("**/offline-checkout/**")
    assert page.url != first  # a new Checkout Session, not the expired one
    await expect(page.get_by_role("button", name="Pay now")).to_be_visible()


@pytest.mark.parametrize("edge_env", [{"RENDERER_URL": "http://127.0.0.1:9"}])  # nothing listens: every try fails
async def test_failed_generation_is_explained_honestly(page: Page, edge: Edge, monkeypatch: pytest.MonkeyPatch) -> None:
    sid, token = await paid_offline(edge.client, edge.settings)
    await adopt_session(page, sid, token)
    await page.goto(f"/success.html?session_id={sid}&checkout=x")
    await expect(page.locator("#status")).to_have_text("Payment received")

    await run_worker(edge.settings, QUICK_RETRIES)
    await expect(page.locator("#status")).to_have_text("We could not generate your report")
    await expect(page.locator("#detail")).to_contain_text("we will send your report within 24 hours, or refund you")
    await expect(page.get_by_role("link", name="Download your report (PDF)")).to_be_hidden()
    await assert_accessible(page)
    assert (await session_state(edge.client, sid, token))["status"] == "failed"
    assert len(outbox(edge.settings, "report-failed")) == 1


async def test_answers_given_offline_are_saved_when_the_connection_returns(
    page: Page, context: BrowserContext, edge: Edge
) -> None:
    first, second, third = questions()[:3]
    await page.goto("/quiz.html")
    await fill_in(page, first, generic_answer(first))
    await next_question(page)
    await expect(page.locator("#count")).to_contain_text("Question 2 of")
    sid, token = await stored_session(page)

    await context.set_offline(True)
    for q in (second, third):
        await fill_in(page, q, generic_answer(q))
        await next_question(page)
    await expect(page.locator("#note")).to_contain_text("You are offline.")
    await expect(page.locator("#count")).to_contain_text("Question 4 of")  # the visitor was not held up
    saved = (await session_state(edge.client, sid, token))["answers"]
    assert second.id not in saved and third.id not in saved

    await context.set_offline(False)
    await expect(page.locator("#note")).to_have_text("Back online: your answers are saved.")
    saved = (await session_state(edge.client, sid, token))["answers"]
    assert saved[second.id] == generic_answer(second)
    assert saved[third.id] == generic_answer(third)
    assert await page.evaluate("JSON.parse(localStorage.getItem('crb.session')).pending") == {}


async def test_a_duplicate_webhook_changes_nothing_on_the_page(page: Page, edge: Edge) -> None:
    sid, token = await to_offline_checkout(page, edge)
    await page.get_by_role("button", name="Pay now").click()
    await page.wait_for_url("**/success.html?**")
    await run_worker(edge.settings)
    await expect(page.locator("#status")).to_have_text("Your report is ready")
    link = await page.get_by_role("link", name="Download your report (PDF)").get_attribute("href")
    shown = await page.locator("main").inner_text()

    conn = await asyncpg.connect(edge.settings.database_url)
    try:
        row = await conn.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(sid))
    finally:
        await conn.close()
    session = QuizSession.from_row(row)
    body, header = signed(checkout_event(session, ACTIONS["pay"]), edge.settings.stripe_webhook_secrets[0].value)
    outcomes = []
    for _ in range(2):  # the same event, delivered twice (Stripe retries)
        response = await edge.client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
        assert response.status == 200
        outcomes.append((await response.json())["outcome"])
    assert outcomes[1] == "duplicate"
    await run_worker(edge.settings)

    await page.reload()
    await expect(page.locator("#status")).to_have_text("Your report is ready")
    assert await page.get_by_role("link", name="Download your report (PDF)").get_attribute("href") == link
    assert await page.locator("main").inner_text() == shown
    assert sorted(m["X-Tag"] for m in outbox(edge.settings)) == ["payment-confirmation", "report-ready"]
    assert (await session_state(edge.client, sid, token))["status"] == "delivered"
