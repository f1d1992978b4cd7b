"""The Postgres connection pool, with JSON codecs so jsonb columns read and write Python values."""

from __future__ import annotations

import json
from typing import Any, TypeAlias, cast

import asyncpg

Pool: TypeAlias = asyncpg.Pool
Connection: TypeAlias = asyncpg.Connection


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
