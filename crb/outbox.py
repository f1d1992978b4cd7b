"""The job outbox: jobs decided inside a database transaction, relayed to the arq queue after commit."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Final

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from crb import logs
from crb.db import Connection, Pool

log = logging.getLogger(__name__)

RELAY_BATCH = 100


@dataclass(frozen=True)
class Job:
    function: str
    job_id: str
    args: tuple[Any, ...]
    # The request that decided the job (crb.logs), so that the worker's lines and its renderer calls carry it.
    request_id: str | None = field(default_factory=logs.REQUEST_ID.get, compare=False)


def columns(jobs: tuple[Job, ...]) -> tuple[list[str], list[str], list[str], list[str | None]]:
    """Jobs as the four arrays `unnest($1::text[], $2::text[], $3::text[], $4::text[])` turns back into rows."""
    return (
        [j.job_id for j in jobs],
        [j.function for j in jobs],
        [json.dumps(list(j.args)) for j in jobs],
        [j.request_id for j in jobs],
    )


async def add(conn: Connection, *jobs: Job) -> None:
    """Record jobs in the caller's transaction, in one statement; the same job id twice is one job."""
    await conn.execute(
        "insert into job_outbox (job_id, function, args, request_id) select job_id, function, args::jsonb, request_id"
        " from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as j(job_id, function, args, request_id)"
        " on conflict (job_id) do nothing",
        *columns(jobs),
    )


async def request_of(pool: Pool, job_id: str) -> str | None:
    """The id of the request that decided a job (None for a scheduled one, or one queued by hand)."""
    value = await pool.fetchval("select request_id from job_outbox where job_id = $1", job_id)
    return None if value is None else str(value)


# arq's `enqueue_job` for a whole batch in one round trip instead of three per job, with its rules: a job
# whose id is queued, running or has a result is left alone, and a new one expires after arq's default
# (https://github.com/python-arq/arq/blob/main/arq/connections.py, `enqueue_job`).
# KEYS: the queue, then each job's job key and result key; ARGV: expiry (ms), score, each job's id and body.
_ENQUEUE_BATCH = """
local added = 0
for i = 2, #KEYS, 2 do
    local n = i + 1
    if redis.call('exists', KEYS[i], KEYS[i + 1]) == 0 then
        redis.call('psetex', KEYS[i], ARGV[1], ARGV[n + 1])
        redis.call('zadd', KEYS[1], ARGV[2], ARGV[n])
        added = added + 1
    end
end
return added
"""


async def enqueue_batch(redis: ArqRedis, queue_name: str, jobs: list[Job]) -> int:
    """Queue jobs under their own ids, as arq's `enqueue_job` would each; returns how many were new."""
    now = timestamp_ms()
    keys: list[str] = [queue_name]
    argv: list[str | int | bytes] = [redis.expires_extra_ms, now]
    for job in jobs:
        keys += [job_key_prefix + job.job_id, result_key_prefix + job.job_id]
        argv += [job.job_id, serialize_job(job.function, job.args, {}, None, now, serializer=redis.job_serializer)]
    return int(await redis.register_script(_ENQUEUE_BATCH)(keys=keys, args=argv))


async def relay(pool: Pool, redis: ArqRedis, queue_name: str) -> int:
    """Push pending outbox rows to Redis under their own job ids; safe to run anywhere, any number of times."""
    relayed = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "select id, job_id, function, args from job_outbox where enqueued_at is null"
                " order by id limit $1 for update skip locked",
                RELAY_BATCH,
            )
            if rows:
                await enqueue_batch(
                    redis, queue_name, [Job(r["function"], r["job_id"], tuple(r["args"])) for r in rows]
                )
                await conn.execute(
                    "update job_outbox set enqueued_at = now() where id = any($1::bigint[])",
                    [r["id"] for r in rows],
                )
        relayed += len(rows)
        if len(rows) < RELAY_BATCH:
            break
    if relayed:
        log.info("relayed %d job(s) from the outbox", relayed)
    return relayed


# Redis kept no marker: it lost its data (restarted without persistence, flushed, replaced), and with it the
# jobs handed to it. Each relay checks for its own marker and, when it is gone, hands over again every job it
# handed over in the last REPLAY_WINDOW: the jobs are idempotent, and arq skips any it still knows.
REPLAY_WINDOW: Final = dt.timedelta(days=1)


async def replay_if_emptied(pool: Pool, redis: ArqRedis, queue_name: str) -> int:
    """Hand the recent jobs to Redis again if it lost them (see REPLAY_WINDOW); how many were new to it."""
    if not await redis.set(f"crb:outbox-marker:{queue_name}", "1", nx=True):
        return 0  # the marker is there: Redis kept its data
    rows = await pool.fetch(
        "select job_id, function, args from job_outbox where enqueued_at > now() - $1::interval order by id",
        REPLAY_WINDOW,
    )
    replayed = 0
    for start in range(0, len(rows), RELAY_BATCH):
        batch = rows[start : start + RELAY_BATCH]
        replayed += await enqueue_batch(
            redis, queue_name, [Job(r["function"], r["job_id"], tuple(r["args"])) for r in batch]
        )
    if replayed:
        log.warning("Redis had lost its jobs: %d job(s) of the last %s handed over again", replayed, REPLAY_WINDOW)
    return replayed


class Relay:
    """A process's background relay: woken after each commit that added jobs, it pushes them in batches.

    Requests never wait for Redis; the rows are safe in Postgres meanwhile, and the worker's relay cron
    picks up anything a dying process left behind.
    """

    def __init__(self, pool: Pool, redis: ArqRedis, queue_name: str, *, idle_s: float = 30.0) -> None:
        self._pool, self._redis, self._queue = pool, redis, queue_name
        self._wake = asyncio.Event()
        self._idle_s = idle_s

    def nudge(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        idle = True  # the first round, and each after a quiet spell, also checks Redis kept its jobs
        while True:
            if not idle:
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle_s)
                except TimeoutError:
                    idle = True
            self._wake.clear()
            try:
                if idle:  # not on every nudge: a nudge per webhook is the hot path
                    await replay_if_emptied(self._pool, self._redis, self._queue)
                idle = False
                await relay(self._pool, self._redis, self._queue)
            except Exception:
                log.exception("outbox relay failed; retrying on the next nudge")
                await asyncio.sleep(1)
