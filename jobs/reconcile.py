"""Reconciliation: whatever a killed worker, a lost Redis or a crash left undone is queued again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crb import emails, lifecycle, outbox
from crb.fulfilment import email_job, queue_report, report_job
from crb.schedule import (
    EMAIL_FAILED_RETRY_MINUTES,
    EMAIL_MAX_ATTEMPTS,
    EMAIL_SENDING_STUCK_MINUTES,
    EMAIL_UNQUEUED_MINUTES,
    GENERATION_STUCK_MINUTES,
    PAID_UNQUEUED_MINUTES,
)
from jobs.context import Deps
from jobs.runs import recorded

# Each state a customer must have been told about, and the email that tells them.
EXPECTED_EMAILS = (
    (lifecycle.REFUNDABLE, "payment_confirmation"),  # paid, and not refunded
    (("delivered",), "report_ready"),
    (("failed",), "report_failed"),
    (("refunded",), "refund_confirmation"),
)


@recorded("reconcile")
async def reconcile(d: Deps) -> dict[str, Any]:
    now = d.now()
    result = {
        "reports_queued": await _paid_without_report(d, now),
        "generations_requeued": await _stuck_generations(d, now),
        "emails_queued": sum([await _missing_email(d, now, states, kind) for states, kind in EXPECTED_EMAILS]),
        "emails_resent": await _stuck_sends(d, now),
    }
    result["relayed"] = await outbox.relay(d.pool, d.redis, d.settings.queue_name)
    return result


async def _paid_without_report(d: Deps, now: dt.datetime) -> int:
    queued = 0
    async with d.pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "select s.id from quiz_sessions s where s.status = 'paid' and s.paid_at < $1"
            " and not exists (select 1 from reports r where r.session_id = s.id and r.status <> 'superseded')"
            " for update skip locked",
            now - dt.timedelta(minutes=PAID_UNQUEUED_MINUTES),
        )
        for row in rows:
            await queue_report(conn, row["id"])
            queued += 1
    return queued


async def _stuck_generations(d: Deps, now: dt.datetime) -> int:
    """Reports pending or generating past the deadline get a fresh job (the job is idempotent)."""
    async with d.pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "select id, attempts from reports where status in ('pending', 'generating') and updated_at < $1"
            " for update skip locked",
            now - dt.timedelta(minutes=GENERATION_STUCK_MINUTES),
        )
        for row in rows:
            job = report_job(row["id"])
            await outbox.add(conn, outbox.Job(job.function, f"{job.job_id}:again:{now:%Y%m%dT%H%M}", job.args))
            await conn.execute("update reports set updated_at = $2 where id = $1", row["id"], now)
    return len(rows)


async def _stuck_sends(d: Deps, now: dt.datetime) -> int:
    """Emails whose worker died mid-send: settled from the provider's records, and sent again if it has none."""
    again = await emails.settle_stuck(d.pool, d.mailer, now - dt.timedelta(minutes=EMAIL_SENDING_STUCK_MINUTES))
    async with d.pool.acquire() as conn, conn.transaction():
        for session_id, kind in again:
            job = email_job(session_id, kind)
            await outbox.add(conn, outbox.Job(job.function, f"{job.job_id}:again:{now:%Y%m%dT%H%M}", job.args))
    return len(again)


async def _missing_email(d: Deps, now: dt.datetime, states: tuple[str, ...], kind: str) -> int:
    """Sessions in `states` for a while with no attempt at `kind`, or only failed ones that have rested long
    enough and are under the attempt limit, and none waiting in the outbox."""
    rows = await d.pool.fetch(
        "select s.id from quiz_sessions s where s.status = any($1::text[]) and s.updated_at < $2"
        " and s.email is not null and s.erased_at is null"
        " and not exists (select 1 from emails e where e.session_id = s.id and e.kind = $3"
        " and not (e.status = 'failed' and e.updated_at < $4 and e.attempts < $5))"
        " and not exists (select 1 from job_outbox o where o.enqueued_at is null"
        " and o.job_id like 'email:' || s.id || ':' || $3 || '%')",
        list(states),
        now - dt.timedelta(minutes=EMAIL_UNQUEUED_MINUTES),
        kind,
        now - dt.timedelta(minutes=EMAIL_FAILED_RETRY_MINUTES),
        EMAIL_MAX_ATTEMPTS,
    )
    async with d.pool.acquire() as conn, conn.transaction():
        for row in rows:
            job = email_job(row["id"], kind)
            await outbox.add(conn, outbox.Job(job.function, f"{job.job_id}:again:{now:%Y%m%dT%H%M}", job.args))
    return len(rows)
