"""Recovery benchmark (issue 14): seconds from a fault's end until every paid session is delivered, for a worker
SIGKILLed mid-job, Postgres away for 10 s and Redis losing its data (target: about 60 s).

Real parts on loopback: the edge in this process (its offline checkout pays each session), two `python -m jobs`
workers and `python -m renderer` as subprocesses, a scratch database per fault on the machine's Postgres (or an
embedded one) and a Redis of the benchmark's own (`crb.embedded`), which it may empty. A session counts as
delivered when it is `delivered` and its report-ready email is in the local outbox (the `.eml` file's time).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import redis.asyncio as aioredis
from aiohttp import web

from crb import embedded
from crb.migrate import migrate
from crb.settings import Settings
from edge.app import create_app
from tests.outages import database_down  # the outage the tests cause, caused the same way

ANSWERS = Path(__file__).resolve().parent.parent / "examples" / "answers" / "bookkeeper-solo.json"
CHROMIUM = "/usr/lib/chromium/chromium"
MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-recovery-" + "0" * 32  # shared by the edge, the workers and the renderer (its token)
QUEUE = Settings.queue_name  # `python -m jobs` reads no queue name: the Redis is the benchmark's own instead
WORKERS = 2
OUTAGE_S = 10.0
DEADLINE_S = 300.0  # a fault not recovered from by then is reported as a failure
TARGET_S = 60.0
# The environment the subprocesses inherit; nothing else (a Postmark token in the shell must not send mail).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR", "PYTHONPATH")


@dataclasses.dataclass(frozen=True)
class Stack:
    """What one fault runs on: its own data folder and database (and its server's admin URL), the shared Redis
    and renderer."""

    data_dir: Path
    admin_url: str
    database_url: str
    redis_url: str
    renderer_url: str

    def env(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in INHERITED if k in os.environ}
        return env | {
            "DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "RENDERER_URL": self.renderer_url,
            "SECRET_KEY": SECRET_KEY,
        }


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one fault's run saw, in epoch seconds."""

    fault: str
    fault_end: float
    paid: Mapping[uuid.UUID, float]
    delivered: Mapping[uuid.UUID, float]  # the report-ready email's time
    ready: list[float]  # when each report was marked ready, in order
    unsettled: int  # report-ready emails that went out but are not recorded `sent`

    @property
    def last_s(self) -> float:
        return max(self.delivered.values()) - self.fault_end

    @property
    def after(self) -> list[float]:
        return sorted(t - self.fault_end for t in self.delivered.values() if t > self.fault_end)

    @property
    def backlog(self) -> list[float]:
        """When each report not yet made at the fault's end was made, in seconds after it."""
        return [t - self.fault_end for t in self.ready if t > self.fault_end]

    @property
    def longest_pause_s(self) -> float:
        """The longest wait for the next report after the fault ended: how long recovery left the renderer idle."""
        made = [0.0, *self.backlog]
        return max((b - a for a, b in itertools.pairwise(made)), default=0.0)


# ---- processes ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def spawn(module: str, env: Mapping[str, str], log: Path) -> asyncio.subprocess.Process:
    """`python -m module` in a process group of its own (so a kill reaches Chromium too), logging to `log`;
    run from its data folder, so no `.env` of the checkout is read."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            env=dict(env),
            cwd=env["DATA_DIR"],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def signal_group(process: asyncio.subprocess.Process, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to its group, then SIGKILL to whatever is left of the group; after 10 s without an exit, SIGKILL to
    every process under it too (Playwright starts Chromium in a session of its own, out of the group's reach)."""
    tree, stuck = descendants(process.pid), False
    if process.returncode is None:
        signal_group(process, signal.SIGTERM)
        try:
            async with asyncio.timeout(10):
                await process.wait()
        except TimeoutError:
            stuck = True
    signal_group(process, signal.SIGKILL)
    for pid in tree if stuck else []:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    await process.wait()


def descendants(pid: int) -> list[int]:
    """Every process under `pid` now, from /proc (empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(errors="replace").splitlines() if log.exists() else ["(no log)"]
    return f"--- {log} (end) ---\n" + "\n".join(text[-lines:])


def renderer_env(scratch: Path, port: int) -> dict[str, str]:
    env = {k: os.environ[k] for k in INHERITED if k in os.environ}
    env |= {"DATA_DIR": str(scratch), "SECRET_KEY": SECRET_KEY, "RENDERER_PORT": str(port)}
    if Path(CHROMIUM).exists():  # else the renderer looks for one itself
        env["CHROMIUM_PATH"] = CHROMIUM
    return env


@asynccontextmanager
async def renderer(scratch: Path) -> AsyncIterator[str]:
    """`python -m renderer` with its defaults on a free port, once its browser is up."""
    port = free_port()
    log = scratch / "renderer.log"
    process = await spawn("renderer", renderer_env(scratch, port), log)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http, asyncio.timeout(60):
            while process.returncode is None:
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(url + "/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
        if process.returncode is not None:
            raise RuntimeError(f"the renderer exited with status {process.returncode}")
        yield url
    except BaseException:
        print(tail(log), file=sys.stderr)
        raise
    finally:
        await stop(process)


@asynccontextmanager
async def workers(stack: Stack) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """WORKERS `python -m jobs` processes, once each has started and one has made the relay of its start-up."""
    logs = [stack.data_dir / f"worker-{i}.log" for i in range(WORKERS)]
    started = [await spawn("jobs", stack.env(), log) for log in logs]
    try:
        redis = aioredis.Redis.from_url(stack.redis_url)
        try:
            async with asyncio.timeout(30):
                while not (await redis.exists(f"crb:outbox-marker:{QUEUE}") and all(map(arq_started, logs))):
                    if any(p.returncode is not None for p in started):
                        raise RuntimeError("a worker exited at start-up")
                    await asyncio.sleep(0.1)
        finally:
            await redis.aclose()
        yield started
    except BaseException:
        print("\n".join(tail(log) for log in logs), file=sys.stderr)
        raise
    finally:
        for process in started:
            await stop(process)


def arq_started(log: Path) -> bool:
    return b"Starting worker for" in log.read_bytes()


@asynccontextmanager
async def edge(stack: Stack) -> AsyncIterator[str]:
    """The edge in this process on a free port, with the offline checkout and no rate limits."""
    port = free_port()
    env = stack.env() | {"EDGE_PORT": str(port), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "RATE_LIMITS": "off"}
    runner = web.AppRunner(create_app(Settings.from_env(env)), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def logs_to(path: Path) -> Iterator[None]:
    """This process's warnings (the edge's, its relay's during an outage) go to a file, not the figures."""
    handler = logging.FileHandler(path)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


@asynccontextmanager
async def postgres(scratch: Path) -> AsyncIterator[str]:
    """An admin URL: DATABASE_URL's server or the machine's when it answers, else an embedded one, stopped after."""
    url = os.environ.get("DATABASE_URL") or MACHINE_POSTGRES
    try:
        await (await asyncpg.connect(url, timeout=3)).close()
        reachable = True
    except (OSError, asyncpg.PostgresError, TimeoutError):
        reachable = False
    if reachable:
        yield url
        return
    server = await asyncio.to_thread(embedded.postgres_server, scratch)
    try:
        yield str(server.get_uri())
    finally:
        await asyncio.to_thread(server.cleanup)


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """A migrated database of its own on the admin URL's server, dropped after."""
    name = "crb_bench_" + secrets.token_hex(4)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'create database "{name}"')
        url = urlunsplit(urlsplit(admin_url)._replace(path="/" + name))
        try:
            await migrate(url)
            yield url
        finally:
            await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


