"""The `reports` table: the `Report` record the jobs read. (`crb.report` is the report's content.)"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from crb.db import Connection

ReportStatus = Literal["pending", "generating", "ready", "failed", "superseded"]


@dataclass(frozen=True)
class Report:
    """A report version as stored: one row of `reports`, every column."""

    id: uuid.UUID
    session_id: uuid.UUID
    version: int
    status: ReportStatus
    storage_path: str | None
    size_bytes: int | None
    page_count: int | None
    sha256: str | None
    attempts: int
    error: str | None
    follow_up_sent_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None
    ready_at: dt.datetime | None
    purged_at: dt.datetime | None  # retention deleted its PDF
    render_requested_at: dt.datetime | None  # its purged PDF is being printed again (crb.downloads)
    data: dict[str, Any] | None  # the ReportData it was printed from, as JSON (None before it is ready, or erased)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Report:
        """From `select *` (a column without a field here, or a field without its column, fails at once)."""
        return cls(**row)


async def find(conn: Connection, report_id: uuid.UUID) -> Report | None:
    row = await conn.fetchrow("select * from reports where id = $1", report_id)
    return None if row is None else Report.from_row(row)
