"""Housekeeping in the retention run, and scheduled runs whose worker was lost."""

from __future__ import annotations

import json
from collections.abc import Callable

import asyncpg

from crb.settings import Settings
from tests.jobs.running import run_jobs


async def test_storage_cleanup_prunes_relayed_outbox_rows_and_old_run_records(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    await db.execute(
        "insert into job_outbox (job_id, function, args, enqueued_at) values"
        " ('old', 'send_email', '[]', now() - interval '8 days'),"
        " ('recent', 'send_email', '[]', now() - interval '1 day'),"
        " ('pending', 'send_email', '[]', null)"
    )
    await db.execute(
        "insert into job_runs (name, trigger, started_at, finished_at, outcome) values"
        " ('reconcile', 'schedule', now() - interval '91 days', now() - interval '91 days', 'ok'),"
        " ('reconcile', 'schedule', now() - interval '1 day', now() - interval '1 day', 'ok')"
    )
    await run_jobs(make_settings(), ("storage_cleanup",))
    assert sorted(r[0] for r in await db.fetch("select job_id from job_outbox")) == ["pending", "recent"]
    assert await db.fetchval("select count(*) from job_runs where name = 'reconcile'") == 1
    run = await db.fetchrow("select result from job_runs where name = 'storage-cleanup'")
    result = json.loads(run["result"])
    assert (result["outbox_rows_pruned"], result["job_runs_pruned"]) == (1, 1)


async def test_a_run_left_open_by_a_lost_worker_is_closed_at_the_next_run(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    lost = await db.fetchval(
        "insert into job_runs (name, trigger, started_at) values ('quiz-cleanup', 'schedule',"
        " now() - interval '1 hour') returning id"
    )
    await run_jobs(make_settings(), ("quiz_cleanup",))
    row = await db.fetchrow("select outcome, error, finished_at from job_runs where id = $1", lost)
    assert (row["outcome"], row["error"]) == ("error", "the worker stopped during this run")
    assert row["finished_at"] is not None
    latest = await db.fetchrow("select outcome from job_runs where name = 'quiz-cleanup' order by id desc limit 1")
    assert latest["outcome"] == "ok"
