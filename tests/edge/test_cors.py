"""CORS: only SITE_URL gets CORS headers and preflight answers, on /api/ only; every API answer varies on Origin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from pytest_aiohttp import AiohttpClient

from crb.settings import Settings
from edge.app import routes
from edge.cors import ALLOWED_HEADERS, ALLOWED_METHODS, cors
from edge.keys import SETTINGS
from tests.conftest import RENDERER_TOKEN, TEST_SECRET_KEY
from tests.journey import Client, EdgeClient

SITE = "https://crb.example.com"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
)
OTHER_ORIGINS = [
    "https://evil.example",
    "http://crb.example.com",  # another scheme is another origin
    "https://crb.example.com:8443",  # and so is another port
    "https://crb.example.com.evil.example",
    "https://api.crb.example.com",
    "null",  # what a sandboxed frame or a file: page sends
]


def site_settings(tmp_path: Path, site_url: str = SITE) -> Settings:
    base = {"DATA_DIR": str(tmp_path), "SECRET_KEY": TEST_SECRET_KEY, "RENDERER_TOKEN": RENDERER_TOKEN}
    return Settings.from_env({**base, "SITE_URL": site_url})


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cors_app(settings: Settings, handler: Route) -> web.Application:
    """The middleware alone, in front of `handler` on every path and method."""
    app = web.Application(middlewares=[cors])
    app[SETTINGS] = settings
    app.router.add_route("*", "/{path:.*}", handler)
    return app


def answering(calls: list[str], vary: str | None = None) -> Route:
    async def handler(request: web.Request) -> web.Response:
        calls.append(f"{request.method} {request.path}")
        return web.Response(text="ok", headers={"Vary": vary} if vary is not None else None)

    return handler


def cors_headers(response: ClientResponse) -> dict[str, str]:
    return {name: response.headers[name] for name in CORS_HEADERS if name in response.headers}


def vary(response: ClientResponse) -> list[str]:
    """The Vary header's names, however many Vary headers carry them."""
    return [v.strip() for value in response.headers.getall("Vary", []) for v in value.split(",") if v.strip()]


@pytest.fixture
async def edge(edge_client: EdgeClient) -> Client:
    client, _ = await edge_client(SITE_URL=SITE)
    return client


# The real edge


async def test_the_site_gets_the_cors_headers_on_an_api_answer(edge: Client) -> None:
    response = await edge.get("/api/quiz", headers={"Origin": SITE})
    assert response.status == 200, await response.text()
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": SITE,
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
    }
    assert "Access-Control-Allow-Credentials" not in response.headers  # the token travels in a header, not a cookie
    assert vary(response).count("Origin") == 1


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
async def test_another_origin_is_served_without_cors_headers(edge: Client, origin: str) -> None:
    response = await edge.get("/api/quiz", headers={"Origin": origin})
    assert response.status == 200  # the browser, not the server, withholds the answer
    assert cors_headers(response) == {}
    assert "Origin" in vary(response)


async def test_a_request_without_an_origin_gets_no_cors_headers_but_varies_on_origin(edge: Client) -> None:
    response = await edge.get("/api/quiz")
    assert cors_headers(response) == {}
    assert "Origin" in vary(response)


