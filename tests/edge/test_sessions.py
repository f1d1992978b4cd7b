"""The session API: create, answer, complete (with validation naming the question), status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from crb.settings import Settings
from edge.app import create_app
from tests.journey import ANSWERS, auth, completed_session, new_session


@pytest.fixture
async def client(aiohttp_client: Any, make_settings: Callable[..., Settings]) -> TestClient:
    return await aiohttp_client(create_app(make_settings()))


async def test_quiz_definition_has_questions_and_tiers(client: TestClient) -> None:
    body = await (await client.get("/api/quiz")).json()
    assert body["version"]
    question = body["sections"][0]["questions"][0]
    assert {"id", "text", "type", "required"} <= question.keys()
    assert {t["id"]: t["amount"] for t in body["tiers"]} == {"report": 14700, "report_call": 49700}


async def test_answers_are_saved_partially_and_merged(client: TestClient) -> None:
    sid, token = await new_session(client)
    await client.put(f"/api/sessions/{sid}/answers", json={"answers": {"team_size": 6}}, headers=auth(token))
    response = await client.put(
        f"/api/sessions/{sid}/answers", json={"answers": {"industry": "marketing"}}, headers=auth(token)
    )
    assert (await response.json())["answers"] == {"team_size": 6, "industry": "marketing"}
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert state["status"] == "in_progress"
    assert state["answers"] == {"team_size": 6, "industry": "marketing"}


@pytest.mark.parametrize(
    ("answers", "field", "code"),
    [
        ({"no_such_question": 1}, "no_such_question", "unknown_question"),
        ({"team_size": 0}, "team_size", "out_of_range"),
        ({"team_size": "six"}, "team_size", "wrong_type"),
        ({"industry": "mining"}, "industry", "invalid_option"),
        ({"tools": ["crm", "abacus"]}, "tools", "invalid_option"),
        ({"data_quality": 2.5}, "data_quality", "wrong_type"),
        ({"industry": 3}, "industry", "wrong_type"),
        ({"hours_admin": -1}, "hours_admin", "out_of_range"),
        ({"goals": ["save_time", "cut_costs", "grow_revenue", "fewer_errors"]}, "goals", "out_of_range"),
        ({"biggest_pain": "x" * 501}, "biggest_pain", "too_long"),
        ({"company_name": "   "}, "company_name", "required"),
    ],
)
async def test_bad_answers_get_a_422_naming_the_question(
    client: TestClient, answers: dict[str, Any], field: str, code: str
) -> None:
    sid, token = await new_session(client)
    response = await client.put(f"/api/sessions/{sid}/answers", json={"answers": answers}, headers=auth(token))
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["field"] == field
    assert error["errors"][0]["code"] == code


async def test_completing_with_missing_answers_lists_them(client: TestClient) -> None:
    sid, token = await new_session(client)
    await client.put(f"/api/sessions/{sid}/answers", json={"answers": {"team_size": 6}}, headers=auth(token))
    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 422
    missing = {e["field"] for e in (await response.json())["error"]["errors"]}
    assert missing == {
        "company_name",
        "industry",
        "revenue_band",
        "hours_admin",
        "hours_support",
        "hours_scheduling",
        "hours_reporting",
        "hours_content",
        "process_repetitiveness",
        "process_documentation",
        "data_location",
        "data_quality",
        "integration_pain",
        "ai_experience",
        "tech_comfort",
        "change_capacity",
        "data_sensitivity",
        "ai_policy",
        "risk_appetite",
        "goals",
        "ai_strategy",
        "monthly_budget",
        "timeline",
    }


async def test_complete_returns_the_teaser_and_freezes_answers(client: TestClient) -> None:
    sid, token = await completed_session(client)
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    teaser = state["teaser"]
    assert state["status"] == "completed"
    assert 0 <= teaser["readiness_score"] <= 100
    assert len(teaser["findings"]) == 2 and len(teaser["locked_titles"]) == 8
    assert [p["id"] for p in teaser["pillars"]] == [
        "strategy",
        "infrastructure",
        "data",
        "governance",
        "talent",
        "culture",
    ]
    response = await client.put(f"/api/sessions/{sid}/answers", json={"answers": ANSWERS}, headers=auth(token))
    assert response.status == 409


async def test_token_is_required_and_checked(client: TestClient) -> None:
    sid, _ = await new_session(client)
    assert (await client.get(f"/api/sessions/{sid}")).status == 401
    assert (await client.get(f"/api/sessions/{sid}", headers=auth("wrong"))).status == 401
    response = await client.get("/api/sessions/not-a-uuid", headers=auth("x"))
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_malformed_bodies_are_400_and_unknown_routes_404_as_json(client: TestClient) -> None:
    sid, token = await new_session(client)
    response = await client.put(f"/api/sessions/{sid}/answers", data=b"{nope", headers=auth(token))
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    response = await client.get("/api/nothing-here")
    assert response.status == 404
    assert "error" in await response.json()


async def test_checkout_needs_a_complete_quiz_a_valid_email_and_tier(client: TestClient) -> None:
    sid, token = await new_session(client)
    response = await client.post(f"/api/sessions/{sid}/checkout", json={"email": "a@example.com"}, headers=auth(token))
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "quiz_incomplete"
    sid, token = await completed_session(client)
    for body, field in (({"email": "nope"}, "email"), ({"email": "a@example.com", "tier": "gold"}, "tier")):
        response = await client.post(f"/api/sessions/{sid}/checkout", json=body, headers=auth(token))
        assert response.status == 422
        assert (await response.json())["error"]["field"] == field


async def test_healthz(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_null_takes_an_answer_back(client: TestClient) -> None:
    sid, token = await new_session(client)
    await client.put(f"/api/sessions/{sid}/answers", json={"answers": {"team_size": 6}}, headers=auth(token))
    response = await client.put(
        f"/api/sessions/{sid}/answers", json={"answers": {"team_size": None}}, headers=auth(token)
    )
    assert (await response.json())["answers"] == {}
