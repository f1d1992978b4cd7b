"""The arq worker's settings: its functions, the whole cron schedule in one list, start-up and shut-down."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker, func

from crb.settings import Settings
from jobs.context import close_deps, open_deps
from jobs.emails import send_email
from jobs.outbox import relay_outbox
from jobs.reports import MAX_TRIES, generate_report

JOB_TIMEOUT_S = 300

FUNCTIONS = [
    func(generate_report, max_tries=MAX_TRIES, timeout=JOB_TIMEOUT_S),
    func(send_email, max_tries=5, timeout=60),
]

CRON_JOBS = [
    cron(relay_outbox, second={0, 30}, run_at_startup=True, unique=True, timeout=60),
]


def worker_kwargs(settings: Settings, redis_url: str) -> dict[str, Any]:
    """Everything arq's Worker needs, from our settings."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["deps"] = await open_deps(settings, ctx["redis"])

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        if "deps" in ctx:
            await close_deps(ctx["deps"])

    return {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "queue_name": settings.queue_name,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_jobs": 4,
        "job_timeout": JOB_TIMEOUT_S,
        "keep_result": 3600,
    }


def create_worker(settings: Settings, redis_url: str, **overrides: Any) -> Worker:
    return Worker(**{**worker_kwargs(settings, redis_url), **overrides})
