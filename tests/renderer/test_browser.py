"""Chromium's own pieces against a real browser: resetting a pooled page, and finding the browser process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from crb.settings import RendererSettings
from renderer.assets import AssetServer
from renderer.browser import browser_pid, launch, may_refresh, reset_page, sandboxed_context

pytestmark = pytest.mark.browser

# Chromium would navigate to this after two seconds (delays are whole seconds): to an error page, as the
# network is blocked.
REFRESH = '<meta http-equiv="refresh" content="2;url=http://127.0.0.1:9/"><p>refreshing</p>'


@pytest.mark.parametrize(
    ("html", "refreshes"),
    [
        ('<meta http-equiv="refresh" content="5">', True),
        ("<META HTTP-EQUIV=Refresh CONTENT=5>", True),
        ('<meta http-equiv="&#114;efresh" content="5">', True),  # values may be entity-encoded, names not
        ("<p>refresh the page</p>", False),
        ("<p>plain</p>", False),
    ],
)
def test_may_refresh_finds_every_meta_http_equiv(html: str, refreshes: bool) -> None:
    assert may_refresh(html) is refreshes


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    settings = RendererSettings.from_env({"RENDERER_TOKEN": "t"})
    async with async_playwright() as playwright:
        browser = await launch(playwright, settings.chromium_path)
        yield browser
        await browser.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await sandboxed_context(browser, javascript=False, assets=AssetServer())
    yield context
    await context.close()


async def test_reset_cancels_a_refresh_that_would_hit_the_next_job(context: BrowserContext) -> None:
    kept, control = await context.new_page(), await context.new_page()
    for page in (kept, control):
        await page.set_content(REFRESH)

    assert await reset_page(kept, stop=True)
    await asyncio.sleep(2.5)

    assert kept.url == "about:blank"
    assert control.url != "about:blank"  # what an unreset page would have done in the middle of a job


async def test_a_page_that_navigated_away_is_not_reused(context: BrowserContext) -> None:
    page = await context.new_page()
    await page.set_content('<meta http-equiv="refresh" content="0;url=about:blank#elsewhere">')
    await page.wait_for_url("about:blank#elsewhere")

    assert not await reset_page(page, stop=False)  # the address alone gives it away
    assert not await reset_page(page, stop=True)


async def test_browser_pid_is_the_chromium_process(browser: Browser) -> None:
    pid = await browser_pid(browser)

    assert pid is not None
    command = _command_line(pid)
    assert b"chromium" in command[0]
    assert not any(arg.startswith(b"--type=") for arg in command)  # the browser, not a renderer or GPU child


def _command_line(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
