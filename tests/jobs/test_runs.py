"""The recorded run: a `job_runs` row per call with its trigger, times, outcome, result or error; lost runs closed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from crb.settings import Settings
from jobs.context import Deps, close_deps, open_deps
from jobs.runs import RUN_LOST_AFTER_S, ScheduledBody, recorded
from tests.jobs.running import run_jobs

T0 = dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)
LOST = "the worker stopped during this run"


class World:
    """The time the jobs see; a job's body moves it on to take that long."""

    def __init__(self) -> None:
        self.now = T0

    def clock(self) -> dt.datetime:
        return self.now


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture
async def opened(make_settings: Callable[..., Settings], redis: ArqRedis, world: World) -> AsyncIterator[Deps]:
    """The worker's real context, on this test's own database and `world`'s clock."""
    found = await open_deps(make_settings(), redis, clock=world.clock)
    yield found
    await close_deps(found)


@pytest.fixture
def ctx(opened: Deps) -> dict[str, Any]:
    return {"deps": opened, "redis": opened.redis, "job_try": 1}


async def runs(d: Deps, name: str) -> list[dict[str, Any]]:
    """The job's runs as the admin API reads them (through the pool, so jsonb arrives decoded)."""
    rows = await d.pool.fetch("select * from job_runs where name = $1 order by id", name)
    return [dict(r) for r in rows]


def taking(world: World, seconds: float, result: dict[str, Any]) -> ScheduledBody:
    async def body(d: Deps) -> dict[str, Any]:
        world.now += dt.timedelta(seconds=seconds)
        return result

    return body


async def test_a_run_is_recorded_with_its_times_and_result(ctx: dict[str, Any], opened: Deps, world: World) -> None:
    result = {"pdfs_deleted": 3, "kept": ["s1/r1.pdf"], "note": "Müller & Söhne"}
    run = recorded("storage-cleanup")(taking(world, 90, result))
    assert await run(ctx) == result
    [row] = await runs(opened, "storage-cleanup")
    assert row == {
        "id": row["id"],
        "name": "storage-cleanup",
        "trigger": "schedule",  # arq calls a cron job with the context only
        "started_at": T0,
        "finished_at": T0 + dt.timedelta(seconds=90),
        "outcome": "ok",
        "result": result,
        "error": None,
    }


async def test_an_operator_s_run_is_recorded_as_theirs(ctx: dict[str, Any], opened: Deps, world: World) -> None:
    run = recorded("reconcile")(taking(world, 1, {}))
    await run(ctx, "admin")
    await run(ctx, trigger="schedule")
    assert [r["trigger"] for r in await runs(opened, "reconcile")] == ["admin", "schedule"]


def test_the_arq_function_keeps_the_body_s_name() -> None:
    async def follow_up_emails(d: Deps) -> dict[str, Any]:
        return {}

    run = recorded("follow-up-emails")(follow_up_emails)
    assert getattr(run, "__name__", None) == "follow_up_emails"  # what arq and the logs call it


async def test_each_call_is_a_run_of_its_own(ctx: dict[str, Any], opened: Deps, world: World) -> None:
    counts = iter(range(1, 4))

    async def body(d: Deps) -> dict[str, Any]:
        world.now += dt.timedelta(minutes=1)
        return {"call": next(counts)}

    run = recorded("quiz-cleanup")(body)
    for _ in range(3):
        await run(ctx)
        world.now += dt.timedelta(hours=1)
    rows = await runs(opened, "quiz-cleanup")
    assert [r["result"] for r in rows] == [{"call": 1}, {"call": 2}, {"call": 3}]
    assert [r["started_at"] - T0 for r in rows] == [dt.timedelta(minutes=61 * i) for i in range(3)]
    assert {r["outcome"] for r in rows} == {"ok"}


async def test_a_failed_run_is_recorded_as_an_error_and_the_error_goes_on(
    ctx: dict[str, Any], opened: Deps, world: World
) -> None:
    failure = ConnectionError("bucket unreachable")

    async def body(d: Deps) -> dict[str, Any]:
        world.now += dt.timedelta(seconds=5)
        raise failure

    with pytest.raises(ConnectionError) as raised:
        await recorded("storage-cleanup")(body)(ctx)
    assert raised.value is failure  # arq sees the job's own error
    [row] = await runs(opened, "storage-cleanup")
    assert (row["outcome"], row["error"], row["result"]) == ("error", "ConnectionError('bucket unreachable')", None)
    assert row["finished_at"] == T0 + dt.timedelta(seconds=5)


