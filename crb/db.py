"""The Postgres connection pool, with JSON codecs so jsonb columns read and write Python values."""

from __future__ import annotations

import json
from typing import Any, TypeAlias, cast

import asyncpg

Pool: TypeAlias = asyncpg.Pool
Connection: TypeAlias = asyncpg.Connection

# What a database that is down, restarting or unreachable raises: worth a retry, and a 503 (never a 500).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08: cannot connect, connection lost
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: the server terminated the connection
    asyncpg.ObjectNotInPrerequisiteStateError,  # 55000: the database does not accept connections now
    asyncpg.ConnectionDoesNotExistError,  # lost mid-statement
    # A pooled connection the server cut while it sat idle can fail this way on its next use (seen when a
    # database stops accepting connections); a retry gets a fresh one.
    asyncpg.InternalClientError,
    OSError,  # refused, reset, no route
    TimeoutError,  # connecting took too long
)


async def _init(conn: Any) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: Any) -> None:
    """Release without asyncpg's default reset query (a round trip per release, so per request).

    asyncpg still rolls back an unfinished transaction; we keep no other session state: no LISTEN, no
    `SET` outside a transaction, only transaction-scoped advisory locks.
    """


async def create_pool(dsn: str, *, max_size: int = 10) -> Pool:
    """A pool whose connections speak JSON for json and jsonb."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max_size, init=_init, reset=_keep_session)
    return cast(Pool, pool)


async def ping(pool: Pool) -> None:
    """Raises unless the database answers."""
    await pool.fetchval("select 1")
