"""The typed records match their tables column for column, and read a stored row as it is."""

from __future__ import annotations

import dataclasses
import uuid

import asyncpg
import pytest

from crb import reports, sessions
from crb.db import create_pool
from crb.downloads import DownloadableReport, live_report, report_file_name, session_report
from crb.fulfilment import queue_report
from crb.reports import Report
from crb.sessions import QuizSession


@pytest.mark.parametrize(("table", "record"), [("quiz_sessions", QuizSession), ("reports", Report)])
async def test_a_record_has_a_field_for_every_column_and_no_other(
    db: asyncpg.Connection, table: str, record: type[QuizSession] | type[Report]
) -> None:
    columns = await db.fetch(
        "select column_name from information_schema.columns where table_schema = 'public' and table_name = $1",
        table,
    )
    assert {c["column_name"] for c in columns} == {f.name for f in dataclasses.fields(record)}


async def test_a_session_and_its_report_read_back_as_records(database_url: str) -> None:
    pool = await create_pool(database_url)  # with the JSON codecs the services use
    try:
        async with pool.acquire() as conn:
            async with conn.transaction():
                new = await sessions.create(conn, "test")
                report_id = await queue_report(conn, new.id)
            session = await sessions.get(conn, new.id)
            report = await reports.find(conn, report_id)
            linked = await live_report(conn, report_id)
            assert linked == await session_report(conn, new.id)
            assert await reports.find(conn, uuid.uuid4()) is None
    finally:
        await pool.close()
    assert (session.id, session.status, session.answers, session.erased) == (new.id, "in_progress", {}, False)
    assert report is not None and (report.session_id, report.version, report.status) == (new.id, 1, "pending")
    assert isinstance(linked, DownloadableReport) and not linked.revoked and linked.file_name == "CRB report.pdf"


@pytest.mark.parametrize(
    ("company", "name"),
    [
        ("Müller & Söhne GmbH", "CRB report - Müller & Söhne GmbH.pdf"),
        ("Acme\r\n  Widgets / Ltd", "CRB report - Acme Widgets Ltd.pdf"),
        ('a:b*c?"<>|', "CRB report - abc.pdf"),
        (None, "CRB report.pdf"),
        ("///", "CRB report.pdf"),
    ],
)
def test_a_report_file_is_named_for_the_company_safely(company: str | None, name: str) -> None:
    assert report_file_name(company) == name
