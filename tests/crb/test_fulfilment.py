"""Fulfilment in batches: each payment once, each event stored once, whatever shares the statement."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from crb.db import Pool, create_pool
from crb.fulfilment import PaidCheckout, Payment, StoredEvent, fulfil, fulfil_many


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url)
    yield pool
    await pool.close()


async def open_session(db: Pool, amount: int = 14700) -> PaidCheckout:
    """A quiz session waiting in checkout, and the payment that would settle it."""
    sid = uuid.uuid4()
    await db.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, email, tier, amount_total, currency)"
        " values ($1, 'x', 'test', 'checkout', 'a@example.com', 'report', $2, 'eur')",
        sid,
        amount,
    )
    return PaidCheckout(sid, f"cs_{sid.hex}", f"pi_{sid.hex}", amount, "eur")


def completed(paid: PaidCheckout) -> StoredEvent:
    event_id = "evt_" + uuid.uuid4().hex
    payload = {"id": event_id, "type": "checkout.session.completed", "data": {"object": {"id": paid.checkout_id}}}
    return StoredEvent(event_id, "checkout.session.completed", False, 1_700_000_000, json.dumps(payload))


async def refunded_early(db: Pool, paid: PaidCheckout, amount_refunded: int) -> None:
    """A charge.refunded event stored before the payment it refunds was seen."""
    charge = {"payment_intent": paid.payment_intent_id, "amount": paid.amount_total, "amount_refunded": amount_refunded}
    await db.execute(
        "insert into stripe_events (id, type, livemode, outcome, payload)"
        " values ($1, 'charge.refunded', false, 'refund_before_payment', $2)",
        "evt_" + uuid.uuid4().hex,
        {"data": {"object": charge}},
    )


async def state(db: Pool, paid: PaidCheckout) -> tuple[str, int, list[str], int]:
    """Status, refund amount, the queued jobs' ids by kind, and the number of reports."""
    row = await db.fetchrow("select status, refund_amount from quiz_sessions where id = $1", paid.session_id)
    reports = await db.fetch("select id from reports where session_id = $1", paid.session_id)
    job_ids = [f"email:{paid.session_id}:{k}" for k in ("payment_confirmation", "refund_confirmation")]
    job_ids += [f"report:{r['id']}" for r in reports]
    queued = await db.fetch("select job_id from job_outbox where job_id = any($1::text[]) order by id", job_ids)
    kinds = [q["job_id"].rsplit(":", 1)[-1] if q["job_id"].startswith("email") else "report" for q in queued]
    return row["status"], row["refund_amount"], kinds, len(reports)


async def test_a_batch_of_many_sessions_fulfils_each_once(db: Pool) -> None:
    payments: list[Payment] = [(p, completed(p)) for p in [await open_session(db) for _ in range(20)]]
    async with db.acquire() as conn:
        assert await fulfil_many(conn, payments) == ["fulfilled"] * 20
        assert await fulfil_many(conn, payments) == ["duplicate"] * 20  # the same events again
    for paid, _ in payments:
        assert await state(db, paid) == ("paid", 0, ["payment_confirmation", "report"], 1)
    stored = await db.fetch(
        "select outcome, session_id from stripe_events where id = any($1::text[])", [e.id for _, e in payments if e]
    )
    assert sorted((r["outcome"], r["session_id"]) for r in stored) == sorted(
        ("fulfilled", p.session_id) for p, _ in payments
    )


async def test_one_session_twice_in_a_batch_and_a_repeated_event(db: Pool) -> None:
    a, b = await open_session(db), await open_session(db)
    event_a = completed(a)
    batch: list[Payment] = [(a, event_a), (a, completed(a)), (b, completed(b)), (a, event_a), (a, None)]
    async with db.acquire() as conn:
        outcomes = await fulfil_many(conn, batch)
    assert outcomes == ["fulfilled", "already_fulfilled", "fulfilled", "duplicate", "already_fulfilled"]
    assert await state(db, a) == ("paid", 0, ["payment_confirmation", "report"], 1)


