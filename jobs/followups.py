"""The follow-up job: one email a week after delivery; a missed day skips nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crb.schedule import FOLLOW_UP_AFTER_DAYS
from jobs.context import Deps
from jobs.emails import deliver
from jobs.runs import recorded

BATCH = 200


@recorded("follow-up-emails")
async def follow_up_emails(d: Deps) -> dict[str, Any]:
    """Every report delivered at least a week ago and not yet followed up, however long ago: not a window."""
    cutoff = d.now() - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)
    rows = await d.pool.fetch(
        "select r.id, r.session_id from reports r join quiz_sessions s on s.id = r.session_id"
        " where r.status = 'ready' and r.follow_up_sent_at is null and r.ready_at <= $1"
        " and s.status = 'delivered' and s.unsubscribed_at is null and s.erased_at is null"
        " order by r.ready_at limit $2",
        cutoff,
        BATCH,
    )
    outcomes: dict[str, int] = {}
    for row in rows:
        outcome = await deliver(d, row["session_id"], "follow_up")
        if outcome in ("sent", "already"):  # "already": another worker sent it; mark it done here too
            await d.pool.execute(
                "update reports set follow_up_sent_at = $2 where id = $1 and follow_up_sent_at is null",
                row["id"],
                d.now(),
            )
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"due": len(rows), **outcomes}
