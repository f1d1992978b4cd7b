"""Domain errors that the services map to HTTP status codes and a JSON error body."""

from __future__ import annotations


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
