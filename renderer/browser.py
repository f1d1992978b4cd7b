"""Chromium itself: launch flags, sandboxed contexts with no network, and loading and printing one page to PDF."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re

from playwright.async_api import Browser, BrowserContext, Page, Playwright, WebSocketRoute
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from renderer.assets import AssetServer
from renderer.options import PLAIN, PrintOptions

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


class DocumentError(ValueError):
    """The document cannot be printed as asked, for a reason its sender can fix (the message says which)."""


# Chromium's refusals of a print that the request caused (Page.printToPDF's error messages), and what to tell
# the client; the options are checked beforehand (renderer.options), so these are what no check can foresee.
_REFUSALS = {
    "Page range exceeds page count": "nativePageRanges: the document has no page in the ranges asked for",
    "invalid print parameters": "the paper, margins and CSS page size leave no room for the content",
}
_TEMPLATE_FAILED = "the header or footer template could not be printed: it may load nothing but data: URLs"


async def launch(playwright: Playwright, executable_path: str | None) -> Browser:
    """A headless Chromium that cannot resolve a host name or open a connection."""
    return await playwright.chromium.launch(executable_path=executable_path, args=[*CHROMIUM_ARGS, *NO_NETWORK_ARGS])


async def sandboxed_context(browser: Browser, *, javascript: bool, assets: AssetServer) -> BrowserContext:
    """A context whose pages load nothing but inline `data:` resources and the files of their own job, and run
    script only if asked."""
    context = await browser.new_context(
        java_script_enabled=javascript,
        service_workers="block",
        offline=True,  # emulated offline: also stops the beacons and prefetches routing misses
    )
    # Every request (http, https, file, ws) is refused but inline data: URLs and a job's files (renderer.assets).
    await context.route("**/*", assets.route)
    await context.route_web_socket("**/*", _refuse_web_socket)
    return context


async def warm_page(context: BrowserContext, *, timeout_ms: float) -> Page:
    """A new page of the context that has printed once already."""
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    await print_pdf(page, WARM_UP_HTML)
    return page


async def print_pdf(page: Page, html: str, options: PrintOptions = PLAIN) -> bytes:
    """The document as PDF: A4 (or the size its CSS `@page` asks for) unless the options say otherwise."""
    await page.set_content(html, wait_until="load")
    return await print_page(page, options)


async def open_url(page: Page, url: str) -> None:
    """Load a job's `index.html` from its own origin (renderer.assets), with everything it refers to."""
    await page.goto(url, wait_until="load")


# When the job in this task must be done (the event loop's clock), set by the pool: a wait for an expression
# gives up a little before it, so that an expression that never comes true is the document's fault (a 400),
# not the renderer running out of time (a 504).
JOB_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("job_deadline", default=None)
WAIT_MARGIN_S = 1.0


async def wait_until_true(page: Page, expression: str) -> None:
    """Wait until the document's JavaScript `expression` is truthy (Gotenberg's `waitForExpression`)."""
    deadline = JOB_DEADLINE.get()
    left_s = None if deadline is None else max(0.1, deadline - asyncio.get_running_loop().time() - WAIT_MARGIN_S)
    try:
        await page.wait_for_function(expression, timeout=None if left_s is None else left_s * 1000)
    except PlaywrightTimeoutError as exc:
        if left_s is None:
            raise
        raise DocumentError(f"waitForExpression: the expression was still false after {left_s:.0f} s") from exc
    except PlaywrightError as exc:
        if page.is_closed():
            raise
        first_line = exc.message.splitlines()[0] if exc.message else "it failed"
        raise DocumentError(f"waitForExpression: the expression cannot be evaluated: {first_line}") from exc


async def print_page(page: Page, options: PrintOptions = PLAIN) -> bytes:
    """The loaded page as PDF; DocumentError when Chromium refuses the print for a reason the request caused."""
    try:
        return await page.pdf(**options.pdf_arguments())
    except PlaywrightTimeoutError:
        raise
    except PlaywrightError as exc:
        for refusal, message in _REFUSALS.items():
            if refusal in exc.message:
                raise DocumentError(message) from exc
        if "Printing failed" in exc.message and options.has_header_footer:
            raise DocumentError(_TEMPLATE_FAILED) from exc
        raise


def may_refresh(html: str) -> bool:
    """Whether a document could navigate its page later, after its job: only a `<meta http-equiv>` can.

    Pooled pages never run the document's script, so no listener, global or timer of a job survives
    `set_content` except a `<meta http-equiv="refresh">`. Attribute names are never entity-decoded, so
    this finds every one (and a few more, which only cost a reset).
    """
    return _HTTP_EQUIV.search(html) is not None


async def reset_page(page: Page, *, stop: bool, navigated: bool = False) -> bool:
    """Ready a pooled page for the next job; False if the page cannot be trusted with one.

    `set_content` rewrites the document but keeps its timers, so a refresh of one job would navigate
    the page in the middle of the next: `window.stop()` cancels it (`stop`, one round trip to
    Chromium, about 10 % of the throughput when done for every job). A page the job itself opened at
    its files' origin (`navigated`) goes back to a new, empty `about:blank` document, which drops that
    document's timers too. A page that has navigated anywhere else (an error page, a fragment) is not reused.
    """
    if navigated:
        try:
            await page.goto("about:blank")
        except PlaywrightError:
            return False
    elif stop:
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


async def _refuse_web_socket(ws: WebSocketRoute) -> None:
    # Not calling ws.connect_to_server() means no connection is ever made.
    await ws.close(code=1008, reason="network access is disabled")
