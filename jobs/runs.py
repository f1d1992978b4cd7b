"""Scheduled jobs record each run (when, how, what it did) in `job_runs`, for the admin API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, cast

from arq.typing import WorkerCoroutine

from jobs.context import JOB_TIMEOUT_S, Deps, deps

log = logging.getLogger(__name__)

ScheduledBody = Callable[[Deps], Awaitable[dict[str, Any]]]
RUN_LOST_AFTER_S = 2 * JOB_TIMEOUT_S


STOPPED = "stopped: the job timed out, or its worker shut down"


def recorded(name: str) -> Callable[[ScheduledBody], WorkerCoroutine]:
    """Turn `body(deps) -> result` into an arq function that records its run under `name`.

    arq calls cron jobs with the context only; an operator's run (the admin API) passes trigger="admin".
    """

    def wrap(body: ScheduledBody) -> WorkerCoroutine:
        @wraps(body)
        async def run(ctx: dict[str, Any], trigger: str = "schedule") -> dict[str, Any]:
            d = deps(ctx)
            await _close_lost_runs(d, name)
            run_id = await d.pool.fetchval(
                "insert into job_runs (name, trigger, started_at) values ($1, $2, $3) returning id",
                name,
                trigger,
                d.now(),
            )
            try:
                result = await body(d)
            except asyncio.CancelledError:  # arq's job timeout (or the worker shutting down) stopped it
                await asyncio.shield(
                    _finish(d, run_id, "error", None, "stopped: the job timed out or its worker shut down")
                )
                raise
            except Exception as e:
                await _finish(d, run_id, "error", None, repr(e))
                raise
            await _finish(d, run_id, "ok", result, None)
            log.info("%s (%s): %s", name, trigger, result)
            return result

        return cast(WorkerCoroutine, run)

    return wrap


async def _close_lost_runs(d: Deps, name: str) -> None:
    """A run still open past any job's timeout lost its worker: say so, rather than 'running' for ever."""
    await d.pool.execute(
        "update job_runs set finished_at = $2, outcome = 'error', error = 'the worker stopped during this run'"
        " where name = $1 and finished_at is null and started_at < $3",
        name,
        d.now(),
        d.now() - dt.timedelta(seconds=RUN_LOST_AFTER_S),
    )


async def _finish(d: Deps, run_id: int, outcome: str, result: dict[str, Any] | None, error: str | None) -> None:
    await d.pool.execute(
        "update job_runs set finished_at = $2, outcome = $3, result = $4::text::jsonb, error = $5 where id = $1",
        run_id,
        d.now(),
        outcome,
        None if result is None else json.dumps(result),  # a failed run has no result: NULL, not JSON null
        error,
    )
