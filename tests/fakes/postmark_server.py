"""A loopback Postmark: `/email` at its root, checking each payload as Postmark's API does."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN_HEADER = "X-Postmark-Server-Token"
REQUIRED = ("From", "To", "Subject")


@dataclass
class FakePostmark:
    token: str = "pm-test-token"
    sent: list[dict[str, Any]] = field(default_factory=list)
    inactive: set[str] = field(default_factory=set)
    fail_next: int = 0  # answer this many requests with a 500 first
    senders: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/email", self._email)
        app.router.add_get("/server", self._server)
        app.router.add_get("/senders", self._senders)
        app.router.add_get("/messages/outbound", self._search)
        return app

    async def _search(self, request: web.Request) -> web.Response:
        """Outbound message search; filters by `metadata_<key>` as Postmark does (one key at a time)."""
        if request.headers.get(TOKEN_HEADER) != self.token:
            return _error(401, 10, "The Server Token you provided was invalid.")
        query = request.query
        if "count" not in query or "offset" not in query:
            return _error(422, 700, "The 'count' and 'offset' parameters are required.")
        matches = [
            m
            for m in reversed(self.sent)  # newest first
            if all(
                (m.get("Metadata") or {}).get(k.removeprefix("metadata_")) == v
                for k, v in query.items()
                if k.startswith("metadata_")
            )
        ]
        offset, count = int(query["offset"]), int(query["count"])
        page = [
            {
                "MessageID": m["MessageID"],
                "Tag": m.get("Tag", ""),
                "Recipients": [m["To"]],
                "Subject": m["Subject"],
                "Status": "Sent",
                "MessageStream": m.get("MessageStream", "outbound"),
                "Metadata": m.get("Metadata") or {},
            }
            for m in matches[offset : offset + count]
        ]
        return web.json_response({"TotalCount": len(matches), "Messages": page})

    async def _server(self, request: web.Request) -> web.Response:
        if request.headers.get(TOKEN_HEADER) != self.token:
            return _error(401, 10, "The Server Token you provided was invalid.")
        return web.json_response({"ID": 1, "Name": "CRB Analyser", "DeliveryType": "Live"})

    async def _senders(self, request: web.Request) -> web.Response:
        """Postmark lists sender signatures with an account token; with a server token it refuses."""
        if request.headers.get("X-Postmark-Account-Token") is None:
            return _error(401, 10, "Request does not contain a valid Account API token.")
        return web.json_response({"TotalCount": len(self.senders), "SenderSignatures": self.senders})

    async def _email(self, request: web.Request) -> web.Response:
        if request.headers.get(TOKEN_HEADER) != self.token:
            return _error(
                401, 10, "The Server Token you provided in the X-Postmark-Server-Token request header was invalid."
            )
        if self.fail_next > 0:
            self.fail_next -= 1
            return _error(500, 0, "Internal server error")
        body = await request.json()
        if missing := [k for k in REQUIRED if not body.get(k)]:
            return _error(422, 300, f"Invalid email request: missing {missing}")
        if not body.get("TextBody") and not body.get("HtmlBody"):
            return _error(422, 300, "Provide either email TextBody or HtmlBody or both.")
        for a in body.get("Attachments") or []:
            base64.b64decode(a["Content"], validate=True)  # raises on bad base64, failing the test loudly
        if body["To"] in self.inactive:
            return _error(422, 406, "You tried to send to recipient(s) that have been marked as inactive.")
        message_id = str(uuid.uuid4())
        self.sent.append({**body, "MessageID": message_id})
        return web.json_response(
            {
                "To": body["To"],
                "SubmittedAt": "2026-11-26T10:00:00Z",
                "MessageID": message_id,
                "ErrorCode": 0,
                "Message": "OK",
            }
        )

    def attachments(self, message: dict[str, Any]) -> list[tuple[str, str, bytes]]:
        return [(a["Name"], a["ContentType"], base64.b64decode(a["Content"])) for a in message.get("Attachments") or []]


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"ErrorCode": code, "Message": message}, status=status)