async def test_unknown_sessions_and_sessions_not_in_checkout(db: Pool) -> None:
    stranger = PaidCheckout(uuid.uuid4(), "cs_stranger", "pi_stranger", 14700, "eur")
    unfinished = await open_session(db)
    await db.execute("update quiz_sessions set status = 'in_progress' where id = $1", unfinished.session_id)
    event = completed(stranger)
    async with db.acquire() as conn:
        outcomes = await fulfil_many(conn, [(stranger, event), (unfinished, completed(unfinished))])
    assert outcomes == ["unknown_session", "already_fulfilled"]
    stored = await db.fetchrow("select outcome, session_id from stripe_events where id = $1", event.id)
    assert (stored["outcome"], stored["session_id"]) == ("unknown_session", None)
    assert (await state(db, unfinished))[0] == "in_progress"


async def test_refunds_seen_before_the_payment(db: Pool) -> None:
    full, partial, plain = await open_session(db), await open_session(db), await open_session(db)
    await refunded_early(db, full, 14700)
    await refunded_early(db, partial, 4000)
    await refunded_early(db, partial, 5000)  # cumulative: the largest counts
    async with db.acquire() as conn:
        assert await fulfil_many(conn, [(p, completed(p)) for p in (full, partial, plain)]) == ["fulfilled"] * 3
    assert await state(db, full) == ("refunded", 14700, ["refund_confirmation"], 0)
    assert await state(db, partial) == ("paid", 5000, ["payment_confirmation", "report"], 1)
    assert await state(db, plain) == ("paid", 0, ["payment_confirmation", "report"], 1)


async def test_a_free_checkout_still_gets_its_report(db: Pool) -> None:
    free = await open_session(db, amount=0)  # a 100 % promotion code: payment_status no_payment_required
    async with db.acquire() as conn:
        assert await fulfil(conn, free)
        assert not await fulfil(conn, free)
    assert await state(db, free) == ("paid", 0, ["payment_confirmation", "report"], 1)


WAITING_ON_LOCKS = (
    "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"
)


async def test_concurrent_batches_sharing_sessions_and_events(db: Pool) -> None:
    """Two processes' batches at once, overlapping in sessions and in events: once each, no deadlock.

    A third transaction holds one session so that both statements start (and take their snapshots) before
    either can finish: the later one then meets the events the earlier one stored, and is undone and
    redone one payment at a time.
    """
    sessions = [await open_session(db) for _ in range(30)]
    events = {p.session_id: completed(p) for p in sessions}
    forward: list[Payment] = [(p, events[p.session_id]) for p in sessions]
    backward: list[Payment] = [(p, events[p.session_id]) for p in reversed(sessions)]

    async def run(batch: list[Payment]) -> list[str | asyncpg.PostgresError]:
        async with db.acquire() as conn:
            return await fulfil_many(conn, batch)

    async with db.acquire() as holder:
        held = holder.transaction()
        await held.start()
        await holder.execute("select 1 from quiz_sessions where id = $1 for update", sessions[0].session_id)
        both = asyncio.gather(run(forward), run(backward))
        async with asyncio.timeout(10):
            while await db.fetchval(WAITING_ON_LOCKS) < 2:  # noqa: ASYNC110 (Postgres has no event to wait on)
                await asyncio.sleep(0.01)
        await held.rollback()
        first, second = await both
    for i, paid in enumerate(sessions):
        assert sorted([first[i], second[len(sessions) - 1 - i]]) == ["duplicate", "fulfilled"]
        assert await state(db, paid) == ("paid", 0, ["payment_confirmation", "report"], 1)


def async_paid(paid: PaidCheckout) -> StoredEvent:
    """A second event for the same payment (a delayed method's result), with an id of its own."""
    event = completed(paid)
    return StoredEvent(event.id, "checkout.session.async_payment_succeeded", False, event.created, event.payload)


