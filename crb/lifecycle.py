"""The quiz session's life: its states, the moves between them, and the statements that write
`quiz_sessions.status`.

Every move is one conditional update: it happens only from the states it allows, so of any number of concurrent
callers at most one moves the session, and a late or repeated one changes nothing (the function says whether it
moved). Every other module asks this one: for the state sets, and to move a session.

    in_progress ─complete→ completed ─start_checkout→ checkout
    completed | checkout ─pay→ paid (refunded, when a full refund came first) ─start_generating→ generating
    paid | generating ─deliver→ delivered        paid | generating ─fail→ failed
    failed | delivered ─regenerate→ generating   paid | generating | delivered | failed ─refund→ refunded
    in_progress | completed | checkout ─expire→ expired

`pay` moves a batch of sessions in one statement that also records what commits with the payment (the report, its
jobs, the Stripe event): `pay_batch`, which `crb.fulfilment` feeds.
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


# One statement, atomic without a transaction of its own, for a batch of payments (a round trip counts:
# webhooks arrive in bursts). Each session appears at most once per batch. All of the batch's sessions are
# locked, in id order, before anything is written, so two batches never deadlock. (Through a join alone the
# locks were not certain: a plan that found nothing to pay read one row of `locked` and stopped, and the
# events and their key checks then went unordered.) The conditional update then means that of any number of
# concurrent calls for a session exactly one finds it still open for checkout, and the others change
# nothing. An event stored before changes nothing at all. A refund that arrived before the payment it
# refunds is applied at once: a full one means no report and no payment confirmation, only the refund's;
# a partial one keeps the report. The outcome of each row comes back in the batch's order.
PAY_BATCH: Final = """
with batch as (
    select * from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::uuid[],
                         $7::text[], $8::text[], $9::boolean[], $10::text[], $11::bigint[])
        with ordinality as b(session_id, checkout_id, payment_intent_id, amount_total, currency, report_id,
                             event_id, event_type, livemode, payload, created, n)
), seen as (  -- every lookup goes by key from the batch's own ids: the cost never grows with the tables
    select id from stripe_events where id = any($7::text[])
), locked as (  -- the batch's sessions, in id order; the update below checks their status
    select id from quiz_sessions where id = any($1::uuid[]) order by id for update
), fresh as (  -- everything that writes reads this first, and its first row waits for every lock (an InitPlan)
    select * from batch
    where (event_id is null or event_id not in (select id from seen)) and (select count(*) from locked) >= 0
), sessions as (
    select id, status, stripe_payment_intent_id from quiz_sessions where id = any($1::uuid[])
), early_refund as (
    select payload -> 'data' -> 'object' ->> 'payment_intent' as payment_intent_id,
           max((payload -> 'data' -> 'object' ->> 'amount_refunded')::int) as refunded,
           max((payload -> 'data' -> 'object' ->> 'amount')::int) as charged
    from stripe_events
    where type = 'charge.refunded' and payload -> 'data' -> 'object' ->> 'payment_intent' = any($3::text[])
    group by 1
), paid as (
    update quiz_sessions s set
        status = case when r.refunded >= coalesce(nullif(f.amount_total, 0), r.charged) then 'refunded' else 'paid' end,
        refund_amount = coalesce(r.refunded, 0), paid_at = now(), updated_at = now(),
        stripe_checkout_session_id = f.checkout_id, stripe_payment_intent_id = f.payment_intent_id,
        amount_total = f.amount_total, currency = f.currency, last_checkout_event = null, last_checkout_event_at = null
    from fresh f join locked l on l.id = f.session_id
        left join early_refund r on r.payment_intent_id = f.payment_intent_id
    where s.id = f.session_id and s.status = any($12::text[])
    returning s.id, s.status, f.report_id
), report as (
    insert into reports (id, session_id, version, status)
    select report_id, id, 1, 'pending' from paid where status = 'paid'
), jobs as (
    insert into job_outbox (job_id, function, args, request_id)
    select j.job_id, j.function, j.args::jsonb, j.request_id
    from unnest($13::uuid[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
        as j(session_id, when_status, job_id, function, args, request_id)
    join paid p on p.id = j.session_id and p.status = j.when_status
    on conflict (job_id) do nothing
), outcome as (
    select f.n, f.event_id, s.id as session_id,
        case when f.session_id in (select id from paid) then 'fulfilled'
             when s.id is null then 'unknown_session'
             when s.status = 'expired' then 'paid_after_expiry'
             when s.status <> all($12::text[]) and s.status <> 'in_progress'
                  and s.stripe_payment_intent_id is distinct from f.payment_intent_id then 'duplicate_payment'
             else 'already_fulfilled' end as outcome
    from fresh f left join sessions s on s.id = f.session_id
), refunds as (  -- a payment we took but cannot deliver for goes back (jobs/refunds.py), once per payment
    insert into job_outbox (job_id, function, args)
    select 'refund:' || f.payment_intent_id, 'refund_payment',
           jsonb_build_array(f.payment_intent_id, o.outcome, f.event_id)
    from outcome o join fresh f on f.n = o.n
    where o.outcome in ('duplicate_payment', 'paid_after_expiry')
      and f.payment_intent_id is not null and f.event_id is not null
    on conflict (job_id) do nothing
), event as (
    insert into stripe_events (id, type, livemode, outcome, session_id, payload, created_at)
    select f.event_id, f.event_type, f.livemode, o.outcome, o.session_id, f.payload::jsonb, to_timestamp(f.created)
    from fresh f join outcome o on o.n = f.n
    where f.event_id is not null
)
select coalesce(o.outcome, 'duplicate') as outcome from batch b left join outcome o on o.n = b.n order by b.n
"""


async def pay_batch(conn: Connection, payments: list[list[object]], jobs: list[list[object]]) -> list[str]:
    """Run `PAY_BATCH`: `payments` are its eleven columns ($1-$11), `jobs` its six job columns ($13-$18); the
    outcome of each payment, in order."""
    rows = await conn.fetch(PAY_BATCH, *payments, _from("pay"), *jobs)
    return [str(r["outcome"]) for r in rows]
