"""The follow-up job: one email a week after delivery; a missed day skips nobody."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from crb import disputes
from crb.schedule import FOLLOW_UP_AFTER_DAYS
from jobs.context import Deps
from jobs.emails import deliver
from jobs.runs import recorded

log = logging.getLogger(__name__)

BATCH = 200
# This many rows failing one after another means the provider (or the database) is down, not a bad row:
# stop, and let the next run pick them all up rather than wait out each one's timeout.
MAX_ERRORS_IN_A_ROW = 10
DUE = (
    "select r.id, r.session_id, r.ready_at from reports r join quiz_sessions s on s.id = r.session_id"
    " where r.status = 'ready' and r.follow_up_sent_at is null and r.ready_at <= $1"
    " and s.status = 'delivered' and s.unsubscribed_at is null and s.erased_at is null"
    " and (s.dispute_status is null or s.dispute_status <> all($5::text[]))"
    " and ($2::timestamptz is null or (r.ready_at, r.id) > ($2, $3::uuid))"
    " order by r.ready_at, r.id limit $4"
)


@recorded("follow-up-emails")
async def follow_up_emails(d: Deps) -> dict[str, Any]:
    """Every report delivered at least a week ago and not yet followed up, however long ago: not a window.
    A payment under an open dispute waits: its follow-up goes once the dispute is won (a lost one is a refund).

    Batches go in (ready_at, id) order after the last row seen, so a row that failed is not met again in
    this run; it stays due, and the next run tries it again.
    """
    cutoff = d.now() - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)
    outcomes: dict[str, int] = {}
    after: tuple[dt.datetime | None, uuid.UUID | None] = (None, None)
    errors_in_a_row = due = 0
    while errors_in_a_row < MAX_ERRORS_IN_A_ROW:
        rows = await d.pool.fetch(DUE, cutoff, *after, BATCH, list(disputes.OPEN))
        for row in rows:
            outcome = await _follow_up(d, row)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            errors_in_a_row = errors_in_a_row + 1 if outcome == "error" else 0
            if errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
                log.error("follow-ups stopped after %d errors in a row; the next run carries on", errors_in_a_row)
                break
        due += len(rows)
        if len(rows) < BATCH:
            break
        after = (rows[-1]["ready_at"], rows[-1]["id"])
    return {"due": due, **outcomes}


async def _follow_up(d: Deps, row: Any) -> str:
    """Send one follow-up; an error is logged and counted, so that one bad row stops nobody else's."""
    try:
        outcome = await deliver(d, row["session_id"], "follow_up")
        if outcome in ("sent", "already"):  # "already": another worker sent it; mark it done here too
            await d.pool.execute(
                "update reports set follow_up_sent_at = $2 where id = $1 and follow_up_sent_at is null",
                row["id"],
                d.now(),
            )
    except Exception:
        log.exception("follow-up for report %s failed; it stays due for the next run", row["id"])
        return "error"
    return outcome
