"""The Printer: HTML to PDF on a pool of warm, reused pages of one supervised Chromium, under a concurrency cap."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from crb.settings import RendererSettings
from renderer.assets import AssetServer, Bundle
from renderer.browser import (
    JOB_DEADLINE,
    close_quietly,
    may_refresh,
    open_url,
    print_page,
    reset_page,
    sandboxed_context,
    wait_until_true,
)
from renderer.options import PLAIN, PrintOptions
from renderer.supervisor import BrowserUnavailable, Crashed, Generation, PooledPage, Supervisor, unless_gone
from renderer.tasks import Background

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0

# What a job prints: an HTML document (set on a page as it is) or a bundle of files (loaded from its own origin).
Document = str | Bundle


class PrintError(RuntimeError):
    """Chromium could not print this document (its page crashed or refused it)."""


@dataclass(frozen=True)
class PoolLimits:
    """How many pages print at once, and when pages and the browser are replaced."""

    pages: int = field(default_factory=lambda: os.cpu_count() or 1)
    recycle_pages_after: int = 50
    restart_after_jobs: int = 500
    page_timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: RendererSettings) -> PoolLimits:
        return cls(
            pages=settings.renderer_pages,
            recycle_pages_after=settings.renderer_recycle_pages_after,
            restart_after_jobs=settings.renderer_restart_after_jobs,
            page_timeout_s=settings.renderer_job_timeout_s,
        )


@dataclass(frozen=True)
class PrinterStats:
    connected: bool
    pages: int  # the pool size, which is also the concurrency cap
    printing: int  # jobs holding a page now
    leased: int  # pages printing, or being reset after a job
    idle_pages: int
    browser_jobs: int  # jobs on the current Chromium since it was launched
    restarts: Mapping[str, int]  # by reason: "jobs" (planned) or "crash"
    pages_replaced: Mapping[str, int]  # by reason: "recycled", "failed" or "dirty"


@dataclass(eq=False)
class _Lease:
    gen: Generation
    page: PooledPage
    used: bool = False  # False for a job with JavaScript, which prints on a context of its own
    may_refresh: bool = False
    navigated: bool = False  # the job opened its bundle's origin on the page


class Printer:
    """Prints HTML to PDF on a pool of warm pages of one Chromium, at most one job per page at a time.

    Pooled pages have JavaScript off and are reused across jobs (several times faster than a fresh
    context per job: see the README's benchmark figures); a job that asks for JavaScript
    gets a fresh context of its own, closed afterwards, because scripts can leave timers and globals
    behind. A bundle's files are served to the page from memory while it prints (renderer.assets).
    Pages are given back in the background (reset, or replaced every N jobs or after a
    failure), so a response never waits for it.
    """

    def __init__(self, executable_path: str | None = None, limits: PoolLimits | None = None) -> None:
        self._limits = limits or PoolLimits()
        self._background = Background(quiet=(BrowserUnavailable,))
        self.assets = AssetServer()
        self._supervisor = Supervisor(
            executable_path,
            pages=self._limits.pages,
            restart_after_jobs=self._limits.restart_after_jobs,
            page_timeout_s=self._limits.page_timeout_s,
            background=self._background,
            assets=self.assets,
        )
        self._slots = asyncio.Semaphore(self._limits.pages)  # the concurrency cap; FIFO, so fair
        self._leased = 0
        self._printing = 0
        self._pages_replaced: Counter[str] = Counter()

    @property
    def connected(self) -> bool:
        return self._supervisor.connected

    def stats(self) -> PrinterStats:
        gen = self._supervisor.generation
        return PrinterStats(
            connected=self.connected,
            pages=self._limits.pages,
            printing=self._printing,
            leased=self._leased,
            idle_pages=len(gen.idle) if gen else 0,
            browser_jobs=gen.jobs if gen else 0,
            restarts=dict(self._supervisor.restarts),
            pages_replaced=dict(self._pages_replaced),
        )

    async def browser_pid(self) -> int | None:
        """The process id of the current Chromium, for operators and tests."""
        return await self._supervisor.browser_pid()

    async def start(self) -> None:
        """Start the Playwright driver, launch Chromium and warm the pages."""
        await self._supervisor.start()

    async def close(self) -> None:
        await self._background.close()
        await self._supervisor.close()

    async def print_html(
        self,
        html: str,
        *,
        javascript: bool = False,
        timeout_s: float | None = DEFAULT_TIMEOUT_S,
        options: PrintOptions = PLAIN,
        wait_for: str | None = None,
    ) -> bytes:
        """The document as PDF; TimeoutError after `timeout_s`, the wait for a page included.

        `wait_for` is a JavaScript expression to wait for before printing, so it needs `javascript`.
        A job that loses its Chromium to a crash is tried once more on the relaunched one.
        """
        return await self._print(html, javascript, timeout_s, options, wait_for)

    async def print_bundle(
        self,
        bundle: Bundle,
        *,
        javascript: bool = False,
        timeout_s: float | None = DEFAULT_TIMEOUT_S,
        options: PrintOptions = PLAIN,
        wait_for: str | None = None,
    ) -> bytes:
        """The bundle's `index.html` as PDF, its files served from memory; otherwise as `print_html`."""
        return await self._print(bundle, javascript, timeout_s, options, wait_for)

    async def _print(
        self, document: Document, javascript: bool, timeout_s: float | None, options: PrintOptions, wait_for: str | None
    ) -> bytes:
        if not self._supervisor.started:
            raise RuntimeError("Printer.start() has not been called")
        if wait_for is not None and not javascript:
            raise ValueError("waiting for an expression needs JavaScript")
        # A deadline of its own, or the one the caller set (renderer.state.guarded), for a wait to stop short of.
        deadline = JOB_DEADLINE.get() if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
        token = JOB_DEADLINE.set(deadline)
        try:
            async with asyncio.timeout_at(None if timeout_s is None else deadline):
                try:
                    return await self._print_once(document, javascript, options, wait_for)
                except Crashed as exc:
                    log.warning("%s during a job; trying the job once more on a new one", exc)
                try:
                    return await self._print_once(document, javascript, options, wait_for)
                except Crashed as exc:
                    raise BrowserUnavailable("Chromium went away twice during one job") from exc
        except PlaywrightTimeoutError as exc:
            raise TimeoutError("Chromium did not finish the page in time") from exc
        finally:
            JOB_DEADLINE.reset(token)

    async def _print_once(
        self, document: Document, javascript: bool, options: PrintOptions, wait_for: str | None
    ) -> bytes:
        async with self._lease() as lease:
            self._printing += 1
            try:
                if javascript:
                    work = self._print_with_script(lease.gen, document, options, wait_for)
                    return await unless_gone(lease.gen, work)
                lease.used = True
                if isinstance(document, Bundle):
                    lease.navigated = True
                else:
                    lease.may_refresh = may_refresh(document)
                return await unless_gone(lease.gen, self._print_on(lease.page.page, document, options, wait_for))
            except PlaywrightTimeoutError:
                raise
            except PlaywrightError as exc:
                if not lease.gen.browser.is_connected():
                    raise Crashed(f"Chromium (generation {lease.gen.number}) disconnected") from exc
                raise PrintError(f"Chromium failed on the document: {exc.message}") from exc
            finally:
                self._printing -= 1

    async def _print_on(self, page: Page, document: Document, options: PrintOptions, wait_for: str | None) -> bytes:
        """Load the document on the page, wait if asked, and print it."""
        if isinstance(document, str):
            await page.set_content(document, wait_until="load")
            if wait_for is not None:
                await wait_until_true(page, wait_for)
            return await print_page(page, options)
        with self.assets.serving(document) as url:
            await open_url(page, url)
            if wait_for is not None:
                await wait_until_true(page, wait_for)
            return await print_page(page, options)

    async def _print_with_script(
        self, gen: Generation, document: Document, options: PrintOptions, wait_for: str | None
    ) -> bytes:
        creating = asyncio.ensure_future(sandboxed_context(gen.browser, javascript=True, assets=self.assets))
        try:
            context = await asyncio.shield(creating)
        except asyncio.CancelledError:
            creating.add_done_callback(self._close_when_created)  # never leave a context behind
            raise
        try:
            page = await context.new_page()
            page.set_default_timeout(self._limits.page_timeout_s * 1000)
            return await self._print_on(page, document, options, wait_for)
        finally:
            self._background.spawn(close_quietly(context))

    def _close_when_created(self, task: asyncio.Future[BrowserContext]) -> None:
        if not task.cancelled() and task.exception() is None:
            self._background.spawn(close_quietly(task.result()))

    @contextlib.asynccontextmanager
    async def _lease(self) -> AsyncIterator[_Lease]:
        """A slot and a warm page of the current Chromium, given back in the background."""
        await self._slots.acquire()
        self._leased += 1
        try:
            gen = await self._supervisor.current()
            page = gen.idle.pop() if gen.idle else PooledPage(await self._supervisor.warm_page(gen))
        except BaseException:
            self._release()
            raise
        self._supervisor.check_out(gen)
        lease, ok = _Lease(gen, page), False
        try:
            yield lease
            ok = True
        finally:
            self._background.spawn(self._give_back(lease, ok))

    async def _give_back(self, lease: _Lease, ok: bool) -> None:
        """The page back in the pool, reset or replaced; only then is its slot free again."""
        gen = lease.gen
        try:
            async with asyncio.timeout(self._limits.page_timeout_s):
                page = await self._reusable(lease, ok)
            if page is not None and gen.live:
                gen.idle.append(page)
        except (PlaywrightError, TimeoutError, Crashed) as exc:
            log.warning("a pooled page was lost (%s: %s); the next job makes a new one", type(exc).__name__, exc)
        finally:
            self._supervisor.check_in(gen)
            self._release()

    async def _reusable(self, lease: _Lease, ok: bool) -> PooledPage | None:
        """The leased page, reset for the next job, or a fresh one in its place."""
        gen, page = lease.gen, lease.page
        if not gen.live:
            return None  # closed with its browser
        if not lease.used:
            return page
        page.jobs += 1
        reason = None
        if not ok:
            reason = "failed"
        elif page.jobs >= self._limits.recycle_pages_after:
            reason = "recycled"
        elif not await reset_page(page.page, stop=lease.may_refresh, navigated=lease.navigated):
            reason = "dirty"
        if reason is None:
            return page
        self._pages_replaced[reason] += 1
        await close_quietly(page.page)
        return PooledPage(await self._supervisor.warm_page(gen)) if gen.live else None

    def _release(self) -> None:
        self._leased -= 1
        self._slots.release()
