"""Who may act on a quiz session: the bearer token parsed from Authorization, and 404 before 401."""

from __future__ import annotations

import uuid

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import make_mocked_request

from edge.auth import bearer
from tests.journey import Client, EdgeClient, auth, new_session

TOKEN = "Zm9v-bar_baz~1.2+3/4="  # every b64token character class of RFC 6750


def parsed(authorization: str | None) -> str | None:
    headers = {} if authorization is None else {"Authorization": authorization}
    return bearer(make_mocked_request("GET", "/api/sessions/x", headers=headers))


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}",
        f"bearer {TOKEN}",  # the scheme is case-insensitive (RFC 9110, 11.1)
        f"BEARER {TOKEN}",
        f"BeArEr {TOKEN}",
        f"Bearer   {TOKEN}",
        f"Bearer {TOKEN}  ",
        f"Bearer {TOKEN}\t",
        f"Bearer \t{TOKEN}",
    ],
)
def test_a_bearer_token_is_read_whatever_the_scheme_s_case_and_the_padding(header: str) -> None:
    assert parsed(header) == TOKEN


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Bearer \t ",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"Bearer{TOKEN}",
        f"Bearer\t{TOKEN}",  # only a space separates the scheme from its credentials
        f"Bearer-{TOKEN}",
        f"Bearers {TOKEN}",
        f"Bëarer {TOKEN}",
        TOKEN,
    ],
)
def test_anything_but_the_bearer_scheme_with_a_token_is_no_token(header: str | None) -> None:
    assert parsed(header) is None


@pytest.mark.parametrize(
    "token",
    [
        "é",
        TOKEN + "é",
        "a\u20acb",
        "\u00ff" * 32,
        "токен",
    ],
)
def test_a_token_that_is_not_ascii_is_no_token(token: str) -> None:
    assert parsed(f"Bearer {token}") is None


# Through the edge: GET /api/sessions/{id} is authorised by its token


@pytest.fixture
async def edge(edge_client: EdgeClient) -> Client:
    client, _ = await edge_client()
    return client


async def error_code(response: ClientResponse, status: int) -> str:
    assert response.status == status, await response.text()
    code: str = (await response.json())["error"]["code"]
    return code


async def test_the_bearer_of_the_session_s_token_is_authorised(edge: Client) -> None:
    sid, token = await new_session(edge)
    for header in (f"Bearer {token}", f"bearer  {token} "):
        response = await edge.get(f"/api/sessions/{sid}", headers={"Authorization": header})
        assert response.status == 200, await response.text()
        assert (await response.json())["id"] == sid


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer wrong-token",
        "Basic {token}",
        "Bearer {token}é",
        "Bearer {token}x",
        "Bearer {other}",
    ],
)
async def test_a_session_without_its_token_is_401(edge: Client, authorization: str | None) -> None:
    sid, token = await new_session(edge)
    _, other = await new_session(edge)  # a real token, of another session
    headers = {} if authorization is None else {"Authorization": authorization.format(token=token, other=other)}
    response = await edge.get(f"/api/sessions/{sid}", headers=headers)
    assert await error_code(response, 401) == "unauthorized"


@pytest.mark.parametrize("with_token", [False, True])
@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "not-a-uuid", "0" * 32 + "g"])
async def test_no_such_session_is_404_before_any_token_check(edge: Client, session_id: str, with_token: bool) -> None:
    _, token = await new_session(edge)
    headers = auth(token) if with_token else {}
    response = await edge.get(f"/api/sessions/{session_id}", headers=headers)
    assert await error_code(response, 404) == "not_found"
    assert (await response.json())["error"]["field"] == "id"
