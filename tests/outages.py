"""Real outages for tests: a database of the test's own stops accepting connections (its open ones are cut)."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg


async def database_down(admin_dsn: str, url: str, down: bool) -> None:
    """Take the database at `url` down (`down`), or bring it back, through an admin connection to its server."""
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'alter database "{name}" allow_connections {str(not down).lower()}')
        if down:
            await admin.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
                name,
            )
    finally:
        await admin.close()
