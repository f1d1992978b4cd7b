"""Row-level security: Supabase's `anon` and `authenticated` roles read and write nothing in our tables, even
with the table privileges Supabase grants them by default."""

from __future__ import annotations

import contextlib
import uuid

import asyncpg
import pytest

SUPABASE_ROLES = ("anon", "authenticated")


async def public_tables(db: asyncpg.Connection) -> dict[str, bool]:
    rows = await db.fetch(
        "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1"
    )
    return {r["relname"]: r["relrowsecurity"] for r in rows}


async def test_every_public_table_has_row_level_security(db: asyncpg.Connection) -> None:
    tables = await public_tables(db)
    assert {"quiz_sessions", "reports", "emails", "stripe_events", "job_outbox", "job_runs"} <= tables.keys()
    assert [name for name, secured in tables.items() if not secured] == []


@pytest.fixture
async def supabase_roles(db: asyncpg.Connection) -> None:
    """Supabase's API roles, with the privileges Supabase's default privileges give them on every new table."""
    for role in SUPABASE_ROLES:
        with contextlib.suppress(asyncpg.DuplicateObjectError):  # the server's roles: an earlier run made them
            await db.execute(f"create role {role} nologin")
        await db.execute(f"grant usage on schema public to {role}")
        await db.execute(f"grant all on all tables in schema public to {role}")
        await db.execute(f"grant all on all sequences in schema public to {role}")


@pytest.mark.parametrize("role", SUPABASE_ROLES)
async def test_supabase_api_roles_read_and_write_nothing(
    db: asyncpg.Connection, supabase_roles: None, role: str
) -> None:
    sid = uuid.uuid4()
    await db.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, email) values ($1, 'h', 't', 'secret@example.com')",
        sid,
    )
    async with db.transaction():
        await db.execute(f"set local role {role}")
        for table in await public_tables(db):
            assert await db.fetchval(f"select count(*) from {table}") == 0, table
        assert await db.execute("update quiz_sessions set email = 'x' where id = $1", sid) == "UPDATE 0"
        assert await db.execute("delete from quiz_sessions where id = $1", sid) == "DELETE 0"
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await db.execute(
                "insert into quiz_sessions (id, token_hash, quiz_version) values ($1, 'h', 't')", uuid.uuid4()
            )
    assert await db.fetchval("select email from quiz_sessions where id = $1", sid) == "secret@example.com"
