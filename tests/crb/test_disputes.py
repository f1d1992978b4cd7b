"""Disputes in the core: which event's state wins, which alert each status calls for, the published dispute object
parsed, and what a dispute event stores, refunds, keeps through erasure and gives the operator as evidence."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import ValidationError

from crb import disputes, sessions
from crb.db import Pool, create_pool
from crb.disputes import Dispute, alert_kind, dashboard_url, supersedes
from crb.fulfilment import Payment
from crb.stripe_events import DisputeObject, parse_event
from crb.webhook_events import record_and_apply
from tests.fakes.stripe_server import event, fixture

T = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def state(status: str, at: dt.datetime = T, dispute_id: str = "dp_a") -> Dispute:
    return Dispute(dispute_id, status, "fraudulent", 14700, "eur", None, T - dt.timedelta(days=1), at)


@pytest.mark.parametrize(
    ("new", "stored", "wins"),
    [
        (state("needs_response"), None, True),
        (state("under_review", T + SECOND), state("needs_response"), True),
        (state("needs_response", T + SECOND), state("under_review"), True),  # later is later, whatever it says
        (state("needs_response", T - SECOND), state("under_review"), False),  # older news
        (state("needs_response"), state("under_review"), False),  # the same second: the dispute's own order
        (state("under_review"), state("needs_response"), True),
        (state("needs_response"), state("needs_response"), True),  # funds_withdrawn beside created: harmless
        (state("needs_response", T + 60 * SECOND), state("won"), False),  # closed stays closed
        (state("lost", T + 60 * SECOND), state("won"), False),
        (state("won", T - 60 * SECOND), state("under_review"), True),  # a close counts however late
        (state("warning_closed"), state("warning_under_review"), True),
        (state("needs_response"), state("warning_needs_response"), True),  # an inquiry becomes a chargeback
        # Another dispute: a chargeback after an inquiry that closed; the later one counts.
        (state("needs_response", T + SECOND, "dp_b"), state("warning_closed"), True),
        (state("needs_response", T, "dp_b"), state("warning_closed"), True),  # the same second: the open one
        (state("warning_closed", T - SECOND, "dp_b"), state("needs_response"), False),
        (state("warning_closed", T, "dp_b"), state("needs_response"), False),
    ],
)
def test_which_state_wins(new: Dispute, stored: Dispute | None, wins: bool) -> None:
    assert supersedes(new, stored) is wins


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("warning_needs_response", "inquiry_opened"),
        ("warning_under_review", "inquiry_opened"),
        ("warning_closed", "inquiry_closed"),
        ("needs_response", "dispute_opened"),
        ("under_review", "dispute_opened"),
        ("won", "dispute_closed"),
        ("lost", "dispute_closed"),
        ("prevented", "dispute_closed"),
    ],
)
def test_each_status_calls_for_one_alert_kind(status: str, kind: str) -> None:
    assert alert_kind(status) == kind
    assert kind in disputes.ALERT_KINDS
    assert (status in disputes.OPEN) != (status in disputes.CLOSED)
    assert f"dispute_{status}" in disputes.QUEUES_JOBS  # its outcome queued the alert


def test_the_dashboard_link_names_the_mode() -> None:
    assert dashboard_url("dp_1", livemode=True) == "https://dashboard.stripe.com/disputes/dp_1"
    assert dashboard_url("dp_1", livemode=False) == "https://dashboard.stripe.com/test/disputes/dp_1"


def test_stripe_s_published_dispute_parses() -> None:
    published = fixture("dispute")
    parsed = DisputeObject.model_validate(published)
    assert (parsed.id, parsed.status, parsed.reason, parsed.amount, parsed.currency) == (
        "dp_1Pgc71B7WZ01zgkWMevJiAUx",
        "warning_needs_response",
        "general",
        1000,
        "usd",
    )
    assert (parsed.charge, parsed.payment_intent, parsed.evidence_details.due_by) == (
        "ch_1PgafuB7WZ01zgkWXYmPNZs8",
        None,
        1723679999,
    )
    found = Dispute.from_event(parsed, 1723000000)
    assert found.evidence_due_by == dt.datetime(2024, 8, 14, 23, 59, 59, tzinfo=dt.UTC)
    assert (found.inquiry, found.open) == (True, True)


@pytest.mark.parametrize(
    "change",
    [{"status": "charge_refunded"}, {"amount": -1}, {"reason": "Fraud\u0000"}, {"created": 2**40}, {"currency": "EUR"}],
)
def test_a_dispute_we_cannot_hold_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        DisputeObject.model_validate({**fixture("dispute"), **change})


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url)
    yield pool
    await pool.close()


async def delivered(db: Pool, email: str | None = "jenny@example.com") -> tuple[uuid.UUID, str]:
    """A delivered session with its report and two emails sent; its id and payment intent."""
    sid = uuid.uuid4()
    pi = f"pi_{sid.hex}"
    await db.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, email, company_name, tier,"
        " stripe_checkout_session_id, stripe_payment_intent_id, amount_total, currency, paid_at, completed_at)"
        " values ($1, 'x', 'test', 'delivered', $2, 'Rosen Bakery', 'report', $3, $4, 14700, 'eur', now(), now())",
        sid,
        email,
        f"cs_{sid.hex}",
        pi,
    )
    await db.execute(
        "insert into reports (id, session_id, version, status, storage_path, sha256, ready_at)"
        " values ($1, $2, 1, 'ready', $3, 'abc', now())",
        uuid.uuid4(),
        sid,
        f"reports/{sid}.pdf",
    )
    for kind in ("payment_confirmation", "report_ready"):
        await db.execute(
            "insert into emails (session_id, kind, recipient, status, attempts, sent_at)"
            " values ($1, $2, 'jenny@example.com', 'sent', 1, now())",
            sid,
            kind,
        )
    return sid, pi


async def no_payment(payment: Payment) -> str:
    raise AssertionError("a dispute is not a paid checkout")


async def apply(db: Pool, event_type: str, obj: dict[str, Any]) -> str:
    """Deliver a dispute event as the webhook does, after its signature."""
    payload = json.dumps(event(event_type, obj)).encode()
    return await record_and_apply(db, no_payment, parse_event(payload), payload, livemode=False)


def dispute(pi: str, status: str = "needs_response", **evidence: str) -> dict[str, Any]:
    obj = fixture("dispute")
    obj.update(id="dp_" + uuid.uuid4().hex, payment_intent=pi, amount=14700, currency="eur", status=status)
    obj["evidence"].update(evidence)
    return obj


async def test_a_lost_dispute_refunds_in_full_and_withholds_the_refund_confirmation(db: Pool) -> None:
    sid, pi = await delivered(db, email=None)  # erased meanwhile: the withheld email names nobody
    obj = dispute(pi)
    assert await apply(db, "charge.dispute.created", obj) == "dispute_needs_response"
    assert await apply(db, "charge.dispute.closed", {**obj, "status": "lost"}) == "dispute_lost"
    row = await db.fetchrow("select * from quiz_sessions where id = $1", sid)
    assert (row["status"], row["refund_amount"]) == ("refunded", 14700)
    withheld = await db.fetchrow("select * from emails where session_id = $1 and kind = 'refund_confirmation'", sid)
    assert (withheld["status"], withheld["recipient"], withheld["attempts"]) == ("withheld", "erased", 0)
    queued = await db.fetch("select job_id from job_outbox where args ->> 0 = $1 order by id", str(sid))
    assert [q["job_id"] for q in queued] == [
        f"dispute_alert:{sid}:dispute_opened",
        f"dispute_alert:{sid}:dispute_closed",
        f"revoke:{sid}",
    ]


async def test_a_dispute_lost_after_a_full_refund_changes_nothing_more(db: Pool) -> None:
    sid, pi = await delivered(db)
    await db.execute("update quiz_sessions set status = 'refunded', refund_amount = 14700 where id = $1", sid)
    assert await apply(db, "charge.dispute.closed", dispute(pi, "lost")) == "dispute_lost"
    assert await db.fetchval("select count(*) from emails where session_id = $1 and status = 'withheld'", sid) == 0
    queued = await db.fetch("select function from job_outbox where args ->> 0 = $1", str(sid))
    assert [q["function"] for q in queued] == ["send_dispute_alert"]


async def test_erasure_scrubs_the_dispute_s_evidence_and_keeps_the_dispute(db: Pool) -> None:
    sid, pi = await delivered(db)
    obj = dispute(pi, customer_name="Jenny Rosen", customer_email_address="jenny@example.com", billing_address="N1 9GU")
    assert await apply(db, "charge.dispute.created", obj) == "dispute_needs_response"
    async with db.acquire() as conn, conn.transaction():
        await sessions.erase(conn, sid)
    stored = await db.fetchval("select payload::text from stripe_events where session_id = $1", sid)
    assert [t for t in ("Jenny Rosen", "jenny@example.com", "N1 9GU") if t in stored] == []
    kept = json.loads(stored)["data"]["object"]
    assert (kept["id"], kept["status"], kept["payment_intent"], "evidence" in kept) == (
        obj["id"],
        obj["status"],
        pi,
        False,
    )
    row = await db.fetchrow("select dispute_id, dispute_status, dispute_amount from quiz_sessions where id = $1", sid)
    assert tuple(row) == (obj["id"], "needs_response", 14700)


async def test_the_evidence_is_the_order_its_delivery_and_the_dispute(db: Pool) -> None:
    sid, pi = await delivered(db)
    async with db.acquire() as conn:
        assert await disputes.evidence(conn, sid) is None  # no dispute yet
    obj = dispute(pi)
    await apply(db, "charge.dispute.created", obj)
    await db.execute(  # an alert already sent is not part of what the customer got
        "insert into emails (session_id, kind, recipient, status) values ($1, 'dispute_opened', 'ops@x', 'sent')", sid
    )
    async with db.acquire() as conn:
        found = await disputes.evidence(conn, sid)
    assert found is not None
    assert (found.session.id, found.dispute.id, found.dispute.status, found.livemode) == (
        sid,
        obj["id"],
        "needs_response",
        False,
    )
    assert found.dashboard_url == f"https://dashboard.stripe.com/test/disputes/{obj['id']}"
    assert [(r.version, r.status) for r in found.reports] == [(1, "ready")] and found.reports[0].ready_at
    assert [(e.kind, e.status) for e in found.emails] == [("payment_confirmation", "sent"), ("report_ready", "sent")]
    assert all(e.sent_at for e in found.emails)
