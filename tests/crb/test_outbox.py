"""The outbox relay: pending rows reach arq's queue once, under their own ids, in batches."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job as ArqJob
from arq.jobs import JobStatus

from crb import logs, outbox
from crb.db import Pool
from crb.db import create_pool as create_db_pool


@pytest.fixture
async def db(isolated_database_url: str) -> AsyncIterator[Pool]:
    pool = await create_db_pool(isolated_database_url)
    yield pool
    await pool.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    r = await create_pool(RedisSettings.from_dsn(redis_url))
    yield r
    await r.aclose()


def jobs(count: int) -> tuple[outbox.Job, ...]:
    run = uuid.uuid4().hex[:8]
    return tuple(outbox.Job("send_email", f"test:{run}:{i}", (f"s{i}", "payment_confirmation")) for i in range(count))


async def add(db: Pool, *js: outbox.Job) -> None:
    async with db.acquire() as conn:
        await outbox.add(conn, *js)


async def test_relay_queues_every_pending_job_once_as_arq_would(db: Pool, redis: ArqRedis) -> None:
    queue = "arq:test:" + uuid.uuid4().hex
    batch = jobs(outbox.RELAY_BATCH + 7)  # more than one batch
    await add(db, *batch)
    assert await outbox.relay(db, redis, queue) == len(batch)
    assert await redis.zcard(queue) == len(batch)
    info = await ArqJob(batch[3].job_id, redis, _queue_name=queue).info()
    assert info is not None
    # arq's JobDef types job_try as int, but a job not yet tried has None
    assert (info.function, info.args, info.job_try) == ("send_email", ("s3", "payment_confirmation"), None)  # type: ignore[comparison-overlap]
    assert await ArqJob(batch[3].job_id, redis, _queue_name=queue).status() == JobStatus.queued
    async with db.acquire() as conn:
        pending = await conn.fetchval(
            "select count(*) from job_outbox where job_id = any($1::text[]) and enqueued_at is null",
            [j.job_id for j in batch],
        )
    assert pending == 0
    assert await outbox.relay(db, redis, queue) == 0  # nothing left to do


async def test_a_job_already_queued_or_finished_is_not_queued_again(db: Pool, redis: ArqRedis) -> None:
    queue = "arq:test:" + uuid.uuid4().hex
    queued, finished, new = jobs(3)
    await redis.enqueue_job(queued.function, *queued.args, _job_id=queued.job_id, _queue_name=queue)
    await redis.set("arq:result:" + finished.job_id, b"done")
    assert await outbox.enqueue_batch(redis, queue, [queued, finished, new]) == 1
    assert sorted(m.decode() for m in await redis.zrange(queue, 0, -1)) == sorted([queued.job_id, new.job_id])
    assert await redis.pttl("arq:job:" + new.job_id) > 23 * 3600 * 1000  # arq's default expiry, a day


async def test_a_job_remembers_the_request_that_decided_it(db: Pool) -> None:
    token = logs.REQUEST_ID.set("req-decided")
    try:
        decided = jobs(1)[0]  # made while the request runs: it takes the request's id
    finally:
        logs.REQUEST_ID.reset(token)
    scheduled = jobs(1)[0]  # made outside any request
    await add(db, decided, scheduled)
    assert await outbox.request_of(db, decided.job_id) == "req-decided"
    assert await outbox.request_of(db, scheduled.job_id) is None
    assert await outbox.request_of(db, "never-queued") is None
