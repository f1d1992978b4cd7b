"""The report job: answers → report data → renderer → storage → ready → emailed, retried with backoff."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from typing import Any

from arq import Retry

from crb import analysis, links, outbox
from crb.fulfilment import email_job_id
from crb.renderer_client import RendererError
from crb.storage import StorageError
from jobs.context import Deps, deps
from jobs.emails import send_report_ready

log = logging.getLogger(__name__)

MAX_TRIES = 5
BACKOFF_S = (5, 30, 120, 600)  # before tries 2, 3, 4 and 5


def storage_path(session_id: uuid.UUID, report_id: uuid.UUID) -> str:
    return f"{session_id}/{report_id}.pdf"


async def generate_report(ctx: dict[str, Any], report_id: str) -> str:
    """arq job: build, render, store and deliver one report; safe to run again at any point."""
    d = deps(ctx)
    rid = uuid.UUID(report_id)
    row = await d.pool.fetchrow(
        "select r.status as report_status, s.* from reports r join quiz_sessions s on s.id = r.session_id"
        " where r.id = $1",
        rid,
    )
    if row is None or row["report_status"] in ("ready", "superseded") or row["erased_at"] is not None:
        return f"nothing to do ({row['report_status'] if row else 'no such report'})"
    if row["status"] in ("refunded", "expired"):
        return f"nothing to do (session {row['status']})"
    await _claim(d, rid, row["id"])
    try:
        return await _build(d, rid, row, ctx.get("now") or dt.datetime.now(dt.UTC))
    except (RendererError, StorageError, TimeoutError) as e:
        job_try = int(ctx.get("job_try", 1))
        log.warning("report %s try %d failed: %s", rid, job_try, e)
        if job_try >= MAX_TRIES:
            await _give_up(d, rid, row["id"], str(e))
            return "failed"
        raise Retry(defer=BACKOFF_S[min(job_try, len(BACKOFF_S)) - 1]) from e


async def _claim(d: Deps, rid: uuid.UUID, sid: uuid.UUID) -> None:
    async with d.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "update reports set status = 'generating', attempts = attempts + 1, started_at = now(),"
            " updated_at = now() where id = $1 and status in ('pending', 'generating')",
            rid,
        )
        await conn.execute(
            "update quiz_sessions set status = 'generating', updated_at = now() where id = $1 and status = 'paid'",
            sid,
        )


async def _build(d: Deps, rid: uuid.UUID, session: Any, now: dt.datetime) -> str:
    tier = d.settings.tier(session["tier"] or "report") or d.settings.tiers[0]
    report = analysis.analyse(session["answers"], tier=tier.id, tier_name=tier.name, today=now.date())
    pdf = await d.renderer.render(report)
    path = storage_path(session["id"], rid)
    await d.store.upload(path, pdf.content)
    async with d.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "update reports set status = 'ready', storage_path = $2, size_bytes = $3, page_count = $4,"
            " sha256 = $5, ready_at = now(), updated_at = now(), error = null where id = $1",
            rid,
            path,
            len(pdf.content),
            pdf.page_count,
            hashlib.sha256(pdf.content).hexdigest(),
        )
        delivered = await conn.fetchval(
            "update quiz_sessions set status = 'delivered', updated_at = now()"
            " where id = $1 and status in ('paid', 'generating', 'delivered') returning id",
            session["id"],
        )
    if delivered is None:  # refunded or erased meanwhile: keep the file for the accounts, tell no one
        return "ready, not delivered (session no longer entitled)"
    # Only now, with the report stored and marked ready, may the customer be told it is ready.
    summary = {
        "company_name": report.company_name,
        "readiness_score": report.readiness_score,
        "band": report.band,
        "top_findings": [f.title for f in report.findings if f.recommended][:3],
    }
    await send_report_ready(d, session, summary, pdf.content, links.download_url(d.settings, rid))
    return "ready"


async def _give_up(d: Deps, rid: uuid.UUID, sid: uuid.UUID, error: str) -> None:
    """After the last try: the session is failed and the customer is told, exactly once."""
    async with d.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "update reports set status = 'failed', error = $2, updated_at = now() where id = $1",
            rid,
            error[:2000],
        )
        await conn.execute(
            "update quiz_sessions set status = 'failed', updated_at = now()"
            " where id = $1 and status in ('paid', 'generating')",
            sid,
        )
        await outbox.add(conn, "send_email", email_job_id(sid, "report_failed"), str(sid), "report_failed")
    await outbox.relay(d.pool, d.redis, d.settings.queue_name)
