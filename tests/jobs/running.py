"""Run queued jobs through a real arq worker in burst mode, on the test's Redis queue."""

from __future__ import annotations

import uuid

from arq import create_pool
from arq.connections import RedisSettings

from crb.renderer_client import ReportRenderer
from crb.settings import Settings
from jobs.context import Clock, utc_now
from jobs.retry import RETRIES, RetryPolicies, RetryPolicy
from jobs.worker import create_worker

# The worker's own tries with waits of 50 ms, for tests that walk through every retry; and a single try.
QUICK_RETRIES = RetryPolicies(
    report=RetryPolicy(RETRIES.report.tries, (0.05,)),
    email=RetryPolicy(RETRIES.email.tries, (0.05,)),
    refund=RetryPolicy(RETRIES.refund.tries, (0.05,)),
)
ONE_REPORT_TRY = RetryPolicies(report=RetryPolicy(1, (0.05,)))


async def run_jobs(
    settings: Settings,
    *jobs: tuple[str, ...],
    clock: Clock = utc_now,
    retries: RetryPolicies = RETRIES,
    renderer: ReportRenderer | None = None,
) -> None:
    """Queue `jobs` (function name and args), then work until the queue is empty, on `clock`'s time (and with
    `renderer` instead of the renderer service, when given)."""
    assert settings.redis_url
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name)
    for name, *args in jobs:
        await redis.enqueue_job(name, *args, _job_id=f"test:{name}:{uuid.uuid4()}")
    await redis.aclose()
    worker = create_worker(
        settings, settings.redis_url, clock, retries, renderer, burst=True, poll_delay=0.02, handle_signals=False
    )
    try:
        await worker.main()
    finally:
        await worker.close()
