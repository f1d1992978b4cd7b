"""The session API: create, answer, complete (with validation naming the question), status."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientResponse
from pytest_aiohttp import AiohttpClient

from crb.settings import Settings
from edge.app import create_app
from tests.journey import ANSWERS, Client, auth, completed_session, new_session


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, make_settings: Callable[..., Settings]) -> Client:
    return await aiohttp_client(create_app(make_settings()))


async def test_quiz_definition_has_questions_and_tiers(client: Client) -> None:
    body = await (await client.get("/api/quiz")).json()
    assert body["version"]
    question = body["sections"][0]["questions"][0]
    assert {"id", "text", "type", "required"} <= question.keys()
    assert {t["id"]: t["amount"] for t in body["tiers"]} == {"report": 14700, "report_call": 49700}


async def test_answers_are_saved_partially_and_merged(client: Client) -> None:
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
    client: Client, answers: dict[str, Any], field: str, code: str
) -> None:
    sid, token = await new_session(client)
    response = await client.put(f"/api/sessions/{sid}/answers", json={"answers": answers}, headers=auth(token))
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["field"] == field
    assert error["errors"][0]["code"] == code


async def test_completing_with_missing_answers_lists_them(client: Client) -> None:
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


async def test_complete_returns_the_teaser_and_freezes_answers(client: Client) -> None:
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


async def test_token_is_required_and_checked(client: Client) -> None:
    sid, _ = await new_session(client)
    assert (await client.get(f"/api/sessions/{sid}")).status == 401
    assert (await client.get(f"/api/sessions/{sid}", headers=auth("wrong"))).status == 401
    response = await client.get("/api/sessions/not-a-uuid", headers=auth("x"))
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_malformed_bodies_are_400_and_unknown_routes_404_as_json(client: Client) -> None:
    sid, token = await new_session(client)
    response = await client.put(f"/api/sessions/{sid}/answers", data=b"{nope", headers=auth(token))
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    response = await client.get("/api/nothing-here")
    assert response.status == 404
    assert "error" in await response.json()


async def test_checkout_needs_a_complete_quiz_a_valid_email_and_tier(client: Client) -> None:
    sid, token = await new_session(client)
    response = await client.post(f"/api/sessions/{sid}/checkout", json={"email": "a@example.com"}, headers=auth(token))
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "quiz_incomplete"
    sid, token = await completed_session(client)
    for body, field in (({"email": "nope"}, "email"), ({"email": "a@example.com", "tier": "gold"}, "tier")):
        response = await client.post(f"/api/sessions/{sid}/checkout", json=body, headers=auth(token))
        assert response.status == 422
        assert (await response.json())["error"]["field"] == field


async def test_healthz(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_null_takes_an_answer_back(client: Client) -> None:
    sid, token = await new_session(client)
    await client.put(f"/api/sessions/{sid}/answers", json={"answers": {"team_size": 6}}, headers=auth(token))
    response = await client.put(
        f"/api/sessions/{sid}/answers", json={"answers": {"team_size": None}}, headers=auth(token)
    )
    assert (await response.json())["answers"] == {}


# ---- the weekly task hours: refused when implausible, confirmed when extreme ----

TASKS = ("hours_admin", "hours_support", "hours_scheduling", "hours_reporting", "hours_content")
# One person with 35 hours of admin a week (45 in all): plausible, but it needs a confirmation.
SOLO = ANSWERS | {"team_size": 1, "hours_admin": 35, "hours_support": 2, "hours_scheduling": 1}
SOLO |= {"hours_reporting": 2, "hours_content": 5}


async def put(client: Client, sid: str, token: str, body: dict[str, Any]) -> ClientResponse:
    return await client.put(f"/api/sessions/{sid}/answers", json=body, headers=auth(token))


async def answers_of(client: Client, sid: str, token: str) -> dict[str, Any]:
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    return dict(state["answers"])


async def test_implausible_hours_are_refused_naming_the_questions_and_nothing_is_stored(client: Client) -> None:
    sid, token = await new_session(client)
    assert (await put(client, sid, token, {"answers": {"team_size": 1, "hours_admin": 40}})).status == 200

    response = await put(client, sid, token, {"answers": dict.fromkeys(TASKS[1:], 40) | {"industry": "marketing"}})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_answers"
    assert [e["field"] for e in error["errors"]] == [*TASKS, "team_size"]
    assert {e["code"] for e in error["errors"]} == {"implausible_hours"}
    assert "add up to 200, more than a team of 1 can work" in error["errors"][0]["message"]
    assert await answers_of(client, sid, token) == {"team_size": 1, "hours_admin": 40}  # not even the industry


async def test_a_smaller_team_that_makes_the_hours_implausible_is_refused(client: Client) -> None:
    sid, token = await new_session(client)
    assert (await put(client, sid, token, {"answers": {"team_size": 4, "hours_admin": 120}})).status == 200

    response = await put(client, sid, token, {"answers": {"team_size": 2}})
    assert response.status == 422
    assert {e["field"] for e in (await response.json())["error"]["errors"]} == {"hours_admin", "team_size"}
    assert (await answers_of(client, sid, token))["team_size"] == 4


async def test_implausible_answers_stored_before_the_rule_are_refused_on_completion_and_can_be_mended(
    client: Client, db: asyncpg.Connection
) -> None:
    sid, token = await new_session(client)
    legacy = ANSWERS | {"team_size": 1} | dict.fromkeys(TASKS, 40)
    await db.execute("update quiz_sessions set answers = $2::jsonb where id = $1", uuid.UUID(sid), json.dumps(legacy))

    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("invalid_answers", "hours_admin")
    assert [e["field"] for e in error["errors"]] == [*TASKS, "team_size"]

    assert (await put(client, sid, token, {"answers": {"biggest_pain": "Admin."}})).status == 422  # fix the hours
    for task in TASKS[:4]:  # each save brings the hours down: taken, though still over until the last
        assert (await put(client, sid, token, {"answers": {task: 2}})).status == 200
    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "needs_confirmation"  # 40 hours of content, alone


async def test_an_extreme_answer_must_be_confirmed_before_completing(client: Client) -> None:
    sid, token = await new_session(client)
    saved = await (await put(client, sid, token, {"answers": SOLO})).json()
    message = "35 hours a week is 35 per person on this task alone; is that right?"
    assert saved["needs_confirmation"] == [{"field": "hours_admin", "value": 35, "message": message}]
    assert saved["confirmed"] == {}

    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("needs_confirmation", "hours_admin")
    assert error["errors"] == [{"field": "hours_admin", "code": "needs_confirmation", "value": 35, "message": message}]
    assert message in error["message"]

    confirmed = await put(client, sid, token, {"confirm": {"hours_admin": 35}})  # no answers: only the confirmation
    assert confirmed.status == 200, await confirmed.text()
    body = await confirmed.json()
    assert (body["confirmed"], body["needs_confirmation"], body["answers"]) == (
        {"hours_admin": 35},
        [],
        saved["answers"],
    )
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert (state["confirmed"], state["needs_confirmation"]) == ({"hours_admin": 35}, [])

    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 200, await response.text()
    assert "readiness_score" in await response.json()


async def test_a_changed_value_needs_a_new_confirmation(client: Client) -> None:
    sid, token = await new_session(client)
    await put(client, sid, token, {"answers": SOLO, "confirm": {"hours_admin": 35}})  # the answer and its "yes"

    changed = await (await put(client, sid, token, {"answers": {"hours_admin": 36}})).json()
    assert changed["confirmed"] == {}
    assert [(x["field"], x["value"]) for x in changed["needs_confirmation"]] == [("hours_admin", 36)]
    back = await (await put(client, sid, token, {"answers": {"hours_admin": 35}})).json()
    assert back["confirmed"] == {}  # the old "yes" went with the old value
    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert (await response.json())["error"]["code"] == "needs_confirmation"

    other = await (
        await put(client, sid, token, {"answers": {"hours_admin": 35.0}, "confirm": {"hours_admin": 35}})
    ).json()
    assert other["confirmed"] == {"hours_admin": 35}
    kept = await (await put(client, sid, token, {"answers": {"industry": "software"}})).json()
    assert kept["confirmed"] == {"hours_admin": 35}  # another answer changed: the confirmation holds
    assert (await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))).status == 200


@pytest.mark.parametrize(
    ("confirm", "field", "code"),
    [
        (35, "confirm", "wrong_type"),
        (None, "confirm", "wrong_type"),
        ([{"hours_admin": 35}], "confirm", "wrong_type"),
        ({"hours_admin": "35"}, "hours_admin", "wrong_type"),
        ({"hours_admin": True}, "hours_admin", "wrong_type"),
        ({"team_size": 1}, "team_size", "not_confirmable"),
        ({"no_such_question": 1}, "no_such_question", "unknown_question"),
        ({"hours_admin": 30}, "hours_admin", "confirmation_mismatch"),
        ({"hours_support": 3}, "hours_support", "confirmation_mismatch"),
    ],
)
async def test_a_malformed_confirmation_is_a_422_and_nothing_is_stored(
    client: Client, confirm: Any, field: str, code: str
) -> None:
    sid, token = await new_session(client)
    await put(client, sid, token, {"answers": SOLO})

    response = await put(client, sid, token, {"answers": {"industry": "software"}, "confirm": confirm})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_confirmation"
    assert (error["errors"][0]["field"], error["errors"][0]["code"]) == (field, code)
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert (state["answers"]["industry"], state["confirmed"]) == (SOLO["industry"], {})


async def test_a_body_without_answers_or_confirm_is_a_422(client: Client) -> None:
    sid, token = await new_session(client)
    for body in ({}, {"answers": None}, {"answers": [1]}, {"answer": {"team_size": 1}}):
        response = await put(client, sid, token, body)
        assert response.status == 422
        assert (await response.json())["error"]["field"] == "answers"


async def test_erasing_the_session_erases_its_confirmations(client: Client, db: asyncpg.Connection) -> None:
    sid, token = await new_session(client)
    await put(client, sid, token, {"answers": SOLO, "confirm": {"hours_admin": 35}})
    stored = await db.fetchval("select confirmations from quiz_sessions where id = $1", uuid.UUID(sid))
    assert json.loads(stored) == {"hours_admin": 35}

    assert (await client.delete(f"/api/sessions/{sid}", headers=auth(token))).status == 200
    row = await db.fetchrow("select answers, confirmations from quiz_sessions where id = $1", uuid.UUID(sid))
    assert (json.loads(row["answers"]), json.loads(row["confirmations"])) == ({}, {})