# ---- sessions -----------------------------------------------------------------------------------------------


async def checkouts(http: aiohttp.ClientSession, base: str, count: int) -> dict[str, uuid.UUID]:
    """`count` completed quizzes in checkout, each with an address of its own: {offline checkout URL: session}."""
    answers = json.loads(ANSWERS.read_text())
    gate = asyncio.Semaphore(8)

    async def one(k: int) -> tuple[str, uuid.UUID]:
        async with gate:
            body = await call(http, "POST", base + "/api/sessions", None, {}, 201)
            auth = {"Authorization": f"Bearer {body['token']}"}
            sid = body["id"]
            await call(http, "PUT", f"{base}/api/sessions/{sid}/answers", {"answers": answers}, auth)
            await call(http, "POST", f"{base}/api/sessions/{sid}/complete", None, auth)
            email = {"email": f"recovery-{k}@example.com", "tier": "report"}
            started = await call(http, "POST", f"{base}/api/sessions/{sid}/checkout", email, auth)
            return str(started["url"]), uuid.UUID(sid)

    return dict(await asyncio.gather(*(one(k) for k in range(count))))


async def call(
    http: aiohttp.ClientSession, method: str, url: str, payload: object, headers: Mapping[str, str], status: int = 200
) -> dict[str, Any]:
    async with http.request(method, url, json=payload, headers=headers) as response:
        if response.status != status:
            raise RuntimeError(f"{method} {url} answered {response.status}: {await response.text()}")
        body: dict[str, Any] = await response.json()
        return body


