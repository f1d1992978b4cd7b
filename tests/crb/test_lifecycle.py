"""The quiz session's life: each move from every state against a real Postgres, concurrent moves, the states the
schema allows, and no other module writing the status."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from crb import lifecycle
from crb.db import Pool, create_pool

REPO = Path(__file__).resolve().parents[2]
Mover = Callable[[Pool, uuid.UUID], Awaitable[bool]]
AN_HOUR_ON = dt.datetime(2026, 12, 3, 13, tzinfo=dt.UTC)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url)
    yield pool
    await pool.close()


async def session_in(pool: Pool, status: str) -> uuid.UUID:
    """A session put straight into `status` (as only a test may), paid where the schema wants it."""
    sid = uuid.uuid4()
    await pool.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, paid_at, amount_total, currency)"
        " values ($1, 'x', 'test', $2, now(), 14700, 'eur')",
        sid,
        status,
    )
    return sid


MOVERS: dict[str, Mover] = {
    "complete": lambda p, sid: lifecycle.complete(p, sid, {"score": 1}, "Acme"),
    "start_checkout": lambda p, sid: lifecycle.start_checkout(
        p, sid, email="a@example.com", tier="report", amount=14700, currency="eur", checkout_id=f"cs_{sid.hex}",
        url=f"https://checkout.stripe.com/c/pay/cs_{sid.hex}", expires_at=AN_HOUR_ON,
    ),
    "start_generating": lifecycle.start_generating,
    "deliver": lifecycle.deliver,
    "fail": lifecycle.fail,
    "regenerate": lifecycle.regenerate,
    "refund": lambda p, sid: lifecycle.refund(p, sid, 14700),
    "expire": lifecycle.expire,
}  # fmt: skip


@pytest.mark.parametrize("move", sorted(MOVERS))
async def test_each_move_happens_from_its_states_only(pool: Pool, move: str) -> None:
    for status in lifecycle.STATES:
        sid = await session_in(pool, status)

        moved = await MOVERS[move](pool, sid)

        after = await pool.fetchval("select status from quiz_sessions where id = $1", sid)
        assert moved == lifecycle.can(move, status), (move, status)
        assert after == (lifecycle.MOVES[move].to[0] if moved else status), (move, status)


async def test_of_concurrent_moves_exactly_one_happens(pool: Pool) -> None:
    sid = await session_in(pool, "generating")

    moved = await asyncio.gather(*(lifecycle.deliver(pool, sid) for _ in range(8)), lifecycle.fail(pool, sid))

    assert sum(moved) == 1
    assert await pool.fetchval("select status from quiz_sessions where id = $1", sid) in ("delivered", "failed")


def test_the_moves_cover_every_state_and_lead_only_to_states() -> None:
    reached = {to for move in lifecycle.MOVES.values() for to in move.to} | {"in_progress"}
    left = {origin for move in lifecycle.MOVES.values() for origin in move.origins}
    assert reached == set(lifecycle.STATES)
    assert left == set(lifecycle.STATES) - {"refunded", "expired"}  # the two ends


async def test_the_schema_allows_exactly_these_states(pool: Pool) -> None:
    check = await pool.fetchval(
        "select pg_get_constraintdef(oid) from pg_constraint where conname = 'quiz_sessions_status_check'"
    )
    assert set(re.findall(r"'(\w+)'", check)) == set(lifecycle.STATES)


# An update of quiz_sessions whose set clause assigns the status, across adjacent string literals.
_WRITES_STATUS = re.compile(r"update quiz_sessions\b(?:\s+\w+)?\s+set\b(?P<set>.*?)\b(?:where|from|returning)\b", re.S)


def status_writes(path: Path) -> int:
    text = re.sub(r'"\s*\n\s*f?"', "", path.read_text(encoding="utf-8"))  # glue implicitly joined literals
    return sum(bool(re.search(r"(?<![\w.])status\s*=", m.group("set"))) for m in _WRITES_STATUS.finditer(text))


def test_only_the_lifecycle_writes_the_status() -> None:
    writers = {
        str(path.relative_to(REPO)): n
        for folder in ("crb", "edge", "jobs", "renderer", "site")
        for path in sorted((REPO / folder).rglob("*.py"))
        if (n := status_writes(path))
    }
    assert writers == {"crb/lifecycle.py": 5}  # its four statements and the batched payment
