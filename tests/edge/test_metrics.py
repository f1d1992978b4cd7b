"""`GET /metrics`: Prometheus' text format behind the admin token, counting what the edge did."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.stripe_server import FakeStripe, event, signed
from tests.journey import Client, EdgeClient, checkout, completed_session

ADMIN = {"Authorization": "Bearer admin-secret"}
SECRET = "whsec_test_metrics"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: Client) -> Samples:
    response = await client.get("/metrics", headers=ADMIN)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(await response.text())
    return {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_need_the_admin_token(edge_client: EdgeClient) -> None:
    client, _ = await edge_client(ADMIN_TOKEN="admin-secret")
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
    off, _ = await edge_client()
    response = await off.get("/metrics", headers=ADMIN)
    assert response.status == 401
    assert "ADMIN_TOKEN" in (await response.json())["error"]["message"]


async def test_metrics_count_requests_events_batches_and_the_database(
    isolated_database_url: str, edge_client: EdgeClient, fake_stripe: FakeStripe
) -> None:  # the database first, so the edge closes before it is dropped
    client, _ = await edge_client(
        ADMIN_TOKEN="admin-secret",
        DATABASE_URL=isolated_database_url,
        STRIPE_SECRET_KEY="sk_test_metrics",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET=SECRET,
    )
    sid, token = await completed_session(client)
    cs = (await checkout(client, sid, token))["checkout_id"]
    paid = event("checkout.session.completed", fake_stripe.complete(cs))
    for _ in range(2):
        body, header = signed(paid, SECRET)
        assert (await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})).ok
    assert (await client.get(f"/api/sessions/{sid}")).status == 401  # no token

    samples = await scrape(client)
    completed = "checkout.session.completed"
    assert value(samples, "crb_edge_stripe_events_total", type=completed, outcome="fulfilled") == 1
    assert value(samples, "crb_edge_stripe_events_total", type=completed, outcome="duplicate") == 1
    assert value(samples, "crb_edge_payment_batch_size_count") == 2
    webhook = {"method": "POST", "route": "/api/payments/webhook", "status": "200"}
    assert value(samples, "crb_edge_http_requests_total", **webhook) == 2
    session = {"method": "GET", "route": "/api/sessions/{id}", "status": "401"}
    assert value(samples, "crb_edge_http_requests_total", **session) == 1  # the pattern, never the session's id
    assert value(samples, "crb_edge_http_request_duration_seconds_count", route="/api/payments/webhook") == 2
    assert value(samples, "crb_sessions", status="paid") == 1
    assert value(samples, "crb_outbox_pending_jobs") >= 0
    assert ("crb_outbox_oldest_pending_seconds", frozenset()) in samples
