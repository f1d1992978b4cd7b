"""The edge application: settings, one cleanup context per resource, the route list and the error middleware."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from arq import create_pool as create_arq_pool
from arq.connections import RedisSettings

from crb import db, embedded, logs, outbox
from crb.db import create_pool
from crb.errors import error_body
from crb.outbox import Relay
from crb.payments import gateway_for
from crb.settings import Settings
from crb.storage import store_for
from edge import (
    admin,
    checkout,
    downloads,
    metrics,
    offline,
    openapi,
    ratelimit,
    sessions,
    site,
    unsubscribe,
    webhooks,
)
from edge.api import Health
from edge.cors import cors
from edge.errors import RETRY_AFTER_S, json_errors
from edge.keys import ARQ, GATEWAY, HTTP, METRICS, PAYMENTS, POOL, REDIS_URL, RELAY, SETTINGS, STORE

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # quiz answers and Stripe events are small


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[
            logs.request_ids,
            metrics.count_requests,
            cors,
            json_errors,
            admin.admin_only,
            ratelimit.rate_limits,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics.EdgeMetrics()
    app.cleanup_ctx.extend([_database, _queue, ratelimit.limiter_ctx, _relay, _payments, _http, _gateway, _store])
    app.router.add_routes(routes(settings))
    return app


def routes(settings: Settings) -> list[web.AbstractRouteDef]:
    table: list[web.AbstractRouteDef] = [
        web.get("/healthz", health),
        web.get("/metrics", metrics.metrics),
        web.get("/api/openapi.json", openapi.openapi),
        web.get("/api/quiz", sessions.get_quiz),
        web.post("/api/sessions", sessions.create_session),
        web.get("/api/sessions/{id}", sessions.get_session),
        web.put("/api/sessions/{id}/answers", sessions.save_answers),
        web.post("/api/sessions/{id}/complete", sessions.complete),
        web.post("/api/sessions/{id}/checkout", checkout.start_checkout),
        web.get("/api/sessions/{id}/report", sessions.get_report),
        web.delete("/api/sessions/{id}", sessions.erase),
        web.get("/api/unsubscribe", unsubscribe.unsubscribe),
        web.post("/api/payments/webhook", webhooks.stripe_webhook),
        web.get("/api/reports/{report_id}/download", downloads.download_report),
        web.get("/files/{path:.+}", downloads.local_file),
        *admin.routes(),
    ]
    if settings.offline_payments:
        table += [
            web.get("/offline-checkout/{checkout_id}", offline.checkout_page),
            web.post("/offline-checkout/{checkout_id}/{action}", offline.act),
        ]
    # Last: the static site, in development. Not under /api/, so an API route's 405 names its own methods only.
    return [*table, web.get(r"/{path:(?!api/).*}", site.site_file)]


HEALTH_TIMEOUT_S = 2.0  # a dependency that takes longer than this to answer a ping counts as down


async def health(request: web.Request) -> web.Response:
    """200 when the database and Redis answer; 503 naming each one that does not."""
    checks = {"database": db.ping(request.app[POOL]), "redis": request.app[ARQ].ping()}
    results = await asyncio.gather(
        *(asyncio.wait_for(check, HEALTH_TIMEOUT_S) for check in checks.values()), return_exceptions=True
    )
    down = [name for name, result in zip(checks, results, strict=True) if isinstance(result, BaseException)]
    if not down:
        return web.json_response(Health(status="ok").body())
    for name, result in zip(checks, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("health: %s is not answering: %r", name, result)
    body = error_body("unavailable", f"not answering: {', '.join(down)}", down=down)
    return web.json_response(body, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[POOL] = await create_pool(settings.database_url or embedded.postgres_url(settings.data_dir))
    yield
    await app[POOL].close()


async def _queue(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[REDIS_URL] = url = settings.redis_url or embedded.start_redis(settings.data_dir).url
    app[ARQ] = await create_arq_pool(RedisSettings.from_dsn(url), default_queue_name=settings.queue_name)
    yield
    await app[ARQ].aclose()


async def _relay(app: web.Application) -> AsyncIterator[None]:
    app[RELAY] = relay = Relay(app[POOL], app[ARQ], app[SETTINGS].queue_name)
    task = asyncio.create_task(relay.run(), name="outbox-relay")
    relay.nudge()  # anything a previous process left behind
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    try:
        await outbox.relay(app[POOL], app[ARQ], app[SETTINGS].queue_name)  # hand over what is pending
    except Exception:  # the worker's relay cron hands it over instead
        log.exception("final outbox relay at shutdown failed")


async def _payments(app: web.Application) -> AsyncIterator[None]:
    app[PAYMENTS] = batcher = webhooks.payment_batcher(app)
    yield
    await batcher.close()


async def _http(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    yield
    await app[HTTP].close()


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    app[GATEWAY] = gateway_for(app[SETTINGS])
    yield
    await app[GATEWAY].close()


async def _store(app: web.Application) -> AsyncIterator[None]:
    app[STORE] = store_for(app[SETTINGS])
    yield
    await app[STORE].close()
