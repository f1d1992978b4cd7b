"""Applies supabase/migrations/*.sql in order, recording them as the Supabase CLI does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "supabase" / "migrations"
_NAME = re.compile(r"^([0-9]+)_(.*)\.sql$")  # as the Supabase CLI reads them (pkg/migration/file.go)
_LOCK_ID = 0x0C0B_0001  # pg_advisory_xact_lock key: one migrator at a time

_TABLE = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
    version text not null primary key,
    statements text[],
    name text
);
"""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migration files in version order; a misnamed file is an error, not silently skipped."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        if not (match := _NAME.match(path.name)):
            raise ValueError(
                f"{path.name}: migration files are named <digits>_<name>.sql, as the Supabase CLI names them"
            )
        found.append(Migration(match[1], match[2], path))
    return found


async def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration in one transaction; return the versions applied."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("select pg_advisory_xact_lock($1)", _LOCK_ID)
            await conn.execute(_TABLE)
            done = {r["version"] for r in await conn.fetch("select version from supabase_migrations.schema_migrations")}
            applied = []
            for m in discover(directory):
                if m.version in done:
                    continue
                sql = m.path.read_text(encoding="utf-8")
                await conn.execute(sql)
                await conn.execute(
                    "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
                    m.version,
                    [sql],
                    m.name,
                )
                applied.append(m.version)
            return applied
    finally:
        await conn.close()
