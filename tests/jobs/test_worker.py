"""The worker with a real arq on real Redis, an injected world to walk through days, and an in-process renderer
(`tests.fakes.renderer`); the tests marked `browser` print through the real renderer service and Chromium."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from arq import create_pool
from arq.connections import RedisSettings

from crb import analysis
from crb.mail import OutboxMailer, TransientMailError
from crb.quiz import AnswerError, InvalidAnswers
from crb.renderer_client import RendererError
from crb.report import ReportData
from crb.schedule import EMAIL_MAX_ATTEMPTS
from crb.settings import Settings
from crb.storage import LocalStore, StorageError
from jobs import followups
from jobs import reports as report_jobs
from jobs.context import Deps, RecentPdfs
from jobs.emails import deliver as emails_deliver
from jobs.retry import RETRIES, RetryPolicies
from jobs.worker import create_worker
from tests.fakes.renderer import FakeRenderer
from tests.fakes.stripe_server import FakeStripe, event
from tests.fakes.stripe_server import signed as signed_event
from tests.jobs.running import ONE_REPORT_TRY, QUICK_RETRIES, run_jobs
from tests.journey import Client, auth, checkout, completed_session
from tests.site.browsing import load_build

DAY = dt.timedelta(days=1)


class World:
    """What the worker under test sees: its idea of now (real time plus an offset the test moves forward), and
    its renderer (in-process; None: the renderer service at the settings' RENDERER_URL)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()
        self.renderer: FakeRenderer | None = FakeRenderer()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def edge(edge_client: Callable[..., Any]) -> tuple[Client, Settings]:
    return await edge_client(ADMIN_TOKEN="admin-token")  # type: ignore[no-any-return]


@pytest.fixture
async def printing_edge(edge_client: Callable[..., Any], renderer_url: str, world: World) -> tuple[Client, Settings]:
    """The edge, with the worker printing through the real renderer service."""
    world.renderer = None
    return await edge_client(RENDERER_URL=renderer_url, ADMIN_TOKEN="admin-token")  # type: ignore[no-any-return]


async def work(settings: Settings, world: World, *jobs: tuple[str, ...], retries: RetryPolicies = RETRIES) -> None:
    """Queue `jobs` (function name and args) and run a worker in burst mode until the queue is empty."""
    await run_jobs(settings, *jobs, clock=world, retries=retries, renderer=world.renderer)


async def paid(client: Client, settings: Settings, email_to: str = "owner@example.com") -> tuple[str, str]:
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token, email=email_to))["url"].removeprefix(settings.public_base_url)
    response = await client.post(page + "/pay", headers={"Accept": "application/json"})
    assert (await response.json())["webhook"]["outcome"] == "fulfilled"
    return sid, token


