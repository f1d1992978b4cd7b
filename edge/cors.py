"""CORS for the site when it lives on another origin (a CDN): only SITE_URL may call the API from a browser."""

from __future__ import annotations

import functools

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from edge.keys import SETTINGS

ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type"


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    allowed = origin is not None and origin == site_origin(request.app[SETTINGS].site_url)
    allowed = allowed and request.path.startswith("/api/")
    if request.method == "OPTIONS" and allowed:
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    if request.path.startswith("/api/"):
        # Every API answer depends on the Origin, even one without CORS headers: a cache must not reuse it
        # for another origin (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches).
        _vary_on_origin(response)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = str(origin)
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response


@functools.cache
def site_origin(site_url: str) -> str:
    """The Origin a browser sends from the site: scheme://host[:port], without its path or a default port
    (a site under a path, as GitHub Pages' https://user.github.io/crb, is still its host's origin)."""
    return str(URL(site_url).origin())


def _vary_on_origin(response: web.StreamResponse) -> None:
    """Add Origin to Vary, keeping what is there (Accept-Encoding, say)."""
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if not any(v.lower() in ("origin", "*") for v in vary):
        response.headers["Vary"] = ", ".join([*vary, "Origin"])