async def test_a_batch_that_pays_nothing_still_locks_its_sessions_first(db: Pool) -> None:
    """Late second events for sessions paid already: the batch pays nothing, yet it stores the events and checks
    their sessions' keys, so it must hold its sessions (in id order) as a paying batch does, or two such batches
    in opposite orders deadlock on each other's events (a burst to two edges did, when the plan read only the
    first of the sessions it meant to lock). Held means a stronger lock than the key checks' own: another
    transaction cannot take even a no-key-update lock until the batch ends.
    """
    sessions = [await open_session(db) for _ in range(30)]  # as many as a burst: the plan varies with the size
    async with db.acquire() as conn:
        assert await fulfil_many(conn, [(p, completed(p)) for p in sessions]) == ["fulfilled"] * 30
        async with conn.transaction():
            late = [(p, async_paid(p)) for p in sessions]
            assert await fulfil_many(conn, late) == ["already_fulfilled"] * 30
            for paid in sessions:
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await db.execute(
                        "select 1 from quiz_sessions where id = $1 for no key update nowait", paid.session_id
                    )
    for paid in sessions:
        assert await state(db, paid) == ("paid", 0, ["payment_confirmation", "report"], 1)


async def test_a_batch_undone_by_a_delivery_meanwhile_keeps_each_outcome(db: Pool) -> None:
    """A batch meets an event another delivery stored meanwhile, is undone, and is redone one payment at a time;
    one of them the database then refuses alone: it fails alone, and the one paid just before it stays
    'fulfilled' (redoing the lot would have called it a duplicate, and its caller would not know it paid)."""
    meanwhile, paying, refused, taken = [await open_session(db) for _ in range(4)]
    async with db.acquire() as conn:
        assert await fulfil(conn, taken)
    clash = PaidCheckout(refused.session_id, taken.checkout_id, None, 14700, "eur")  # checkout ids are unique
    batch: list[Payment] = [(meanwhile, completed(meanwhile)), (paying, completed(paying)), (clash, completed(clash))]
    async with db.acquire() as holder:
        held = holder.transaction()
        await held.start()
        stored = batch[0][1]
        assert stored is not None
        await holder.execute(
            "insert into stripe_events (id, type, livemode, outcome, payload) values ($1, $2, false, 'held', '{}')",
            stored.id,
            stored.type,
        )

        async def run() -> list[str | asyncpg.PostgresError]:
            async with db.acquire() as conn:
                return await fulfil_many(conn, batch)

        outcomes = asyncio.ensure_future(run())
        async with asyncio.timeout(10):
            while await db.fetchval(WAITING_ON_LOCKS) < 1:  # noqa: ASYNC110 (Postgres has no event to wait on)
                await asyncio.sleep(0.01)
        await held.commit()
        duplicate, fulfilled, error = await outcomes
    assert (duplicate, fulfilled) == ("duplicate", "fulfilled")
    assert isinstance(error, asyncpg.UniqueViolationError)
    assert (await state(db, paying))[0] == "paid"
    assert (await state(db, refused))[0] == "checkout"


async def test_the_statement_is_atomic(db: Pool) -> None:
    """A batch that fails for another reason changes nothing, not even its events."""
    paid = await open_session(db)
    taken = await open_session(db)
    clash = PaidCheckout(paid.session_id, f"cs_{taken.session_id.hex}", paid.payment_intent_id, 14700, "eur")
    async with db.acquire() as conn:
        assert await fulfil(conn, taken)  # takes that checkout id; quiz_sessions keeps it unique
        event = completed(clash)
        [refused] = await fulfil_many(conn, [(clash, event)])
        assert isinstance(refused, asyncpg.UniqueViolationError)
        with pytest.raises(asyncpg.UniqueViolationError):
            await fulfil(conn, clash)
    assert (await state(db, paid))[0] == "checkout"
    assert await db.fetchval("select count(*) from stripe_events where id = $1", event.id) == 0
