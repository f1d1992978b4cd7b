"""What every job reaches: opened in the worker's on_startup, closed in on_shutdown, read through `deps(ctx)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from arq.connections import ArqRedis

from crb import embedded
from crb.db import Pool, create_pool
from crb.mail import Mailer, mailer_for
from crb.payments import PaymentGateway, gateway_for
from crb.renderer_client import RendererClient
from crb.settings import Settings
from crb.storage import ReportStore, store_for
from jobs.retry import RETRIES, RetryPolicies

Clock = Callable[[], dt.datetime]
JOB_TIMEOUT_S = 300  # no job runs longer (arq cancels it), which is what tells a lost run from a slow one


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    pool: Pool
    store: ReportStore
    mailer: Mailer
    renderer: RendererClient
    http: aiohttp.ClientSession
    redis: ArqRedis
    gateway: PaymentGateway
    clock: Clock = utc_now  # tests pass their own to walk through days
    retries: RetryPolicies = RETRIES

    def now(self) -> dt.datetime:
        return self.clock()


def deps(ctx: dict[str, Any]) -> Deps:
    found = ctx["deps"]
    assert isinstance(found, Deps)
    return found


async def open_deps(
    settings: Settings, redis: ArqRedis, clock: Clock = utc_now, retries: RetryPolicies = RETRIES
) -> Deps:
    pool = await create_pool(settings.database_url or embedded.postgres_url(settings.data_dir))
    http = aiohttp.ClientSession()
    renderer = RendererClient(settings, http)
    mailer, gateway = mailer_for(settings), gateway_for(settings)
    return Deps(settings, pool, store_for(settings), mailer, renderer, http, redis, gateway, clock, retries)


async def close_deps(found: Deps) -> None:
    await found.gateway.close()
    await found.store.close()
    await found.http.close()
    await found.pool.close()
