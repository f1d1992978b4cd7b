"""The admin API: bearer token, the schedule and its runs, run now, regenerate, figures; and erasure."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from crb.settings import Settings
from tests.journey import Client, EdgeClient, auth, checkout, completed_session

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
async def edge(edge_client: EdgeClient) -> tuple[Client, Settings]:
    return await edge_client(ADMIN_TOKEN="admin-secret")


async def paid(client: Client, settings: Settings) -> tuple[str, str]:
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token))["url"].removeprefix(settings.public_base_url)
    await client.post(page + "/pay", headers={"Accept": "application/json"})
    return sid, token


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "admin-secret"}])
async def test_admin_needs_the_token(edge: tuple[Client, Settings], headers: dict[str, str]) -> None:
    client, _ = edge
    for method, path in (
        ("GET", "/api/admin/jobs"),
        ("GET", "/api/admin/stats"),
        ("POST", "/api/admin/jobs/reconcile"),
    ):
        response = await client.request(method, path, headers=headers)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"


async def test_admin_is_off_without_a_token(edge_client: EdgeClient) -> None:
    client, _ = await edge_client()
    response = await client.get("/api/admin/jobs", headers=ADMIN)
    assert response.status == 401
    assert "ADMIN_TOKEN" in (await response.json())["error"]["message"]


async def test_schedule_lists_every_job_with_next_run(edge: tuple[Client, Settings], db: asyncpg.Connection) -> None:
    client, _ = edge
    await db.execute(
        "insert into job_runs (name, trigger, started_at, finished_at, outcome, result)"
        " values ('reconcile', 'schedule', now(), now(), 'ok', '{\"relayed\": 0}')"
    )
    body = await (await client.get("/api/admin/jobs", headers=ADMIN)).json()
    jobs = {j["name"]: j for j in body["jobs"]}
    assert set(jobs) == {"follow-up-emails", "storage-cleanup", "quiz-cleanup", "reconcile"}
    assert jobs["follow-up-emails"]["schedule"] == "daily at 10:00 UTC"
    assert jobs["reconcile"]["last_run"]["outcome"] == "ok"
    assert all(j["next_run"] for j in jobs.values())


async def test_run_a_job_now_queues_it(edge: tuple[Client, Settings]) -> None:
    client, settings = edge
    response = await client.post("/api/admin/jobs/quiz-cleanup", headers=ADMIN)
    assert response.status == 202
    assert (await response.json())["queued"] == "quiz-cleanup"
    assert (await client.post("/api/admin/jobs/format-disk", headers=ADMIN)).status == 404


async def test_regenerate_supersedes_and_queues_a_new_version(
    edge: tuple[Client, Settings], db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, _ = await paid(client, settings)
    response = await client.post(f"/api/admin/sessions/{sid}/regenerate", headers=ADMIN)
    assert response.status == 409  # paid, not yet failed or delivered
    await db.execute("update quiz_sessions set status = 'failed' where id = $1", uuid.UUID(sid))
    response = await client.post(f"/api/admin/sessions/{sid}/regenerate", headers=ADMIN)
    assert response.status == 202
    reports = await db.fetch(
        "select version, status from reports where session_id = $1 order by version", uuid.UUID(sid)
    )
    assert [(r["version"], r["status"]) for r in reports] == [(1, "superseded"), (2, "pending")]
    assert await db.fetchval("select status from quiz_sessions where id = $1", uuid.UUID(sid)) == "generating"


async def test_stats_show_the_funnel_emails_and_storage(edge: tuple[Client, Settings]) -> None:
    client, settings = edge
    await completed_session(client)
    await paid(client, settings)
    body = await (await client.get("/api/admin/stats", headers=ADMIN)).json()
    assert body["sessions_by_status"]["completed"] >= 1
    assert body["sessions_by_status"]["paid"] >= 1
    assert {"files", "bytes"} <= body["storage"].keys()


async def test_erasure_keeps_the_accounts_and_revokes_everything_else(
    edge: tuple[Client, Settings], db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, token = await paid(client, settings)
    response = await client.delete(f"/api/sessions/{sid}", headers=auth(token))
    assert response.status == 200
    row = await db.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(sid))
    assert (row["answers"], row["email"], row["company_name"], row["teaser"]) == ("{}", None, None, None)
    assert (row["amount_total"], row["status"], row["erased_at"] is not None) == (14700, "paid", True)
    assert (await client.delete(f"/api/sessions/{sid}")).status == 401


async def test_bad_unsubscribe_token_is_400(edge: tuple[Client, Settings]) -> None:
    client, _ = edge
    response = await client.get("/api/unsubscribe?token=" + str(uuid.uuid4()) + ".forged")
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "token"
