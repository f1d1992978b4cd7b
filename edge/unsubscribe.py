"""`GET /api/unsubscribe?token=…`: the one-click unsubscribe of the follow-up and checkout-reminder emails."""

from __future__ import annotations

from aiohttp import web

from crb import links, sessions
from crb.errors import BadRequest
from edge.api import Unsubscribed
from edge.keys import POOL, SETTINGS

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Unsubscribed</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2b3a">
<h1>You are unsubscribed</h1><p>We will send you no further follow-ups or reminders. A report you bought stays
yours: its download link still works, and we still email you about an order itself (such as a refund).</p>
<p><a href="{site}/">Back to CRB Analyser</a></p>
</body></html>"""


async def unsubscribe(request: web.Request) -> web.Response:
    session_id = links.unsubscribe_session(request.app[SETTINGS], request.query.get("token", ""))
    if session_id is None:
        raise BadRequest("this unsubscribe link is not valid", field="token", code="invalid_token")
    async with request.app[POOL].acquire() as conn:
        await sessions.unsubscribe(conn, session_id)
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response(Unsubscribed(unsubscribed=True).body())
    return web.Response(text=_PAGE.replace("{site}", request.app[SETTINGS].site_url), content_type="text/html")
