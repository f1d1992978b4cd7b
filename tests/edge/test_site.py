"""The edge serves the built site in development, and nothing outside it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crb.settings import Settings
from edge import site
from edge.app import create_app


async def test_serves_site_files_and_json_404s(
    aiohttp_client: Any, make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<h1>landing</h1>")
    (tmp_path / "secret.txt").write_text("not for you")
    monkeypatch.setattr(site, "SITE_DIST", dist)
    client = await aiohttp_client(create_app(make_settings()))
    assert await (await client.get("/")).text() == "<h1>landing</h1>"
    for path in ("/missing.html", "/../secret.txt", "/%2e%2e/secret.txt", "/api/nothing-here"):
        response = await client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"
    (dist / "404.html").write_text("<h1>lost</h1>")
    page = await client.get("/missing.html")
    assert (page.status, await page.text()) == (404, "<h1>lost</h1>")
    assert (await (await client.get("/api/nothing-here")).json())["error"]["code"] == "not_found"


async def test_cors_only_for_the_site_origin(aiohttp_client: Any, make_settings: Callable[..., Settings]) -> None:
    client = await aiohttp_client(create_app(make_settings(SITE_URL="https://crb.example.com")))
    ok = await client.options("/api/sessions", headers={"Origin": "https://crb.example.com"})
    assert ok.status == 204
    assert ok.headers["Access-Control-Allow-Origin"] == "https://crb.example.com"
    created = await client.post("/api/sessions", headers={"Origin": "https://crb.example.com"})
    assert created.headers["Access-Control-Allow-Origin"] == "https://crb.example.com"
    other = await client.post("/api/sessions", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