async def test_an_api_error_from_the_site_carries_the_cors_headers(edge: Client) -> None:
    """The site must be able to read the JSON error, or it cannot tell the customer what went wrong."""
    response = await edge.get("/api/sessions/not-a-uuid", headers={"Origin": SITE})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    assert cors_headers(response)["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in vary(response)


@pytest.mark.parametrize("path", ["/api/sessions", "/api/sessions/00000000-0000-0000-0000-000000000000/answers"])
async def test_the_site_s_preflight_is_answered_204_on_any_api_path(edge: Client, path: str) -> None:
    preflight = {
        "Origin": SITE,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    response = await edge.options(path, headers=preflight)
    assert response.status == 204
    assert await response.read() == b""
    assert cors_headers(response)["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in vary(response)


@pytest.mark.parametrize("origin", OTHER_ORIGINS[:2])
async def test_another_origin_s_preflight_reaches_the_router_and_is_refused(edge: Client, origin: str) -> None:
    response = await edge.options("/api/sessions", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert response.status == 405
    assert cors_headers(response) == {}
    assert "Origin" in vary(response)


async def test_outside_the_api_the_site_gets_no_cors_headers_and_no_vary(edge: Client) -> None:
    response = await edge.get("/healthz", headers={"Origin": SITE})
    assert response.status == 200, await response.text()
    assert cors_headers(response) == {}
    assert "Origin" not in vary(response)
    preflight = await edge.options("/healthz", headers={"Origin": SITE, "Access-Control-Request-Method": "GET"})
    assert preflight.status != 204
    assert cors_headers(preflight) == {}


def test_the_allowed_methods_cover_every_api_route(tmp_path: Path) -> None:
    allowed = {m.strip() for m in ALLOWED_METHODS.split(",")}
    table = routes(site_settings(tmp_path))
    api = {r.method for r in table if isinstance(r, web.RouteDef) and r.path.startswith("/api/")}
    assert api, "no API routes found"
    assert api <= allowed, api - allowed
    assert "OPTIONS" in allowed  # the preflight itself


# The middleware alone


async def test_the_site_s_preflight_never_reaches_the_handler(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    calls: list[str] = []
    client = await aiohttp_client(cors_app(site_settings(tmp_path), answering(calls)))
    response = await client.options("/api/sessions", headers={"Origin": SITE})
    assert response.status == 204
    assert calls == []
    other = await client.options("/api/sessions", headers={"Origin": "https://evil.example"})
    assert other.status == 200
    assert calls == ["OPTIONS /api/sessions"]  # not a preflight of ours: the handler decides


@pytest.mark.parametrize("path", ["/api", "/apis/x", "/files/api/x", "/"])
async def test_only_paths_under_api_slash_are_the_api(aiohttp_client: AiohttpClient, tmp_path: Path, path: str) -> None:
    calls: list[str] = []
    client = await aiohttp_client(cors_app(site_settings(tmp_path), answering(calls)))
    response = await client.get(path, headers={"Origin": SITE})
    assert cors_headers(response) == {}
    assert "Vary" not in response.headers
    assert (await client.options(path, headers={"Origin": SITE})).status == 200  # the handler answered
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "Origin"),
        ("", "Origin"),
        ("Accept-Encoding", "Accept-Encoding, Origin"),
        ("Accept, Accept-Language", "Accept, Accept-Language, Origin"),
        (" , Accept ,", "Accept, Origin"),
        ("Origin", "Origin"),
        ("origin", "origin"),  # header names are case-insensitive: no second Origin
        ("Accept-Encoding, ORIGIN", "Accept-Encoding, ORIGIN"),
        ("*", "*"),  # already varies on everything
    ],
)
async def test_origin_joins_the_vary_the_handler_set(
    aiohttp_client: AiohttpClient, tmp_path: Path, before: str | None, after: str
) -> None:
    calls: list[str] = []
    client = await aiohttp_client(cors_app(site_settings(tmp_path), answering(calls, vary=before)))
    for origin in (SITE, "https://evil.example", None):
        response = await client.get("/api/x", headers={"Origin": origin} if origin else None)
        assert response.headers.getall("Vary") == [after], origin


@pytest.mark.parametrize(
    ("site_url", "origin"),
    [("https://user.github.io/crb", "https://user.github.io"), ("https://crb.example.com:443", SITE)],
)
async def test_the_site_s_origin_is_allowed_whatever_the_rest_of_its_url(
    aiohttp_client: AiohttpClient, tmp_path: Path, site_url: str, origin: str
) -> None:
    calls: list[str] = []
    client = await aiohttp_client(cors_app(site_settings(tmp_path, site_url), answering(calls)))
    response = await client.get("/api/quiz", headers={"Origin": origin})
    assert cors_headers(response).get("Access-Control-Allow-Origin") == origin
