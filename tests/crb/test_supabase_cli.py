"""The Supabase CLI (npm package `supabase`, pinned in site/package.json) applies supabase/migrations/ as it would to
a Supabase project (`supabase db push --db-url`), to a database of the test's own: every migration, in order,
recorded in Supabase's own history, the same schema as `crb migrate` makes, and a second push finds nothing to do."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import asyncpg
import pytest

from tests.conftest import with_database

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "site" / "node_modules" / ".bin" / "supabase"
MIGRATIONS = ROOT / "supabase" / "migrations"
COLUMNS = (
    "select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns"
    " where table_schema = 'public' order by 1, 2"
)
CHECKS = (
    "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint"
    " where connamespace = 'public'::regnamespace order by 1, 2"
)
SECURED = (
    "select relname, relrowsecurity from pg_class"
    " where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1"
)


@pytest.fixture
async def empty_database(postgres_admin: str) -> AsyncIterator[str]:
    name = "crb_cli_" + secrets.token_hex(4)
    admin = await asyncpg.connect(postgres_admin)
    await admin.execute(f'create database "{name}"')
    try:
        yield with_database(postgres_admin, name)
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


def for_the_cli(url: str) -> str:
    """The CLI asks for TLS unless told not to; the test's Postgres has none (a Supabase project has it). Its URL
    parser refuses a user without a host (`postgres:@/db?host=/socket/dir`, the embedded Postgres's URL), so the
    user and password go into the query, where it takes them."""
    parts = urlsplit(url)
    who = {"user": unquote(parts.username or ""), "password": unquote(parts.password or "")}
    query = dict(parse_qsl(parts.query)) | {k: v for k, v in who.items() if v} | {"sslmode": "disable"}
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}?{urlencode(query)}"


async def push(project: Path, url: str) -> str:
    assert CLI.exists(), f"{CLI} is missing: `make setup` installs the Supabase CLI with npm"
    process = await asyncio.create_subprocess_exec(
        str(CLI), "db", "push", "--db-url", for_the_cli(url), "--yes",
        cwd=project, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    said = output.decode(errors="replace")
    assert process.returncode == 0, said
    return said


async def schema(url: str) -> tuple[list[tuple[object, ...]], ...]:
    conn = await asyncpg.connect(url)
    try:
        return tuple([[tuple(r) for r in await conn.fetch(query)] for query in (COLUMNS, CHECKS, SECURED)])
    finally:
        await conn.close()


async def test_supabase_db_push_applies_the_migrations_as_crb_migrate_does(
    empty_database: str, database_url: str, tmp_path: Path
) -> None:
    project = tmp_path / "project"  # a copy: the CLI writes its own files beside the migrations
    shutil.copytree(MIGRATIONS, project / "supabase" / "migrations")
    said = await push(project, empty_database)
    files = sorted(p.stem for p in MIGRATIONS.glob("*.sql"))
    for name in files:
        assert f"Applying migration {name}.sql" in said
    conn = await asyncpg.connect(empty_database)
    try:
        history = await conn.fetch("select version, name from supabase_migrations.schema_migrations order by version")
    finally:
        await conn.close()
    assert [f"{r['version']}_{r['name']}" for r in history] == files
    assert await schema(empty_database) == await schema(database_url)  # database_url: migrated by `crb migrate`
    assert "Remote database is up to date" in await push(project, empty_database)
