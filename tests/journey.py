"""Steps of the customer journey over the edge's HTTP API, shared by the edge and end-to-end tests."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

ANSWERS: dict[str, Any] = {
    "company_name": "Müller & Söhne Marketing GmbH",
    "industry": "marketing",
    "team_size": 6,
    "weekly_admin_hours": 40,
    "tools": ["crm", "accounting", "spreadsheets"],
    "ai_experience": "experimenting",
    "data_quality": 3,
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_session(client: TestClient) -> tuple[str, str]:
    response = await client.post("/api/sessions")
    assert response.status == 201, await response.text()
    body = await response.json()
    return body["id"], body["token"]


async def completed_session(client: TestClient, answers: dict[str, Any] | None = None) -> tuple[str, str]:
    sid, token = await new_session(client)
    response = await client.put(
        f"/api/sessions/{sid}/answers", json={"answers": answers or ANSWERS}, headers=auth(token)
    )
    assert response.status == 200, await response.text()
    response = await client.post(f"/api/sessions/{sid}/complete", headers=auth(token))
    assert response.status == 200, await response.text()
    return sid, token


async def checkout(
    client: TestClient, sid: str, token: str, email: str = "owner@example.com", tier: str = "report"
) -> dict[str, Any]:
    response = await client.post(
        f"/api/sessions/{sid}/checkout", json={"email": email, "tier": tier}, headers=auth(token)
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())
