"""Retention jobs: PDFs after 30 days (re-rendered on demand), abandoned quizzes' personal data after 7."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crb.schedule import REPORT_PDF_DAYS, UNPAID_SESSION_DAYS
from jobs.context import Deps
from jobs.runs import recorded

BATCH = 500
UNPAID = ("in_progress", "completed", "checkout")


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
            return {"purged": purged}


@recorded("quiz-cleanup")
async def quiz_cleanup(d: Deps) -> dict[str, Any]:
    """Unpaid sessions older than the retention period expire, and their answers and email are erased."""
    cutoff = d.now() - dt.timedelta(days=UNPAID_SESSION_DAYS)
    result = await d.pool.execute(
        "update quiz_sessions set status = 'expired', answers = '{}'::jsonb, teaser = null, email = null,"
        " company_name = null, erased_at = $2, updated_at = now()"
        " where status = any($3::text[]) and updated_at < $1",
        cutoff,
        d.now(),
        list(UNPAID),
    )
    return {"expired": int(result.split()[-1])}
