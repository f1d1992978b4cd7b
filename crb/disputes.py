"""Payment disputes: what a `charge.dispute.*` event does to the session whose payment it disputes (in the webhook's
transaction), and the evidence the operator's alert carries (https://docs.stripe.com/disputes/how-disputes-work)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Final

from crb import lifecycle, outbox, sessions
from crb.db import Connection
from crb.fulfilment import revoke_job
from crb.sessions import QuizSession
from crb.stripe_events import DisputeObject

log = logging.getLogger(__name__)

# Open: the customer's bank is still deciding. Downloads of the report are paused meanwhile.
OPEN: Final = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")
# Closed and the payment stands: won, an inquiry that never became a chargeback, or one prevented.
KEPT: Final = ("won", "warning_closed", "prevented")
LOST: Final = ("lost",)  # the bank gave the money back to the customer: as a full refund for us
CLOSED: Final = KEPT + LOST
# An open dispute moves this way only (an inquiry may become a chargeback); two events of the same second
# are put in this order.
_STEP: Final = {status: n for n, status in enumerate(OPEN)}

# The operator's alerts, one of each per session (the `emails` table keeps each (session, kind) once): the
# opening and the close of an inquiry, and of a chargeback.
ALERT_KINDS: Final = ("inquiry_opened", "inquiry_closed", "dispute_opened", "dispute_closed")
WITHHELD: Final = "withheld"  # the status of an email recorded so that it never goes
# The outcomes of `record` that queued jobs (an alert, and a revocation for a lost dispute).
QUEUES_JOBS: Final = tuple(f"dispute_{status}" for status in OPEN + CLOSED)


@dataclass(frozen=True)
class Dispute:
    """A dispute as the session keeps it, or as an event brings it."""

    id: str
    status: str
    reason: str
    amount: int
    currency: str
    evidence_due_by: dt.datetime | None
    opened_at: dt.datetime  # the dispute's `created`: when the customer's bank opened it
    event_at: dt.datetime  # the `created` of the event this state came from

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def inquiry(self) -> bool:
        """An inquiry asks for information; no money has moved (a chargeback takes it back)."""
        return self.status.startswith("warning_")

    @classmethod
    def of(cls, session: QuizSession) -> Dispute | None:
        if session.dispute_id is None or session.dispute_status is None:
            return None
        assert session.disputed_at is not None and session.dispute_event_at is not None
        return cls(
            session.dispute_id,
            session.dispute_status,
            session.dispute_reason or "",
            session.dispute_amount or 0,
            session.dispute_currency or "",
            session.dispute_evidence_due_by,
            session.disputed_at,
            session.dispute_event_at,
        )

    @classmethod
    def from_event(cls, obj: DisputeObject, event_created: int) -> Dispute:
        due_by = obj.evidence_details.due_by
        return cls(
            obj.id,
            obj.status,
            obj.reason,
            obj.amount,
            obj.currency,
            None if due_by is None else _time(due_by),
            _time(obj.created),
            _time(event_created),
        )


def _time(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, dt.UTC)


def supersedes(new: Dispute, stored: Dispute | None) -> bool:
    """Whether the state an event brings replaces the one the session keeps. Stripe sends events late, twice
    and out of order (https://docs.stripe.com/webhooks): a closed dispute stays closed, a close
    counts however late it comes, and otherwise the later event (by its `created`) wins."""
    if stored is None:
        return True
    if new.id != stored.id:  # a chargeback after an inquiry that closed: the later dispute counts
        return (new.event_at, new.open) > (stored.event_at, stored.open)
    if not stored.open:
        return False
    if not new.open:
        return True
    return (new.event_at, _STEP[new.status]) >= (stored.event_at, _STEP[stored.status])


def alert_kind(status: str) -> str:
    """The operator alert an event with this status calls for."""
    phase = "inquiry" if status.startswith("warning_") else "dispute"
    return f"{phase}_{'closed' if status in CLOSED else 'opened'}"


def alert_job(session_id: uuid.UUID, kind: str) -> outbox.Job:
    """The job that alerts the operator (jobs/disputes.py); its id makes it one job however often queued."""
    assert kind in ALERT_KINDS
    return outbox.Job("send_dispute_alert", f"dispute_alert:{session_id}:{kind}", (str(session_id), kind))


def dashboard_url(dispute_id: str, livemode: bool) -> str:
    """The dispute in Stripe's Dashboard, where its evidence is submitted."""
    return f"https://dashboard.stripe.com/{'' if livemode else 'test/'}disputes/{dispute_id}"


async def record(conn: Connection, obj: DisputeObject, event_created: int) -> tuple[str, uuid.UUID | None]:
    """Apply a dispute event to the session whose payment it disputes, in the caller's transaction; the
    outcome and the session. A lost dispute refunds the session in full, without a refund confirmation."""
    session = await _disputed_session(conn, obj)
    if session is None:
        log.warning(
            "dispute %s (%s) is for a payment of no session of ours (payment intent %s, charge %s)",
            obj.id,
            obj.status,
            obj.payment_intent,
            obj.charge,
        )
        return "unknown_session", None
    new, stored = Dispute.from_event(obj, event_created), Dispute.of(session)
    if not supersedes(new, stored):
        closed = stored is not None and stored.id == new.id and not stored.open
        return ("dispute_already_closed" if closed else "ignored_older_dispute_event"), session.id
    await _keep(conn, session.id, new)
    jobs = [alert_job(session.id, alert_kind(new.status))]
    if new.status in LOST and await _refund(conn, session):
        jobs.append(revoke_job(session.id))
    await outbox.add(conn, *jobs)
    log.warning("dispute %s on session %s: %s (%s)", new.id, session.id, new.status, new.reason)
    return f"dispute_{new.status}", session.id


async def _disputed_session(conn: Connection, obj: DisputeObject) -> QuizSession | None:
    """The session whose payment is disputed, locked: by the dispute's payment intent or, for a dispute that
    names none, by the charge as a stored refund names it."""
    payment_intent = obj.payment_intent or await conn.fetchval(
        "select payload -> 'data' -> 'object' ->> 'payment_intent' from stripe_events"
        " where type = 'charge.refunded' and payload -> 'data' -> 'object' ->> 'id' = $1"
        " and payload -> 'data' -> 'object' ->> 'payment_intent' is not null limit 1",
        obj.charge,
    )
    if payment_intent is None:
        return None
    row = await conn.fetchrow(
        "select * from quiz_sessions where stripe_payment_intent_id = $1 order by paid_at limit 1 for update",
        payment_intent,
    )
    return None if row is None else QuizSession.from_row(row)


async def _keep(conn: Connection, session_id: uuid.UUID, d: Dispute) -> None:
    await conn.execute(
        "update quiz_sessions set dispute_id = $2, dispute_status = $3, dispute_reason = $4, dispute_amount = $5,"
        " dispute_currency = $6, dispute_evidence_due_by = $7, disputed_at = $8, dispute_event_at = $9,"
        " dispute_closed_at = case when $3 = any($10::text[]) then $9::timestamptz end, updated_at = now()"
        " where id = $1",
        session_id,
        d.id,
        d.status,
        d.reason,
        d.amount,
        d.currency,
        d.evidence_due_by,
        d.opened_at,
        d.event_at,
        list(CLOSED),
    )


async def _refund(conn: Connection, session: QuizSession) -> bool:
    """A lost dispute is a full refund, as `crb.fulfilment` applies one, but the customer is not told "we
    refunded you": their bank took the money back. The refund confirmation is recorded as withheld, so that
    neither a job nor reconcile sends it. True if this moved the session to refunded."""
    full = max(session.refund_amount, session.amount_total or 0)
    if not await lifecycle.refund(conn, session.id, full):
        return False  # refunded before (and told then), or never paid
    await conn.execute(
        "insert into emails (session_id, kind, recipient, status) values ($1, 'refund_confirmation', $2, $3)"
        " on conflict (session_id, kind) do nothing",
        session.id,
        session.email or sessions.ERASED_RECIPIENT,
        WITHHELD,
    )
    return True


@dataclass(frozen=True)
class ReportDelivery:
    version: int
    status: str
    ready_at: dt.datetime | None
    purged_at: dt.datetime | None


@dataclass(frozen=True)
class CustomerEmail:
    kind: str
    status: str
    attempts: int
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class Evidence:
    """What the operator needs to answer a dispute: the order, what was delivered when, and the dispute.

    No download is recorded anywhere (the edge's access log has each request's path, status and time, without
    the client's address), so delivery is shown by the report's ready times and the emails that carried it.
    """

    session: QuizSession
    dispute: Dispute
    livemode: bool
    reports: tuple[ReportDelivery, ...]
    emails: tuple[CustomerEmail, ...]

    @property
    def dashboard_url(self) -> str:
        return dashboard_url(self.dispute.id, self.livemode)


async def evidence(conn: Connection, session_id: uuid.UUID) -> Evidence | None:
    """The evidence for the session's dispute, or None if it has none."""
    session = await sessions.find(conn, session_id)
    dispute = None if session is None else Dispute.of(session)
    if session is None or dispute is None:
        return None
    livemode = await conn.fetchval(
        "select livemode from stripe_events where session_id = $1 and payload -> 'data' -> 'object' ->> 'id' = $2"
        " limit 1",
        session_id,
        dispute.id,
    )
    reports = await conn.fetch(
        "select version, status, ready_at, purged_at from reports where session_id = $1 order by version",
        session_id,
    )
    emails = await conn.fetch(
        "select kind, status, attempts, sent_at from emails where session_id = $1 and kind <> all($2::text[])"
        " order by created_at, id",
        session_id,
        list(ALERT_KINDS),
    )
    return Evidence(
        session,
        dispute,
        bool(livemode),
        tuple(ReportDelivery(**dict(r)) for r in reports),
        tuple(CustomerEmail(**dict(e)) for e in emails),
    )
