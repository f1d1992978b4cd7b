"""Steps of the customer journey over the edge's HTTP API, shared by the edge and end-to-end tests."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web
from aiohttp.test_utils import TestClient

from crb.settings import Settings

Client = TestClient[web.Request, web.Application]
"""A test client of the edge's app."""


class EdgeClient(Protocol):
    """The `edge_client` fixture: starts an edge with these extra environment variables."""

    async def __call__(self, **env: str) -> tuple[Client, Settings]: ...


ANSWERS: dict[str, Any] = {
    "company_name": "Müller & Söhne Marketing GmbH",
    "industry": "marketing",
    "team_size": 6,
    "revenue_band": "250k_1m",
    "hourly_cost": 45,
    "hours_admin": 12,
    "hours_support": 6,
    "hours_scheduling": 4,
    "hours_reporting": 6,
    "hours_content": 25,
    "process_repetitiveness": 3,
    "process_documentation": 2,
    "tools": ["crm", "accounting", "spreadsheets"],
    "data_location": "many_disconnected",
    "data_quality": 3,
    "integration_pain": 4,
    "ai_experience": "experimenting",
    "tech_comfort": 4,
    "change_capacity": 3,
    "data_sensitivity": "personal",
    "ai_policy": "none",
    "risk_appetite": 4,
    "goals": ["save_time", "grow_revenue"],
    "ai_strategy": "ideas",
    "monthly_budget": "250_1000",
    "timeline": "soon",
    "biggest_pain": "Pitches and monthly client reports eat the time we should spend on creative work.",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_session(client: Client) -> tuple[str, str]:
    response = await client.post("/api/sessions")
    assert response.status == 201, await response.text()
    body = await response.json()
    return body["id"], body["token"]


async def completed_session(client: Client, answers: dict[str, Any] | None = None) -> tuple[str, str]:
    sid, token = await new_session(client)
    response = await client.put(
        f"/api/sessions/{sid}/answers", json={"answers": answers or ANSWERS}, headers=auth(token)
    )
    assert response.status == 200, await response.text()
    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 200, await response.text()
    return sid, token


async def checkout(
    client: Client, sid: str, token: str, email: str = "owner@example.com", tier: str = "report"
) -> dict[str, Any]:
    response = await client.post(
        f"/api/sessions/{sid}/checkout", json={"email": email, "tier": tier}, headers=auth(token)
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())
