"""The renderer's HTTP app: report data or HTML in, PDF out, behind a bearer token."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from crb.report import ReportData
from crb.settings import Settings
from renderer.browser import DEFAULT_TIMEOUT_S, Printer
from renderer.errors import ApiError, error_middleware
from renderer.pdf import count_pages, report_html

MAX_BODY_BYTES = 5 * 1024 * 1024

SETTINGS = web.AppKey("settings", Settings)
PRINTER = web.AppKey("printer", Printer)
CHART_THREAD = web.AppKey("chart_thread", ThreadPoolExecutor)
JOB_TIMEOUT_S = web.AppKey("job_timeout_s", float)


def create_app(settings: Settings, *, job_timeout_s: float = DEFAULT_TIMEOUT_S) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[error_middleware, auth_middleware],
    )
    app[SETTINGS] = settings
    app[JOB_TIMEOUT_S] = job_timeout_s
    app.cleanup_ctx.append(chart_thread_ctx)
    app.cleanup_ctx.append(printer_ctx)
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.post("/v1/reports", post_report),
            web.post("/v1/pdf", post_pdf),
        ]
    )
    return app


async def printer_ctx(app: web.Application) -> AsyncIterator[None]:
    printer = Printer(app[SETTINGS].chromium_path)
    await printer.start()
    app[PRINTER] = printer
    yield
    await printer.close()


async def chart_thread_ctx(app: web.Application) -> AsyncIterator[None]:
    # One thread: charts use matplotlib.rc_context, which changes process-wide settings.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts") as executor:
        app[CHART_THREAD] = executor
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
    return web.json_response({"status": "ok", "browser": request.app[PRINTER].connected})


async def post_report(request: web.Request) -> web.Response:
    report = ReportData.model_validate(await _json_body(request))
    loop = asyncio.get_running_loop()
    html = await loop.run_in_executor(request.app[CHART_THREAD], report_html, report)
    pdf = await request.app[PRINTER].print_html(html, timeout_s=request.app[JOB_TIMEOUT_S])
    return _pdf_response(pdf)


async def post_pdf(request: web.Request) -> web.Response:
    if request.content_type != "text/html":
        raise ApiError(415, "unsupported_media_type", "send an HTML document as Content-Type: text/html")
    javascript = _flag(request.query, "javascript")
    html = await _text_body(request)
    pdf = await request.app[PRINTER].print_html(html, javascript=javascript, timeout_s=request.app[JOB_TIMEOUT_S])
    return _pdf_response(pdf)


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