def outbox(settings: Settings, tag: str | None = None) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted((settings.data_dir / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if tag is None or message["X-Tag"] == tag:
            found.append(message)
    return found


def links_in(message: email.message.EmailMessage) -> list[str]:
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(r"https?://\S+", text)


async def delivered(edge: tuple[Client, Settings], world: World) -> tuple[str, str]:
    client, settings = edge
    sid, token = await paid(client, settings)
    await work(settings, world)
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert state["status"] == "delivered"
    return sid, token


@pytest.mark.browser
async def test_report_is_generated_stored_and_emailed_once(
    printing_edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge = printing_edge
    sid, token = await delivered(edge, world)
    tags = sorted(m["X-Tag"] for m in outbox(settings))
    assert tags == ["payment-confirmation", "report-ready"]
    [ready] = outbox(settings, "report-ready")
    [attachment] = list(ready.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert (attachment.get_filename() or "").startswith("CRB report - ")
    report = await db.fetchrow("select * from reports where session_id = $1", uuid.UUID(sid))
    assert report["status"] == "ready" and report["page_count"] >= 2 and report["size_bytes"] > 1000
    await work(settings, world, ("send_email", sid, "report_ready"), ("generate_report", str(report["id"])))
    assert len(outbox(settings)) == 2  # nothing sent twice
    statuses = await db.fetch("select kind, status, attempts from emails where session_id = $1", uuid.UUID(sid))
    assert {(r["kind"], r["status"]) for r in statuses} == {("payment_confirmation", "sent"), ("report_ready", "sent")}


async def test_every_link_in_the_emails_opens_the_right_page(edge: Any, world: World) -> None:
    client, settings = edge
    sid, _ = await delivered(edge, world)
    world.offset = 8 * DAY
    await work(settings, world, ("follow_up_emails",))
    messages = outbox(settings)
    assert {m["X-Tag"] for m in messages} == {"payment-confirmation", "report-ready", "follow-up"}
    for message in messages:
        for link in links_in(message):
            assert link.startswith(settings.public_base_url), link
            path = link.removeprefix(settings.public_base_url)
            if path.endswith(".html"):  # a page of the static site (a CDN's, in production): one it builds
                assert path.removeprefix("/") in load_build().PAGES, link
                continue
            response = await client.get(path)
            assert response.status == 200, (message["X-Tag"], link, await response.text())
            if "/download" in link:
                assert response.headers["Content-Type"] == "application/pdf"
            if "/unsubscribe" in link:
                assert "unsubscribed" in (await response.text())


async def test_follow_up_on_day_seven_after_a_missed_day_and_only_once(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    _, settings = edge
    await delivered(edge, world)
    world.offset = 6 * DAY
    await work(settings, world, ("follow_up_emails",))
    assert outbox(settings, "follow-up") == []
    world.offset = 9 * DAY  # days 7 and 8 were missed: the follow-up still goes
    await work(settings, world, ("follow_up_emails",))
    [follow_up] = outbox(settings, "follow-up")
    assert "unsubscribe" in follow_up.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    world.offset = 10 * DAY
    await work(settings, world, ("follow_up_emails",))
    assert len(outbox(settings, "follow-up")) == 1


async def test_two_workers_running_the_follow_up_at_once_send_one_email_each(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    _, settings = edge
    for _ in range(3):
        await delivered(edge, world)
    world.offset = 8 * DAY
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url or ""), default_queue_name=settings.queue_name)
    await redis.enqueue_job("follow_up_emails", _job_id=f"a:{uuid.uuid4()}")
    await redis.enqueue_job("follow_up_emails", _job_id=f"b:{uuid.uuid4()}")
    await redis.aclose()
    await asyncio.gather(work(settings, world), work(settings, world))
    assert len(outbox(settings, "follow-up")) == 3


async def test_unsubscribed_and_refunded_customers_get_no_follow_up(edge: Any, world: World) -> None:
    client, settings = edge
    await delivered(edge, world)
    [ready] = outbox(settings, "report-ready")
    world.offset = 8 * DAY
    unsubscribed_sid, _ = await delivered(edge, world)
    sessions_before = outbox(settings, "follow-up")
    assert sessions_before == []
    # The second customer unsubscribes through the link a follow-up would carry.
    from crb.links import unsubscribe_url

    link = unsubscribe_url(settings, uuid.UUID(unsubscribed_sid)).removeprefix(settings.public_base_url)
    assert (await client.get(link, headers={"Accept": "application/json"})).status == 200
    world.offset = 20 * DAY
    await work(settings, world, ("follow_up_emails",))
    recipients = [m["X-Metadata-session_id"] for m in outbox(settings, "follow-up")]
    assert unsubscribed_sid not in recipients
    assert len(recipients) == 1
    assert ready["X-Metadata-session_id"] in recipients


async def purged(edge: tuple[Client, Settings], world: World, db: asyncpg.Connection) -> tuple[Any, str]:
    """A delivered report whose PDF the storage cleanup deleted (at 30 days, not at 29); and its download link."""
    client, settings = edge
    sid, token = await delivered(edge, world)
    report = await db.fetchrow("select * from reports where session_id = $1", uuid.UUID(sid))
    stored = settings.data_dir / "storage" / "reports" / report["storage_path"]
    world.offset = 29 * DAY
    await work(settings, world, ("storage_cleanup",))
    assert stored.exists()
    world.offset = 31 * DAY
    await work(settings, world, ("storage_cleanup",))
    assert not stored.exists()
    assert await db.fetchval("select purged_at from reports where id = $1", report["id"]) is not None
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    return report, state["download_url"].removeprefix(settings.public_base_url)


@pytest.mark.browser
async def test_storage_cleanup_at_30_days_then_download_renders_again(
    printing_edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = printing_edge
    report, link = await purged(printing_edge, world, db)
    original = report["sha256"]
    waiting = await client.get(link, headers={"Accept": "text/html"})  # a browser, from the email's link
    assert waiting.status == 202 and waiting.headers["Retry-After"] == "5"
    assert "being prepared again" in await waiting.text() and 'http-equiv="refresh"' in await waiting.text()
    await work(settings, world)
    response = await client.get(link)
    assert response.status == 200
    again = await response.read()
    assert again.startswith(b"%PDF")
    row = await db.fetchrow("select * from reports where id = $1", report["id"])
    assert row["purged_at"] is None and row["render_requested_at"] is None
    assert (row["sha256"], row["size_bytes"]) == (hashlib.sha256(again).hexdigest(), len(again))
    assert row["sha256"] != original  # printed again: the same report, another file (its timestamps)
    assert row["page_count"] == report["page_count"]


async def test_a_purged_pdf_is_queued_once_however_often_its_link_is_opened(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    report, link = await purged(edge, world, db)
    monkeypatch.setattr(report_jobs, "build_report_data", invalid_answers)  # printed from the data it kept
    assert world.renderer is not None
    printed = len(world.renderer.rendered)
    answers = [await client.get(link, headers={"Accept": "application/json"}) for _ in range(3)]
    assert [a.status for a in answers] == [202] * 3
    assert (await answers[0].json())["status"] == "rendering"
    queued = await db.fetch("select job_id from job_outbox where function = 'render_again'")
    assert [q["job_id"].split(":")[1] for q in queued] == [str(report["id"])]
    await work(settings, world)
    assert len(world.renderer.rendered) == printed + 1
    assert world.renderer.rendered[-1] == world.renderer.rendered[0]  # exactly what the customer got
    response = await client.get(link, allow_redirects=False)
    assert response.status == 302


async def test_a_purged_pdf_that_cannot_be_printed_is_asked_for_again_on_the_next_visit(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    report, link = await purged(edge, world, db)
    world.renderer = FakeRenderer(down=None)
    assert (await client.get(link)).status == 202
    await work(settings, world, retries=QUICK_RETRIES)
    assert world.renderer.tries == RETRIES.report.tries
    row = await db.fetchrow("select * from reports where id = $1", report["id"])
    assert row["purged_at"] is not None and row["render_requested_at"] is None  # given up: the next visit asks
    await db.execute("update reports set data = null where id = $1", report["id"])  # kept before data was
    world.renderer = FakeRenderer()
    assert (await client.get(link)).status == 202
    await work(settings, world)
    assert (await client.get(link, allow_redirects=False)).status == 302
    assert world.renderer.rendered[0].generated_on == report["ready_at"].date()  # built again, for the same day


async def test_a_report_refunded_while_it_is_printed_again_keeps_no_file(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    report, link = await purged(edge, world, db)

    async def refund() -> None:
        await db.execute("update quiz_sessions set status = 'refunded' where id = $1", report["session_id"])

    world.renderer = FakeRenderer(before_return=refund)
    assert (await client.get(link)).status == 202
    await work(settings, world)
    assert stored_pdfs(settings) == []
    assert (await client.get(link)).status == 410


async def test_quiz_cleanup_erases_abandoned_sessions_after_7_days(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    abandoned, _ = await completed_session(client)
    paying, _ = await paid(client, settings)
    world.offset = 6 * DAY
    await work(settings, world, ("quiz_cleanup",))
    assert (await db.fetchval("select status from quiz_sessions where id = $1", uuid.UUID(abandoned))) == "completed"
    world.offset = 8 * DAY
    await work(settings, world, ("quiz_cleanup",))
    row = await db.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(abandoned))
    assert (row["status"], row["answers"], row["email"], row["company_name"]) == ("expired", "{}", None, None)
    assert (await db.fetchval("select status from quiz_sessions where id = $1", uuid.UUID(paying))) != "expired"


async def test_worker_killed_mid_generation_is_reconciled(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    sid, token = await paid(client, settings)
    # The worker took the job and died: the report says generating, and Redis has lost the job.
    await db.execute("update reports set status = 'generating', attempts = 1 where session_id = $1", uuid.UUID(sid))
    await db.execute("update job_outbox set enqueued_at = now() where args ->> 0 = $1", sid)
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url or ""), default_queue_name=settings.queue_name)
    await redis.delete(settings.queue_name)
    await redis.aclose()
    world.offset = dt.timedelta(minutes=20)
    await work(settings, world, ("reconcile",))
    await work(settings, world)
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert state["status"] == "delivered"
    assert len(outbox(settings, "report-ready")) == 1
    assert len(outbox(settings, "payment-confirmation")) == 1  # lost with Redis, then queued again


async def test_an_email_lost_mid_send_is_sent_again_once(edge: Any, world: World, db: asyncpg.Connection) -> None:
    client, settings = edge
    sid, _ = await paid(client, settings)
    await work(settings, world)
    # The worker died while sending the confirmation, before the message left: no copy anywhere.
    for path in (settings.data_dir / "outbox").glob("*-payment-confirmation-*.eml"):
        path.unlink()
    kind = "payment_confirmation"
    await db.execute("update emails set status = 'sending' where session_id = $1 and kind = $2", uuid.UUID(sid), kind)
    world.offset = dt.timedelta(minutes=40)
    for _ in range(2):  # the second reconcile finds nothing more to do
        await work(settings, world, ("reconcile",))
        await work(settings, world)
    assert len(outbox(settings, "payment-confirmation")) == 1
    row = await db.fetchrow("select * from emails where session_id = $1 and kind = $2", uuid.UUID(sid), kind)
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert len(outbox(settings, "report-ready")) == 1


@pytest.mark.parametrize("failures", [2, None])
async def test_renderer_down_retries_then_succeeds_or_fails_with_one_email(
    edge: Any, world: World, db: asyncpg.Connection, failures: int | None
) -> None:
    world.renderer = FakeRenderer(down=failures)
    client, settings = edge
    sid, token = await paid(client, settings)
    await work(settings, world, retries=QUICK_RETRIES)
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    attempts = await db.fetchval("select attempts from reports where session_id = $1", uuid.UUID(sid))
    if failures is None:
        assert state["status"] == "failed"
        assert attempts == RETRIES.report.tries
        assert len(outbox(settings, "report-failed")) == 1
        assert outbox(settings, "report-ready") == []
    else:
        assert state["status"] == "delivered"
        assert attempts == failures + 1
        assert len(outbox(settings, "report-ready")) == 1


async def test_a_report_the_renderer_refuses_fails_at_once_with_one_email(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    world.renderer = FakeRenderer(refuse=True)
    client, settings = edge
    sid, _ = await paid(client, settings)
    await work(settings, world)
    report = await db.fetchrow("select status, attempts, error from reports where session_id = $1", uuid.UUID(sid))
    assert (report["status"], report["attempts"]) == ("failed", 1)  # no retries: the same data fails alike
    assert "422" in report["error"]
    assert len(outbox(settings, "report-failed")) == 1


async def test_a_report_that_contradicts_itself_is_never_sent_and_fails_with_one_email(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyse = analysis.analyse

    def contradicting(*args: Any, **kwargs: Any) -> ReportData:
        report = analyse(*args, **kwargs)
        summary = report.value_summary.model_copy(update={"net_value": report.value_summary.net_value + 1})
        return report.model_copy(update={"value_summary": summary})

    monkeypatch.setattr(analysis, "analyse", contradicting)
    client, settings = edge
    sid, _ = await paid(client, settings)
    await work(settings, world)

    report = await report_row(db, sid)
    assert (report["status"], report["attempts"]) == ("failed", 1)  # the same answers contradict alike: no retry
    assert "consistency check" in report["error"] and "net value" in report["error"]
    assert stored_pdfs(settings) == []
    assert len(outbox(settings, "report-failed")) == 1
    assert outbox(settings, "report-ready") == []


async def last_run(db: asyncpg.Connection, name: str) -> Any:
    return await db.fetchrow("select * from job_runs where name = $1 order by id desc limit 1", name)


async def session_status(db: asyncpg.Connection, sid: str) -> str:
    return str(await db.fetchval("select status from quiz_sessions where id = $1", uuid.UUID(sid)))


async def report_row(db: asyncpg.Connection, sid: str) -> Any:
    return await db.fetchrow("select * from reports where session_id = $1", uuid.UUID(sid))


def stored_pdfs(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.data_dir / "storage").rglob("*.pdf"))


async def test_a_delayed_payment_that_succeeds_after_a_week_is_still_delivered(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    pages = {}
    for name in ("pays", "never"):
        sid, token = await completed_session(client)
        page = (await checkout(client, sid, token))["url"].removeprefix(settings.public_base_url)
        response = await client.post(page + "/pay-later", headers={"Accept": "application/json"})
        assert (await response.json())["webhook_status"] == 200
        pages[name] = (sid, page)
    world.offset = 10 * DAY  # the SEPA debit is still on its way: the session and its answers must stay
    await work(settings, world, ("quiz_cleanup",))
    assert [await session_status(db, sid) for sid, _ in pages.values()] == ["checkout", "checkout"]
    sid, page = pages["pays"]
    response = await client.post(page + "/async-success", headers={"Accept": "application/json"})
    assert (await response.json())["webhook"]["outcome"] == "fulfilled"
    await work(settings, world)
    assert await session_status(db, sid) == "delivered"
    world.offset = 31 * DAY  # a payment that never came: erased in the end
    await work(settings, world, ("quiz_cleanup",))
    assert await session_status(db, pages["never"][0]) == "expired"


async def test_an_email_whose_retries_all_failed_is_queued_again_later_within_a_limit(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge

    async def down(self: OutboxMailer, message: Any) -> str:
        raise TransientMailError("the provider is down")

    with monkeypatch.context() as patch:
        patch.setattr(OutboxMailer, "send", down)
        sid, _ = await paid(client, settings)
        await work(settings, world, retries=QUICK_RETRIES)
    rows = await db.fetch("select kind, status, attempts from emails where session_id = $1", uuid.UUID(sid))
    assert {(r["kind"], r["status"], r["attempts"]) for r in rows} == {
        ("payment_confirmation", "failed", RETRIES.email.tries),
        ("report_ready", "failed", RETRIES.email.tries),
    }
    # The confirmation has had all its attempts: it is not tried again (a mailer broken for good).
    await db.execute(
        "update emails set attempts = $2 where session_id = $1 and kind = 'payment_confirmation'",
        uuid.UUID(sid),
        EMAIL_MAX_ATTEMPTS,
    )
    world.offset = dt.timedelta(minutes=30)  # too soon after the last attempt
    await work(settings, world, ("reconcile",), retries=QUICK_RETRIES)
    await work(settings, world, retries=QUICK_RETRIES)
    assert outbox(settings) == []
    world.offset = dt.timedelta(hours=3)
    for _ in range(2):  # the second reconcile finds nothing more to do
        await work(settings, world, ("reconcile",), retries=QUICK_RETRIES)
        await work(settings, world, retries=QUICK_RETRIES)
    assert [m["X-Tag"] for m in outbox(settings)] == ["report-ready"]


def invalid_answers(*args: Any) -> ReportData:
    raise InvalidAnswers([AnswerError("team_size", "required", "an answer is required")])


async def test_a_report_that_cannot_be_built_fails_at_once_and_the_customer_is_told_once(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    monkeypatch.setattr(report_jobs, "build_report_data", invalid_answers)
    sid, _ = await paid(client, settings)
    await work(settings, world)
    report = await report_row(db, sid)
    assert (report["status"], report["attempts"]) == ("failed", 1)
    assert "team_size" in report["error"]
    assert await session_status(db, sid) == "failed"
    world.offset = dt.timedelta(minutes=40)
    await work(settings, world, ("reconcile",))
    await work(settings, world)
    assert (await report_row(db, sid))["attempts"] == 1  # not queued again
    assert len(outbox(settings, "report-failed")) == 1


async def test_a_report_retried_across_jobs_gives_up_at_the_attempt_limit(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, _ = await paid(client, settings)
    # Every job so far lost its worker (one that kills it, say): reconcile queued it again each time.
    await db.execute(
        "update reports set status = 'generating', attempts = $2 where session_id = $1",
        uuid.UUID(sid),
        report_jobs.MAX_ATTEMPTS,
    )
    await db.execute("update job_outbox set enqueued_at = now() where args ->> 0 = $1", sid)
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url or ""), default_queue_name=settings.queue_name)
    await redis.delete(settings.queue_name)
    await redis.aclose()
    world.offset = dt.timedelta(minutes=20)
    await work(settings, world, ("reconcile",))
    await work(settings, world)
    assert (await report_row(db, sid))["status"] == "failed"
    assert await session_status(db, sid) == "failed"
    assert len(outbox(settings, "report-failed")) == 1
    assert outbox(settings, "report-ready") == []


async def test_a_late_failure_never_undoes_a_ready_report(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    build = report_jobs._build

    async def build_then_fail(d: Deps, rid: uuid.UUID, session: Any) -> str:
        await build(d, rid, session)  # another run finished it...
        raise RendererError("renderer unreachable")  # ...and this one's failure comes in late

    monkeypatch.setattr(report_jobs, "_build", build_then_fail)
    sid, _ = await paid(client, settings)
    await work(settings, world, retries=ONE_REPORT_TRY)
    assert (await report_row(db, sid))["status"] == "ready"
    assert await session_status(db, sid) == "delivered"
    assert outbox(settings, "report-failed") == []
    assert len(outbox(settings, "report-ready")) == 1


async def test_a_late_success_never_follows_a_failure(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    claim = report_jobs._claim

    async def claim_then_lose_the_race(d: Deps, rid: uuid.UUID, sid: uuid.UUID) -> int | None:
        attempts = await claim(d, rid, sid)
        await report_jobs.give_up(d, rid, sid, "another run gave up meanwhile")
        return attempts

    monkeypatch.setattr(report_jobs, "_claim", claim_then_lose_the_race)
    sid, _ = await paid(client, settings)
    await work(settings, world)
    report = await report_row(db, sid)
    assert (report["status"], report["error"]) == ("failed", "another run gave up meanwhile")
    assert await session_status(db, sid) == "failed"
    assert stored_pdfs(settings) == []  # the late run's upload is not left behind
    assert outbox(settings, "report-ready") == []
    assert len(outbox(settings, "report-failed")) == 1


@pytest.mark.parametrize("how", ["erased", "refunded"])
async def test_a_report_no_longer_needed_before_generation_is_not_queued_again(
    edge: Any, world: World, db: asyncpg.Connection, how: str
) -> None:
    client, settings = edge
    sid, token = await paid(client, settings)
    if how == "erased":
        assert (await client.delete(f"/api/sessions/{sid}", headers=auth(token))).status in (200, 204)
    else:
        await db.execute("update quiz_sessions set status = 'refunded' where id = $1", uuid.UUID(sid))
    await work(settings, world)
    assert (await report_row(db, sid))["status"] == "failed"
    world.offset = dt.timedelta(minutes=20)
    await work(settings, world, ("reconcile",))
    assert json.loads((await last_run(db, "reconcile"))["result"])["generations_requeued"] == 0
    assert outbox(settings, "report-ready") == outbox(settings, "report-failed") == []


async def test_an_erasure_during_rendering_keeps_no_pdf_and_delivers_nothing(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    sid, token = await paid(client, settings)

    async def erase() -> None:
        assert (await client.delete(f"/api/sessions/{sid}", headers=auth(token))).status in (200, 204)

    world.renderer = FakeRenderer(before_return=erase)
    await work(settings, world)
    assert await session_status(db, sid) == "generating"  # an erasure keeps a paid session's status
    report = await report_row(db, sid)
    assert (report["status"], report["storage_path"]) == ("failed", None)
    assert stored_pdfs(settings) == []
    assert outbox(settings, "report-ready") == []


async def test_the_schedule_runs_in_utc_whatever_the_machines_time_zone(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        worker = create_worker(settings, settings.redis_url or "", handle_signals=False)
        assert worker.timezone is not None and worker.timezone.utcoffset(None) == dt.timedelta(0)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


async def test_follow_ups_go_in_batches_and_one_bad_row_stops_nobody(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, settings = edge
    sids = [(await delivered(edge, world))[0] for _ in range(3)]
    deliver = emails_deliver  # what the follow-up job calls, as `followups.deliver`

    async def bad_first_row(d: Deps, sid: uuid.UUID, kind: str) -> str:
        if str(sid) == sids[0]:
            raise RuntimeError("a row nobody expected")
        return await deliver(d, sid, kind)

    monkeypatch.setattr(followups, "BATCH", 1)
    monkeypatch.setattr(followups, "deliver", bad_first_row)
    world.offset = 8 * DAY
    await work(settings, world, ("follow_up_emails",))
    followed = {m["X-Metadata-session_id"] for m in outbox(settings, "follow-up")}
    assert followed == set(sids[1:])
    run = await last_run(db, "follow-up-emails")
    assert (run["outcome"], json.loads(run["result"])["error"]) == ("ok", 1)
    monkeypatch.setattr(followups, "deliver", deliver)
    world.offset = 9 * DAY  # the next run picks up the one that failed
    await work(settings, world, ("follow_up_emails",))
    assert sorted(m["X-Metadata-session_id"] for m in outbox(settings, "follow-up")) == sorted(sids)


async def test_a_company_name_with_a_line_break_still_gets_its_emails(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, _ = await paid(client, settings)
    await db.execute(
        "update quiz_sessions set company_name = $2 where id = $1", uuid.UUID(sid), "Acme\r\n  Widgets Ltd\n"
    )
    await work(settings, world)
    [ready] = outbox(settings, "report-ready")
    assert ready["Subject"].endswith("for Acme Widgets Ltd is ready")
    [attachment] = list(ready.iter_attachments())
    assert attachment.get_filename() == "CRB report - Acme Widgets Ltd.pdf"


async def test_the_report_email_attaches_the_bytes_just_rendered_without_downloading_them(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    downloads: list[str] = []
    download = LocalStore.download

    async def counted(self: LocalStore, path: str) -> bytes:
        downloads.append(path)
        return await download(self, path)

    monkeypatch.setattr(LocalStore, "download", counted)
    sid, _ = await paid(client, settings)
    await work(settings, world)

    [ready] = outbox(settings, "report-ready")
    [attachment] = list(ready.iter_attachments())
    report = await db.fetchrow("select * from reports where session_id = $1", uuid.UUID(sid))
    assert hashlib.sha256(attachment.get_content()).hexdigest() == report["sha256"]
    assert downloads == []


async def test_the_report_email_tells_the_teaser_the_customer_saw_without_assessing_again(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge
    sid, _ = await paid(client, settings)
    teaser = await db.fetchval("select teaser from quiz_sessions where id = $1", uuid.UUID(sid))

    def not_again(*args: Any) -> None:
        raise AssertionError("the answers were assessed again for the email")

    monkeypatch.setattr(analysis, "teaser", not_again)
    await work(settings, world)
    [ready] = outbox(settings, "report-ready")
    text = ready.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert str(json.loads(teaser)["readiness_score"]) in text


async def test_a_pdf_that_cannot_be_read_for_the_email_goes_as_a_link(
    edge: Any, world: World, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = edge

    async def unreadable(self: LocalStore, path: str) -> bytes:
        raise StorageError(f"download of {path} failed: 503")

    monkeypatch.setattr(LocalStore, "download", unreadable)
    monkeypatch.setattr(RecentPdfs, "get", lambda self, path: None)  # another worker than the one that rendered it
    sid, _ = await paid(client, settings)
    await work(settings, world, retries=QUICK_RETRIES)
    [ready] = outbox(settings, "report-ready")
    assert list(ready.iter_attachments()) == []
    assert any("/download" in link for link in links_in(ready))
    row = await db.fetchrow("select * from emails where session_id = $1 and kind = 'report_ready'", uuid.UUID(sid))
    assert (row["status"], row["attempts"]) == ("sent", 1)


async def test_a_full_refund_deletes_the_pdf_so_no_earlier_link_opens_it(
    edge: Any, world: World, db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, token = await delivered(edge, world)
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    link = state["download_url"].removeprefix(settings.public_base_url)
    signed = (await client.get(link, allow_redirects=False)).headers["Location"].removeprefix(settings.public_base_url)
    assert (await client.get(signed)).status == 200  # a storage link, issued before the refund
    session = await db.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(sid))
    charge = {
        "id": "ch_refunded",
        "object": "charge",
        "amount": session["amount_total"],
        "amount_refunded": session["amount_total"],
        "refunded": True,
        "payment_intent": session["stripe_payment_intent_id"],
        "metadata": {"quiz_session_id": sid},
    }
    body, header = signed_event(event("charge.refunded", charge), settings.stripe_webhook_secrets[0].value)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert (await response.json())["outcome"] == "refunded"
    await work(settings, world)
    assert (await client.get(signed)).status == 404  # the file is gone
    assert (await client.get(link)).status == 410
    assert stored_pdfs(settings) == []
    assert await db.fetchval("select purged_at from reports where session_id = $1", uuid.UUID(sid)) is not None


async def test_a_stripe_payment_s_confirmation_links_the_invoice_stripe_made(
    edge_client: Callable[..., Any], fake_stripe: FakeStripe, world: World
) -> None:
    secret = "whsec_invoice"
    client, settings = await edge_client(
        STRIPE_SECRET_KEY="sk_test_invoice", STRIPE_API_BASE=fake_stripe.base_url, STRIPE_WEBHOOK_SECRET=secret
    )
    sid, token = await completed_session(client)
    checkout_id = (await checkout(client, sid, token))["checkout_id"]
    paid = fake_stripe.complete(checkout_id)
    body, header = signed_event(event("checkout.session.completed", paid), secret)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert (await response.json())["outcome"] == "fulfilled"
    await work(settings, world)
    [confirmation] = outbox(settings, "payment-confirmation")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    invoice = fake_stripe.invoices[paid["invoice"]]
    assert f"Your invoice {invoice['number']}" in text and invoice["hosted_invoice_url"] in text
    assert invoice["metadata"] == {"quiz_session_id": sid, "tier": "report"}


@pytest.mark.parametrize(
    ("inclusive", "stated"),
    [
        ("true", "€147.00 incl. €23.47 VAT"),  # VAT within the price: 147 / 1.19 = 123.53 net
        ("false", "€174.93 incl. €27.93 VAT"),  # VAT on top of a net price: 147 * 1.19
    ],
)
async def test_stripe_tax_s_vat_is_stated_as_the_invoice_has_it(
    edge_client: Callable[..., Any],
    fake_stripe: FakeStripe,
    world: World,
    inclusive: str,
    stated: str,
) -> None:
    secret = "whsec_tax"
    client, settings = await edge_client(
        STRIPE_SECRET_KEY="sk_test_tax",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET=secret,
        STRIPE_AUTOMATIC_TAX="true",
        PRICES_INCLUDE_VAT=inclusive,
    )
    sid, token = await completed_session(client)
    checkout_id = (await checkout(client, sid, token))["checkout_id"]
    assert fake_stripe.params[checkout_id]["automatic_tax"] == {"enabled": "true"}
    paid = fake_stripe.complete(checkout_id)  # a German buyer: Stripe Tax at 19%
    assert paid["total_details"]["amount_tax"] == int(stated.split("€")[2].split()[0].replace(".", ""))
    body, header = signed_event(event("checkout.session.completed", paid), secret)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert (await response.json())["outcome"] == "fulfilled"
    await work(settings, world)
    [confirmation] = outbox(settings, "payment-confirmation")
    text = " ".join(confirmation.get_body(preferencelist=("plain",)).get_content().split())  # type: ignore[union-attr]
    assert stated in text
    order = (await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json())["order"]
    assert order["amount"] == stated and order["invoice"]["number"] == fake_stripe.invoices[paid["invoice"]]["number"]
