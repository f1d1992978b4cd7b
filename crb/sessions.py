"""Quiz sessions in Postgres: creation, token checks, answers, completion and checkout, each a forward-only step."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from crb import signing
from crb.db import Connection
from crb.errors import Conflict, NotFound, Unauthorized

OPEN_FOR_ANSWERS = ("in_progress",)
OPEN_FOR_CHECKOUT = ("completed", "checkout")
CHECKOUT_REUSE_MARGIN = dt.timedelta(minutes=5)  # too close to expiry: start a fresh one
PAID_STATES = ("paid", "generating", "delivered", "failed", "refunded")


@dataclass(frozen=True)
class NewSession:
    id: uuid.UUID
    token: str
    status: str


def parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("no such session", field="id") from None


async def create(conn: Connection, quiz_version: str) -> NewSession:
    session_id, token = uuid.uuid4(), secrets.token_urlsafe(32)
    await conn.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version) values ($1, $2, $3)",
        session_id,
        signing.hash_token(token),
        quiz_version,
    )
    return NewSession(session_id, token, "in_progress")


async def get(conn: Connection, session_id: uuid.UUID) -> Any:
    row = await conn.fetchrow("select * from quiz_sessions where id = $1", session_id)
    if row is None:
        raise NotFound("no such session", field="id")
    return row


async def authorise(conn: Connection, session_id: uuid.UUID, token: str | None) -> Any:
    """The session row if `token` is its bearer token; 404 and 401 otherwise."""
    row = await get(conn, session_id)
    if token is None or not secrets.compare_digest(row["token_hash"], signing.hash_token(token)):
        raise Unauthorized("this session needs its token: Authorization: Bearer <token>")
    return row


async def save_answers(
    conn: Connection, session_id: uuid.UUID, answers: dict[str, Any], cleared: list[str] | None = None
) -> dict[str, Any]:
    """Merge answers into the session while it is still in progress, dropping the `cleared` ones."""
    merged = await conn.fetchval(
        "update quiz_sessions set answers = (answers - $4::text[]) || $2::jsonb, updated_at = now()"
        " where id = $1 and status = any($3::text[]) returning answers",
        session_id,
        answers,
        list(OPEN_FOR_ANSWERS),
        cleared or [],
    )
    if merged is None:
        raise Conflict("this quiz is already complete; its answers can no longer change", code="quiz_complete")
    return dict(merged)


async def complete(conn: Connection, session_id: uuid.UUID, teaser: dict[str, Any], company_name: str | None) -> None:
    """Mark the quiz complete with its teaser; completing twice is harmless."""
    await conn.execute(
        "update quiz_sessions set status = 'completed', teaser = $2, company_name = $3,"
        " completed_at = now(), updated_at = now() where id = $1 and status = 'in_progress'",
        session_id,
        teaser,
        company_name,
    )


async def start_checkout(
    conn: Connection,
    session_id: uuid.UUID,
    *,
    email: str,
    tier: str,
    amount: int,
    currency: str,
    checkout_id: str,
    url: str,
    expires_at: dt.datetime,
) -> bool:
    """Record a new Checkout Session; False when the session is no longer open for checkout."""
    result = await conn.execute(
        "update quiz_sessions set status = 'checkout', email = $2, tier = $3, amount_total = $4, currency = $5,"
        " stripe_checkout_session_id = $6, stripe_checkout_url = $7, checkout_expires_at = $8,"
        " checkout_started_at = now(), last_checkout_event = null, last_checkout_event_at = null,"
        " updated_at = now() where id = $1 and status = any($9::text[])",
        session_id,
        email,
        tier,
        amount,
        currency,
        checkout_id,
        url,
        expires_at,
        list(OPEN_FOR_CHECKOUT),
    )
    return bool(result == "UPDATE 1")


def open_checkout(row: Any, *, email: str, tier: str, now: dt.datetime) -> str | None:
    """The URL of this session's checkout if it is still usable for the same email and tier."""
    usable = (
        row["status"] == "checkout"
        and row["email"] == email
        and row["tier"] == tier
        and row["stripe_checkout_url"]
        and row["last_checkout_event"] not in ("expired", "async_payment_failed")
        and row["checkout_expires_at"] is not None
        and row["checkout_expires_at"] > now + CHECKOUT_REUSE_MARGIN
    )
    return str(row["stripe_checkout_url"]) if usable else None


async def erase(conn: Connection, session_id: uuid.UUID) -> list[str]:
    """Erase personal data in the caller's transaction; return the stored PDFs to delete.

    Kept for the accounts: ids, tier, amounts, currency, refunds, payment references and dates.
    An unpaid session expires; a paid one keeps its status, and `erased_at` revokes its downloads.
    """
    paths = await conn.fetch(
        "update reports set purged_at = now(), updated_at = now()"
        " where session_id = $1 and storage_path is not null and purged_at is null returning storage_path",
        session_id,
    )
    await conn.execute(
        "update quiz_sessions set answers = '{}'::jsonb, teaser = null, email = null, company_name = null,"
        " erased_at = coalesce(erased_at, now()), updated_at = now(),"
        " status = case when status = any($2::text[]) then 'expired' else status end where id = $1",
        session_id,
        ["in_progress", "completed", "checkout"],
    )
    return [r[0] for r in paths if r[0]]
