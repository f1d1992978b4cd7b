"""Migrations: supabase/migrations/*.sql applied once each, in version order, all or none, one migrator at a time."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from crb.migrate import MIGRATIONS_DIR, Migration, discover, migrate
from tests.conftest import with_database

MISNAMED = "migration files are named <digits>_<name>[.]sql, as the Supabase CLI names them"


@pytest.fixture
async def empty_database(postgres_admin: str) -> AsyncIterator[str]:
    """A database with nothing in it, dropped afterwards."""
    name = "crb_migrate_" + secrets.token_hex(6)
    admin = await asyncpg.connect(postgres_admin)
    await admin.execute(f'create database "{name}"')
    try:
        yield with_database(postgres_admin, name)
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql, encoding="utf-8")
    return directory


async def recorded(dsn: str) -> list[tuple[str, str, list[str]]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "select version, name, statements from supabase_migrations.schema_migrations order by version"
        )
        return [(r["version"], r["name"], list(r["statements"])) for r in rows]
    finally:
        await conn.close()


async def fetchval(dsn: str, sql: str) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def test_the_projects_migrations_are_found_in_version_order() -> None:
    found = discover()
    files = sorted(MIGRATIONS_DIR.glob("*.sql"))
    assert [m.path for m in found] == files and len(found) >= 7
    assert [m.version for m in found] == sorted({m.version for m in found})  # increasing, none twice
    assert found[0] == Migration(
        "20261126000000", "initial_schema", MIGRATIONS_DIR / "20261126000000_initial_schema.sql"
    )
    assert all(m.path.name == f"{m.version}_{m.name}.sql" for m in found)


def test_discover_orders_by_version_not_by_when_files_were_written(tmp_path: Path) -> None:
    write(tmp_path, {"20270101000000_c.sql": "", "20250101000000_a.sql": "", "20260101000000_b.sql": ""})
    (tmp_path / "README.md").write_text("not a migration", encoding="utf-8")
    assert [(m.version, m.name) for m in discover(tmp_path)] == [
        ("20250101000000", "a"),
        ("20260101000000", "b"),
        ("20270101000000", "c"),
    ]


@pytest.mark.parametrize(
    "name",
    ["initial.sql", "20261126000000-dash.sql", "v20261126000000_lettered.sql", "20261126000000.sql"],
)
def test_a_misnamed_migration_is_an_error_naming_the_file(tmp_path: Path, name: str) -> None:
    write(tmp_path, {"20250101000000_fine.sql": "", name: ""})
    with pytest.raises(ValueError, match=f"^{name.replace('.', '[.]')}: {MISNAMED}$"):
        discover(tmp_path)


@pytest.mark.parametrize(
    ("name", "version", "title"),
    [
        ("20261203160000_add-users.sql", "20261203160000", "add-users"),  # `supabase migration new add-users`
        ("20261126000000_x.SQL.sql", "20261126000000", "x.SQL"),
        ("0001_first.sql", "0001", "first"),
        ("20261126000000_.sql", "20261126000000", ""),
    ],
)
def test_the_names_the_supabase_cli_accepts_are_accepted(tmp_path: Path, name: str, version: str, title: str) -> None:
    write(tmp_path, {name: ""})
    [found] = discover(tmp_path)
    assert (found.version, found.name) == (version, title)


async def test_the_projects_migrations_apply_once_in_order(empty_database: str) -> None:
    applied = await migrate(empty_database)
    assert applied == [m.version for m in discover()]
    assert await recorded(empty_database) == [
        (m.version, m.name, [m.path.read_text(encoding="utf-8")]) for m in discover()
    ]
    tables = await fetchval(
        empty_database,
        "select array_agg(tablename::text order by tablename) from pg_tables where schemaname = 'public'",
    )
    assert tables == ["emails", "job_outbox", "job_runs", "quiz_sessions", "reports", "stripe_events"]
    assert await migrate(empty_database) == []
    assert len(await recorded(empty_database)) == len(applied)


async def test_only_pending_migrations_apply_later_ones_in_order(empty_database: str, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {
            "20260101000000_create.sql": "create table t (n int not null);",
            "20260102000000_fill.sql": "insert into t values (1);",
        },
    )
    assert await migrate(empty_database, folder) == ["20260101000000", "20260102000000"]
    write(
        folder,
        {
            "20260103000000_more.sql": "alter table t add column m int; insert into t values (2, 2);",
            "20260104000000_last.sql": "update t set m = 10 * n where m is null;",
        },
    )
    assert await migrate(empty_database, folder) == ["20260103000000", "20260104000000"]
    assert await migrate(empty_database, folder) == []
    assert await fetchval(empty_database, "select array_agg(array[n, m] order by n) from t") == [[1, 10], [2, 2]]
    assert [v for v, _, _ in await recorded(empty_database)] == [
        "20260101000000",
        "20260102000000",
        "20260103000000",
        "20260104000000",
    ]


async def test_a_failing_migration_applies_nothing_at_all(empty_database: str, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {"20260101000000_good.sql": "create table good (n int);", "20260102000000_bad.sql": "create tabel oops;"},
    )
    with pytest.raises(asyncpg.PostgresSyntaxError):
        await migrate(empty_database, folder)
    assert await fetchval(empty_database, "select to_regclass('public.good')") is None
    assert await fetchval(empty_database, "select to_regclass('supabase_migrations.schema_migrations')") is None
    write(folder, {"20260102000000_bad.sql": "create table fixed (n int);"})
    assert await migrate(empty_database, folder) == ["20260101000000", "20260102000000"]


async def test_a_misnamed_file_stops_the_migration_before_anything_applies(empty_database: str, tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"20260101000000_good.sql": "create table good (n int);", "later.sql": ""})
    with pytest.raises(ValueError, match=f"^later[.]sql: {MISNAMED}$"):
        await migrate(empty_database, folder)
    assert await fetchval(empty_database, "select to_regclass('public.good')") is None


async def test_two_migrators_at_once_apply_each_migration_once(empty_database: str, tmp_path: Path) -> None:
    # Without the advisory lock both would create the same tables and one would fail.
    folder = write(
        tmp_path / "m",
        {
            "20260101000000_a.sql": "create table a (n int); insert into a select generate_series(1, 20000);",
            "20260102000000_b.sql": "create table b (n int);",
        },
    )
    results = await asyncio.gather(migrate(empty_database, folder), migrate(empty_database, folder))
    assert sorted(results) == [[], ["20260101000000", "20260102000000"]]
    assert await fetchval(empty_database, "select count(*) from a") == 20000
