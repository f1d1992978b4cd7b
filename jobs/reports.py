"""The report job: answers → report data → renderer → storage → ready → report-ready email, with retries."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from arq import Retry

from crb import outbox
from crb.fulfilment import email_job
from crb.renderer_client import RendererError
from crb.rendering import build_report_data, count_pages
from crb.storage import StorageError
from jobs.context import Deps, deps

log = logging.getLogger(__name__)

MAX_TRIES = 5
BACKOFF_S = (5, 30, 120, 600)  # before tries 2, 3, 4 and 5: about 13 minutes in all
DONE = ("ready", "superseded")
NOT_ENTITLED = ("refunded", "expired")


def storage_path(session_id: uuid.UUID, report_id: uuid.UUID) -> str:
    return f"{session_id}/{report_id}.pdf"


async def generate_report(ctx: dict[str, Any], report_id: str) -> str:
    """arq job: build, render, store and mark one report ready; safe to run again at any point."""
    d = deps(ctx)
    rid = uuid.UUID(report_id)
    row = await d.pool.fetchrow(
        "select r.status as report_status, r.version, s.* from reports r"
        " join quiz_sessions s on s.id = r.session_id where r.id = $1",
        rid,
    )
    if row is None or row["report_status"] in DONE:
        return f"nothing to do ({row['report_status'] if row else 'no such report'})"
    if row["status"] in NOT_ENTITLED or row["erased_at"] is not None:
        return f"nothing to do (session {row['status']})"
    await _claim(d, rid, row["id"])
    try:
        return await _build(d, rid, row)
    except (RendererError, StorageError, TimeoutError) as e:
        job_try = int(ctx.get("job_try", 1))
        log.warning("report %s try %d failed: %s", rid, job_try, e)
        if job_try >= MAX_TRIES:
            await give_up(d, rid, row["id"], str(e))
            return "failed"
        await d.pool.execute("update reports set error = $2, updated_at = now() where id = $1", rid, str(e)[:2000])
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


async def _build(d: Deps, rid: uuid.UUID, session: Any) -> str:
    path = storage_path(session["id"], rid)
    pages: int | None
    if await d.store.exists(path):  # an earlier try stored it and died before saying so: reuse it
        pdf = await d.store.download(path)
        pages = count_pages(pdf)
    else:
        report = build_report_data(d.settings, session, d.now().date())
        rendered = await d.renderer.render(report)
        pdf, pages = rendered.content, rendered.page_count
        await d.store.upload(path, pdf)
    async with d.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "update reports set status = 'ready', storage_path = $2, size_bytes = $3, page_count = $4,"
            " sha256 = $5, ready_at = $6, updated_at = now(), error = null, purged_at = null where id = $1",
            rid,
            path,
            len(pdf),
            pages,
            hashlib.sha256(pdf).hexdigest(),
            d.now(),
        )
        delivered = await conn.fetchval(
            "update quiz_sessions set status = 'delivered', updated_at = now()"
            " where id = $1 and status in ('paid', 'generating') returning id",
            session["id"],
        )
        # Only now, with the report stored and marked ready, may the customer be told it is ready.
        if delivered is not None:
            await outbox.add(conn, email_job(session["id"], "report_ready"))
    if delivered is None:  # refunded or erased meanwhile: keep the file for the accounts, tell no one
        return "ready, not delivered (session no longer entitled)"
    await outbox.relay(d.pool, d.redis, d.settings.queue_name)
    return "ready"


async def give_up(d: Deps, rid: uuid.UUID, sid: uuid.UUID, error: str) -> None:
    """After the last try: the session is failed and the customer is told, exactly once."""
    async with d.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "update reports set status = 'failed', error = $2, updated_at = now() where id = $1", rid, error[:2000]
        )
        failed = await conn.fetchval(
            "update quiz_sessions set status = 'failed', updated_at = now()"
            " where id = $1 and status in ('paid', 'generating') returning id",
            sid,
        )
        if failed is not None:
            await outbox.add(conn, email_job(sid, "report_failed"))
    await outbox.relay(d.pool, d.redis, d.settings.queue_name)
