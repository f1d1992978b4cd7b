"""The worker's jobs through outages: the database or Redis away is a retry, never a final failure, and a
report committed as ready stays ready when Redis cannot take its email job at once."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from arq import Retry, create_pool
from arq.connections import RedisSettings

from crb import embedded
from crb.settings import Settings
from jobs.context import close_deps, open_deps
from jobs.reports import generate_report
from tests.conftest import TEST_SECRET_KEY, base_url, serve
from tests.fakes.renderer import FakeRenderer
from tests.jobs.running import run_jobs
from tests.journey import EdgeClient, checkout, completed_session
from tests.outages import database_down

ROOT = Path(__file__).parents[2]


async def paid_report(edge_client: EdgeClient, **env: str) -> tuple[Settings, uuid.UUID, uuid.UUID]:
    """A session paid through the offline checkout, with its report waiting: (settings, session id, report id)."""
    client, settings = await edge_client(**env)
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token))["url"].removeprefix(settings.public_base_url)
    assert (await client.post(page + "/pay", headers={"Accept": "application/json"})).status == 200
    conn = await asyncpg.connect(settings.database_url)
    try:
        report_id = await conn.fetchval("select id from reports where session_id = $1", uuid.UUID(sid))
    finally:
        await conn.close()
    return settings, uuid.UUID(sid), report_id


async def state(settings: Settings, sid: uuid.UUID) -> tuple[str, str]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        row = await conn.fetchrow(
            "select s.status, r.status as report from quiz_sessions s join reports r on r.session_id = s.id"
            " where s.id = $1",
            sid,
        )
        return row["status"], row["report"]
    finally:
        await conn.close()


async def test_the_database_away_during_a_report_job_is_a_retry_and_it_is_delivered_once_back(
    edge_client: EdgeClient, postgres_admin: str, database_url: str
) -> None:
    settings, sid, report_id = await paid_report(edge_client)
    assert settings.redis_url
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name)
    deps = await open_deps(settings, redis, renderer=FakeRenderer())
    try:
        await database_down(postgres_admin, database_url, down=True)
        try:
            with pytest.raises(Retry):  # arq tries it again later: no final failure, no failure email
                await generate_report({"deps": deps, "job_try": 1}, str(report_id))
        finally:
            await database_down(postgres_admin, database_url, down=False)
    finally:
        await close_deps(deps)
        await redis.aclose()
    await run_jobs(settings, ("generate_report", str(report_id)), renderer=FakeRenderer())
    assert await state(settings, sid) == ("delivered", "ready")


async def test_redis_away_after_a_report_is_ready_keeps_it_ready_and_its_email_follows(
    edge_client: EdgeClient, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    own = embedded.start_redis(tmp_path, persist=False)
    try:
        settings, sid, report_id = await paid_report(edge_client, REDIS_URL=own.url)
        redis = await create_pool(RedisSettings.from_dsn(own.url), default_queue_name=settings.queue_name)
        deps = await open_deps(settings, redis, renderer=FakeRenderer())
        try:
            own.stop()
            outcome = await generate_report({"deps": deps, "job_try": 1}, str(report_id))
        finally:
            await close_deps(deps)
            await redis.aclose()
        assert outcome == "ready"
        assert await state(settings, sid) == ("delivered", "ready")
        own = embedded.start_redis(tmp_path, persist=False)
        await run_jobs(settings, renderer=FakeRenderer())  # the relay's run at start-up hands the email over
        emails = sorted(p.name.split("-", 1)[1] for p in (settings.data_dir / "outbox").glob("*.eml"))
        assert any("report-ready" in name for name in emails), emails
    finally:
        own.stop()


async def test_a_worker_killed_mid_job_hands_it_on_within_its_lease(
    edge_client: EdgeClient, tmp_path: Path, database_url: str
) -> None:
    """The worker dies (SIGKILL) while its renderer call hangs: another worker takes the job once the lock's
    lease lapses (seconds), not after arq's job timeout (minutes)."""
    called = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        called.set()
        await asyncio.sleep(3600)
        raise AssertionError("never answered")

    renderer = web.Application()
    renderer.router.add_post("/v1/reports", hang)
    server = await serve(renderer)
    own = embedded.start_redis(tmp_path / "redis", persist=False)
    worker: asyncio.subprocess.Process | None = None
    try:
        settings, sid, report_id = await paid_report(edge_client, REDIS_URL=own.url)
        settings = dataclasses.replace(settings, queue_name="arq:queue")  # what `python -m jobs` reads
        redis = await create_pool(RedisSettings.from_dsn(own.url), default_queue_name=settings.queue_name)
        await redis.enqueue_job("generate_report", str(report_id), _job_id=f"killed:{report_id}")
        await redis.aclose()
        env = {**os.environ, "DATA_DIR": str(settings.data_dir), "DATABASE_URL": database_url}
        env |= {"REDIS_URL": own.url, "SECRET_KEY": TEST_SECRET_KEY, "RENDERER_URL": base_url(server)}
        worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "jobs", env=env, cwd=ROOT)
        async with asyncio.timeout(60):
            await called.wait()  # the job is running, its lock held
        worker.kill()
        await worker.wait()
        async with asyncio.timeout(60):  # arq's own lock would hold the job for its timeout plus 10 s (310 s)
            await run_jobs(settings, renderer=FakeRenderer())
        assert await state(settings, sid) == ("delivered", "ready")
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
        await server.close()
        own.stop()


async def test_jobs_redis_lost_with_its_data_are_handed_over_again_at_once(
    edge_client: EdgeClient, tmp_path: Path
) -> None:
    """Redis restarts empty after the payment's jobs were relayed to it: the worker's first relay sees its
    marker gone and hands them over again, so the report goes out now, not at reconcile's next threshold."""
    own = embedded.start_redis(tmp_path, persist=False)
    try:
        settings, sid, _ = await paid_report(edge_client, REDIS_URL=own.url)
        conn = await asyncpg.connect(settings.database_url)
        try:
            async with asyncio.timeout(10):  # the edge's relay hands the jobs to Redis right after the payment
                while await conn.fetchval("select count(*) from job_outbox where enqueued_at is null"):  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
        finally:
            await conn.close()
        own.stop()
        own = embedded.start_redis(tmp_path, persist=False)  # back, and empty
        await run_jobs(settings, renderer=FakeRenderer())
        assert await state(settings, sid) == ("delivered", "ready")
    finally:
        own.stop()
