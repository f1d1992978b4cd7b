"""The job outbox: jobs decided inside a database transaction, relayed to the arq queue after commit."""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import ArqRedis

from crb.db import Connection, Pool

log = logging.getLogger(__name__)

RELAY_BATCH = 100


async def add(conn: Connection, function: str, job_id: str, *args: Any) -> None:
    """Record a job in the caller's transaction; the same job id twice is one job."""
    await conn.execute(
        "insert into job_outbox (job_id, function, args) values ($1, $2, $3) on conflict (job_id) do nothing",
        job_id,
        function,
        list(args),
    )


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
            for row in rows:
                await redis.enqueue_job(row["function"], *row["args"], _job_id=row["job_id"], _queue_name=queue_name)
            if rows:
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
