"""Operational figures: counts by status, the outbox's backlog, stored PDFs and each job's latest run, from rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest

from crb import figures
from crb.db import Pool, create_pool
from crb.figures import Figures, JobRun, StoredFiles
from tests.conftest import cloned_database


@pytest.fixture(scope="module")
async def module_pool(postgres_admin: str, database_template: str) -> AsyncIterator[Pool]:
    """A database of this module's own: the figures count whole tables, which other tests fill."""
    async with cloned_database(postgres_admin, database_template) as url:
        p = await create_pool(url, max_size=2)
        yield p
        await p.close()


@pytest.fixture
async def pool(module_pool: Pool) -> Pool:
    """The module's database, with every table the figures read emptied."""
    await module_pool.execute("truncate quiz_sessions, reports, emails, job_outbox, job_runs restart identity cascade")
    return module_pool


async def add_session(pool: Pool, status: str) -> uuid.UUID:
    session_id = uuid.uuid4()
    await pool.execute(
        "insert into quiz_sessions (id, token_hash, quiz_version, status, paid_at) values ($1, 'h', 'v1', $2, now())",
        session_id,
        status,
    )
    return session_id


async def add_report(
    pool: Pool, *, storage_path: str | None, size_bytes: int | None, purged: bool = False, status: str = "pending"
) -> None:
    await pool.execute(
        "insert into reports (id, session_id, version, status, storage_path, size_bytes, sha256, purged_at)"
        " values ($1, $2, 1, $3, $4, $5, 'sha', case when $6 then now() end)",
        uuid.uuid4(),
        await add_session(pool, "delivered"),
        status,
        storage_path,
        size_bytes,
        purged,
    )


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


async def test_an_empty_database_has_nothing_to_count(pool: Pool) -> None:
    assert await figures.read(pool) == Figures({}, [], 0, 0.0)
    assert await figures.stored_files(pool) == StoredFiles(0, 0)
    assert await figures.last_runs(pool) == {}


async def test_sessions_are_counted_by_status(pool: Pool) -> None:
    for status in ["paid", "in_progress", "delivered", "in_progress", "in_progress", "refunded"]:
        await add_session(pool, status)
    assert (await figures.read(pool)).sessions_by_status == {"delivered": 1, "in_progress": 3, "paid": 1, "refunded": 1}


async def test_emails_are_counted_by_kind_and_status_in_order(pool: Pool) -> None:
    sent = [
        ("report_ready", "sent"),
        ("payment_confirmation", "sent"),
        ("report_ready", "failed"),
        ("payment_confirmation", "sent"),
        ("follow_up", "sending"),
        ("payment_confirmation", "rejected"),
    ]
    for kind, status in sent:
        await pool.execute(
            "insert into emails (session_id, kind, recipient, status) values ($1, $2, 'a@example.com', $3)",
            await add_session(pool, "delivered"),
            kind,
            status,
        )
    assert (await figures.read(pool)).emails == [
        ("follow_up", "sending", 1),
        ("payment_confirmation", "rejected", 1),
        ("payment_confirmation", "sent", 2),
        ("report_ready", "failed", 1),
        ("report_ready", "sent", 1),
    ]


async def test_the_outbox_backlog_is_its_unrelayed_jobs_and_the_oldest_ones_age(pool: Pool) -> None:
    hours = dt.timedelta(hours=1)
    rows = [("a", 2 * hours, True), ("b", hours, False), ("c", hours / 6, False), ("d", 0 * hours, False)]
    for job_id, age, relayed in rows:
        await pool.execute(
            "insert into job_outbox (job_id, function, created_at, enqueued_at)"
            " values ($1, 'send_email', now() - $2::interval, case when $3 then now() end)",
            job_id,
            age,
            relayed,
        )
    read = await figures.read(pool)
    assert read.outbox_pending == 3
    assert isinstance(read.outbox_oldest_s, float)
    assert 3600 <= read.outbox_oldest_s < 3600 + 60  # the relayed job, two hours old, waits no more
    await pool.execute("update job_outbox set enqueued_at = now()")
    assert (await figures.read(pool)).outbox_pending == 0
    assert (await figures.read(pool)).outbox_oldest_s == 0.0


async def test_stored_files_are_the_pdfs_in_storage_not_yet_purged(pool: Pool) -> None:
    await add_report(pool, storage_path="reports/a.pdf", size_bytes=1000, status="ready")
    await add_report(pool, storage_path="reports/b.pdf", size_bytes=234)
    await add_report(pool, storage_path="reports/c.pdf", size_bytes=None)  # size not known: a file all the same
    await add_report(pool, storage_path="reports/d.pdf", size_bytes=5000, purged=True, status="ready")
    await add_report(pool, storage_path=None, size_bytes=None)
    assert await figures.stored_files(pool) == StoredFiles(files=3, bytes=1234)


async def test_each_jobs_latest_run_is_reported_by_name(pool: Pool) -> None:
    runs = [
        ("reconcile", "schedule", utc(1, 10, 0), utc(1, 10, 1), "ok", {"queued": 1}, None),
        ("reconcile", "admin", utc(1, 10, 10), utc(1, 10, 11), "error", None, "RuntimeError('x')"),
        ("reconcile", "schedule", utc(1, 10, 5), utc(1, 10, 6), "ok", {"queued": 2}, None),
        ("storage-cleanup", "schedule", utc(1, 3), utc(1, 3, 2), "ok", {"deleted": [1, 2]}, None),
        ("storage-cleanup", "schedule", utc(2, 3), None, None, None, None),  # still running
    ]
    for run in runs:
        await pool.execute(
            "insert into job_runs (name, trigger, started_at, finished_at, outcome, result, error)"
            " values ($1, $2, $3, $4, $5, $6, $7)",
            *run,
        )
    assert await figures.last_runs(pool) == {
        "reconcile": JobRun("reconcile", "admin", utc(1, 10, 10), utc(1, 10, 11), "error", None, "RuntimeError('x')"),
        "storage-cleanup": JobRun("storage-cleanup", "schedule", utc(2, 3), None, None, None, None),
    }


async def test_a_runs_result_reads_back_as_the_value_stored(pool: Pool) -> None:
    result = {"deleted": 3, "kept": ["a", "b"], "nested": {"ok": True, "none": None}}
    await pool.execute(
        "insert into job_runs (name, trigger, started_at, finished_at, outcome, result)"
        " values ('quiz-cleanup', 'schedule', $1, $2, 'ok', $3)",
        utc(1, 4),
        utc(1, 4, 1),
        result,
    )
    assert (await figures.last_runs(pool))["quiz-cleanup"].result == result
