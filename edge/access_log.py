"""The edge's access log: one line per request, without the query string that carries link tokens."""

from __future__ import annotations

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse


class AccessLogger(AbstractAccessLogger):
    """Method, path, status, size and time; never the query string, where download and file links carry
    their lasting tokens and signatures."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        # The raw path: still percent-encoded, so a %0A in it cannot forge a log line.
        self.logger.info(
            "%s %s %s %s %.6fs",
            request.method,
            request.rel_url.raw_path,
            response.status,
            response.body_length,
            time,
        )
