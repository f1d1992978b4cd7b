"""The edge's rate limits (`crb.ratelimits`): which route counts under which limit, and whose count it is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from crb.ratelimits import Limiter, Scope, client_address, rules_from
from edge.keys import LIMITER, REDIS_URL, SETTINGS

# Routes counted here, by method and path pattern. Checkout counts in its handler, only when it would open a
# new Checkout Session (beyond its limit the open one is offered again).
ROUTES: Final[Mapping[tuple[str, str], str]] = {
    ("POST", "/api/sessions"): "create_session",
    ("PUT", "/api/sessions/{id}/answers"): "save_answers",
    ("POST", "/api/sessions/{id}/complete"): "complete",
    ("GET", "/offline-checkout/{checkout_id}"): "offline_checkout",
    ("POST", "/offline-checkout/{checkout_id}/{action}"): "offline_checkout",
    ("GET", "/api/reports/{report_id}/download"): "download",
    ("GET", "/api/unsubscribe"): "unsubscribe",
}


def keys(request: web.Request) -> dict[Scope, str]:
    """Whose counts a request adds to: its client's address, and the session or report in its path."""
    settings = request.app[SETTINGS]
    found: dict[Scope, str] = {
        "address": client_address(request.remote, request.headers.get("X-Forwarded-For"), settings.trusted_proxies)
    }
    if "id" in request.match_info:
        found["session"] = request.match_info["id"]
    if "report_id" in request.match_info:
        found["report"] = request.match_info["report_id"]
    return found


async def count(request: web.Request, name: str) -> None:
    """Count this request under the limit `name`; `crb.ratelimits.RateLimited` (a 429) past it."""
    limiter = request.app.get(LIMITER)
    if limiter is not None:
        await limiter.hit(name, keys(request))


@web.middleware
async def rate_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route.resource
    name = ROUTES.get((request.method, route.canonical)) if route is not None else None
    if name is not None:
        await count(request, name)
    return await handler(request)


async def limiter_ctx(app: web.Application) -> AsyncIterator[None]:
    """The limiter on the edge's Redis, its keys apart from every other deployment's on the same Redis."""
    settings = app[SETTINGS]
    if settings.rate_limits is not None:
        rules = rules_from(settings.rate_limits)
        app[LIMITER] = Limiter(app[REDIS_URL], rules, f"crb-limits:{settings.queue_name}")
    yield
    if LIMITER in app:
        await app[LIMITER].close()
