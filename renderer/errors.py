"""One error middleware: every failure becomes `crb.errors.error_body` with its status, as the edge answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from crb import logs
from crb.analysis import ReportInconsistent
from crb.errors import error_body
from renderer.admission import QueueFull
from renderer.browser import DocumentError
from renderer.merge import MergeError
from renderer.options import OptionError
from renderer.pool import PrintError
from renderer.supervisor import BrowserUnavailable

log = logging.getLogger(__name__)

_HTTP_CODES = {
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """A failure the client caused or can act on, with a message safe to show it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    extra = {"request_id": logs.REQUEST_ID.get()} if status >= 500 else {}  # to find its log lines
    return web.json_response(error_body(code, message, field, **extra), status=status, headers=headers)


def api_error(exc: Exception) -> ApiError:
    """What the client is told about a failure: never more than is safe to show it."""
    match exc:
        case ApiError():
            return exc
        case ValidationError():
            return _validation_error(exc)
        case ReportInconsistent():
            return ApiError(422, "inconsistent_report", f"the report contradicts itself: {exc}")
        case OptionError():
            return ApiError(400, "invalid_parameter", exc.message, field=exc.field)
        case DocumentError():
            return ApiError(400, "unprintable_document", str(exc))
        case MergeError():
            return ApiError(400, "invalid_pdf", str(exc))
        case web.HTTPException():  # a 405 keeps its Allow header (RFC 9110)
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
            return ApiError(exc.status, _HTTP_CODES.get(exc.status, _snake(exc.reason)), exc.reason, headers=allow)
        case QueueFull():
            retry = {"Retry-After": str(exc.retry_after_s)}
            return ApiError(503, "busy", "the renderer is at capacity; retry later", headers=retry)
        case BrowserUnavailable():
            retry = {"Retry-After": "1"}
            return ApiError(503, "browser_unavailable", "the browser is restarting; retry shortly", headers=retry)
        case TimeoutError():
            return ApiError(504, "timeout", "rendering took too long and was stopped")
        case PrintError():
            return ApiError(500, "render_failed", "the browser could not print the document")
        case _:
            return ApiError(500, "internal_error", "the document could not be rendered")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _respond(request, exc)
    except Exception as exc:
        return _respond(request, exc)


def _respond(request: web.Request, exc: Exception) -> web.Response:
    error = api_error(exc)
    if error.code == "internal_error":
        log.error("%s %s failed", request.method, request.path, exc_info=exc)
    elif error.status >= 500:
        log.warning("%s %s: %s: %s", request.method, request.path, error.code, _causes(exc))
    return error_response(error.status, error.code, error.message, error.field, error.headers)


def _causes(exc: BaseException) -> str:
    """The exception and its causes on one line, for the log (never for the client)."""
    parts = []
    current: BaseException | None = exc
    while current is not None:
        parts.append(f"{type(current).__name__}: {current}".splitlines()[0])
        current = current.__cause__
    return " <- ".join(parts)


def _validation_error(exc: ValidationError) -> ApiError:
    """422 naming the first invalid field by its dotted path, e.g. `findings.0.title`."""
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = f"{field}: {first['msg']}" if field else first["msg"]
    return ApiError(422, "invalid_report", message, field=field)


def _snake(reason: str) -> str:
    return reason.lower().replace(" ", "_")
