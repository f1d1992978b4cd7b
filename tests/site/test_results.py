"""The results page: the teaser's verdict before payment, and a teaser stored before verdicts existed."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.site.browsing import adopt_session, assert_accessible, completed, session_state
from tests.site.conftest import Edge

pytestmark = pytest.mark.browser


async def test_the_verdict_shows_with_its_summary_and_reasons(page: Page, edge: Edge) -> None:
    sid, token = await completed(edge.client)
    verdict = (await session_state(edge.client, sid, token))["teaser"]["verdict"]
    assert verdict["reasons"], "the generic answers should give the verdict a reason or two"
    await adopt_session(page, sid, token)
    await page.goto("/results.html")

    section = page.get_by_role("region", name=f"Our verdict {verdict['label']}")
    await expect(section).to_be_visible()
    await expect(section.get_by_role("heading", level=2)).to_have_text(f"Our verdict {verdict['label']}")
    await expect(section).to_have_class(f"verdict {verdict['decision']}")
    await expect(section.locator("#verdict-summary")).to_have_text(verdict["summary"])
    await expect(section.get_by_role("listitem")).to_have_text(verdict["reasons"])
    await assert_accessible(page)


async def test_a_teaser_without_a_verdict_hides_the_section(page: Page, edge: Edge, db: asyncpg.Connection) -> None:
    sid, token = await completed(edge.client)
    await db.execute("update quiz_sessions set teaser = teaser - 'verdict' where id = $1", uuid.UUID(sid))
    assert "verdict" not in json.loads(
        await db.fetchval("select teaser from quiz_sessions where id = $1", uuid.UUID(sid))
    )
    await adopt_session(page, sid, token)
    await page.goto("/results.html")

    await expect(page.locator("#locked li").first).to_be_visible()  # the rest of the teaser is there
    await expect(page.locator("#verdict-sec")).to_be_hidden()
    await expect(page.get_by_text("Our verdict")).to_be_hidden()
    await assert_accessible(page)
