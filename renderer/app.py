"""The renderer's HTTP app: report data or HTML in, PDF out, behind a bearer token and a bounded queue."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from crb import analysis, logs
from crb.report import ReportData
from crb.settings import RendererSettings
from renderer.admission import Admission
from renderer.charts import build_charts
from renderer.errors import ApiError, error_middleware
from renderer.html import font_css
from renderer.metrics import Metrics
from renderer.openapi import openapi_document
from renderer.pdf import count_pages, print_report
from renderer.pool import PoolLimits, Printer

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", RendererSettings)
PRINTER = web.AppKey("printer", Printer)
ADMISSION = web.AppKey("admission", Admission)
METRICS = web.AppKey("metrics", Metrics)
CHART_THREAD = web.AppKey("chart_thread", ThreadPoolExecutor)


def create_app(settings: RendererSettings) -> web.Application:
    app = web.Application(
        client_max_size=settings.renderer_max_body_bytes,
        middlewares=[logs.request_ids, error_middleware, auth_middleware],
    )
    app[SETTINGS] = settings
    app[ADMISSION] = Admission(settings.renderer_pages, settings.renderer_max_queue)
    app[METRICS] = Metrics()
    app.cleanup_ctx.append(chart_thread_ctx)
    app.cleanup_ctx.append(printer_ctx)
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
            web.get("/openapi.json", openapi),
            web.post("/v1/reports", post_report),
            web.post("/v1/pdf", post_pdf),
        ]
    )
    return app


async def printer_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    limits = PoolLimits.from_settings(settings)
    printer = Printer(settings.chromium_path, limits)
    await printer.start()
    app[PRINTER] = printer
    log.info(
        "renderer ready: %d pages, %d more jobs may queue, %g s per job, pages replaced every %d jobs, "
        "Chromium every %d",
        limits.pages,
        settings.renderer_max_queue,
        settings.renderer_job_timeout_s,
        limits.recycle_pages_after,
        limits.restart_after_jobs,
    )
    yield
    await printer.close()


async def chart_thread_ctx(app: web.Application) -> AsyncIterator[None]:
    # One thread, off the event loop: charts use matplotlib.rc_context, which changes process-wide settings.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts") as executor:
        app[CHART_THREAD] = executor
        # Build the embedded font subset (about a second, once per process) before the first report needs it.
        await asyncio.get_running_loop().run_in_executor(executor, font_css)
        yield


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/v1/") and not _authorised(request):
        raise ApiError(
            401,
            "unauthorized",
            "send Authorization: Bearer <RENDERER_TOKEN>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await handler(request)


async def healthz(request: web.Request) -> web.Response:
    connected = request.app[PRINTER].connected
    body = {"status": "ok" if connected else "unavailable", "browser": connected}
    return web.json_response(body, status=200 if connected else 503)


async def metrics(request: web.Request) -> web.Response:
    app = request.app
    body, content_type = app[METRICS].exposition(
        app[PRINTER].stats(), app[ADMISSION], request.headers.get("Accept", "")
    )
    return web.Response(body=body, headers={"Content-Type": content_type})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def post_report(request: web.Request) -> web.Response:
    app = request.app
    with app[METRICS].job("reports"):
        report = ReportData.model_validate(await _json_body(request))
        analysis.check(report)  # never print a report that contradicts itself (422 naming how)
        async with _job(app):
            charts = await asyncio.get_running_loop().run_in_executor(app[CHART_THREAD], build_charts, report)
            pdf = await print_report(app[PRINTER], report, charts)
    return _pdf_response(pdf)


async def post_pdf(request: web.Request) -> web.Response:
    app = request.app
    with app[METRICS].job("pdf"):
        if request.content_type != "text/html":
            raise ApiError(415, "unsupported_media_type", "send an HTML document as Content-Type: text/html")
        javascript = _flag(request.query, "javascript")
        html = await _text_body(request)
        async with _job(app):
            pdf = await app[PRINTER].print_html(html, javascript=javascript, timeout_s=None)
    return _pdf_response(pdf)


@contextlib.asynccontextmanager
async def _job(app: web.Application) -> AsyncIterator[None]:
    """A place in the queue (or QueueFull), and the job's deadline, the wait for a page included."""
    with app[ADMISSION].ticket():
        async with asyncio.timeout(app[SETTINGS].renderer_job_timeout_s):
            yield


def _authorised(request: web.Request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = request.app[SETTINGS].renderer_token.value
    return (
        scheme.lower() == "bearer" and bool(expected) and hmac.compare_digest(token.strip().encode(), expected.encode())
    )


async def _json_body(request: web.Request) -> Any:
    body = await request.read()
    try:
        return json.loads(body)
    except ValueError:  # also covers bytes that are not UTF-8
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None


async def _text_body(request: web.Request) -> str:
    body = await request.read()
    try:
        html = body.decode(request.charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        raise ApiError(400, "invalid_encoding", "the body does not match its declared charset") from None
    if not html.strip():
        raise ApiError(400, "empty_document", "the HTML document is empty")
    return html


def _flag(query: Mapping[str, str], name: str) -> bool:
    value = query.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ApiError(400, "invalid_parameter", f"{name} must be true or false", field=name)
    return value in ("true", "1")


def _pdf_response(pdf: bytes) -> web.Response:
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"X-Page-Count": str(count_pages(pdf)), "Content-Disposition": "inline"},
    )
