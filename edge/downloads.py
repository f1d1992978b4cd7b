"""Report downloads: the lasting link from the email, and the local store's signed, expiring file links."""

from __future__ import annotations

import time
import uuid

from aiohttp import web

from crb import links
from crb.errors import Conflict, Gone, NotFound, Unauthorized
from crb.storage import PDF, LocalStore
from edge.keys import POOL, SETTINGS, STORE

SIGNED_URL_SECONDS = 300  # the storage link behind a download redirect only needs to live a moment


async def download_report(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        report_id = uuid.UUID(request.match_info["report_id"])
    except ValueError:
        raise NotFound("no such report", field="report_id") from None
    if not links.download_token_ok(settings, report_id, request.query.get("token", "")):
        raise Unauthorized("this download link is not valid", field="token")
    row = await request.app[POOL].fetchrow(
        "select r.status, r.storage_path, s.status as session_status, s.erased_at"
        " from reports r join quiz_sessions s on s.id = r.session_id where r.id = $1",
        report_id,
    )
    if row is None:
        raise NotFound("no such report", field="report_id")
    if row["session_status"] == "refunded" or row["erased_at"] is not None:
        raise Gone("this report is no longer available", code="revoked")
    if row["status"] != "ready":
        raise Conflict(f"the report is not ready yet ({row['status']})", code="not_ready")
    url = await request.app[STORE].signed_url(row["storage_path"], SIGNED_URL_SECONDS)
    raise web.HTTPFound(url)


async def local_file(request: web.Request) -> web.FileResponse:
    """Serves LocalStore files behind its signed links (development and single-machine installs)."""
    store = request.app[STORE]
    path = request.match_info["path"]
    if not isinstance(store, LocalStore):
        raise NotFound("files are served by the storage provider")
    try:
        ok = store.verify(path, request.query.get("expires", ""), request.query.get("sig", ""), time.time())
    except ValueError:
        ok = False
    if not ok:
        raise Unauthorized("this file link is not valid or has expired", field="sig")
    file = store.file(path)
    if not file.is_file():
        raise NotFound("the file is gone")
    return web.FileResponse(file, headers={"Content-Type": PDF, "Cache-Control": "private, no-store"})
