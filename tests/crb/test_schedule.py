"""The schedule as data: next runs in UTC, strictly after now, as arq's cron runs them; retention with its reasons."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crb import schedule
from crb.schedule import SCHEDULE, Scheduled, scheduled
from jobs.context import JOB_TIMEOUT_S
from jobs.retry import RETRIES
from jobs.worker import SCHEDULED, cron_jobs

README = Path(__file__).resolve().parents[2] / "README.md"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=dt.UTC)


def period(s: Scheduled) -> dt.timedelta:
    return dt.timedelta(minutes=s.every_minutes) if s.every_minutes else dt.timedelta(days=1)


@pytest.mark.parametrize("entry", SCHEDULE, ids=lambda s: s.name)
def test_scheduled_finds_each_job_by_its_name(entry: Scheduled) -> None:
    assert scheduled(entry.name) is entry


@pytest.mark.parametrize("name", ["nope", "", "Reconcile", "follow_up_emails", "reconcile "])
def test_scheduled_knows_no_other_name(name: str) -> None:
    assert scheduled(name) is None


def test_every_job_has_one_name_and_a_worker_function() -> None:
    assert len({s.name for s in SCHEDULE}) == len(SCHEDULE)
    assert {s.function for s in SCHEDULE} == set(SCHEDULED)


@pytest.mark.parametrize(
    ("entry", "description"),
    [
        (scheduled("follow-up-emails"), "daily at 10:00 UTC"),
        (scheduled("storage-cleanup"), "daily at 03:00 UTC"),
        (scheduled("reconcile"), "every 5 minutes"),
        (Scheduled("x", "x", hour=7, minute=5), "daily at 07:05 UTC"),
        (Scheduled("x", "x", every_minutes=15), "every 15 minutes"),
    ],
)
def test_a_schedule_describes_itself(entry: Scheduled | None, description: str) -> None:
    assert entry is not None
    assert entry.description == description


@pytest.mark.parametrize(
    ("name", "now", "expected"),
    [
        ("reconcile", utc(2026, 3, 1, 10, 2, 30), utc(2026, 3, 1, 10, 5)),
        ("reconcile", utc(2026, 3, 1, 10, 5), utc(2026, 3, 1, 10, 10)),  # strictly after
        ("reconcile", utc(2026, 3, 1, 10, 4, 59, 999999), utc(2026, 3, 1, 10, 5)),
        ("reconcile", utc(2026, 3, 1, 23, 57), utc(2026, 3, 2, 0, 0)),
        ("reconcile", utc(2026, 12, 31, 23, 55, 0, 1), utc(2027, 1, 1, 0, 0)),
        ("follow-up-emails", utc(2026, 3, 1, 9, 59, 59, 999999), utc(2026, 3, 1, 10, 0)),
        ("follow-up-emails", utc(2026, 3, 1, 10, 0), utc(2026, 3, 2, 10, 0)),  # strictly after
        ("follow-up-emails", utc(2026, 3, 1, 10, 0, 0, 1), utc(2026, 3, 2, 10, 0)),
        ("follow-up-emails", utc(2026, 3, 1, 0, 0), utc(2026, 3, 1, 10, 0)),
        ("storage-cleanup", utc(2026, 3, 1, 23, 30), utc(2026, 3, 2, 3, 0)),
        ("storage-cleanup", utc(2026, 12, 31, 3, 1), utc(2027, 1, 1, 3, 0)),
        ("quiz-cleanup", utc(2028, 2, 28, 5, 0), utc(2028, 2, 29, 4, 0)),  # a leap day
        ("quiz-cleanup", utc(2026, 3, 29, 3, 59), utc(2026, 3, 29, 4, 0)),  # Europe's clocks change: UTC does not
    ],
)
def test_the_next_run_is_the_first_scheduled_time_after_now(name: str, now: dt.datetime, expected: dt.datetime) -> None:
    entry = scheduled(name)
    assert entry is not None
    assert entry.next_run(now) == expected


moments = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(dt.UTC))


@given(now=moments, entry=st.sampled_from(SCHEDULE))
def test_no_scheduled_time_falls_between_now_and_the_next_run(now: dt.datetime, entry: Scheduled) -> None:
    after = entry.next_run(now)
    assert after - period(entry) <= now < after
    assert (after.second, after.microsecond, after.utcoffset()) == (0, 0, dt.timedelta(0))
    if entry.every_minutes:
        assert after.minute % entry.every_minutes == 0
    else:
        assert (after.hour, after.minute) == (entry.hour, entry.minute)


@given(now=moments.filter(lambda m: m.second >= 1))
def test_the_next_run_is_when_the_workers_cron_runs_the_job(now: dt.datetime) -> None:
    # arq fires at second 0 and microsecond 123456 of the minute; past second 1 that makes no difference.
    crons = {c.name: c for c in cron_jobs()}
    for entry in SCHEDULE:
        cron = crons[f"cron:{entry.name}"]
        cron.calculate_next(now)
        assert cron.next_run is not None
        assert cron.next_run.replace(microsecond=0) == entry.next_run(now), entry.name


def test_the_next_run_is_in_utc_whatever_zone_now_is_given_in() -> None:
    entry = scheduled("follow-up-emails")
    assert entry is not None
    berlin_summer = dt.timezone(dt.timedelta(hours=2))
    now = dt.datetime(2026, 7, 1, 11, 30, tzinfo=berlin_summer)  # 09:30 UTC
    assert entry.next_run(now) == utc(2026, 7, 1, 10, 0)


def test_every_schedule_is_one_arq_cron_can_run() -> None:
    for entry in SCHEDULE:
        if entry.every_minutes:
            assert 60 % entry.every_minutes == 0, entry.name  # else minute sets and next_run part at the hour
        else:
            assert entry.hour in range(24) and entry.minute in range(60), entry.name


def test_retention_periods_keep_their_reasons() -> None:
    # Downloadable again after the follow-up.
    assert schedule.FOLLOW_UP_AFTER_DAYS < schedule.REPORT_PDF_DAYS
    # A SEPA debit takes up to 14 business days: at most 20 calendar days without holidays.
    assert schedule.AWAITING_PAYMENT_DAYS > 20 and schedule.AWAITING_PAYMENT_DAYS > schedule.UNPAID_SESSION_DAYS
    # No job runs longer than JOB_TIMEOUT_S: one still running past these has lost its worker.
    assert schedule.GENERATION_STUCK_MINUTES * 60 > JOB_TIMEOUT_S
    assert schedule.EMAIL_SENDING_STUCK_MINUTES * 60 > JOB_TIMEOUT_S
    # Queued again only once the email job's own retries are over, and not for ever.
    assert max(RETRIES.email.backoff_s) < schedule.EMAIL_FAILED_RETRY_MINUTES * 60
    assert RETRIES.email.tries < schedule.EMAIL_MAX_ATTEMPTS


def test_the_readme_states_the_schedule_and_retention_periods() -> None:
    readme = re.sub(r"\s+", " ", README.read_text(encoding="utf-8"))
    for s in SCHEDULE:
        when = f"every {s.every_minutes} minutes" if s.every_minutes else f"daily {s.hour:02d}:{s.minute:02d}"
        assert f"| `{s.name}` | {when} |" in readme, s.name
    assert f"report PDFs {schedule.REPORT_PDF_DAYS} days" in readme
    assert (
        f"unpaid quiz answers and email {schedule.UNPAID_SESSION_DAYS} days ({schedule.AWAITING_PAYMENT_DAYS} while"
        in readme
    )
    assert f"deletes PDFs older than {schedule.REPORT_PDF_DAYS} days" in readme
    assert f"outbox rows relayed over {schedule.OUTBOX_KEEP_DAYS} days ago" in readme
    assert f"run records over {schedule.JOB_RUNS_KEEP_DAYS} days old" in readme
    assert f"delivered at least {schedule.FOLLOW_UP_AFTER_DAYS} days ago" in readme
    assert f"generations stuck for {schedule.GENERATION_STUCK_MINUTES} minutes" in readme
    assert f"left `sending` for {schedule.EMAIL_SENDING_STUCK_MINUTES} minutes" in readme
    assert f"queues it again {schedule.EMAIL_FAILED_RETRY_MINUTES // 60} hours later" in readme
    assert f"up to {schedule.EMAIL_MAX_ATTEMPTS} attempts in all" in readme
