"""Hostile and unlucky requests get a clear 4xx or 5xx JSON error, never a 500 or a leaked secret."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from aiohttp.web_log import AccessLogger as DefaultAccessLogger

import edge.__main__ as entry
from crb.settings import Settings
from crb.storage import StorageError
from edge import sessions as session_handlers
from edge import site
from edge.app import create_app
from edge.auth import authorised
from edge.keys import STORE
from tests.conftest import base_url, serve
from tests.journey import ANSWERS, auth, checkout, completed_session, new_session


@pytest.fixture
async def edge(edge_client: Callable[..., Any]) -> tuple[TestClient[web.Request, web.Application], Settings]:
    return await edge_client(ADMIN_TOKEN="admin-secret")  # type: ignore[no-any-return]


async def paid_with_a_ready_report(
    client: TestClient[web.Request, web.Application], settings: Settings, db: asyncpg.Connection
) -> tuple[str, str, str]:
    """A session paid through the offline checkout, whose report is ready: (session id, token, download path)."""
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token))["url"].removeprefix(settings.public_base_url)
    assert (await client.post(page + "/pay", headers={"Accept": "application/json"})).status == 200
    await db.execute(
        "update reports set status = 'ready', storage_path = $2, sha256 = 'h', ready_at = now() where session_id = $1",
        uuid.UUID(sid),
        f"{sid}/report.pdf",
    )
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    return sid, token, state["download_url"].removeprefix(settings.public_base_url)


async def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    assert {"code", "message"} <= error.keys()
    if field is not None:
        assert error["field"] == field
    return error


async def raw_request(client: TestClient[web.Request, web.Application], head: bytes) -> tuple[int, bytes]:
    """Send request bytes as they are: a test client would encode a header as UTF-8 first."""
    assert client.server.host is not None and client.server.port is not None
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(head + b"Host: localhost\r\nConnection: close\r\n\r\n")
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


# 1. Malformed input


@pytest.mark.parametrize("token", ["é", "\u00ff" * 32, "a\u20acb"])
async def test_non_ascii_download_token_is_401(edge: Any, token: str) -> None:
    client, _ = edge
    response = await client.get(f"/api/reports/{uuid.uuid4()}/download", params={"token": token})
    await assert_error(response, 401, "token")


async def test_non_ascii_unsubscribe_token_is_400(edge: Any) -> None:
    client, _ = edge
    response = await client.get("/api/unsubscribe", params={"token": f"{uuid.uuid4()}.é"})
    await assert_error(response, 400, "token")


async def test_non_ascii_file_signature_is_401(edge: Any) -> None:
    client, _ = edge
    response = await client.get("/files/x/y.pdf", params={"expires": "99999999999", "sig": "é"})
    await assert_error(response, 401, "sig")


@pytest.mark.parametrize("path", ["/api/sessions/{sid}", "/api/admin/jobs"])
async def test_a_raw_non_utf8_bearer_token_is_401(edge: Any, path: str) -> None:
    client, _ = edge
    sid, _ = await new_session(client)
    head = f"GET {path.format(sid=sid)} HTTP/1.1\r\n".encode() + b"Authorization: Bearer \xff\xfe\r\n"
    status, body = await raw_request(client, head)
    assert status == 401, body
    assert json.loads(body)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"team_size": int("1" + "0" * 400)}, "team_size"),
        ({"hourly_cost": -int("9" * 400)}, "hourly_cost"),
        ({"data_quality": int("1" * 400)}, "data_quality"),
        ({"company_name": "a\u0000b"}, "company_name"),
        ({"company_name": "Acme\nGmbH"}, "company_name"),
        ({"company_name": "Acme\u0007"}, "company_name"),
        ({"company_name": "\ud800"}, "company_name"),
        ({"biggest_pain": "too much\u0000admin"}, "biggest_pain"),
        ({"biggest_pain": "\x1b[31mred"}, "biggest_pain"),
    ],
)
async def test_answers_the_database_cannot_hold_are_422(edge: Any, answers: dict[str, Any], field: str) -> None:
    client, _ = edge
    sid, token = await new_session(client)
    body = json.dumps({"answers": answers})  # ensure_ascii: a lone surrogate travels as \ud800
    response = await client.put(
        f"/api/sessions/{sid}/answers",
        data=body,
        headers={**auth(token), "Content-Type": "application/json"},
    )
    await assert_error(response, 422, field)


async def test_long_text_answers_keep_their_line_breaks(edge: Any) -> None:
    client, _ = edge
    sid, token = await new_session(client)
    pain = "Reports take days.\r\n\tAnd pitches\nmore."
    response = await client.put(
        f"/api/sessions/{sid}/answers", json={"answers": {"biggest_pain": pain}}, headers=auth(token)
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["answers"]["biggest_pain"] == pain


async def test_a_nul_in_a_static_path_is_404(
    aiohttp_client: Any, make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    monkeypatch.setattr(site, "SITE_DIST", dist)
    client = await aiohttp_client(create_app(make_settings()))
    for path in ("/%00", "/a%00b.html", "/api/%00"):
        await assert_error(await client.get(path), 404)


# 1. The store failing


def failing(*args: Any, **kwargs: Any) -> Any:
    raise StorageError("bucket unreachable: secret detail")


@pytest.mark.parametrize("method", ["exists", "signed_url"])
async def test_store_down_during_a_download_is_503(
    edge: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    client, settings = edge
    sid, _, link = await paid_with_a_ready_report(client, settings, db)
    await client.app[STORE].upload(f"{sid}/report.pdf", b"%PDF-1.7")
    monkeypatch.setattr(client.app[STORE], method, failing)
    error = await assert_error(await client.get(link, allow_redirects=False), 503)
    assert "secret detail" not in error["message"]


async def test_store_down_during_erasure_is_503_and_a_retry_finishes(
    edge: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    sid, token, _ = await paid_with_a_ready_report(client, settings, db)
    store = client.app[STORE]
    await store.upload(f"{sid}/report.pdf", b"%PDF-1.7")
    with monkeypatch.context() as patch:
        patch.setattr(store, "delete", failing)
        error = await assert_error(await client.delete(f"/api/sessions/{sid}", headers=auth(token)), 503)
    assert "erased" in error["message"] and "secret detail" not in error["message"]
    assert await db.fetchval("select answers from quiz_sessions where id = $1", uuid.UUID(sid)) == "{}"
    assert await store.exists(f"{sid}/report.pdf")
    response = await client.delete(f"/api/sessions/{sid}", headers=auth(token))
    assert response.status == 200, await response.text()
    assert not await store.exists(f"{sid}/report.pdf")


# 2. The access log


def test_the_access_log_leaves_out_query_strings(
    monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    wired: dict[str, Any] = {}
    monkeypatch.setattr(entry, "service_settings", lambda service: make_settings())
    monkeypatch.setattr(web, "run_app", lambda app, **kwargs: wired.update(kwargs))
    entry.main()
    access_log = logging.getLogger("test.access")
    logger = wired.get("access_log_class", DefaultAccessLogger)(access_log, wired.get("access_log_format", ""))
    request = make_mocked_request("GET", "/api/reports/abc/download?token=s3cret-token")
    with caplog.at_level(logging.INFO, logger="test.access"):
        logger.log(request, web.Response(status=302), 0.25)
    assert "/api/reports/abc/download" in caplog.text
    assert "s3cret-token" not in caplog.text and "?" not in caplog.text
    assert "302" in caplog.text


# 3. The offline checkout's webhook


async def test_offline_webhook_goes_to_the_edge_not_the_host_header(edge: Any) -> None:
    client, settings = edge
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token))["url"].removeprefix(settings.public_base_url)
    unreachable = "127.0.0.1:9"  # the discard port: nothing listens there
    response = await client.post(page + "/pay", headers={"Accept": "application/json", "Host": unreachable})
    assert response.status == 200, await response.text()
    assert (await response.json())["webhook"]["outcome"] == "fulfilled"


async def test_offline_webhook_with_a_non_json_reply_is_502(
    aiohttp_client: Any, make_settings: Callable[..., Settings]
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="<h1>proxy error</h1>", content_type="text/html")

    upstream = web.Application()
    upstream.router.add_post("/api/payments/webhook", broken)
    server = await serve(upstream)
    try:
        client = await aiohttp_client(create_app(make_settings(PUBLIC_BASE_URL=base_url(server))))
        sid, token = await completed_session(client)
        page = "/offline-checkout/" + (await checkout(client, sid, token))["checkout_id"]
        response = await client.post(page + "/pay", headers={"Accept": "application/json"})
        await assert_error(response, 502)
    finally:
        await server.close()


# 4. Erased sessions


async def test_an_erased_paid_session_offers_no_download(edge: Any, db: asyncpg.Connection) -> None:
    client, settings = edge
    sid, token, link = await paid_with_a_ready_report(client, settings, db)
    assert (await client.delete(f"/api/sessions/{sid}", headers=auth(token))).status == 200
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    assert state["download_url"] is None
    assert (await client.get(link)).status == 410


# 5. Completing while the answers change


async def test_answers_changed_during_completion_is_409(
    edge: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = edge
    sid, token = await new_session(client)
    put = await client.put(f"/api/sessions/{sid}/answers", json={"answers": ANSWERS}, headers=auth(token))
    assert put.status == 200

    async def racing(request: web.Request) -> Any:
        row = await authorised(request)
        # A concurrent PUT lands after the handler read the answers it is about to validate.
        await db.execute(
            """update quiz_sessions set answers = answers || '{"team_size": 900}' where id = $1""", uuid.UUID(sid)
        )
        return row

    monkeypatch.setattr(session_handlers, "authorised", racing)
    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    await assert_error(response, 409)
    row = await db.fetchrow("select status, teaser from quiz_sessions where id = $1", uuid.UUID(sid))
    assert (row["status"], row["teaser"]) == ("in_progress", None)


# 6. CORS and caches


async def test_api_responses_vary_on_origin(aiohttp_client: Any, make_settings: Callable[..., Settings]) -> None:
    client = await aiohttp_client(create_app(make_settings(SITE_URL="https://crb.example.com")))
    for headers in ({"Origin": "https://crb.example.com"}, {"Origin": "https://evil.example"}, {}):
        response = await client.get("/api/quiz", headers=headers)
        assert "Origin" in response.headers.getall("Vary", []), headers
        preflight = await client.options("/api/sessions", headers=headers)
        assert "Origin" in preflight.headers.get("Vary", ""), headers


async def test_answers_nested_too_deep_are_400_naming_it(edge: Any) -> None:
    client, _ = edge
    sid, token = await new_session(client)
    deep = '{"answers": {"biggest_pain": ' + "[" * 10_000 + "]" * 10_000 + "}}"
    response = await client.put(f"/api/sessions/{sid}/answers", data=deep, headers=auth(token))
    error = await assert_error(response, 400)
    assert error["code"] == "json_too_deep" and "64 levels" in error["message"]
