"""`GET /metrics`: the edge's figures in Prometheus' text format, behind the admin token.

Requests and Stripe events are counted as they happen. Sessions, emails and the outbox are read from the
database at scrape time, so every edge process reports the same figures.
"""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from crb import figures
from crb.db import Pool
from edge.keys import METRICS, POOL

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_SIZES = (1, 2, 5, 10, 25, 50, 100)


class EdgeMetrics:
    """One registry per application (no process-wide state), so tests and several apps never mix figures."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter(
            "crb_edge_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "crb_edge_http_request_duration_seconds", "Time to answer, by route", ["route"], buckets=SECONDS, registry=r
        )
        self.stripe_events = Counter(
            "crb_edge_stripe_events", "Verified Stripe events, by type and outcome", ["type", "outcome"], registry=r
        )
        self.payment_batch = Histogram(
            "crb_edge_payment_batch_size",
            "Paid checkout events per fulfilment statement",
            buckets=BATCH_SIZES,
            registry=r,
        )
        self.sessions = Gauge("crb_sessions", "Quiz sessions, by status", ["status"], registry=r)
        self.emails = Gauge("crb_emails", "Emails, by kind and status", ["kind", "status"], registry=r)
        self.outbox_pending = Gauge("crb_outbox_pending_jobs", "Jobs not yet handed to the queue", registry=r)
        self.outbox_oldest = Gauge(
            "crb_outbox_oldest_pending_seconds", "Age of the oldest job not yet handed to the queue", registry=r
        )

    async def read_database(self, pool: Pool) -> None:
        now = await figures.read(pool)
        self.sessions.clear()  # a status nobody is in any more disappears rather than keeping its last count
        for status, count in now.sessions_by_status.items():
            self.sessions.labels(status).set(count)
        self.emails.clear()
        for kind, status, count in now.emails:
            self.emails.labels(kind, status).set(count)
        self.outbox_pending.set(now.outbox_pending)
        self.outbox_oldest.set(now.outbox_oldest_s)


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every answer by its route's pattern (never the raw path, which would name sessions)."""
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as e:
        status = e.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        metrics = request.app[METRICS]
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.request_seconds.labels(route).observe(time.perf_counter() - start)


async def metrics(request: web.Request) -> web.Response:
    figures = request.app[METRICS]
    await figures.read_database(request.app[POOL])
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))  # text 0.0.4 unless asked
    return web.Response(body=encode(figures.registry), headers={"Content-Type": content_type})
