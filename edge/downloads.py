"""Report downloads: the lasting link from the email, and the local store's signed, expiring file links; paused
while the payment is disputed."""

from __future__ import annotations

import html
import logging
import time
import uuid
from urllib.parse import quote

from aiohttp import web

from crb import links
from crb.downloads import DownloadableReport, live_report, request_render_again
from crb.errors import Conflict, Gone, NotFound, ServiceUnavailable, Unauthorized, error_body
from crb.settings import Settings
from crb.storage import PDF, LocalStore, StorageError
from edge.keys import POOL, RELAY, SETTINGS, STORE

log = logging.getLogger(__name__)

SIGNED_URL_SECONDS = 300  # the storage link behind a download redirect only needs to live a moment
WAIT_S = 5  # how often the waiting page looks again while a purged PDF is rendered again

_WAITING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{wait}"><title>Preparing your report</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2b3a">
<h1>Your report is being prepared again</h1>
<p>We keep report files for a while only, so {name} is being printed again from your answers, exactly as
before. This takes about a minute; the download starts by itself when it is ready.</p>
<p>If it does not, <a href="">try the link again</a>.</p>
</body></html>"""

_PAUSED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Downloads paused</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2b3a">
<h1>Downloads of this report are paused</h1>
<p>The payment for this report is disputed: the cardholder's bank is looking into it.</p>
<p>Downloads are paused while a payment dispute is open. When the bank decides for the payment, this link
works again.</p>
<p>{contact}</p>
</body></html>"""


async def download_report(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    try:
        report_id = uuid.UUID(request.match_info["report_id"])
    except ValueError:
        raise NotFound("no such report", field="report_id") from None
    if not links.download_token_ok(settings, report_id, request.query.get("token", "")):
        raise Unauthorized("this download link is not valid", field="token")
    async with request.app[POOL].acquire() as conn:
        report = await live_report(conn, report_id)
    if report is None:
        raise NotFound("no such report", field="report_id")
    if report.revoked:
        raise Gone("this report is no longer available", code="revoked")
    if report.paused:
        log.info("report %s: a download while its payment is disputed; paused", report.id)
        return _paused(request, settings)
    if report.status != "ready" or report.storage_path is None:
        raise Conflict(f"the report is not ready yet ({report.status})", code="not_ready")
    store = request.app[STORE]
    try:
        stored = report.purged_at is None and await store.exists(report.storage_path)
        url = await store.signed_url(report.storage_path, SIGNED_URL_SECONDS, report.file_name) if stored else None
    except StorageError as e:
        log.error("the store failed serving report %s: %s", report.id, e)
        raise ServiceUnavailable("the report store is not answering; please retry in a minute") from e
    if url is None:
        return await _rendering_again(request, report)
    raise web.HTTPFound(url)


async def _rendering_again(request: web.Request, report: DownloadableReport) -> web.Response:
    """Retention purged the PDF: a job renders it again from the same answers and date, and this answers 202
    with a page that looks again until it is stored (nothing slow runs in the edge)."""
    async with request.app[POOL].acquire() as conn:
        if await request_render_again(conn, report):
            log.info("report %s: its PDF was purged; queued to render again", report.id)
            request.app[RELAY].nudge()
    headers = {"Retry-After": str(WAIT_S), "Cache-Control": "no-store"}
    if "text/html" in request.headers.get("Accept", ""):
        page = _WAITING.format(wait=WAIT_S, name=html.escape(report.file_name))
        return web.Response(status=202, text=page, content_type="text/html", headers=headers)
    body = {"status": "rendering", "message": "the report is being prepared again", "retry_after_s": WAIT_S}
    return web.json_response(body, status=202, headers=headers)


def _paused(request: web.Request, settings: Settings) -> web.Response:
    """The report's payment is under an open dispute: a page saying so (JSON for a client that asks for it)."""
    support = settings.seller.support_email
    headers = {"Cache-Control": "no-store"}
    if _wants_json(request):
        where = f"write to {support}" if support else "reply to any of our emails"
        message = f"downloads are paused while a payment dispute is open; with questions, {where}"
        body = error_body("download_paused", message, support_email=support)
        return web.json_response(body, status=403, headers=headers)
    if support:
        address = html.escape(support)
        contact = f'Questions? Write to <a href="mailto:{address}">{address}</a>.'
    else:
        contact = "Questions? Reply to any of the emails we sent you about this order."
    return web.Response(status=403, text=_PAUSED.format(contact=contact), content_type="text/html", headers=headers)


def _wants_json(request: web.Request) -> bool:
    """An API client asks for JSON; a browser, or a client that names no type, gets the page."""
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


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
