"""Operational figures read from the database: the admin API's stats and the edge's metrics share them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class StoredFiles:
    files: int
    bytes: int


async def stored_files(pool: Pool) -> StoredFiles:
    """The report PDFs in storage now (retention has not purged them), and their size."""
    row = await pool.fetchrow(
        "select count(*) as files, coalesce(sum(size_bytes), 0) as bytes from reports"
        " where storage_path is not null and purged_at is null"
    )
    return StoredFiles(row["files"], row["bytes"])


@dataclass(frozen=True)
class JobRun:
    """A scheduled job's run, as `jobs.runs` records it."""

    name: str
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str | None  # None while it runs
    result: Any
    error: str | None


async def last_runs(pool: Pool) -> dict[str, JobRun]:
    """Each scheduled job's latest run, by the job's name."""
    rows = await pool.fetch(
        "select distinct on (name) name, trigger, started_at, finished_at, outcome, result, error"
        " from job_runs order by name, started_at desc"
    )
    return {r["name"]: JobRun(**dict(r)) for r in rows}
