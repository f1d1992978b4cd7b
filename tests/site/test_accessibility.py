"""axe-core on every page (WCAG 2.1 A and AA), a phone's viewport, and the quiz page's weight in the browser."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.site.browsing import adopt_session, assert_accessible, completed, load_build, paid_offline
from tests.site.conftest import Edge

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
# Every page as a visitor without a session finds it: its heading, and what shows once its script has run.
PAGES = {
    "/": ("Where does AI make sense for your business?", "#sample img"),
    "/quiz.html": ("AI readiness assessment", ".q:not([hidden]) input"),
    "/results.html": ("Your AI readiness results", "#missing"),
    "/success.html?session_id=00000000-0000-4000-8000-000000000000": ("Thank you", "text=We cannot show your order"),
    "/cancel.html": ("Checkout cancelled", "#elsewhere"),
    "/unsubscribe.html": ("Unsubscribe", "main h2"),
    "/privacy.html": ("Privacy notice", "#retention"),
    "/terms.html": ("Terms", "#refunds"),
    "/imprint.html": ("Imprint", "address"),
    "/404.html": ("Page not found", "main ul"),
}


async def no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px on a phone"


async def test_every_page_passes_axe_on_a_desktop_and_fits_a_phone(
    page: Page, edge: Edge, browse: Callable[..., Awaitable[Page]]
) -> None:
    phone = await browse(edge.url, **PHONE)
    for path, (heading, ready) in PAGES.items():
        for tab in (page, phone):
            await tab.goto(path)
            await expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
            await expect(tab.locator(ready).first).to_be_visible()
            await no_sideways_scroll(tab)
        await assert_accessible(page)
    await phone.goto("/quiz.html")
    await assert_accessible(phone)


async def test_pages_with_a_session_pass_axe(page: Page, edge: Edge, browse: Callable[..., Awaitable[Page]]) -> None:
    sid, token = await completed(edge.client)
    await adopt_session(page, sid, token)
    await page.goto("/results.html?checkout=cancelled")
    await expect(page.locator("#locked li").first).to_be_visible()
    await assert_accessible(page)
    await page.goto(f"/cancel.html?session_id={sid}")
    await expect(page.get_by_role("link", name="Back to your results")).to_be_visible()
    await assert_accessible(page)

    phone = await browse(edge.url, **PHONE)
    await adopt_session(phone, sid, token)
    await phone.goto("/results.html")
    await expect(phone.locator("#locked li").first).to_be_visible()
    await no_sideways_scroll(phone)
    await assert_accessible(phone)

    paid_sid, paid_token = await paid_offline(edge.client, edge.settings)
    await adopt_session(page, paid_sid, paid_token)
    await page.goto(f"/success.html?session_id={paid_sid}")
    await expect(page.locator("#status")).to_have_text("Payment received")
    await assert_accessible(page)


async def test_the_quiz_page_weighs_at_most_60_kb(page: Page, edge: Edge, site_dist: Path) -> None:
    """HTML, CSS and script as the browser receives them, uncompressed; the build prints the same figure."""
    sizes: dict[str, int] = {}

    async def record(response: object) -> None:
        request = response.request  # type: ignore[attr-defined]
        if request.resource_type in ("document", "stylesheet", "script"):
            sizes[request.url] = len(await response.body())  # type: ignore[attr-defined]

    page.on("response", record)
    await page.goto("/quiz.html")
    await page.wait_for_load_state("networkidle")
    assert len(sizes) == 3, sizes  # one page, one stylesheet, one script: nothing else to fetch
    build = load_build()
    assert sum(sizes.values()) <= build.QUIZ_PAGE_BUDGET == 60 * 1024
    assert sum(sizes.values()) == build.page_weight(site_dist, "quiz.html").total


async def test_the_landing_page_shows_the_sample_report_and_the_prices(page: Page, edge: Edge) -> None:
    await page.goto("/")
    for tier in edge.settings.tiers:
        await expect(page.locator("#pricing")).to_contain_text(tier.name)
        await expect(page.locator("#pricing")).to_contain_text(load_build().tier_view(tier)["price"])
    previews = page.locator("#sample img")
    await previews.last.scroll_into_view_if_needed()
    await page.wait_for_function("[...document.querySelectorAll('#sample img')].every(i => i.complete)")
    widths = await previews.evaluate_all("images => images.map(i => i.naturalWidth)")
    assert len(widths) >= 2 and all(w > 0 for w in widths), widths
    href = await page.get_by_role("link", name=re.compile("Download the sample report")).get_attribute("href")
    pdf = await page.request.get(href or "")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
