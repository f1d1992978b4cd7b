"""What every job reaches: the recent PDFs kept in memory, the real adapters `open_deps` builds, and `deps(ctx)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from crb.mail import OutboxMailer
from crb.payments import OfflineGateway
from crb.renderer_client import RenderedPdf, RendererClient, RendererError
from crb.report import ReportData
from crb.settings import Settings
from crb.storage import LocalStore
from jobs.context import Deps, RecentPdfs, close_deps, deps, open_deps, utc_now
from jobs.retry import RETRIES

# RecentPdfs


def test_a_pdf_added_is_there_by_its_path_and_another_is_not() -> None:
    recent = RecentPdfs()
    recent.add("s1/r1.pdf", b"%PDF-1")
    assert recent.get("s1/r1.pdf") == b"%PDF-1"
    assert recent.get("s1/r2.pdf") is None


def test_eight_are_kept_by_default_and_the_oldest_goes_first() -> None:
    recent = RecentPdfs()
    for i in range(9):
        recent.add(f"s/{i}.pdf", bytes([i]))
    assert recent.get("s/0.pdf") is None
    assert [recent.get(f"s/{i}.pdf") for i in range(1, 9)] == [bytes([i]) for i in range(1, 9)]


@pytest.mark.parametrize("keep", [1, 2, 5])
def test_no_more_than_keep_are_kept_the_latest_ones(keep: int) -> None:
    recent = RecentPdfs(keep=keep)
    paths = [f"s/{i}.pdf" for i in range(keep + 3)]
    for path in paths:
        recent.add(path, path.encode())
    assert [p for p in paths if recent.get(p) is not None] == paths[-keep:]


def test_adding_a_path_again_makes_it_the_latest_with_the_new_bytes() -> None:
    recent = RecentPdfs(keep=2)
    recent.add("a.pdf", b"first")
    recent.add("b.pdf", b"b")
    recent.add("a.pdf", b"again")  # rendered again (or read from the store): the newest now
    recent.add("c.pdf", b"c")
    assert (recent.get("a.pdf"), recent.get("b.pdf"), recent.get("c.pdf")) == (b"again", None, b"c")


def test_keeping_none_keeps_nothing() -> None:
    recent = RecentPdfs(keep=0)
    recent.add("a.pdf", b"%PDF")
    assert recent.get("a.pdf") is None


# open_deps, deps and close_deps


class StandInRenderer:
    """A `ReportRenderer` in place of the renderer service; nothing here asks it for a PDF."""

    async def render(self, report: ReportData) -> RenderedPdf:
        raise RendererError("no report is rendered in these tests")


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture
async def opened(make_settings: Callable[..., Settings], redis: ArqRedis) -> AsyncIterator[Deps]:
    found = await open_deps(make_settings(), redis)
    yield found
    await close_deps(found)


async def test_open_deps_opens_the_adapters_settings_choose(opened: Deps, redis: ArqRedis) -> None:
    assert opened.redis is redis
    assert await opened.pool.fetchval("select count(*) from job_runs") == 0  # the settings' own database
    # No Postmark, Stripe or Supabase configured: the local stand-ins, chosen in one place each.
    assert isinstance(opened.mailer, OutboxMailer)
    assert isinstance(opened.gateway, OfflineGateway)
    assert isinstance(opened.store, LocalStore)
    assert isinstance(opened.renderer, RendererClient)  # the renderer service, over HTTP
    assert not opened.http.closed
    assert opened.retries == RETRIES
    assert opened.recent_pdfs.get("anything.pdf") is None


async def test_the_clock_and_the_renderer_given_are_the_ones_jobs_use(
    make_settings: Callable[..., Settings], redis: ArqRedis
) -> None:
    moments = iter([dt.datetime(2025, 3, 14, 9, tzinfo=dt.UTC), dt.datetime(2025, 3, 15, 9, tzinfo=dt.UTC)])
    renderer = StandInRenderer()
    found = await open_deps(make_settings(), redis, clock=lambda: next(moments), renderer=renderer)
    try:
        assert found.renderer is renderer
        assert [found.now(), found.now()] == [dt.datetime(2025, 3, d, 9, tzinfo=dt.UTC) for d in (14, 15)]
    finally:
        await close_deps(found)


async def test_without_a_clock_now_is_the_utc_time(opened: Deps) -> None:
    before = dt.datetime.now(dt.UTC)
    now = opened.now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)
    assert before <= now <= utc_now()


async def test_each_deps_has_its_own_recent_pdfs(opened: Deps, make_settings: Callable[..., Settings]) -> None:
    other = Deps(
        make_settings(),
        opened.pool,
        opened.store,
        opened.mailer,
        opened.renderer,
        opened.http,
        opened.redis,
        opened.gateway,
    )
    opened.recent_pdfs.add("s/r.pdf", b"%PDF")
    assert other.recent_pdfs.get("s/r.pdf") is None


async def test_deps_reads_the_context_on_startup_filled(opened: Deps) -> None:
    ctx: dict[str, Any] = {"redis": opened.redis, "job_try": 1, "deps": opened}
    assert deps(ctx) is opened


def test_a_context_without_deps_fails_at_once() -> None:
    with pytest.raises(KeyError, match="deps"):
        deps({"redis": None})


@pytest.mark.parametrize("wrong", [None, {"pool": None}, "deps"])
def test_a_context_whose_deps_are_something_else_fails_at_once(wrong: object) -> None:
    with pytest.raises(AssertionError):
        deps({"deps": wrong})


async def test_close_deps_closes_the_pool_and_the_http_session(
    make_settings: Callable[..., Settings], redis: ArqRedis
) -> None:
    found = await open_deps(make_settings(), redis)
    await close_deps(found)
    assert found.http.closed
    assert found.pool.is_closing()
    assert await redis.ping()  # the worker's Redis is arq's to close, not ours
