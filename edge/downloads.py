"""Report downloads: the lasting link from the email, and the local store's signed, expiring file links."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any
from urllib.parse import quote

from aiohttp import web

from crb import links
from crb.errors import Conflict, Gone, NotFound, ServiceUnavailable, Unauthorized
from crb.renderer_client import RendererError
from crb.rendering import build_report_data
from crb.storage import PDF, LocalStore, StorageError
from edge.keys import POOL, RENDERER, SETTINGS, STORE

log = logging.getLogger(__name__)

SIGNED_URL_SECONDS = 300  # the storage link behind a download redirect only needs to live a moment


async def download_report(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        report_id = uuid.UUID(request.match_info["report_id"])
    except ValueError:
        raise NotFound("no such report", field="report_id") from None
    if not links.download_token_ok(settings, report_id, request.query.get("token", "")):
        raise Unauthorized("this download link is not valid", field="token")
    row = await _live_report(request, report_id)
    if row is None:
        raise NotFound("no such report", field="report_id")
    if row["session_status"] == "refunded" or row["erased_at"] is not None:
        raise Gone("this report is no longer available", code="revoked")
    if row["status"] != "ready":
        raise Conflict(f"the report is not ready yet ({row['status']})", code="not_ready")
    raise web.HTTPFound(await _stored_url(request, row))


async def _stored_url(request: web.Request, row: Any) -> str:
    """A short-lived storage link to the report's PDF, rendered again first if it is no longer stored."""
    store = request.app[STORE]
    try:
        if row["purged_at"] is not None or not await store.exists(row["storage_path"]):
            await _render_again(request, row)
        return await store.signed_url(row["storage_path"], SIGNED_URL_SECONDS, download_name(row))
    except StorageError as e:
        log.error("the store failed serving report %s: %s", row["id"], e)
        raise ServiceUnavailable("the report store is not answering; please retry in a minute") from e


def download_name(row: Any) -> str:
    """The file name a browser saves the report as: named for the company, safe on every file system."""
    company = "".join(c for c in (row["company_name"] or "") if c.isalnum() or c in " &.,-_'").strip()
    return f"CRB report - {company}.pdf" if company else "CRB report.pdf"


async def _live_report(request: web.Request, report_id: uuid.UUID) -> Any:
    """The report a link names or, if it was regenerated since, the session's live one (old emails keep working)."""
    return await request.app[POOL].fetchrow(
        "select r.id, r.status, r.storage_path, r.purged_at, r.ready_at, s.status as session_status, s.erased_at,"
        " s.answers, s.tier, s.company_name from reports r join quiz_sessions s on s.id = r.session_id"
        " where r.session_id = (select session_id from reports where id = $1)"
        " and (r.id = $1 or r.status <> 'superseded') order by (r.status = 'superseded'), r.version desc limit 1",
        report_id,
    )


async def _render_again(request: web.Request, row: Any) -> None:
    """A PDF purged by retention is rendered again from the same answers and date, stored, and served."""
    report = build_report_data(request.app[SETTINGS], row, row["ready_at"].date())
    try:
        rendered = await request.app[RENDERER].render(report)
        await request.app[STORE].upload(row["storage_path"], rendered.content)
    except (RendererError, StorageError) as e:
        log.error("could not render report %s again: %s", row["id"], e)
        raise ServiceUnavailable("the report is being prepared again; please retry in a minute") from e
    await request.app[POOL].execute(
        "update reports set purged_at = null, size_bytes = $2, updated_at = now() where id = $1",
        row["id"],
        len(rendered.content),
    )
    log.info("report %s rendered again after retention purged it", row["id"])


async def local_file(request: web.Request) -> web.FileResponse:
    """Serves LocalStore files behind its signed links (development and single-machine installs)."""
    store = request.app[STORE]
    path = request.match_info["path"]
    if not isinstance(store, LocalStore):
        raise NotFound("files are served by the storage provider")
    try:
        name = request.query.get("name", "")
        ok = store.verify(path, request.query.get("expires", ""), request.query.get("sig", ""), name, time.time())
    except ValueError:
        ok = False
    if not ok:
        raise Unauthorized("this file link is not valid or has expired", field="sig")
    file = store.file(path)
    if not file.is_file():
        raise NotFound("the file is gone")
    headers = {"Content-Type": PDF, "Cache-Control": "private, no-store"}
    if name:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return web.FileResponse(file, headers=headers)
