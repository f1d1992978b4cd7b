"""The site in a real browser: the built pages on a real edge, with the real renderer and worker behind it.

One Chromium (Debian's, driven by Playwright) serves the whole run; each test gets a fresh browser context,
so no test sees another's localStorage.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from crb.settings import Settings, SiteSettings
from edge import site as edge_site
from renderer.browser import CHROMIUM_ARGS
from tests.conftest import RENDERER_TOKEN
from tests.journey import Client, EdgeClient
from tests.site.browsing import SAMPLE_ANSWERS, load_build, report_data, watch


@dataclasses.dataclass(frozen=True)
class Edge:
    client: Client
    settings: Settings

    @property
    def url(self) -> str:
        return self.settings.public_base_url


@pytest.fixture(scope="session")
async def sample_pdf(renderer_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The landing page's sample report, printed by the real renderer service (already warm for the run)."""
    body = report_data(SAMPLE_ANSWERS).model_dump_json()
    headers = {"Authorization": f"Bearer {RENDERER_TOKEN}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{renderer_url}/v1/reports", data=body, headers=headers) as r,
    ):
        assert r.status == 200, await r.text()
        pdf = await r.read()
    path = tmp_path_factory.mktemp("sample") / "sample.pdf"
    path.write_bytes(pdf)
    return path


@pytest.fixture(scope="session")
def build_settings() -> SiteSettings:
    return SiteSettings.from_env({})


@pytest.fixture(scope="session")
async def site_dist(tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path, build_settings: SiteSettings) -> Path:
    """The site built once for the run, same-origin, as `make site` builds it."""
    out = tmp_path_factory.mktemp("dist")
    await asyncio.to_thread(load_build().build, out, settings=build_settings, sample_pdf=sample_pdf)
    return out


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    chromium = SiteSettings.from_env({}).chromium_path
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
def edge_env() -> dict[str, str]:
    """Extra environment for the `edge` fixture; a test overrides it with `@pytest.mark.parametrize`."""
    return {}


@pytest.fixture
async def edge(
    edge_client: EdgeClient,
    renderer_url: str,
    site_dist: Path,
    monkeypatch: pytest.MonkeyPatch,
    edge_env: dict[str, str],
) -> Edge:
    """The edge serving the built site: offline payments, local storage and the `.eml` outbox by default."""
    monkeypatch.setattr(edge_site, "SITE_DIST", site_dist)
    client, settings = await edge_client(**{"RENDERER_URL": renderer_url, **edge_env})
    return Edge(client, settings)


async def open_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    options = {"viewport": {"width": 1100, "height": 900}, **options}
    ctx = await browser.new_context(base_url=base_url, accept_downloads=True, **options)
    ctx.set_default_timeout(15_000)
    return ctx


@pytest.fixture
async def context(browser: Browser, edge: Edge) -> AsyncIterator[BrowserContext]:
    ctx = await open_context(browser, edge.url)
    yield ctx
    await ctx.close()


@pytest.fixture
async def browse(browser: Browser) -> AsyncIterator[Callable[..., Awaitable[Page]]]:
    """Watched pages in contexts of their own, on any base URL (another origin, a phone's viewport)."""
    opened: list[tuple[BrowserContext, list[str]]] = []

    async def open_page(base_url: str, **options: Any) -> Page:
        ctx = await open_context(browser, base_url, **options)
        page = await ctx.new_page()
        opened.append((ctx, watch(page)))
        return page

    yield open_page
    for ctx, _ in opened:
        await ctx.close()
    assert [p for _, problems in opened for p in problems] == []


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page whose script errors and Content-Security-Policy refusals fail the test."""
    opened = await context.new_page()
    problems = watch(opened)
    yield opened
    assert problems == []


@pytest.fixture
async def new_page(context: BrowserContext) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """More tabs of the same browser, watched like the first."""
    watched: list[list[str]] = []

    async def open_page() -> Page:
        opened = await context.new_page()
        watched.append(watch(opened))
        return opened

    yield open_page
    assert [p for problems in watched for p in problems] == []
