"""The edge while a dependency is down: `/healthz` says which, routes answer 503 with Retry-After (never 500),
and everything works again once it is back. Real outages: a Redis of the test's own is stopped, and the test's
own database stops accepting connections."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import ClientResponse

from crb import embedded
from tests.journey import Client, EdgeClient, auth, new_session
from tests.outages import database_down


async def health(client: Client) -> tuple[int, list[str]]:
    response = await client.get("/healthz")
    body = await response.json()
    return response.status, body["error"]["down"] if response.status == 503 else []


async def assert_unavailable(response: ClientResponse, dependency: str) -> None:
    assert response.status == 503, await response.text()
    assert response.headers["Retry-After"] == "5"
    error = (await response.json())["error"]
    assert (error["code"], error["down"]) == ("unavailable", [dependency])
    assert error["request_id"] == response.headers["X-Request-Id"]  # to find the request's log lines


@pytest.fixture
def own_database(postgres_admin: str, isolated_database_url: str) -> tuple[str, str]:
    """The test's own database, and an admin connection's DSN to take it down and bring it back."""
    return isolated_database_url, postgres_admin


async def test_the_database_down_is_named_and_every_route_answers_503_until_it_is_back(
    edge_client: EdgeClient, own_database: tuple[str, str]
) -> None:
    url, admin = own_database
    client, _ = await edge_client(DATABASE_URL=url)
    assert await health(client) == (200, [])
    sid, token = await new_session(client)

    await database_down(admin, url, down=True)
    try:
        assert await health(client) == (503, ["database"])
        await assert_unavailable(await client.post("/api/sessions"), "database")
        await assert_unavailable(await client.get(f"/api/sessions/{sid}", headers=auth(token)), "database")
    finally:
        await database_down(admin, url, down=False)
    assert await health(client) == (200, [])
    assert (await client.get(f"/api/sessions/{sid}", headers=auth(token))).status == 200


async def test_redis_down_is_named_and_comes_back(edge_client: EdgeClient, tmp_path: Path) -> None:
    redis = embedded.start_redis(tmp_path, persist=False)
    try:
        client, _ = await edge_client(REDIS_URL=redis.url, ADMIN_TOKEN="admin")
        assert await health(client) == (200, [])
        redis.stop()
        assert await health(client) == (503, ["redis"])
        run = await client.post("/api/admin/jobs/reconcile", headers=auth("admin"))
        await assert_unavailable(run, "redis")
        assert (await client.post("/api/sessions")).status == 201  # what needs only the database goes on
        redis = embedded.start_redis(tmp_path, persist=False)
        assert await health(client) == (200, [])
    finally:
        redis.stop()
