"""Webhook benchmark: verified, persisted, fulfilled Stripe events per second at 50 concurrent senders,
against a bare aiohttp handler answering 200 in the same run (target ratio ≥ 0.3).

The senders share the servers' event loop and the machine's two cores with Postgres and Redis; the two
sides take turns over several rounds and the medians are compared, so a busy moment hits both alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import secrets
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import redis.asyncio as aioredis
import stripe
from aiohttp import web
from arq.constants import job_key_prefix

from crb import embedded
from crb.migrate import migrate
from crb.settings import Settings
from edge.app import create_app

SENDERS = 50
SECRET = "whsec_benchmark"
MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A throw-away database: on DATABASE_URL's server, the machine's Postgres, or an embedded one."""
    admin_url, scratch_dir = os.environ.get("DATABASE_URL") or MACHINE_POSTGRES, None
    try:
        admin = await asyncpg.connect(admin_url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        scratch_dir = Path(tempfile.mkdtemp(prefix="crb-bench-"))
        scratch_dir.chmod(0o755)
        admin_url = embedded.postgres_url(scratch_dir)
        admin = await asyncpg.connect(admin_url)
    name = "crb_bench_" + secrets.token_hex(4)
    await admin.execute(f'create database "{name}"')
    url = urlunsplit(urlsplit(admin_url)._replace(path="/" + name))
    try:
        await migrate(url)
        yield url
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()
        if scratch_dir is not None:
            shutil.rmtree(scratch_dir, ignore_errors=True)


def redis_url(scratch: Path) -> tuple[str, Callable[[], None]]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], lambda: None
    try:
        import socket

        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/0", lambda: None
    except OSError:
        local = embedded.start_redis(scratch, persist=False)
        return local.url, local.stop


async def open_sessions(database_url: str, count: int) -> list[uuid.UUID]:
    """Quiz sessions waiting in checkout, as the checkout endpoint leaves them."""
    ids = [uuid.uuid4() for _ in range(count)]
    conn = await asyncpg.connect(database_url)
    await conn.executemany(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, email, tier, amount_total, currency,"
        " stripe_checkout_session_id) values ($1, 'x', 'bench', 'checkout', 'b@example.com', 'report', 14700,"
        " 'eur', $2)",
        [(i, f"cs_bench_{i.hex}") for i in ids],
    )
    await conn.close()
    return ids


def completed(session_id: uuid.UUID) -> tuple[bytes, str]:
    payload = json.dumps(
        {
            "id": "evt_bench_" + secrets.token_hex(10),
            "object": "event",
            "type": "checkout.session.completed",
            "livemode": False,
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": f"cs_bench_{session_id.hex}",
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "status": "complete",
                    "client_reference_id": str(session_id),
                    "amount_total": 14700,
                    "currency": "eur",
                    "payment_intent": "pi_bench_" + session_id.hex[:16],
                    "metadata": {"quiz_session_id": str(session_id), "tier": "report"},
                }
            },
        }
    )
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, SECRET)


async def hammer(url: str, bodies: list[tuple[bytes, str]]) -> tuple[float, list[float]]:
    """Send every body with SENDERS concurrent senders; return events/s and per-request latencies (ms)."""
    queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    latencies: list[float] = []

    async def sender(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body, header = queue.get_nowait()
            start = time.perf_counter()
            async with http.post(url, data=body, headers={"Stripe-Signature": header}) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append((time.perf_counter() - start) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=SENDERS)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(sender(http) for _ in range(SENDERS)))
        elapsed = time.perf_counter() - start
    return len(bodies) / elapsed, latencies


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


async def bare_app() -> web.Application:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_post("/api/payments/webhook", ok)
    return app


def p99(samples: list[float]) -> float:
    return sorted(samples)[int(0.99 * (len(samples) - 1))]


async def forget_queue(redis: str, queue_name: str) -> None:
    """Drop the benchmark's queued jobs, so repeated runs do not fill the machine's Redis."""
    client = aioredis.Redis.from_url(redis)
    try:
        job_ids = await client.zrange(queue_name, 0, -1)
        for start in range(0, len(job_ids), 1000):
            await client.delete(*(job_key_prefix.encode() + j for j in job_ids[start : start + 1000]))
        await client.delete(queue_name)
    finally:
        await client.aclose()


async def run(quick: bool) -> None:
    count, rounds = (300, 3) if quick else (2000, 3)
    scratch = Path(tempfile.mkdtemp(prefix="crb-bench-"))
    redis, stop_redis = redis_url(scratch)
    bare_rates, edge_rates, bare_lat, edge_lat = [], [], [], []
    try:
        async with scratch_database() as database_url:
            settings = Settings.from_env(
                {
                    "DATA_DIR": str(scratch),
                    "DATABASE_URL": database_url,
                    "REDIS_URL": redis,
                    "SECRET_KEY": "bench",
                    "STRIPE_WEBHOOK_SECRET": SECRET,
                }
            )
            settings = dataclasses.replace(settings, queue_name="arq:bench:" + secrets.token_hex(4))
            sessions = await open_sessions(database_url, count * rounds)
            bodies = [[completed(i) for i in sessions[r * count : (r + 1) * count]] for r in range(rounds)]
            bare_runner, bare_url = await serve(await bare_app())
            edge_runner, edge_url = await serve(create_app(settings))
            try:
                await hammer(bare_url + "/api/payments/webhook", bodies[0][:50])  # warm-up
                for r in range(rounds):  # interleaved, so a busy moment on the machine hits both sides alike
                    rate, latencies = await hammer(bare_url + "/api/payments/webhook", bodies[r])
                    bare_rates.append(rate)
                    bare_lat += latencies
                    rate, latencies = await hammer(edge_url + "/api/payments/webhook", bodies[r])
                    edge_rates.append(rate)
                    edge_lat += latencies
            finally:
                await edge_runner.cleanup()
                await bare_runner.cleanup()
                await forget_queue(redis, settings.queue_name)
            conn = await asyncpg.connect(database_url)
            paid = await conn.fetchval("select count(*) from quiz_sessions where status = 'paid'")
            await conn.close()
    finally:
        stop_redis()
        shutil.rmtree(scratch, ignore_errors=True)
    bare, edge = statistics.median(bare_rates), statistics.median(edge_rates)
    print(f"webhooks: {count} signed checkout.session.completed events x {rounds} rounds, {SENDERS} concurrent senders")
    print(
        f"  bare aiohttp 200        {bare:6.0f} events/s  p50 {median(bare_lat):5.1f} ms  p99 {p99(bare_lat):6.1f} ms"
    )
    print(
        f"  edge (verify, store, fulfil, queue) {edge:6.0f} events/s  p50 {median(edge_lat):5.1f} ms"
        f"  p99 {p99(edge_lat):6.1f} ms  ({paid} sessions paid)"
    )
    print(f"  rounds: bare {rates(bare_rates)}; edge {rates(edge_rates)} events/s (medians above)")
    print(f"  ratio edge / bare = {edge / bare:.2f}  (target >= 0.3)")


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def rates(samples: list[float]) -> str:
    return ", ".join(f"{r:.0f}" for r in samples)
