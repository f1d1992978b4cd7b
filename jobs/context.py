"""What every job reaches: opened in the worker's on_startup, closed in on_shutdown, read through `deps(ctx)`."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from arq.connections import ArqRedis

from crb import embedded
from crb.db import Pool, create_pool
from crb.mail import Mailer, mailer_for
from crb.payments import PaymentGateway, gateway_for
from crb.renderer_client import RendererClient, ReportRenderer
from crb.settings import Settings
from crb.storage import ReportStore, store_for
from jobs.retry import RETRIES, RetryPolicies

Clock = Callable[[], dt.datetime]
JOB_TIMEOUT_S = 300  # no job runs longer (arq cancels it), which is what tells a lost run from a slow one


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RecentPdfs:
    """The last few PDFs this worker rendered or read, by storage path, so that the report email attaches the
    bytes just rendered instead of downloading them again (a path's content never changes). Bounded: a worker
    that did not render it, or rendered many since, downloads it."""

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._pdfs: OrderedDict[str, bytes] = OrderedDict()

    def add(self, path: str, pdf: bytes) -> None:
        self._pdfs[path] = pdf
        self._pdfs.move_to_end(path)
        while len(self._pdfs) > self._keep:
            self._pdfs.popitem(last=False)

    def get(self, path: str) -> bytes | None:
        return self._pdfs.get(path)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    pool: Pool
    store: ReportStore
    mailer: Mailer
    renderer: ReportRenderer
    http: aiohttp.ClientSession
    redis: ArqRedis
    gateway: PaymentGateway
    clock: Clock = utc_now  # tests pass their own to walk through days
    retries: RetryPolicies = RETRIES
    recent_pdfs: RecentPdfs = field(default_factory=RecentPdfs)

    def now(self) -> dt.datetime:
        return self.clock()


def deps(ctx: dict[str, Any]) -> Deps:
    found = ctx["deps"]
    assert isinstance(found, Deps)
    return found


async def open_deps(
    settings: Settings,
    redis: ArqRedis,
    clock: Clock = utc_now,
    retries: RetryPolicies = RETRIES,
    renderer: ReportRenderer | None = None,
) -> Deps:
    """The real adapters for `settings`; `renderer` replaces the renderer service (tests pass an in-process one)."""
    pool = await create_pool(settings.database_url or embedded.postgres_url(settings.data_dir))
    http = aiohttp.ClientSession()
    renderer = renderer or RendererClient(settings, http)
    mailer, gateway = mailer_for(settings), gateway_for(settings)
    return Deps(settings, pool, store_for(settings), mailer, renderer, http, redis, gateway, clock, retries)


async def close_deps(found: Deps) -> None:
    await found.gateway.close()
    await found.store.close()
    await found.http.close()
    await found.pool.close()
