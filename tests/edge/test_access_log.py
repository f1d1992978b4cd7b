"""The edge's access log over real HTTP: method, raw path, status, size and time, and never a query string."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from edge.access_log import AccessLogger
from tests.journey import Client

LINE = re.compile(r"(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) (?P<size>\d+) (?P<time>\d+\.\d{6})s")


class Lines(logging.Handler):
    """Keeps each access log line; `next()` waits for the next one (the server logs after it has answered)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._read = 0
        self._arrived = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self._arrived.set()

    async def next(self) -> str:
        async with asyncio.timeout(5):
            while len(self.lines) <= self._read:
                self._arrived.clear()
                await self._arrived.wait()
        self._read += 1
        return self.lines[self._read - 1]


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/files/abc/report.pdf?expires=1&sig=signed-url-signature")


async def anything(request: web.Request) -> web.Response:
    return web.Response(text=f"{request.method} {request.path}")


def small_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/api/reports/{id}/download", redirect)
    app.router.add_post("/api/sessions", anything)
    app.router.add_get("/{path:(api|files)/.*}", anything)
    return app


@pytest.fixture
async def logged() -> AsyncIterator[tuple[Client, Lines]]:
    """A server on loopback that logs its requests through AccessLogger, and the lines it writes."""
    lines = Lines()
    logger = logging.getLogger("tests.edge.access_log")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(lines)
    server = TestServer(small_app(), host="127.0.0.1")
    await server.start_server(access_log_class=AccessLogger, access_log=logger)
    client: Client = TestClient(server)
    await client.start_server()
    yield client, lines
    await client.close()
    logger.removeHandler(lines)


def fields(line: str) -> dict[str, str]:
    match = LINE.fullmatch(line)
    assert match, f"not an access log line: {line!r}"
    return match.groupdict()


async def sent(client: Client, method: bytes, target: bytes) -> bytes:
    """The whole response, as it crossed the wire, to a request sent as these bytes (no client re-encodes it)."""
    assert client.server.host is not None and client.server.port is not None
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(method + b" " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    return response


def status_of(response: bytes) -> str:
    return response.split(b" ", 2)[1].decode()


async def test_a_line_holds_method_path_status_size_and_time_and_nothing_else(logged: tuple[Client, Lines]) -> None:
    client, lines = logged
    response = await sent(client, b"GET", b"/hello")
    assert response.endswith(b"\r\n\r\nhello")
    line = fields(await lines.next())
    assert {k: line[k] for k in ("method", "path", "status")} == {"method": "GET", "path": "/hello", "status": "200"}
    assert 0 <= float(line["time"]) < 5


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        (b"GET", b"/hello", "200"),
        (b"GET", b"/api/reports/r1/download", "302"),
        (b"GET", b"/nowhere", "404"),
        (b"POST", b"/api/sessions", "200"),
        (b"PUT", b"/hello", "405"),
    ],
)
async def test_the_size_is_every_byte_sent_headers_included(
    logged: tuple[Client, Lines], method: bytes, path: bytes, status: str
) -> None:
    """As aiohttp's own `%b`: the response's size on the wire, status line and headers included."""
    client, lines = logged
    response = await sent(client, method, path)
    line = fields(await lines.next())
    assert (line["method"], line["path"], line["status"]) == (method.decode(), path.decode(), status)
    assert status_of(response) == status
    assert int(line["size"]) == len(response)


@pytest.mark.parametrize(
    ("target", "path", "secrets"),
    [
        ("/api/reports/r1/download?token=lasting-download-token", "/api/reports/r1/download", ["lasting-download"]),
        (
            "/files/s1/report.pdf?expires=1999999999&sig=file-link-signature&name=M%C3%BCller.pdf",
            "/files/s1/report.pdf",
            ["1999999999", "file-link-signature", "M%C3%BCller", "Müller"],
        ),
        ("/api/unsubscribe?token=s1.unsubscribe-signature", "/api/unsubscribe", ["unsubscribe-signature"]),
        ("/api/quiz?", "/api/quiz", []),
    ],
)
async def test_the_query_string_never_reaches_the_log(
    logged: tuple[Client, Lines], target: str, path: str, secrets: list[str]
) -> None:
    client, lines = logged
    await (await client.get(target, allow_redirects=False)).read()
    line = await lines.next()
    assert fields(line)["path"] == path
    assert "?" not in line and "=" not in line
    for secret in secrets:
        assert secret not in line


async def test_headers_never_reach_the_log(logged: tuple[Client, Lines]) -> None:
    client, lines = logged
    headers = {
        "Authorization": "Bearer session-bearer-token",
        "Cookie": "sid=cookie-secret",
        "Referer": "https://crb.example.com/success.html?checkout=cs_test_referer",
        "User-Agent": "agent-string",
        "X-Forwarded-For": "203.0.113.9",
    }
    await (await client.post("/api/sessions", headers=headers)).read()
    line = await lines.next()
    assert fields(line)["method"] == "POST"
    for value in ("session-bearer-token", "cookie-secret", "cs_test_referer", "agent-string", "203.0.113.9"):
        assert value not in line
    assert "127.0.0.1" not in line  # nor the client's address


@pytest.mark.parametrize("path", [b"/api/a%0D%0AGET%20/forged%20200", b"/api/caf%C3%A9", b"/api/a%2Fb"])
async def test_the_path_is_logged_as_sent_so_an_encoded_line_break_cannot_forge_a_line(
    logged: tuple[Client, Lines], path: bytes
) -> None:
    client, lines = logged
    response = await sent(client, b"GET", path)
    line = await lines.next()
    assert (fields(line)["path"], fields(line)["status"]) == (path.decode(), status_of(response))
    assert "\r" not in line and "\n" not in line


async def test_an_absolute_request_target_is_logged_by_its_path_alone(logged: tuple[Client, Lines]) -> None:
    client, lines = logged
    await sent(client, b"GET", b"http://crb.example.com/api/unsubscribe?token=s1.absolute-form-secret")
    line = await lines.next()
    assert fields(line)["path"] == "/api/unsubscribe"
    assert "absolute-form-secret" not in line and "crb.example.com" not in line


async def test_each_request_is_one_line(logged: tuple[Client, Lines]) -> None:
    client, lines = logged
    for path in ("/hello", "/api/quiz", "/nowhere"):
        await (await client.get(path)).read()
    assert [fields(await lines.next())["path"] for _ in range(3)] == ["/hello", "/api/quiz", "/nowhere"]
    assert len(lines.lines) == 3