async def open_run(d: Deps, name: str, started_ago_s: float) -> int:
    started = T0 - dt.timedelta(seconds=started_ago_s)
    run_id: int = await d.pool.fetchval(
        "insert into job_runs (name, trigger, started_at) values ($1, 'schedule', $2) returning id", name, started
    )
    return run_id


async def the_run(d: Deps, run_id: int) -> dict[str, Any]:
    return dict(await d.pool.fetchrow("select * from job_runs where id = $1", run_id))


async def test_a_run_left_open_past_any_timeout_is_closed_at_the_job_s_next_run(
    ctx: dict[str, Any], opened: Deps, world: World
) -> None:
    lost = await open_run(opened, "quiz-cleanup", RUN_LOST_AFTER_S + 1)
    await recorded("quiz-cleanup")(taking(world, 30, {"erased": 0}))(ctx)
    row = await the_run(opened, lost)
    assert (row["outcome"], row["error"], row["result"]) == ("error", LOST, None)
    assert row["finished_at"] == T0  # closed when the next run started
    assert [r["outcome"] for r in await runs(opened, "quiz-cleanup")] == ["error", "ok"]


@pytest.mark.parametrize(
    "started_ago_s",
    [RUN_LOST_AFTER_S, RUN_LOST_AFTER_S - 1, 60],  # still within twice the job timeout: slow, maybe, not lost
)
async def test_a_run_open_for_less_than_twice_the_timeout_is_left_running(
    ctx: dict[str, Any], opened: Deps, world: World, started_ago_s: int
) -> None:
    running = await open_run(opened, "quiz-cleanup", started_ago_s)
    await recorded("quiz-cleanup")(taking(world, 1, {}))(ctx)
    row = await the_run(opened, running)
    assert (row["finished_at"], row["outcome"], row["error"]) == (None, None, None)


async def test_only_the_job_s_own_lost_runs_are_closed(ctx: dict[str, Any], opened: Deps, world: World) -> None:
    other = await open_run(opened, "reconcile", RUN_LOST_AFTER_S * 10)
    finished = await open_run(opened, "quiz-cleanup", RUN_LOST_AFTER_S * 10)
    done_at = T0 - dt.timedelta(days=1)
    await opened.pool.execute(
        "update job_runs set finished_at = $2, outcome = 'ok', result = '{\"erased\": 2}' where id = $1",
        finished,
        done_at,
    )
    await recorded("quiz-cleanup")(taking(world, 1, {}))(ctx)
    assert (await the_run(opened, other))["finished_at"] is None  # reconcile's next run closes it, not this one
    row = await the_run(opened, finished)
    assert (row["finished_at"], row["outcome"], row["result"], row["error"]) == (done_at, "ok", {"erased": 2}, None)


async def test_a_lost_run_is_closed_even_when_the_next_run_fails(
    ctx: dict[str, Any], opened: Deps, world: World
) -> None:
    lost = await open_run(opened, "reconcile", RUN_LOST_AFTER_S * 2)

    async def body(d: Deps) -> dict[str, Any]:
        raise RuntimeError("Stripe is down")

    with pytest.raises(RuntimeError):
        await recorded("reconcile")(body)(ctx)
    assert [(r["id"] == lost, r["error"]) for r in await runs(opened, "reconcile")] == [
        (True, LOST),
        (False, "RuntimeError('Stripe is down')"),
    ]


async def test_a_run_cancelled_by_its_timeout_is_recorded_as_an_error(ctx: dict[str, Any], opened: Deps) -> None:
    started = asyncio.Event()

    async def body(d: Deps) -> dict[str, Any]:
        started.set()
        await asyncio.Event().wait()  # never done: arq's timeout cancels it
        return {}

    task = asyncio.create_task(recorded("reconcile")(body)(ctx))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [row] = await runs(opened, "reconcile")
    assert row["outcome"] == "error" and row["finished_at"] is not None


# Through a real arq worker


@pytest.mark.parametrize(("args", "trigger"), [((), "schedule"), (("admin",), "admin")])
async def test_a_worker_run_of_a_scheduled_job_records_its_run(
    make_settings: Callable[..., Settings], db: asyncpg.Connection, args: tuple[str, ...], trigger: str
) -> None:
    await run_jobs(make_settings(), ("storage_cleanup", *args))
    [row] = await db.fetch("select * from job_runs where name = 'storage-cleanup'")
    assert (row["trigger"], row["outcome"], row["error"]) == (trigger, "ok", None)
    assert row["started_at"] <= row["finished_at"]
    assert isinstance(json.loads(row["result"]), dict)  # what the job reported it did
