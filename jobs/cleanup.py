"""Retention jobs: PDFs after 30 days (re-rendered on demand), abandoned quizzes' personal data after 7; and a
refunded session's PDFs at once."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from arq import Retry

from crb import lifecycle, sessions
from crb.schedule import (
    AWAITING_PAYMENT_DAYS,
    JOB_RUNS_KEEP_DAYS,
    OUTBOX_KEEP_DAYS,
    REPORT_PDF_DAYS,
    UNPAID_SESSION_DAYS,
)
from crb.storage import StorageError
from jobs.context import Deps, deps
from jobs.retry import resilient
from jobs.runs import recorded

log = logging.getLogger(__name__)

BATCH = 500


@recorded("storage-cleanup")
async def storage_cleanup(d: Deps) -> dict[str, Any]:
    """Delete stored PDFs older than the retention period; the report rows stay, marked purged."""
    cutoff = d.now() - dt.timedelta(days=REPORT_PDF_DAYS)
    purged = 0
    while True:
        async with d.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "select id, storage_path from reports where storage_path is not null and purged_at is null"
                " and coalesce(ready_at, created_at) < $1 order by id limit $2 for update skip locked",
                cutoff,
                BATCH,
            )
            if rows:
                await d.store.delete([r["storage_path"] for r in rows])
                await conn.execute(
                    "update reports set purged_at = $2, updated_at = now() where id = any($1::uuid[])",
                    [r["id"] for r in rows],
                    d.now(),
                )
        purged += len(rows)
        if len(rows) < BATCH:
            return {"purged": purged, **await _housekeeping(d)}


@resilient("report")
async def revoke_report_files(ctx: dict[str, Any], session_id: str) -> str:
    """arq job: a session refunded in full keeps no PDF, so that no signed link issued before still opens one
    (the download link already answers 410). Storage away: arq tries again."""
    d = deps(ctx)
    sid = uuid.UUID(session_id)
    async with d.pool.acquire() as conn:
        session = await sessions.find(conn, sid)
        if session is None or session.status not in lifecycle.NOT_ENTITLED:
            return f"nothing to do (session {session.status if session else 'gone'})"
        paths = await conn.fetch(
            "select storage_path from reports where session_id = $1 and storage_path is not null and purged_at is null",
            sid,
        )
    if paths:
        try:
            await d.store.delete([r["storage_path"] for r in paths])
        except StorageError as e:
            job_try = int(ctx.get("job_try", 1))
            if d.retries.report.exhausted(job_try):
                log.error("session %s is refunded but its PDFs could not be deleted: %s", sid, e)
                return "failed"
            raise Retry(defer=d.retries.report.defer_s(job_try)) from e
        await d.pool.execute(
            "update reports set purged_at = coalesce(purged_at, $2), updated_at = now()"
            " where session_id = $1 and storage_path = any($3::text[])",
            sid,
            d.now(),
            [r["storage_path"] for r in paths],
        )
    return f"deleted {len(paths)} PDF(s)"


async def _housekeeping(d: Deps) -> dict[str, int]:
    """Relayed outbox rows and old run records go; nothing else needs them."""
    now = d.now()
    outbox = await d.pool.execute(
        "delete from job_outbox where enqueued_at < $1", now - dt.timedelta(days=OUTBOX_KEEP_DAYS)
    )
    runs = await d.pool.execute(
        "delete from job_runs where started_at < $1", now - dt.timedelta(days=JOB_RUNS_KEEP_DAYS)
    )
    return {"outbox_rows_pruned": int(outbox.split()[-1]), "job_runs_pruned": int(runs.split()[-1])}


@recorded("quiz-cleanup")
async def quiz_cleanup(d: Deps) -> dict[str, Any]:
    """Unpaid sessions older than the retention period expire, and their answers and email are erased.

    A session waiting for a delayed payment is kept longer: the payment may still succeed, and it needs
    the session (and its answers) to be fulfilled. So is one whose checkout's recovery link (`crb.recovery`)
    can still be paid, until the link lapses.
    """
    now = d.now()
    async with d.pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "select id from quiz_sessions where status = any($3::text[]) and updated_at < $1"
            " and (last_checkout_event is distinct from 'awaiting_payment'"
            " or coalesce(last_checkout_event_at, updated_at) < $2)"
            " and (checkout_recovery_expires_at is null or checkout_recovery_expires_at < $4)"
            " for update skip locked",
            now - dt.timedelta(days=UNPAID_SESSION_DAYS),
            now - dt.timedelta(days=AWAITING_PAYMENT_DAYS),
            list(lifecycle.UNPAID),
            now,
        )
        for row in rows:  # the same erasure as the customer's own request, Stripe events and emails included
            await sessions.erase(conn, row["id"], now=now)
    return {"expired": len(rows)}
