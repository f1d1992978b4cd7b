"""The report jobs: answers → report data → renderer → storage → ready → report-ready email, with retries; and a
ready report's PDF, purged by retention, rendered again when its download is asked for."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from arq import Retry
from pydantic import ValidationError

from crb import db, lifecycle, outbox, reports, sessions
from crb.analysis import ReportInconsistent
from crb.db import Connection
from crb.fulfilment import email_job
from crb.renderer_client import RendererError, RendererRefused
from crb.rendering import build_report_data, count_pages
from crb.report import ReportData
from crb.reports import Report
from crb.sessions import QuizSession
from crb.storage import StorageError
from jobs.context import Deps, deps
from jobs.retry import OUTAGE, RETRIES, resilient

log = logging.getLogger(__name__)

# Attempts across jobs: reconcile queues a stuck report again as a fresh job, with a fresh try counter, so
# only the count kept on the report stops one that can never be made (or that kills its worker) for good.
MAX_ATTEMPTS = 3 * RETRIES.report.tries
LIVE = ("pending", "generating")  # a report still to be made; any other status is final for this job
# Worth another try: the renderer, storage or the database was down, busy or slow. Anything else (a bug,
# answers the engine refuses) would fail the same way again, so it is final at once.
TRANSIENT = (RendererError, StorageError, *db.UNAVAILABLE, asyncpg.TransactionRollbackError)
ANOTHER_RUN = "nothing to do (finished by another run)"


def storage_path(session_id: uuid.UUID, report_id: uuid.UUID) -> str:
    return f"{session_id}/{report_id}.pdf"


@resilient("report")
async def generate_report(ctx: dict[str, Any], report_id: str) -> str:
    """arq job: build, render, store and mark one report ready; safe to run again at any point."""
    d = deps(ctx)
    rid = uuid.UUID(report_id)
    report, session = await _report_and_session(d, rid)
    if report is None or session is None or report.status not in LIVE:
        return f"nothing to do ({report.status if report else 'no such report'})"
    sid = session.id
    if session.status in lifecycle.NOT_ENTITLED or session.erased:
        return await _not_needed(d, rid, sid, _why_not(session))
    attempts = await _claim(d, rid, sid)
    if attempts is None:
        return ANOTHER_RUN
    if attempts > MAX_ATTEMPTS:
        return await give_up(d, rid, sid, f"gave up after {MAX_ATTEMPTS} attempts")
    try:
        return await _build(d, rid, session)
    except ReportInconsistent as e:  # our bug: the customer gets the failure email, never a contradictory report
        log.error("report %s contradicts itself and was not sent: %s", rid, "; ".join(e.problems))
        return await give_up(d, rid, sid, f"report failed its consistency check: {e}")
    except RendererRefused as e:  # a RendererError, but one no retry can fix
        log.error("the renderer refused report %s for good: %s", rid, e)
        return await give_up(d, rid, sid, str(e))
    except TRANSIENT as e:
        return await _retry_or_give_up(d, rid, sid, e, int(ctx.get("job_try", 1)), attempts)
    except Exception as e:
        log.exception("report %s failed for good (not worth another try)", rid)
        return await give_up(d, rid, sid, repr(e))


async def _report_and_session(d: Deps, rid: uuid.UUID) -> tuple[Report | None, QuizSession | None]:
    async with d.pool.acquire() as conn:
        report = await reports.find(conn, rid)
        return report, await sessions.find(conn, report.session_id) if report else None


async def _retry_or_give_up(d: Deps, rid: uuid.UUID, sid: uuid.UUID, e: Exception, job_try: int, attempts: int) -> str:
    log.warning("report %s try %d (attempt %d) failed: %s", rid, job_try, attempts, e)
    if d.retries.report.exhausted(job_try) or attempts >= MAX_ATTEMPTS:
        return await give_up(d, rid, sid, str(e))
    await d.pool.execute(
        "update reports set error = $2, updated_at = now() where id = $1 and status = 'generating'", rid, str(e)[:2000]
    )
    raise Retry(defer=d.retries.report.defer_s(job_try)) from e


async def _claim(d: Deps, rid: uuid.UUID, sid: uuid.UUID) -> int | None:
    """Count this attempt; None if the report was finished meanwhile (by another run, or an operator)."""
    async with d.pool.acquire() as conn, conn.transaction():
        attempts: int | None = await conn.fetchval(
            "update reports set status = 'generating', attempts = attempts + 1, started_at = now(),"
            " updated_at = now() where id = $1 and status in ('pending', 'generating') returning attempts",
            rid,
        )
        if attempts is not None:
            await lifecycle.start_generating(conn, sid)
    return attempts


async def _build(d: Deps, rid: uuid.UUID, session: QuizSession) -> str:
    path = storage_path(session.id, rid)
    printed = await _pdf(d, path, session)
    async with d.pool.acquire() as conn, conn.transaction():
        # The session is locked first, as a refund, an erasure and a regeneration lock it: none of them
        # can slip in between this check and the commit.
        current = await sessions.get(conn, session.id, for_update=True)
        entitled = lifecycle.can("deliver", current.status) and not current.erased
        ready = entitled and await _mark_ready(conn, rid, path, printed, d)
        if ready:
            await lifecycle.deliver(conn, session.id)
            # Only now, with the report stored and marked ready, may the customer be told it is ready.
            await outbox.add(conn, email_job(session.id, "report_ready"))
    if not ready:  # refunded or erased while it rendered, or finished by another run
        return await _not_needed(d, rid, session.id, _why_not(current))
    await _relay(d)
    return "ready"


@resilient("report")
async def render_again(ctx: dict[str, Any], report_id: str) -> str:
    """arq job: a ready report whose PDF retention purged is rendered again from the same answers and date, and
    stored with its new hash, size and page count (the download's waiting page then finds it)."""
    d = deps(ctx)
    rid = uuid.UUID(report_id)
    report, session = await _report_and_session(d, rid)
    if report is None or session is None:
        return "nothing to do (no such report)"
    if report.status != "ready" or report.storage_path is None or report.ready_at is None:
        return await _render_request_done(d, rid, f"nothing to do (report {report.status})")
    if session.status in lifecycle.NOT_ENTITLED or session.erased:
        return await _render_request_done(d, rid, f"nothing to do ({_why_not(session)})")
    path = report.storage_path
    try:
        if report.purged_at is None and await d.store.exists(path):
            return await _render_request_done(d, rid, "nothing to do (stored)")
        rendered = await d.renderer.render(_printed_from(d, report, session, report.ready_at.date()))
        await d.store.upload(path, rendered.content)
    except TRANSIENT as e:
        job_try = int(ctx.get("job_try", 1))
        log.warning("rendering report %s again, try %d, failed: %s", rid, job_try, e)
        if d.retries.report.exhausted(job_try):
            return await _render_request_done(d, rid, f"failed: {e}")  # the next visit asks again
        raise Retry(defer=d.retries.report.defer_s(job_try)) from e
    except Exception as e:
        log.exception("report %s could not be rendered again", rid)
        return await _render_request_done(d, rid, f"failed: {e!r}")
    async with d.pool.acquire() as conn, conn.transaction():
        current = await sessions.get(conn, session.id, for_update=True)
        kept = current.status not in lifecycle.NOT_ENTITLED and not current.erased
        stored = kept and await conn.fetchval(
            "update reports set purged_at = null, size_bytes = $2, page_count = $3, sha256 = $4,"
            " render_requested_at = null, updated_at = now() where id = $1 and status = 'ready' returning id",
            rid,
            len(rendered.content),
            rendered.page_count,
            hashlib.sha256(rendered.content).hexdigest(),
        )
    if not stored:  # refunded or erased while it rendered: the file goes again
        await d.store.delete([path])
        return await _render_request_done(d, rid, "not stored (no longer the customer's)")
    log.info("report %s rendered again after retention purged it", rid)
    return "rendered again"


def _printed_from(d: Deps, report: Report, session: QuizSession, day: dt.date) -> ReportData:
    """The data the report was printed from: as stored, or (stored before it was kept, or in an older schema)
    built again from the same answers and date."""
    if report.data is not None:
        try:
            return ReportData.model_validate(report.data)
        except ValidationError:
            log.info("report %s keeps its data in an older schema: built again from the answers", report.id)
    return build_report_data(d.settings, session, day)


async def _render_request_done(d: Deps, rid: uuid.UUID, outcome: str) -> str:
    await d.pool.execute("update reports set render_requested_at = null, updated_at = now() where id = $1", rid)
    return outcome


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int | None
    data: ReportData | None  # what it was printed from; None for a PDF an earlier try stored


async def _pdf(d: Deps, path: str, session: QuizSession) -> Printed:
    if await d.store.exists(path):  # an earlier try stored it and died before saying so: reuse it
        pdf = await d.store.download(path)
        d.recent_pdfs.add(path, pdf)
        return Printed(pdf, count_pages(pdf), None)
    report = build_report_data(d.settings, session, d.now().date())
    rendered = await d.renderer.render(report)
    await d.store.upload(path, rendered.content)
    d.recent_pdfs.add(path, rendered.content)  # the report email attaches these bytes, not a download
    return Printed(rendered.content, rendered.page_count, report)


async def _mark_ready(conn: Connection, rid: uuid.UUID, path: str, printed: Printed, d: Deps) -> bool:
    """False if the report is no longer being made: a late run never overwrites a finished one."""
    marked = await conn.fetchval(
        "update reports set status = 'ready', storage_path = $2, size_bytes = $3, page_count = $4,"
        " sha256 = $5, ready_at = $6, data = $7, updated_at = now(), error = null, purged_at = null"
        " where id = $1 and status = 'generating' returning id",
        rid,
        path,
        len(printed.pdf),
        printed.pages,
        hashlib.sha256(printed.pdf).hexdigest(),
        d.now(),
        printed.data.model_dump(mode="json") if printed.data else None,
    )
    return marked is not None


async def _drop_unrecorded(d: Deps, rid: uuid.UUID, path: str) -> None:
    """Delete an upload that the report does not name (it never became ready): a ready one is kept."""
    if await d.pool.fetchval("select storage_path from reports where id = $1", rid) != path:
        await d.store.delete([path])


async def _relay(d: Deps) -> None:
    """Hand the jobs just recorded to Redis now; Redis away, the relay's next run (every 30 s) hands them over."""
    try:
        await outbox.relay(d.pool, d.redis, d.settings.queue_name)
    except OUTAGE as e:
        log.warning("the outbox relay after this job failed (%r): its next run hands the jobs over", e)


def _why_not(session: QuizSession) -> str:
    return "session erased" if session.erased else f"session {session.status}"


async def _not_needed(d: Deps, rid: uuid.UUID, sid: uuid.UUID, why: str) -> str:
    """The session may no longer have its report (refunded or erased before it was ready): no file is kept,
    and a report still being made becomes final (failed, with the reason), so that reconcile stops queueing
    it. A report another run finished is left as it is."""
    await _drop_unrecorded(d, rid, storage_path(sid, rid))  # first: if it fails, the job is tried again
    marked = await d.pool.fetchval(
        "update reports set status = 'failed', error = $2, updated_at = now()"
        " where id = $1 and status in ('pending', 'generating') returning id",
        rid,
        f"not needed: {why}",
    )
    return f"not delivered ({why})" if marked else ANOTHER_RUN


async def give_up(d: Deps, rid: uuid.UUID, sid: uuid.UUID, error: str) -> str:
    """After the last try: the session is failed and the customer is told, exactly once."""
    async with d.pool.acquire() as conn, conn.transaction():
        # Only a report still being made fails: a late failure never undoes a run that finished it.
        report = await conn.fetchval(
            "update reports set status = 'failed', error = $2, updated_at = now()"
            " where id = $1 and status in ('pending', 'generating') returning id",
            rid,
            error[:2000],
        )
        failed = report is not None and await lifecycle.fail(conn, sid)
        if failed:
            await outbox.add(conn, email_job(sid, "report_failed"))
    if report is None:
        return ANOTHER_RUN
    await _relay(d)
    return "failed"
