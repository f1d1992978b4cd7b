"""The worker's jobs through outages: the database or Redis away is a retry, never a final failure, and a
report committed as ready stays ready when Redis cannot take its email job at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from arq import Retry, create_pool
from arq.connections import RedisSettings

from crb import embedded
from crb.settings import Settings
from jobs.context import close_deps, open_deps
from jobs.reports import generate_report
from tests.fakes.renderer import FakeRenderer
from tests.jobs.running import run_jobs
from tests.journey import EdgeClient, checkout, completed_session
from tests.outages import database_down


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
