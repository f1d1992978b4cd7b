"""The arq worker's settings: its functions, the whole cron schedule in one list, start-up and shut-down."""

from __future__ import annotations

import datetime as dt
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, Worker, func

from crb.renderer_client import ReportRenderer
from crb.schedule import SCHEDULE
from crb.settings import Settings
from jobs.cleanup import quiz_cleanup, revoke_report_files, storage_cleanup
from jobs.context import JOB_TIMEOUT_S, Clock, close_deps, open_deps, utc_now
from jobs.disputes import send_dispute_alert
from jobs.emails import send_email
from jobs.followups import follow_up_emails
from jobs.outbox import relay_outbox
from jobs.reconcile import reconcile
from jobs.refunds import refund_payment
from jobs.reports import generate_report, render_again
from jobs.retry import RETRIES, RetryPolicies

SCHEDULED = {
    "follow_up_emails": follow_up_emails,
    "storage_cleanup": storage_cleanup,
    "quiz_cleanup": quiz_cleanup,
    "reconcile": reconcile,
}


def functions(retries: RetryPolicies = RETRIES) -> list[Function]:
    """The worker's jobs, tried as often as `retries` says (the jobs read the same policy from their context)."""
    return [
        func(generate_report, max_tries=retries.report.tries, timeout=JOB_TIMEOUT_S),
        func(render_again, max_tries=retries.report.tries, timeout=JOB_TIMEOUT_S),
        func(send_email, max_tries=retries.email.tries, timeout=60),
        func(send_dispute_alert, max_tries=retries.email.tries, timeout=60),
        func(refund_payment, max_tries=retries.refund.tries, timeout=60),
        func(revoke_report_files, max_tries=retries.report.tries, timeout=60),
        # The scheduled jobs are functions too, so that an operator can run one now (POST /api/admin/jobs/{name}).
        *(func(f, name=name, max_tries=1, timeout=JOB_TIMEOUT_S) for name, f in SCHEDULED.items()),
    ]


def cron_jobs() -> list[CronJob]:
    """The whole schedule (UTC), from crb.schedule, plus the outbox relay's safety net every 30 seconds."""
    jobs = [cron(relay_outbox, second={0, 30}, run_at_startup=True, unique=True, timeout=60)]
    for s in SCHEDULE:
        minute: int | set[int] = set(range(0, 60, s.every_minutes)) if s.every_minutes else s.minute
        hour = None if s.every_minutes else s.hour
        jobs.append(
            cron(
                SCHEDULED[s.function],
                name=f"cron:{s.name}",
                hour=hour,
                minute=minute,
                second=0,
                unique=True,
                timeout=JOB_TIMEOUT_S,
            )
        )
    return jobs


def worker_kwargs(
    settings: Settings,
    redis_url: str,
    clock: Clock = utc_now,
    retries: RetryPolicies = RETRIES,
    renderer: ReportRenderer | None = None,
) -> dict[str, Any]:
    """Everything arq's Worker needs, from our settings (`renderer`: see `open_deps`)."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["deps"] = await open_deps(settings, ctx["redis"], clock, retries, renderer)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        if "deps" in ctx:
            await close_deps(ctx["deps"])

    return {
        "functions": functions(retries),
        "cron_jobs": cron_jobs(),
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "queue_name": settings.queue_name,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_jobs": 4,
        "job_timeout": JOB_TIMEOUT_S,
        "keep_result": 3600,
        # arq evaluates cron times in the machine's local zone unless told; the schedule is in UTC.
        "timezone": dt.UTC,
    }


def create_worker(
    settings: Settings,
    redis_url: str,
    clock: Clock = utc_now,
    retries: RetryPolicies = RETRIES,
    renderer: ReportRenderer | None = None,
    **overrides: Any,
) -> Worker:
    return Worker(**{**worker_kwargs(settings, redis_url, clock, retries, renderer), **overrides})
