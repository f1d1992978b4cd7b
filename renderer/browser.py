"""Chromium itself: launch flags, sandboxed contexts with no network, and printing one page to PDF."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from playwright.async_api import Browser, BrowserContext, Page, Playwright, Route, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

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

_HTTP_EQUIV = re.compile("http-equiv", re.IGNORECASE)

# A first print on a new page sets up Chromium's printing machinery (about 100 ms); pooled pages pay it early.
WARM_UP_HTML = "<!DOCTYPE html><title>warm-up</title><p>warm-up</p>"


@dataclass(frozen=True)
class PrintOptions:
    """What `page.pdf` writes besides the pages themselves.

    `tagged` adds a structure tree (for screen readers and reflow); `outline` adds bookmarks, which Chromium
    builds from the headings of that tree, so it needs `tagged` too. Both cost time and bytes, so drafts
    go without. https://playwright.dev/python/docs/api/class-page#page-pdf
    """

    tagged: bool = False
    outline: bool = False


PLAIN = PrintOptions()
TAGGED = PrintOptions(tagged=True, outline=True)


async def launch(playwright: Playwright, executable_path: str | None) -> Browser:
    """A headless Chromium that cannot resolve a host name or open a connection."""
    return await playwright.chromium.launch(executable_path=executable_path, args=[*CHROMIUM_ARGS, *NO_NETWORK_ARGS])


async def sandboxed_context(browser: Browser, *, javascript: bool) -> BrowserContext:
    """A context whose pages load nothing but inline `data:` resources, and run script only if asked."""
    context = await browser.new_context(
        java_script_enabled=javascript,
        service_workers="block",
        offline=True,  # emulated offline: also stops the beacons and prefetches routing misses
    )
    # Every request (http, https, file, ws) is refused; only inline data: URLs may load.
    await context.route("**/*", _allow_data_urls_only)
    await context.route_web_socket("**/*", _refuse_web_socket)
    return context


async def warm_page(context: BrowserContext, *, timeout_ms: float) -> Page:
    """A new page of the context that has printed once already."""
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    await print_pdf(page, WARM_UP_HTML)
    return page


async def print_pdf(page: Page, html: str, options: PrintOptions = PLAIN) -> bytes:
    """The document as an A4 PDF (or the size its CSS `@page` asks for)."""
    await page.set_content(html, wait_until="load")
    return await page.pdf(
        format="A4",
        print_background=True,
        prefer_css_page_size=True,
        tagged=options.tagged,
        outline=options.outline,
    )


def may_refresh(html: str) -> bool:
    """Whether a document could navigate its page later, after its job: only a `<meta http-equiv>` can.

    Pooled pages never run the document's script, so no listener, global or timer of a job survives
    `set_content` except a `<meta http-equiv="refresh">`. Attribute names are never entity-decoded, so
    this finds every one (and a few more, which only cost a reset).
    """
    return _HTTP_EQUIV.search(html) is not None


async def reset_page(page: Page, *, stop: bool) -> bool:
    """Ready a pooled page for the next job; False if the page cannot be trusted with one.

    `set_content` rewrites the document but keeps its timers, so a refresh of one job would navigate
    the page in the middle of the next: `window.stop()` cancels it (`stop`, one round trip to
    Chromium, about 10 % of the throughput when done for every job). A page that has navigated
    anywhere (an error page, a fragment) is not reused.
    """
    if stop:
        try:
            await page.evaluate("window.stop()")
        except PlaywrightError:
            return False
    return page.url == "about:blank"


async def browser_pid(browser: Browser) -> int | None:
    """The operating-system process id of Chromium's browser process."""
    session = await browser.new_browser_cdp_session()
    try:
        info = await session.send("SystemInfo.getProcessInfo")
    finally:
        await session.detach()
    return next((int(p["id"]) for p in info["processInfo"] if p["type"] == "browser"), None)


async def close_quietly(target: Browser | BrowserContext | Page) -> None:
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
