"""Run queued jobs through a real arq worker in burst mode, on the test's Redis queue."""

from __future__ import annotations

import uuid

from arq import create_pool
from arq.connections import RedisSettings

from crb.settings import Settings
from jobs.context import Clock, utc_now
from jobs.worker import create_worker


async def run_jobs(settings: Settings, *jobs: tuple[str, ...], clock: Clock = utc_now) -> None:
    """Queue `jobs` (function name and args), then work until the queue is empty, on `clock`'s time."""
    assert settings.redis_url
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name)
    for name, *args in jobs:
        await redis.enqueue_job(name, *args, _job_id=f"test:{name}:{uuid.uuid4()}")
    await redis.aclose()
    worker = create_worker(settings, settings.redis_url, clock, burst=True, poll_delay=0.02, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()
