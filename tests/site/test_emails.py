"""TEST-003, the emails: every link in every email opens the right page, and unsubscribing works."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.site.browsing import (
    COMPANY,
    assert_accessible,
    open_pdf,
    outbox,
    paid_offline,
    pdf_text,
    run_worker_at,
)
from tests.site.conftest import Edge

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

DAY = dt.timedelta(days=1)


@pytest.fixture
def edge_env(isolated_database_url: str) -> dict[str, str]:
    """A database of these tests' own: the follow-up job sweeps every delivered report in it."""
    return {"DATABASE_URL": isolated_database_url}


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None, f"{message['X-Tag']} has no {kind} part"
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    return body(message, "html")


def text_links(message: EmailMessage) -> set[str]:
    return set(re.findall(r"https?://[^\s<>\"]+", body(message, "plain")))


async def open_each_link(page: Page, message: EmailMessage) -> list[str]:
    """Show the email's HTML in the browser and click each of its links in turn; return where they went."""
    await page.set_content(html_of(message))
    hrefs: list[str] = await page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    assert text_links(message) <= set(hrefs), message["X-Tag"]  # the plain-text part links nowhere else
    for index, href in enumerate(hrefs):
        await page.set_content(html_of(message))
        link = page.locator("a[href]").nth(index)
        if "/download" in href:
            assert COMPANY in pdf_text(await open_pdf(page, link.click)), href
        elif href.endswith("/imprint.html"):  # every footer: who sells
            await link.click()
            await page.wait_for_load_state()
            await expect(page.get_by_role("heading", name="Imprint")).to_be_visible()
            await page.goto("about:blank")  # the email again, not under the site's content security policy
        else:
            await link.click()
            await page.wait_for_load_state()
            assert "unsubscribe" in href, f"{message['X-Tag']}: a link we do not know: {href}"
            await expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    return hrefs


async def unsubscribed_at(edge: Edge, sid: str) -> dt.datetime | None:
    conn = await asyncpg.connect(edge.settings.database_url)
    try:
        at: dt.datetime | None = await conn.fetchval(
            "select unsubscribed_at from quiz_sessions where id = $1", uuid.UUID(sid)
        )
        return at
    finally:
        await conn.close()


async def test_every_link_in_every_email_opens_the_right_page(
    page: Page, edge: Edge, browse: Callable[..., Awaitable[Page]]
) -> None:
    sid, _ = await paid_offline(edge.client, edge.settings)
    await run_worker_at(edge.settings)
    await run_worker_at(edge.settings, 8 * DAY, "follow_up_emails")
    messages = outbox(edge.settings)
    assert sorted(m["X-Tag"] for m in messages) == ["follow-up", "payment-confirmation", "report-ready"]

    opened = {m["X-Tag"]: await open_each_link(page, m) for m in messages}
    assert any("/download" in link for link in opened["report-ready"])
    assert any("/unsubscribe" in link for link in opened["follow-up"])
    assert all(any(link.endswith("/imprint.html") for link in links) for links in opened.values())
    assert await unsubscribed_at(edge, sid) is not None

    await run_worker_at(edge.settings, 20 * DAY, "follow_up_emails")
    assert len(outbox(edge.settings, "follow-up")) == 1  # nothing more after unsubscribing


async def test_the_unsubscribe_page_explains_and_confirms(page: Page, edge: Edge) -> None:
    await page.goto("/unsubscribe.html")
    await expect(page.get_by_role("heading", name="Unsubscribe", exact=True)).to_be_visible()
    await expect(page.get_by_text("You are unsubscribed.")).to_be_hidden()
    await assert_accessible(page)
    await page.goto("/unsubscribe.html?done=1")  # where the edge may send a browser after the one click
    await expect(page.get_by_text("You are unsubscribed.")).to_be_visible()
    await assert_accessible(page)
    await page.goto("/api/unsubscribe?token=not-a-real-token")
    assert "not valid" in await page.content()
