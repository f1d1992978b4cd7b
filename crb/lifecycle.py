"""The quiz session's life: its states, the moves between them, and the statements that write
`quiz_sessions.status`.

Every move is one conditional update: it happens only from the states it allows, so of any number of concurrent
callers at most one moves the session, and a late or repeated one changes nothing (the function says whether it
moved). Every other module asks this one: for the state sets, and to move a session.

    in_progress ─complete→ completed ─start_checkout→ checkout ─pay→ paid ─start_generating→ generating
    generating ─deliver→ delivered       paid | generating ─fail→ failed      failed | delivered ─regenerate→ generating
    paid | generating | delivered | failed ─refund→ refunded        in_progress | completed | checkout ─expire→ expired

`pay` is the one move written elsewhere: `crb.fulfilment`'s batched payment statement, which moves many sessions
and records their reports, jobs and events in one round trip; it takes its states from `MOVES["pay"]`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from crb.db import Connection

Status = Literal[
    "in_progress", "completed", "checkout", "paid", "generating", "delivered", "failed", "refunded", "expired"
]
STATES: Final[tuple[Status, ...]] = get_args(Status)

OPEN_FOR_ANSWERS: Final[tuple[Status, ...]] = ("in_progress",)
OPEN_FOR_CHECKOUT: Final[tuple[Status, ...]] = ("completed", "checkout")
UNPAID: Final[tuple[Status, ...]] = ("in_progress", "completed", "checkout")  # nothing to fulfil: may expire
PAID: Final[tuple[Status, ...]] = ("paid", "generating", "delivered", "failed", "refunded")  # a payment came
REFUNDABLE: Final[tuple[Status, ...]] = ("paid", "generating", "delivered", "failed")
ENTITLED: Final[tuple[Status, ...]] = ("paid", "generating")  # a finished report is delivered from these
NOT_ENTITLED: Final[tuple[Status, ...]] = ("refunded", "expired")  # no report, and no download
REGENERABLE: Final[tuple[Status, ...]] = ("failed", "delivered")


@dataclass(frozen=True)
class Move:
    origins: tuple[Status, ...]
    to: tuple[Status, ...]  # one state, or the states the move chooses between


MOVES: Final[Mapping[str, Move]] = MappingProxyType(
    {
        "complete": Move(OPEN_FOR_ANSWERS, ("completed",)),
        "start_checkout": Move(OPEN_FOR_CHECKOUT, ("checkout",)),
        "pay": Move(OPEN_FOR_CHECKOUT, ("paid", "refunded")),  # refunded when a full refund came first
        "start_generating": Move(("paid",), ("generating",)),
        "deliver": Move(ENTITLED, ("delivered",)),
        "fail": Move(ENTITLED, ("failed",)),
        "regenerate": Move(REGENERABLE, ("generating",)),
        "refund": Move(REFUNDABLE, ("refunded",)),
        "expire": Move(UNPAID, ("expired",)),
    }
)


def can(move: str, status: str) -> bool:
    """Whether a session in `status` may make `move`."""
    return status in MOVES[move].origins


def _from(move: str) -> list[str]:
    return list(MOVES[move].origins)


async def complete(conn: Connection, session_id: uuid.UUID, teaser: dict[str, Any], company_name: str | None) -> bool:
    """The quiz is complete, with its teaser; completing twice is harmless."""
    result = await conn.execute(
        "update quiz_sessions set status = 'completed', teaser = $2, company_name = $3,"
        " completed_at = now(), updated_at = now() where id = $1 and status = any($4::text[])",
        session_id,
        teaser,
        company_name,
        _from("complete"),
    )
    return bool(result == "UPDATE 1")


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
    """A new Checkout Session for the customer; False when the session is no longer open for checkout."""
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
        _from("start_checkout"),
    )
    return bool(result == "UPDATE 1")


async def _move(conn: Connection, session_id: uuid.UUID, move: str) -> bool:
    (to,) = MOVES[move].to
    moved = await conn.fetchval(
        "update quiz_sessions set status = $2, updated_at = now() where id = $1 and status = any($3::text[])"
        " returning id",
        session_id,
        to,
        _from(move),
    )
    return moved is not None


async def start_generating(conn: Connection, session_id: uuid.UUID) -> bool:
    """A paid session's report is being made."""
    return await _move(conn, session_id, "start_generating")


async def deliver(conn: Connection, session_id: uuid.UUID) -> bool:
    """Its report is stored and ready."""
    return await _move(conn, session_id, "deliver")


async def fail(conn: Connection, session_id: uuid.UUID) -> bool:
    """Its report could not be made, for good."""
    return await _move(conn, session_id, "fail")


async def regenerate(conn: Connection, session_id: uuid.UUID) -> bool:
    """A new version of a failed or delivered session's report is being made (the operator asked)."""
    return await _move(conn, session_id, "regenerate")


async def refund(conn: Connection, session_id: uuid.UUID, refund_amount: int) -> bool:
    """Refunded in full: no report, no download."""
    moved = await conn.fetchval(
        "update quiz_sessions set status = 'refunded', refund_amount = $2, updated_at = now()"
        " where id = $1 and status = any($3::text[]) returning id",
        session_id,
        refund_amount,
        _from("refund"),
    )
    return moved is not None


async def expire(conn: Connection, session_id: uuid.UUID) -> bool:
    """An unpaid session ends (erased by the customer, or by retention): nothing is left to fulfil."""
    return await _move(conn, session_id, "expire")