async def pay(http: aiohttp.ClientSession, urls: list[str]) -> None:
    """Pay every checkout on the offline page at once (each sends the edge a signed webhook)."""
    await asyncio.gather(*(call(http, "POST", url + "/pay", None, {"Accept": "application/json"}) for url in urls))


class Deliveries:
    """Report-ready emails in the local outbox, by session (the file name carries the recipient)."""

    def __init__(self, data_dir: Path, by_email: Mapping[str, uuid.UUID]) -> None:
        self._outbox = data_dir / "outbox"
        self._by_email = by_email
        self.seen: dict[uuid.UUID, float] = {}

    def poll(self) -> dict[uuid.UUID, float]:
        if self._outbox.exists():
            for path in self._outbox.glob("*-report-ready-*.eml"):
                sid = self._by_email.get(path.stem.split("-report-ready-", 1)[1])
                if sid is not None and sid not in self.seen:
                    self.seen[sid] = path.stat().st_mtime
        return self.seen

    async def every(self, count: int, since: float) -> bool:
        """Wait for `count` deliveries: False if DEADLINE_S pass since `since` first."""
        while len(self.poll()) < count:
            if time.time() - since > DEADLINE_S:
                return False
            await asyncio.sleep(0.1)
        return True


async def undelivered(database_url: str, sessions: list[uuid.UUID]) -> str:
    """Where the sessions still waiting stand, counted, for the message of a fault never recovered from."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "select s.status, r.status as report, e.status as email from quiz_sessions s"
            " left join reports r on r.session_id = s.id and r.status <> 'superseded'"
            " left join emails e on e.session_id = s.id and e.kind = 'report_ready' where s.id = any($1::uuid[])",
            sessions,
        )
    finally:
        await conn.close()
    states = Counter(
        f"session {r['status']}, report {r['report']}, report email {r['email'] or 'not tried'}" for r in rows
    )
    return "; ".join(f"{n} x {state}" for state, n in states.most_common())


async def settled(database_url: str, sessions: list[uuid.UUID]) -> tuple[dict[uuid.UUID, float], list[float], int]:
    """Each session's payment time, after checking it is `delivered`; when each report was ready; and how many
    report-ready emails are not recorded `sent` (they went out, yet their record waits for reconcile)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("select id, status, paid_at from quiz_sessions where id = any($1::uuid[])", sessions)
        ready = await conn.fetch(
            "select ready_at from reports where status = 'ready' and session_id = any($1::uuid[])", sessions
        )
        unsettled = await conn.fetchval(
            "select count(*) from emails where kind = 'report_ready' and status <> 'sent'"
            " and session_id = any($1::uuid[])",
            sessions,
        )
    finally:
        await conn.close()
    wrong = [f"{r['id']}: {r['status']}" for r in rows if r["status"] != "delivered"]
    if len(rows) != len(sessions) or wrong:
        raise RuntimeError(f"report emails went out for sessions not delivered: {wrong}")
    paid = {r["id"]: r["paid_at"].timestamp() for r in rows}
    return paid, sorted(r["ready_at"].timestamp() for r in ready), int(unsettled)


async def reports_ready(database_url: str, count: int, since: float) -> None:
    """Wait until `count` reports are ready: reports are being made, most still queued."""
    conn = await asyncpg.connect(database_url)
    try:
        while await conn.fetchval("select count(*) from reports where status = 'ready'") < count:
            if time.time() - since > DEADLINE_S:
                raise RuntimeError(f"fewer than {count} reports were made in {DEADLINE_S:.0f} s, without a fault")
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


# ---- faults -------------------------------------------------------------------------------------------------


async def reports_in_progress(redis_url: str) -> int:
    """Report jobs holding arq's lock now (each worker holds at most its max_jobs, 4)."""
    redis = aioredis.Redis.from_url(redis_url)
    try:
        return len([k async for k in redis.scan_iter("arq:in-progress:report:*")])
    finally:
        await redis.aclose()


async def kill_a_worker(stack: Stack, running: list[asyncio.subprocess.Process]) -> float:
    async with asyncio.timeout(60):  # both workers make reports (one holds at most 4): the victim is mid-report
        while await reports_in_progress(stack.redis_url) <= 4:  # noqa: ASYNC110 (Redis has nothing to wait on)
            await asyncio.sleep(0.05)
    signal_group(running[0], signal.SIGKILL)
    return time.time()


