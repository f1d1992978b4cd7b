"""Who may act on a quiz session: the bearer of its token."""

from __future__ import annotations

from aiohttp import web

from crb import sessions
from edge.keys import POOL


def bearer(request: web.Request) -> str | None:
    """The bearer token, if there is one; tokens are ASCII (RFC 6750's b64token), so anything else is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and token.isascii() else None


async def authorised(request: web.Request) -> sessions.QuizSession:
    """The session named in the path, if the request carries its token."""
    session_id = sessions.parse_id(request.match_info["id"])
    async with request.app[POOL].acquire() as conn:
        return await sessions.authorise(conn, session_id, bearer(request))
