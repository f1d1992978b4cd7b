"""Domain errors that the services map to HTTP status codes, and the one JSON error body both services answer."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """`{"error": {"code", "message", "field", ...}}`: what the edge and the renderer answer for every failure.

    `code` is stable and machine-readable, `message` is safe to show, `field` names the input at fault (null when
    none does); `extra` adds details (e.g. every invalid answer).
    """
    return {"error": {"code": code, "message": message, "field": field, **extra}}


class DomainError(Exception):
    """An expected failure with a safe message; `status` is its HTTP mapping."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Gone(DomainError):
    status, code = 410, "gone"


class Unprocessable(DomainError):
    status, code = 422, "invalid"


class UpstreamError(DomainError):
    status, code = 502, "upstream_error"


class ServiceUnavailable(DomainError):
    status, code = 503, "unavailable"
