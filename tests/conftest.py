"""Real services for the tests: Postgres and Redis (the machine's, or embedded ones), loopback fakes for SaaS."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from crb import embedded
from crb.migrate import migrate
from crb.settings import Settings
from jobs.retry import RETRIES, RetryPolicies
from tests.fakes.postmark_server import FakePostmark
from tests.fakes.storage_server import FakeStorage
from tests.fakes.stripe_server import FakeStripe

MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
MACHINE_REDIS = ("127.0.0.1", 6379)
TEST_SECRET_KEY = "test-secret-key-0123456789"
RENDERER_TOKEN = "renderer-test-token"


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def short_tmp() -> Iterator[Path]:
    """A short, world-traversable folder for embedded servers: Unix socket paths must stay under about 100
    characters, and pgserver runs Postgres as its own `pgserver` user when we are root."""
    path = Path(tempfile.mkdtemp(prefix="crb-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
async def postgres_admin(short_tmp: Path) -> AsyncIterator[str]:
    """A Postgres to create test databases on: the machine's when it answers, else an embedded one."""
    try:
        conn = await asyncpg.connect(MACHINE_POSTGRES, timeout=3)
        await conn.close()
        yield MACHINE_POSTGRES
        return
    except (TimeoutError, OSError, asyncpg.PostgresError):
        pass
    server = await asyncio.to_thread(embedded.postgres_server, short_tmp)
    yield str(server.get_uri())
    await asyncio.to_thread(server.cleanup)


@pytest.fixture(scope="session")
async def database_template(postgres_admin: str) -> AsyncIterator[str]:
    """A migrated database nobody connects to, cloned for each database the tests use (fast: a file copy)."""
    name = "crb_template_" + secrets.token_hex(6)
    admin = await asyncpg.connect(postgres_admin)
    await admin.execute(f'create database "{name}"')
    try:
        await migrate(with_database(postgres_admin, name))
        yield name
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


@asynccontextmanager
async def cloned_database(postgres_admin: str, template: str) -> AsyncIterator[str]:
    name = "crb_test_" + secrets.token_hex(6)
    admin = await asyncpg.connect(postgres_admin)
    await admin.execute(f'create database "{name}" template "{template}"')
    try:
        yield with_database(postgres_admin, name)
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(postgres_admin: str, database_template: str) -> AsyncIterator[str]:
    """This run's shared database, migrated, dropped afterwards. Tests whose jobs sweep the whole database
    (follow-ups, cleanups, reconciliation) use `isolated_database_url` instead."""
    async with cloned_database(postgres_admin, database_template) as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the test's database (its own where a folder's conftest gives it one)."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def isolated_database_url(postgres_admin: str, database_template: str) -> AsyncIterator[str]:
    """A database of this test's own."""
    async with cloned_database(postgres_admin, database_template) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(short_tmp: Path) -> Iterator[str]:
    """The machine's Redis when it answers, else an embedded one."""
    try:
        with socket.create_connection(MACHINE_REDIS, timeout=2) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                yield "redis://127.0.0.1:6379/0"
                return
    except OSError:
        pass
    local = embedded.start_redis(short_tmp, persist=False)
    try:
        yield local.url
    finally:
        local.stop()


def free_port() -> int:
    """A port nothing listens on just now, for a client that must find nobody there (never to serve on: another
    process may take it meanwhile; `listening_socket` holds its port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening_socket() -> socket.socket:
    """A loopback socket bound to a free port and kept: a server started on it (`on_socket`) has that port for
    sure, and its URL can be known before the server starts."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def on_socket(sock: socket.socket) -> dict[str, Any]:
    """TestServer keyword arguments that serve on `sock`."""
    return {"port": port_of(sock), "socket_factory": lambda host, port, family: sock}


async def serve(app: web.Application, sock: socket.socket | None = None) -> TestServer:
    server = TestServer(app, host="127.0.0.1", **(on_socket(sock) if sock else {}))
    await server.start_server()
    return server


def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str, redis_url: str) -> Callable[..., Settings]:
    """Settings as the services would read them, plus a queue of this test's own on the shared Redis."""

    def build(**env: str) -> Settings:
        base = {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "RENDERER_TOKEN": RENDERER_TOKEN,
        }
        settings = Settings.from_env({**base, **env})
        return dataclasses.replace(settings, queue_name="arq:test:" + secrets.token_hex(6))

    return build


@pytest.fixture
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe()
    server = await serve(fake.app())
    fake.base_url = base_url(server)
    yield fake
    await server.close()


@pytest.fixture
async def fake_postmark() -> AsyncIterator[tuple[FakePostmark, str]]:
    fake = FakePostmark()
    server = await serve(fake.app())
    yield fake, base_url(server)
    await server.close()


@pytest.fixture
async def fake_storage() -> AsyncIterator[tuple[FakeStorage, str]]:
    fake = FakeStorage()
    server = await serve(fake.app())
    yield fake, base_url(server)
    await server.close()


@pytest.fixture(scope="session")
async def renderer_url() -> AsyncIterator[str]:
    """The real renderer service with Chromium, on loopback, shared by the whole run."""
    from crb.settings import RendererSettings
    from renderer.app import create_app

    server = await serve(create_app(RendererSettings.from_env({"RENDERER_TOKEN": RENDERER_TOKEN})))
    yield base_url(server)
    await server.close()


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Browser tests run last, so a quick failure elsewhere shows first."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


async def run_worker(settings: Settings, retries: RetryPolicies = RETRIES) -> None:
    """Run a real arq worker in burst mode until the queue is empty."""
    from jobs.worker import create_worker

    assert settings.redis_url is not None
    worker = create_worker(
        settings, settings.redis_url, retries=retries, burst=True, poll_delay=0.05, handle_signals=False
    )
    try:
        await worker.main()
    finally:
        await worker.close()


@pytest.fixture
def edge_client(make_settings: Callable[..., Settings], aiohttp_client: Any) -> Callable[..., Any]:
    # make_settings (and so the database) first: the edge then shuts down before its database is dropped.
    """Start the edge on a known loopback port, so PUBLIC_BASE_URL (links, redirects) points at it."""

    async def start(**env: str) -> tuple[Any, Settings]:
        sock = listening_socket()
        settings = make_settings(PUBLIC_BASE_URL=f"http://127.0.0.1:{port_of(sock)}", **env)
        from edge.app import create_app

        return await aiohttp_client(create_app(settings), server_kwargs=on_socket(sock)), settings

    return start
