"""The one headless Chromium of a renderer process: HTML in, PDF out, with no network at all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from playwright.async_api import (
    Browser,
    BrowserContext,
    Playwright,
    Route,
    WebSocketRoute,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0

# Keep Chromium from phoning home on its own (updates, sync, field trials) and fit it to a container.
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--no-sandbox",
)

# Below Playwright's request routing, so that what routing cannot see (preconnect, prefetch, beacons,
# WebRTC) cannot reach a network either: every host name and IP resolves to nothing, every connection
# goes to a proxy that does not exist, and WebRTC may only use that proxy. Measured in
# tests/renderer/test_app.py with a TCP and a UDP canary.
NO_NETWORK_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://proxy.invalid:1",
    "--proxy-bypass-list=<-loopback>",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)


class Printer:
    """Owns one Chromium, prints each job in a fresh context, and relaunches it after a disconnect.

    A fresh context per job keeps jobs apart (no cookies, storage or JavaScript setting shared) at
    the cost of a few hundred milliseconds; see /work/shared/research/engineering-facts.md.
    """

    def __init__(self, executable_path: str | None = None, *, concurrency: int | None = None) -> None:
        self._executable_path = executable_path
        self._slots = asyncio.Semaphore(concurrency or os.cpu_count() or 1)
        self._launch_lock = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    @property
    def connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def start(self) -> None:
        """Start the Playwright driver and launch Chromium."""
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        await self._ensure_browser()

    async def close(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        if browser is not None:
            await _close_quietly(browser)
        if playwright is not None:
            await playwright.stop()

    async def print_html(self, html: str, *, javascript: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
        """The document as an A4 PDF; TimeoutError after `timeout_s`, the wait for a slot included."""
        try:
            async with asyncio.timeout(timeout_s), self._slots:
                context = await self._new_context(javascript=javascript)
                try:
                    return await _print(context, html, timeout_ms=timeout_s * 1000)
                finally:
                    # Shielded, so that a timeout in the middle of closing cannot leave it open.
                    await asyncio.shield(_close_quietly(context))
        except PlaywrightTimeoutError as exc:
            raise TimeoutError(f"printing took longer than {timeout_s:g} s") from exc

    async def _new_context(self, *, javascript: bool) -> BrowserContext:
        browser = await self._ensure_browser()
        return await browser.new_context(
            java_script_enabled=javascript,
            service_workers="block",
            offline=True,  # emulated offline: also stops the beacons and prefetches routing misses
        )

    async def _ensure_browser(self) -> Browser:
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._playwright is None:
                raise RuntimeError("Printer.start() has not been called")
            if self._browser is not None:
                log.warning("Chromium disconnected; launching a new one")
                await _close_quietly(self._browser)
            self._browser = await self._playwright.chromium.launch(
                executable_path=self._executable_path,
                args=[*CHROMIUM_ARGS, *NO_NETWORK_ARGS],
            )
            log.info("Chromium %s launched", self._browser.version)
            return self._browser


async def _print(context: BrowserContext, html: str, *, timeout_ms: float) -> bytes:
    # Every request (http, https, file, ws) is refused; only inline data: URLs may load.
    await context.route("**/*", _allow_data_urls_only)
    await context.route_web_socket("**/*", _refuse_web_socket)
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    await page.set_content(html, wait_until="load")
    return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)


async def _close_quietly(target: Browser | BrowserContext) -> None:
    with contextlib.suppress(PlaywrightError):
        await target.close()


async def _allow_data_urls_only(route: Route) -> None:
    if route.request.url.startswith("data:"):
        await route.continue_()
    else:
        await route.abort("blockedbyclient")


async def _refuse_web_socket(ws: WebSocketRoute) -> None:
    # Not calling ws.connect_to_server() means no connection is ever made.
    await ws.close(code=1008, reason="network access is disabled")
