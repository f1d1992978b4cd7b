"""One retry policy: the waits between tries, the last try, and the worker's arq functions reading the same;
and a job runs under the id of the request that decided it."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from crb import logs, outbox
from crb.db import create_pool
from jobs.retry import RETRIES, RetryPolicies, RetryPolicy, resilient
from jobs.worker import functions


def test_waits_follow_the_list_and_the_last_repeats() -> None:
    policy = RetryPolicy(6, (10, 60, 300))

    assert [policy.defer_s(n) for n in range(1, 6)] == [10, 60, 300, 300, 300]
    assert [policy.exhausted(n) for n in range(1, 7)] == [False] * 5 + [True]


def test_the_defaults_are_the_documented_ones() -> None:
    assert sum(RETRIES.report.backoff_s) == 755  # about 13 minutes before the failure email
    assert RETRIES.report.tries == len(RETRIES.report.backoff_s) + 1
    assert sum(RETRIES.email.backoff_s) == sum(RETRIES.refund.backoff_s) == 5770  # about 1.5 hours


def test_the_worker_tries_each_job_as_often_as_its_policy_says() -> None:
    policies = RetryPolicies(report=RetryPolicy(2, (1,)), email=RetryPolicy(3, (1,)), refund=RetryPolicy(4, (1,)))

    tries = {f.name: f.max_tries for f in functions(policies)}

    assert (tries["generate_report"], tries["send_email"], tries["refund_payment"]) == (2, 3, 4)
    assert {tries[name] for name in ("reconcile", "quiz_cleanup")} == {1}


async def test_a_job_runs_under_the_id_of_the_request_that_decided_it(isolated_database_url: str) -> None:
    """So its log lines, and its calls to the renderer, carry the id the edge's lines carry."""
    pool = await create_pool(isolated_database_url)
    try:
        token = logs.REQUEST_ID.set("req-from-the-edge")
        try:
            job = outbox.Job("send_email", f"test:{uuid.uuid4()}", ("s", "payment_confirmation"))
        finally:
            logs.REQUEST_ID.reset(token)
        async with pool.acquire() as conn:
            await outbox.add(conn, job)
        seen: list[tuple[str | None, str | None]] = []

        @resilient("email")
        async def probe(ctx: dict[str, Any]) -> str:
            seen.append((logs.REQUEST_ID.get(), logs.JOB_ID.get()))
            return "ok"

        ctx = {"job_id": job.job_id, "deps": SimpleNamespace(pool=pool, retries=RETRIES)}
        assert await probe(ctx) == "ok"
        assert await probe({"job_id": "scheduled:1", "deps": SimpleNamespace(pool=pool, retries=RETRIES)}) == "ok"
        assert seen == [("req-from-the-edge", job.job_id), (None, "scheduled:1")]
        assert logs.REQUEST_ID.get() is None  # and nothing leaks past the job
    finally:
        await pool.close()
