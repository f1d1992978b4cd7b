"""How often a job is tried and how long it waits between tries: one value, in the worker's context (`Deps`), so
the worker's arq functions and the jobs' own checks read the same numbers, and tests pass quicker ones."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

import redis.exceptions
from arq import Retry
from arq.constants import in_progress_key_prefix

from crb import db, logs, outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    tries: int  # in all, the first included
    backoff_s: tuple[float, ...]  # before try 2, 3, …; the last repeats

    def exhausted(self, job_try: int) -> bool:
        """This was the last try."""
        return job_try >= self.tries

    def defer_s(self, job_try: int) -> float:
        """The wait before the try after `job_try`."""
        return self.backoff_s[min(job_try, len(self.backoff_s)) - 1]


@dataclass(frozen=True)
class RetryPolicies:
    # The renderer or storage away: about 13 minutes in all, then the failure email.
    report: RetryPolicy = RetryPolicy(5, (5, 30, 120, 600))
    # The mail provider or storage away: about 1.5 hours (reconcile tries again later, within a limit).
    email: RetryPolicy = RetryPolicy(6, (10, 60, 300, 1800, 3600))
    # Stripe away: about 1.5 hours, then an error log asking for a refund by hand.
    refund: RetryPolicy = RetryPolicy(6, (10, 60, 300, 1800, 3600))


RETRIES = RetryPolicies()


# The database or Redis down, restarting or unreachable: the job is tried again later, never failed for good
# (reconcile queues anything still undone once they are back).
OUTAGE: tuple[type[BaseException], ...] = (
    *db.UNAVAILABLE,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


Job = Callable[..., Coroutine[Any, Any, str]]

# A running job holds arq's in-progress lock on a short lease, renewed while it runs: if its worker dies, the
# lock lapses within the lease and another worker takes the job (arq's own lock would last the job's timeout).
LEASE_S, BEAT_S = 15.0, 5.0


def resilient(kind: Literal["report", "email", "refund"]) -> Callable[[Job], Job]:
    """An arq job that survives outages and its worker's death: a database or Redis outage anywhere in it is a
    retry on the `kind` policy's backoff, and its lock is a lease its worker renews (`LEASE_S`)."""

    def wrap(job: Job) -> Job:
        @functools.wraps(job)
        async def run(ctx: dict[str, Any], *args: Any) -> str:
            beating = asyncio.create_task(_heartbeat(ctx), name=f"heartbeat:{ctx.get('job_id')}")
            token = logs.JOB_ID.set(ctx.get("job_id"))  # every line of this job says which job it is
            asked = logs.REQUEST_ID.set(await _request_of(ctx))  # and which request decided it
            try:
                return await job(ctx, *args)
            except OUTAGE as e:
                policy: RetryPolicy = getattr(ctx["deps"].retries, kind)
                job_try = int(ctx.get("job_try", 1))
                log.warning(
                    "%s%r try %d: the database or Redis is away (%r); again later", job.__name__, args, job_try, e
                )
                raise Retry(defer=policy.defer_s(job_try)) from e
            finally:
                logs.REQUEST_ID.reset(asked)
                logs.JOB_ID.reset(token)
                beating.cancel()

        return run

    return wrap


async def _request_of(ctx: dict[str, Any]) -> str | None:
    """The request that queued this job through the outbox; None when unknown, or when the database cannot say
    (the job itself then meets the outage, and is retried)."""
    job_id, deps = ctx.get("job_id"), ctx.get("deps")
    if job_id is None or deps is None:
        return None
    try:
        return await outbox.request_of(deps.pool, job_id)
    except OUTAGE:
        return None


async def _heartbeat(ctx: dict[str, Any]) -> None:
    """Keep the running job's lock on its lease until cancelled (a job run outside a worker has none)."""
    redis, job_id = ctx.get("redis"), ctx.get("job_id")
    if redis is None or job_id is None:
        return
    key = in_progress_key_prefix + job_id
    while True:
        try:
            await redis.pexpire(key, int(LEASE_S * 1000))  # a key arq removed stays removed
        except OUTAGE as e:
            log.warning("could not renew the lock of job %s (%r)", job_id, e)
        await asyncio.sleep(BEAT_S)
