"""Who may act on a quiz session: the bearer of its token."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from crb import sessions
from edge.keys import POOL


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authorised(request: web.Request) -> Any:
    """The session named in the path, if the request carries its token."""
    session_id = sessions.parse_id(request.match_info["id"])
    async with request.app[POOL].acquire() as conn:
        return await sessions.authorise(conn, session_id, bearer(request))
