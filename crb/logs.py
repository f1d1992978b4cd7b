"""One log line schema for every service: JSON objects, one a line, with the request id of the work they belong to.

    {"time": "2026-12-03T18:20:01.123Z", "level": "INFO", "service": "edge", "logger": "edge.webhooks",
     "message": "...", "request_id": "8f3c...", "error": "Traceback ..."}

The edge and the renderer take a request's id from `X-Request-Id` (or make one), answer with it and show it in
every 5xx body; a worker's lines carry the id of the job they belong to, which it sends the renderer as the
request's id.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import secrets
import sys
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

REQUEST_ID: Final = contextvars.ContextVar[str | None]("request_id", default=None)
JOB_ID: Final = contextvars.ContextVar[str | None]("job_id", default=None)  # the arq job a worker's line is for
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # what a caller's id may look like; anything else is replaced


def request_id(given: str | None = None) -> str:
    """The caller's id if it is a plain token of at most 64 characters, else a new one."""
    return given if given is not None and _SAFE_ID.match(given) else secrets.token_hex(8)


class JsonLines(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (rid := REQUEST_ID.get()) is not None:
            line["request_id"] = rid
        if (job := JOB_ID.get()) is not None:
            line["job_id"] = job
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(service: str) -> None:
    """JSON lines on stderr at INFO, for `service` (edge, renderer, jobs)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(service))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request runs under its id (`X-Request-Id`, or a new one), which every answer carries back."""
    rid = request_id(request.headers.get("X-Request-Id"))
    token = REQUEST_ID.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as e:  # redirects and the like, raised: they carry it too
        e.headers["X-Request-Id"] = rid
        raise
    finally:
        REQUEST_ID.reset(token)
    response.headers["X-Request-Id"] = rid
    return response