async def postgres_away(stack: Stack, running: list[asyncio.subprocess.Process]) -> float:
    await database_down(stack.admin_url, stack.database_url, down=True)
    try:
        await asyncio.sleep(OUTAGE_S)
    finally:
        await database_down(stack.admin_url, stack.database_url, down=False)
    return time.time()


async def redis_emptied(stack: Stack, running: list[asyncio.subprocess.Process]) -> float:
    await empty(stack.redis_url)
    return time.time()


Fault = Callable[[Stack, list[asyncio.subprocess.Process]], Awaitable[float]]
FAULTS: tuple[tuple[str, Fault], ...] = (
    ("worker SIGKILLed mid-job", kill_a_worker),
    (f"Postgres away {OUTAGE_S:.0f} s", postgres_away),
    ("Redis emptied (FLUSHDB)", redis_emptied),
)


async def measure(stack: Stack, fault: str, make_fault: Fault, count: int) -> Outcome:
    """Pay `count` sessions, cause the fault once a quarter of their reports are made, and wait until every one
    is delivered."""
    async with aiohttp.ClientSession() as http, workers(stack) as running, edge(stack) as base:
        pending = await checkouts(http, base, count)
        by_email = {f"recovery-{k}@example.com": sid for k, sid in enumerate(pending.values())}
        deliveries = Deliveries(stack.data_dir, by_email)
        paid_at = time.time()
        await pay(http, list(pending))
        await reports_ready(stack.database_url, count // 4, paid_at)
        fault_end = await make_fault(stack, running)
        if not await deliveries.every(count, fault_end):
            waiting = [sid for sid in pending.values() if sid not in deliveries.seen]
            raise RuntimeError(
                f"{fault}: {len(waiting)} of {count} sessions not delivered {DEADLINE_S:.0f} s after the fault"
                f" ended: {await undelivered(stack.database_url, waiting)}"
            )
    paid, ready, unsettled = await settled(stack.database_url, list(pending.values()))
    return Outcome(fault, fault_end, paid, dict(deliveries.seen), ready, unsettled)


async def run(quick: bool) -> None:
    count = 20 if quick else 60
    scratch = Path(tempfile.mkdtemp(prefix="crb-bench-"))
    os.chmod(scratch, 0o755)  # pgserver runs an embedded Postgres as a user of its own when we are root
    outcomes: list[Outcome] = []
    try:
        own_redis = embedded.start_redis(scratch, persist=False)
        try:
            with logs_to(scratch / "bench.log"):
                async with postgres(scratch) as admin_url, renderer(scratch) as renderer_url:
                    for fault, make_fault in FAULTS:
                        data_dir = scratch / secrets.token_hex(4)
                        data_dir.mkdir()
                        await empty(own_redis.url)  # nothing of the previous fault's jobs
                        async with scratch_database(admin_url) as database_url:
                            stack = Stack(data_dir, admin_url, database_url, own_redis.url, renderer_url)
                            outcomes.append(await measure(stack, fault, make_fault, count))
        finally:
            own_redis.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(outcomes, count)


async def empty(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


def report(outcomes: list[Outcome], count: int) -> None:
    print(
        f"recovery: per fault, {count} sessions paid at once through the offline checkout, {WORKERS} workers"
        " (`python -m jobs`),\n  `python -m renderer`, a scratch database and a Redis of its own; the fault once"
        f" {count // 4} reports are made. Seconds after the fault ended:"
    )
    print(
        f"  {'fault':<25} {'last delivery':>13}  {'p50 of the rest':>15}  {'paid -> email p50':>17}  {'max':>6}"
        "  reports left  longest pause"
    )
    for o in outcomes:
        waits = sorted(o.delivered[sid] - o.paid[sid] for sid in o.paid)
        after, wait_p50 = o.after, statistics.median(waits)
        after_p50 = statistics.median(after) if after else float("nan")
        print(
            f"  {o.fault:<25} {o.last_s:11.1f} s  {after_p50:9.1f} s ({len(after):2})  {wait_p50:15.1f} s"
            f"  {waits[-1]:4.1f} s  {len(o.backlog):12}  {o.longest_pause_s:11.1f} s"
        )
    for o in outcomes:
        if o.unsettled:
            print(f"  {o.fault}: {o.unsettled} report emails went out but are not recorded 'sent' (see reconcile)")
    worst = max(outcomes, key=lambda o: o.last_s)
    verdict = "within" if worst.last_s <= TARGET_S else "over"
    print(
        f"  target: about {TARGET_S:.0f} s from a fault's end to the last delivery; slowest here {worst.last_s:.1f} s"
        f" ({worst.fault}), {verdict} it"
    )
