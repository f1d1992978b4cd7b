"""Burst benchmark: one client creates 2,000 sessions as fast as it can (50 at a time) while another customer
goes through the quiz's calls (create, save answers, read the session); that customer's p95 latency during the
burst against a quiet baseline, with the rate limits on (the defaults) and off.

The edge runs in this process on a real socket, with Postgres and Redis as the tests use them; the burst comes
from another process on the same two cores.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from asyncio.subprocess import PIPE
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.webhooks import forget_queue, redis_url, scratch_database
from crb.settings import Settings
from edge.app import create_app

BURST, BURST_SENDERS = 2000, 50
ATTACKER = "203.0.113.66"
CUSTOMERS = itertools.count()
ANSWERS = {"company_name": "Quiet Customer Ltd", "industry": "marketing", "team_size": 8}


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def customer_flow(http: aiohttp.ClientSession, base: str) -> list[float]:
    """One customer's calls (each customer at an address of its own), each timed in ms."""
    headers = {"X-Forwarded-For": f"198.51.{next(CUSTOMERS) // 250}.{next(CUSTOMERS) % 250 + 1}"}
    timings = []
    start = time.perf_counter()
    async with http.post(base + "/api/sessions", headers=headers) as r:
        body = await r.json()
    timings.append((time.perf_counter() - start) * 1000)
    auth = headers | {"Authorization": f"Bearer {body['token']}"}
    for path, method, payload in (
        (f"/api/sessions/{body['id']}/answers", "PUT", {"answers": ANSWERS}),
        (f"/api/sessions/{body['id']}", "GET", None),
    ):
        start = time.perf_counter()
        async with http.request(method, base + path, json=payload, headers=auth) as r:
            await r.read()
            assert r.status == 200, r.status
        timings.append((time.perf_counter() - start) * 1000)
    return timings


# The burst comes from another process, as it would: only the server's work is shared with the customer.
BURST_SCRIPT = """
import asyncio, collections, json, sys
import aiohttp

async def main(base, count, senders, address):
    statuses = collections.Counter()
    left = iter(range(count))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=senders)) as http:
        async def sender():
            for _ in left:
                async with http.post(base + "/api/sessions", headers={"X-Forwarded-For": address}) as r:
                    await r.read()
                    statuses[r.status] += 1
        await asyncio.gather(*(sender() for _ in range(senders)))
    print(json.dumps(statuses))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
"""


async def burst(base: str) -> Counter[int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BURST_SCRIPT, base, str(BURST), str(BURST_SENDERS), ATTACKER, stdout=PIPE
    )
    out, _ = await process.communicate()
    return Counter({int(status): n for status, n in json.loads(out).items()})


async def measure(settings: Settings, flows: int) -> tuple[float, float, Counter[int], float]:
    """The customer's p95 quiet and during the burst, the burst's statuses, and its duration in s."""
    runner, base = await serve(create_app(settings))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                await customer_flow(http, base)  # warm-up
            quiet = [t for _ in range(flows) for t in await customer_flow(http, base)]
            started = time.perf_counter()
            attack = asyncio.create_task(burst(base))
            during: list[float] = []
            while not attack.done():
                during += await customer_flow(http, base)
            statuses = await attack
            took = time.perf_counter() - started
    finally:
        await runner.cleanup()
    return p95(quiet), p95(during), statuses, took


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else float("nan")


async def run(quick: bool) -> None:
    flows = 20 if quick else 60
    scratch = Path(tempfile.mkdtemp(prefix="crb-bench-"))
    redis, stop_redis = redis_url(scratch)
    results = {}
    try:
        for label, limits in (("limits on (defaults)", ""), ("limits off", "off")):
            async with scratch_database() as database_url:
                env = {"DATA_DIR": str(scratch), "DATABASE_URL": database_url, "REDIS_URL": redis}
                env |= {"SECRET_KEY": "bench", "TRUSTED_PROXIES": "127.0.0.1/32", "RATE_LIMITS": limits}
                settings = dataclasses.replace(Settings.from_env(env), queue_name="arq:bench:" + secrets.token_hex(4))
                try:
                    results[label] = await measure(settings, flows)
                finally:
                    await forget_queue(redis, settings.queue_name)
    finally:
        stop_redis()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"burst: {BURST} session creations from one address, {BURST_SENDERS} at a time, while another customer")
    print("  creates a session, saves answers and reads it again, call after call")
    for label, (quiet, during, statuses, took) in results.items():
        counts = ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items()))
        print(
            f"  {label:<21} burst {counts} in {took:.1f} s; the other customer's p95 {quiet:5.1f} ms quiet,"
            f" {during:6.1f} ms during the burst (x{during / quiet:.1f})"
        )
