"""One JSON log line schema, with the request's or the job's id; request ids from outside only when plain."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from crb import logs


def line(record: logging.LogRecord, service: str = "edge") -> dict[str, object]:
    parsed: dict[str, object] = json.loads(logs.JsonLines(service).format(record))
    return parsed


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = sys.exc_info() if exc else None
    return logging.LogRecord("edge.webhooks", logging.WARNING, __file__, 1, message, args, info)


def test_a_line_is_one_json_object_with_the_schema_every_service_writes() -> None:
    got = line(record("stripe event %s: %s", "evt_1", "fulfilled"), "jobs")
    assert set(got) == {"time", "level", "service", "logger", "message"}
    assert (got["level"], got["service"], got["logger"]) == ("WARNING", "jobs", "edge.webhooks")
    assert got["message"] == "stripe event evt_1: fulfilled"
    assert str(got["time"]).endswith("+00:00")


def test_the_request_and_job_ids_and_the_error_are_in_the_line() -> None:
    request, job = logs.REQUEST_ID.set("req-1"), logs.JOB_ID.set("report:abc")
    try:
        try:
            raise ValueError("boom ü")
        except ValueError:
            got = line(record("failed", exc=True))
    finally:
        logs.REQUEST_ID.reset(request)
        logs.JOB_ID.reset(job)
    assert (got["request_id"], got["job_id"]) == ("req-1", "report:abc")
    assert "ValueError: boom ü" in str(got["error"])


@pytest.mark.parametrize("given", ["abc-123", "0f1e2d3c4b5a6978", "trace:1.2_3"])
def test_a_plain_request_id_from_outside_is_kept(given: str) -> None:
    assert logs.request_id(given) == given


@pytest.mark.parametrize("given", [None, "", "a" * 65, "two words", 'quote"', "line\nbreak", "ünï"])
def test_anything_else_gets_an_id_of_its_own(given: str | None) -> None:
    made = logs.request_id(given)
    assert made != given and len(made) == 16 and made.isalnum()


async def test_every_answer_carries_the_request_id(aiohttp_client: AiohttpClient) -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(logs.REQUEST_ID.get())
        if request.path == "/away":
            raise web.HTTPFound("/elsewhere")
        return web.Response(text="ok")

    app = web.Application(middlewares=[logs.request_ids])
    app.router.add_get("/ok", handler)
    app.router.add_get("/away", handler)
    client = await aiohttp_client(app)
    given = await client.get("/ok", headers={"X-Request-Id": "from-the-proxy"})
    made = await client.get("/ok")
    moved = await client.get("/away", allow_redirects=False)
    assert given.headers["X-Request-Id"] == "from-the-proxy"
    assert seen == ["from-the-proxy", made.headers["X-Request-Id"], moved.headers["X-Request-Id"]]
    assert moved.status == 302 and logs.REQUEST_ID.get() is None
