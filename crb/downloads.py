"""A report's download: the live report a link names, and a purged PDF's way back (rendered again by a job)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from crb import disputes, lifecycle, outbox
from crb.db import Connection
from crb.lifecycle import Status

# A request to render a purged PDF again that has not finished by then was lost (its worker died): the next
# visit queues another. Longer than a report job's tries take (jobs.retry: about 13 minutes).
RENDER_AGAIN_LOST_AFTER: Final = dt.timedelta(minutes=20)


@dataclass(frozen=True)
class DownloadableReport:
    """A report as its download link sees it, with the session it belongs to."""

    id: uuid.UUID
    session_id: uuid.UUID
    status: str  # the report's: pending, generating, ready, failed, superseded
    storage_path: str | None
    purged_at: dt.datetime | None  # retention deleted the file; it is rendered again when asked for
    render_requested_at: dt.datetime | None
    session_status: Status
    erased_at: dt.datetime | None
    company_name: str | None
    dispute_status: str | None  # of the dispute the payment is or was last under (crb.disputes)

    @property
    def revoked(self) -> bool:
        """Refunded or erased: the report is no longer the customer's to download."""
        return self.session_status in lifecycle.NOT_ENTITLED or self.erased_at is not None

    @property
    def paused(self) -> bool:
        """The payment is disputed and the bank has not decided yet: no download until it has."""
        return self.dispute_status in disputes.OPEN

    @property
    def file_name(self) -> str:
        return report_file_name(self.company_name)


def report_file_name(company_name: str | None) -> str:
    """The name a report's PDF is saved and attached as: the company's, safe on every file system."""
    company = " ".join("".join(c for c in (company_name or "") if c.isalnum() or c in " &.,-_'()+").split())
    return f"CRB report - {company}.pdf" if company else "CRB report.pdf"


_SELECT = (
    "select r.id, r.session_id, r.status, r.storage_path, r.purged_at, r.render_requested_at,"
    " s.status as session_status, s.erased_at, s.company_name, s.dispute_status"
    " from reports r join quiz_sessions s on s.id = r.session_id"
)


async def live_report(conn: Connection, report_id: uuid.UUID) -> DownloadableReport | None:
    """The report a link names or, if it was regenerated since, the session's live one (old emails keep working)."""
    row = await conn.fetchrow(
        _SELECT + " where r.session_id = (select session_id from reports where id = $1)"
        " and (r.id = $1 or r.status <> 'superseded') order by (r.status = 'superseded'), r.version desc limit 1",
        report_id,
    )
    return None if row is None else DownloadableReport(**dict(row))


async def session_report(conn: Connection, session_id: uuid.UUID) -> DownloadableReport | None:
    """The session's live report (not superseded), if it has one."""
    row = await conn.fetchrow(_SELECT + " where r.session_id = $1 and r.status <> 'superseded'", session_id)
    return None if row is None else DownloadableReport(**dict(row))


def render_again_job(report_id: uuid.UUID, requested_at: dt.datetime) -> outbox.Job:
    return outbox.Job("render_again", f"render_again:{report_id}:{requested_at.timestamp():.6f}", (str(report_id),))


async def request_render_again(conn: Connection, report: DownloadableReport) -> bool:
    """Queue the job that renders a purged PDF again, unless one is on its way: True if this call queued it."""
    async with conn.transaction():
        requested: dt.datetime | None = await conn.fetchval(
            "update reports set render_requested_at = now(), updated_at = now() where id = $1 and status = 'ready'"
            " and (render_requested_at is null or render_requested_at < now() - $2::interval)"
            " returning render_requested_at",
            report.id,
            RENDER_AGAIN_LOST_AFTER,
        )
        if requested is not None:
            await outbox.add(conn, render_again_job(report.id, requested))
    return requested is not None
