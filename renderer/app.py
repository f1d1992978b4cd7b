"""The renderer's HTTP app: report data or HTML in, PDF out, behind a bearer token and a bounded queue; and
Gotenberg's routes for the services that speak Gotenberg (renderer.gotenberg)."""

from __future__ import annotations

import asyncio
import base64
import binascii
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
from renderer import gotenberg
from renderer.admission import Admission
from renderer.charts import build_charts
from renderer.errors import ApiError, error_middleware
from renderer.html import font_css
from renderer.metrics import Metrics
from renderer.openapi import openapi_document
from renderer.options import PLAIN, OptionError
from renderer.pdf import print_report
from renderer.pdfinfo import set_info
from renderer.pool import PoolLimits, Printer
from renderer.print_request import FIELDS, PrintRequest, check_names, read_print_request
from renderer.state import ADMISSION, CHART_THREAD, METRICS, PRINTER, SETTINGS, guarded, pdf_response

__all__ = ["ADMISSION", "CHART_THREAD", "METRICS", "PRINTER", "SETTINGS", "create_app"]

log = logging.getLogger(__name__)

# The routes behind the token: ours under /v1, Gotenberg's under /forms (which take it as Basic auth's password too).
PROTECTED = ("/v1/", "/forms/")


def create_app(settings: RendererSettings) -> web.Application:
    app = web.Application(
        client_max_size=settings.renderer_max_body_bytes,
        middlewares=[gotenberg.traces, logs.request_ids, error_middleware, auth_middleware],
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
            web.get("/health", gotenberg.health),
            web.get("/version", gotenberg.version),
            web.post("/forms/chromium/convert/html", gotenberg.convert_html),
            web.post("/forms/pdfengines/merge", gotenberg.merge),
            web.post("/forms/{route:.*}", gotenberg.other_route),
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
    if request.path.startswith(PROTECTED) and not _authorised(request):
        if request.path.startswith("/forms/"):
            message = "send Authorization: Bearer <RENDERER_TOKEN>, or Basic auth with RENDERER_TOKEN as the password"
            challenge = 'Bearer, Basic realm="renderer"'
        else:
            message, challenge = "send Authorization: Bearer <RENDERER_TOKEN>", "Bearer"
        raise ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})
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
        async with guarded(app):
            charts = await asyncio.get_running_loop().run_in_executor(app[CHART_THREAD], build_charts, report)
            pdf = await print_report(app[PRINTER], report, charts)
    return pdf_response(pdf)


async def post_pdf(request: web.Request) -> web.Response:
    """An HTML body with the print options in the query string, or JSON with `html` and the options beside it."""
    app = request.app
    with app[METRICS].job("pdf"):
        match request.content_type:
            case "text/html":
                html, asked = await _text_body(request), _query_request(request.query)
            case "application/json":
                html, asked = _json_request(await _json_body(request))
            case _:
                message = "send an HTML document as Content-Type: text/html, or JSON with it as application/json"
                raise ApiError(415, "unsupported_media_type", message)
        async with guarded(app):
            pdf = await app[PRINTER].print_html(
                html, javascript=asked.javascript, timeout_s=None, options=asked.options, wait_for=asked.wait_for
            )
            if asked.info:
                pdf = await asyncio.to_thread(set_info, pdf, asked.info)
    return pdf_response(pdf)


def _query_request(query: Mapping[str, str]) -> PrintRequest:
    """The print options of the query string (400 naming a bad one, as for any parameter)."""
    check_names(query, FIELDS)
    return read_print_request(query, PLAIN)


def _json_request(body: Any) -> tuple[str, PrintRequest]:
    """`{"html": ..., <options>}`; 422 naming the field at fault, as for any JSON body that breaks its schema."""
    try:
        if not isinstance(body, dict):
            raise OptionError("html", "send a JSON object with the document under html")
        html = body.get("html")
        if not isinstance(html, str) or not html.strip():
            raise OptionError("html", "must be the HTML document, a non-empty string")
        options = {name: value for name, value in body.items() if name != "html" and value is not None}  # null: unset
        check_names(options, FIELDS)
        return html, read_print_request(options, PLAIN)
    except OptionError as exc:
        raise ApiError(422, "invalid_request", exc.message, field=exc.field) from None


def _authorised(request: web.Request) -> bool:
    """The bearer token; or on Gotenberg's routes, Basic auth with any user name and the token as the password,
    which is how Gotenberg clients authenticate (gotenberg-client's `auth=(user, password)`)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    expected = request.app[SETTINGS].renderer_token.value
    match scheme.lower():
        case "bearer":
            token = credentials.strip()
        case "basic" if request.path.startswith("/forms/"):
            token = _basic_password(credentials)
        case _:
            return False
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def _basic_password(credentials: str) -> str:
    """The password of Basic credentials (RFC 7617), or "" when they are not well formed."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


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
