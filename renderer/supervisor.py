"""Keeps one Chromium running: launched with warm pages, relaunched after a crash, restarted after N jobs."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from renderer.assets import AssetServer
from renderer.browser import browser_pid, close_quietly, launch, sandboxed_context, warm_page
from renderer.tasks import Background

log = logging.getLogger(__name__)

LAUNCH_TIMEOUT_S = 30.0

T = TypeVar("T")


class BrowserUnavailable(RuntimeError):
    """Chromium is down and could not be brought back for this job."""


class Crashed(Exception):
    """Chromium went away in the middle of a job."""


@dataclass(eq=False)
class PooledPage:
    page: Page
    jobs: int = 0


@dataclass(eq=False)
class Generation:
    """One launched Chromium, its JavaScript-free context and its idle pooled pages."""

    number: int
    browser: Browser
    context: BrowserContext
    idle: list[PooledPage] = field(default_factory=list)
    jobs: int = 0  # jobs started on it
    busy: int = 0  # jobs on it now, their pages' resets included
    crashed: bool = False
    retiring: bool = False
    drained: asyncio.Event = field(default_factory=asyncio.Event)  # set while busy == 0
    gone: asyncio.Event = field(default_factory=asyncio.Event)  # set when Chromium disconnects

    @property
    def live(self) -> bool:
        return not (self.crashed or self.retiring) and self.browser.is_connected()


class Supervisor:
    """Owns the Playwright driver and the current Chromium generation; every job asks it which one to use."""

    def __init__(
        self,
        executable_path: str | None,
        *,
        pages: int,
        restart_after_jobs: int,
        page_timeout_s: float,
        background: Background,
        assets: AssetServer,
    ) -> None:
        self._executable_path = executable_path
        self._assets = assets
        self._pages = pages
        self._restart_after_jobs = restart_after_jobs
        self._page_timeout_ms = page_timeout_s * 1000
        self._background = background
        self._ready = asyncio.Event()  # cleared while a planned restart waits for running jobs
        self._lock = asyncio.Lock()
        self._numbers = itertools.count(1)
        self._playwright: Playwright | None = None
        self._gen: Generation | None = None
        self._replacing: asyncio.Task[Generation] | None = None
        self._closed = False
        self.restarts: Counter[str] = Counter()

    @property
    def started(self) -> bool:
        return self._playwright is not None or self._closed

    @property
    def generation(self) -> Generation | None:
        return self._gen

    @property
    def connected(self) -> bool:
        return self._gen is not None and self._gen.live

    async def browser_pid(self) -> int | None:
        return await browser_pid(self._gen.browser) if self._gen else None

    async def start(self) -> None:
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        await self._replacement(None, None)
        self._ready.set()

    async def close(self) -> None:
        """Stop Chromium and the driver; jobs still waiting fail with BrowserUnavailable."""
        self._closed = True
        self._ready.set()
        gen, playwright = self._gen, self._playwright
        self._gen = self._playwright = None
        if gen is not None:
            gen.retiring = True
            await close_quietly(gen.browser)
        if playwright is not None:
            await playwright.stop()

    async def current(self) -> Generation:
        """The Chromium to print on: waits out a planned restart, relaunches after a crash."""
        while True:
            await self._ready.wait()
            gen = self._gen
            if self._closed:
                raise BrowserUnavailable("the renderer is shutting down")
            if gen is not None and gen.retiring and not gen.crashed:
                continue  # a planned restart began after this job woke up
            if gen is None or not gen.live:
                gen = await asyncio.shield(self._replacement(gen, "crash"))
            return gen

    def check_out(self, gen: Generation) -> None:
        """A job starts on `gen`; the job that reaches the limit is its last one."""
        gen.jobs += 1
        gen.busy += 1
        gen.drained.clear()
        if gen.jobs >= self._restart_after_jobs and gen.live:
            gen.retiring = True
            self._ready.clear()
            self._background.spawn(self._planned_restart(gen))

    def check_in(self, gen: Generation) -> None:
        gen.busy -= 1
        if gen.busy == 0:
            gen.drained.set()

    async def warm_page(self, gen: Generation) -> Page:
        return await unless_gone(gen, warm_page(gen.context, timeout_ms=self._page_timeout_ms))

    async def _planned_restart(self, gen: Generation) -> None:
        try:
            await gen.drained.wait()  # the jobs already running on it finish first
            while self._gen is gen:  # normally once; a crash relaunch may have been under way
                await self._replacement(gen, "jobs")
        finally:
            self._ready.set()

    def _replacement(self, old: Generation | None, reason: str | None) -> asyncio.Task[Generation]:
        """The one task that replaces `old` with a new Chromium, shared by every job that needs it."""
        if self._replacing is None or self._replacing.done():
            self._replacing = self._background.spawn(self._replace(old, reason))
        return self._replacing

    async def _replace(self, old: Generation | None, reason: str | None) -> Generation:
        async with self._lock:
            current = self._gen
            if current is not None and current is not old and current.live:
                return current
            if old is not None:
                old.retiring = True
                await close_quietly(old.browser)  # ends whatever still runs on it
            self._gen = None
            try:
                self._gen = await self._launch()
            except Exception as exc:
                where = self._executable_path or "Playwright's own"
                log.exception("could not launch Chromium (%s); CHROMIUM_PATH names the binary", where)
                raise BrowserUnavailable("Chromium could not be started") from exc
            if reason is not None:
                self.restarts[reason] += 1
                log.info("Chromium restarted (%s) as generation %d", reason, self._gen.number)
            return self._gen

    async def _launch(self) -> Generation:
        if self._playwright is None:
            raise RuntimeError("Printer.start() has not been called")
        browser = await launch(self._playwright, self._executable_path)
        try:
            async with asyncio.timeout(LAUNCH_TIMEOUT_S):
                context = await sandboxed_context(browser, javascript=False, assets=self._assets)
                gen = Generation(next(self._numbers), browser, context)
                browser.on("disconnected", lambda _: self._on_disconnected(gen))
                pages = await asyncio.gather(*(self.warm_page(gen) for _ in range(self._pages)))
        except BaseException:
            await close_quietly(browser)
            raise
        gen.idle.extend(PooledPage(page) for page in pages)
        gen.drained.set()
        log.info("Chromium %s launched with %d warm pages", browser.version, len(pages))
        return gen

    def _on_disconnected(self, gen: Generation) -> None:
        gen.gone.set()
        if gen.retiring or self._closed:
            return
        gen.crashed = True
        log.error("Chromium (generation %d) disconnected unexpectedly; launching a new one", gen.number)
        if self._gen is gen:
            self._replacement(gen, "crash")


async def unless_gone(gen: Generation, work: Awaitable[T]) -> T:
    """The work's result, or Crashed as soon as Chromium disconnects: some Playwright calls never return then."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(gen.gone.wait())
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not task.done():
            task.cancel()
            task.add_done_callback(_ignore_outcome)
    if task.done():
        return task.result()
    raise Crashed(f"Chromium (generation {gen.number}) disconnected")


def _ignore_outcome(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so that asyncio does not log it: the job has failed already
