"""Operational figures read from the database: the admin API's stats and the edge's metrics share them."""

from __future__ import annotations

from dataclasses import dataclass

from crb.db import Pool


@dataclass(frozen=True)
class Figures:
    sessions_by_status: dict[str, int]
    emails: list[tuple[str, str, int]]  # kind, status, count
    outbox_pending: int
    outbox_oldest_s: float  # age of the oldest job not yet handed to the queue; 0 when none waits


async def read(pool: Pool) -> Figures:
    sessions = await pool.fetch("select status, count(*) from quiz_sessions group by status order by status")
    emails = await pool.fetch("select kind, status, count(*) from emails group by kind, status order by kind, status")
    outbox = await pool.fetchrow(
        "select count(*) as pending, coalesce(extract(epoch from now() - min(created_at)), 0) as oldest"
        " from job_outbox where enqueued_at is null"
    )
    return Figures(
        {r["status"]: r["count"] for r in sessions},
        [(r["kind"], r["status"], r["count"]) for r in emails],
        outbox["pending"],
        float(outbox["oldest"]),
    )
