"""The operator's dispute alerts through a real worker on real Redis: each sent once, to OPERATOR_EMAIL, with the
evidence; a lost dispute's files revoked and no refund confirmation; no operator address, an error line instead."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import asyncpg
import pytest

from crb.payments import order_reference
from crb.schedule import FOLLOW_UP_AFTER_DAYS
from crb.settings import Settings
from jobs.context import utc_now
from tests.fakes.renderer import FakeRenderer
from tests.fakes.stripe_server import event, fixture, signed
from tests.jobs.running import run_jobs
from tests.jobs.test_worker import outbox, stored_pdfs
from tests.journey import Client, auth, checkout, completed_session

OPERATOR = "ops@seller.example"


@pytest.fixture
async def edge(edge_client: Callable[..., Any]) -> tuple[Client, Settings]:
    return await edge_client(OPERATOR_EMAIL=OPERATOR, SUPPORT_EMAIL="help@seller.example")  # type: ignore[no-any-return]


async def work(settings: Settings, *jobs: tuple[str, ...], later: dt.timedelta = dt.timedelta()) -> None:
    await run_jobs(settings, *jobs, clock=lambda: utc_now() + later, renderer=FakeRenderer())


async def delivered(client: Client, settings: Settings) -> tuple[str, str]:
    """A session paid on the offline checkout page, its report made and emailed; its id and token."""
    sid, token = await completed_session(client)
    page = (await checkout(client, sid, token, email="owner@example.com"))["url"].removeprefix(settings.public_base_url)
    assert (await client.post(f"{page}/pay", headers={"Accept": "application/json"})).status == 200
    await work(settings)
    state = await (await client.get(f"/api/sessions/{sid}", headers=auth(token))).json()
    assert state["status"] == "delivered"
    return sid, token


async def disputed(
    client: Client, settings: Settings, db: asyncpg.Connection, sid: str, event_type: str, obj: dict[str, Any]
) -> str:
    """Deliver a signed dispute event about the session's payment; its outcome."""
    pi = await db.fetchval("select stripe_payment_intent_id from quiz_sessions where id = $1", uuid.UUID(sid))
    body, header = signed(event(event_type, {**obj, "payment_intent": pi}), settings.stripe_webhook_secrets[0].value)
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert response.status == 200, await response.text()
    return str((await response.json())["outcome"])


def dispute(status: str = "needs_response") -> dict[str, Any]:
    """A dispute as Stripe publishes its example, about our €147 payment, opened now."""
    obj = fixture("dispute")
    obj.update(
        id="dp_test_" + uuid.uuid4().hex[:16],
        amount=14700,
        currency="eur",
        status=status,
        created=int(time.time()),
    )
    obj["reason"] = "product_not_received"
    obj["evidence_details"]["due_by"] = int(time.time()) + 14 * 24 * 3600
    return obj


def subject(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())  # as read, whatever the header's folding


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def test_an_opened_and_a_closed_dispute_alert_the_operator_once_each_with_the_evidence(
    edge: tuple[Client, Settings], db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, _ = await delivered(client, settings)
    opened = dispute()
    assert await disputed(client, settings, db, sid, "charge.dispute.created", opened) == "dispute_needs_response"
    assert await disputed(client, settings, db, sid, "charge.dispute.funds_withdrawn", opened) == (
        "dispute_needs_response"
    )
    await work(settings)
    await work(settings, ("send_dispute_alert", sid, "dispute_opened"))  # queued again: not sent again
    [alert] = outbox(settings, "dispute-alert")
    assert alert["To"] == OPERATOR
    session = await db.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(sid))
    assert subject(alert) == (
        f"A chargeback was opened (needs_response): order {order_reference(uuid.UUID(sid))}, €147.00,"
        f" evidence due {utc(session['dispute_evidence_due_by'])}"
    )
    body = text(alert)
    report = await db.fetchrow("select * from reports where session_id = $1", uuid.UUID(sid))
    sent = await db.fetchval(
        "select sent_at from emails where session_id = $1 and kind = 'report_ready'", uuid.UUID(sid)
    )
    for expected in (
        f"Dispute {opened['id']}",
        "Reason:          product_not_received",
        "Disputed amount: €147.00",
        f"Evidence due by: {utc(session['dispute_evidence_due_by'])}",
        f"Answer it in Stripe's Dashboard: https://dashboard.stripe.com/test/disputes/{opened['id']}",
        f"Opened:          {utc(session['disputed_at'])}",
        "Downloads of the customer's report are paused",
        f"Session:         {sid}",
        f"Ordered (paid):  {utc(session['paid_at'])}",
        "Amount:          €147.00",
        "Customer email:  owner@example.com",
        f"Company:         {session['company_name']}",
        f"Report version 1 (ready): ready {utc(report['ready_at'])}",
        f"- report_ready: sent {utc(sent)}",
        "- payment_confirmation: sent",
        "Downloads: not recorded one by one",
    ):
        assert expected in body, expected
    assert f"https://dashboard.stripe.com/test/disputes/{opened['id']}" in str(
        alert.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    )

    won = {**opened, "status": "won"}
    assert await disputed(client, settings, db, sid, "charge.dispute.closed", won) == "dispute_won"
    assert await disputed(client, settings, db, sid, "charge.dispute.funds_reinstated", won) == (
        "dispute_already_closed"
    )
    await work(settings)
    alerts = outbox(settings, "dispute-alert")
    assert len(alerts) == 2
    closed = next(a for a in alerts if subject(a).startswith("A chargeback closed (won)"))
    assert "Downloads of the customer's report work again." in text(closed)
    statuses = await db.fetch(
        "select kind, recipient, status from emails where session_id = $1 and kind like 'dispute_%' order by kind",
        uuid.UUID(sid),
    )
    assert [tuple(r) for r in statuses] == [("dispute_closed", OPERATOR, "sent"), ("dispute_opened", OPERATOR, "sent")]
    assert len(outbox(settings)) == 4  # the customer's two, the operator's two: nothing to the customer


async def test_a_lost_dispute_revokes_the_files_and_sends_the_customer_nothing(
    edge: tuple[Client, Settings], db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, token = await delivered(client, settings)
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    link = state["download_url"].removeprefix(settings.public_base_url)
    assert stored_pdfs(settings) != []
    assert await disputed(client, settings, db, sid, "charge.dispute.closed", dispute("lost")) == "dispute_lost"
    await work(settings)
    assert stored_pdfs(settings) == []
    assert (await client.get(link)).status == 410
    # Reconcile, hours later, finds the refunded session's refund confirmation recorded as withheld.
    await work(settings, ("reconcile",), later=dt.timedelta(hours=3))
    await work(settings, later=dt.timedelta(hours=3))
    assert sorted(m["X-Tag"] for m in outbox(settings)) == ["dispute-alert", "payment-confirmation", "report-ready"]
    [alert] = outbox(settings, "dispute-alert")
    assert subject(alert).startswith("A chargeback closed (lost)")
    assert "The customer gets no refund confirmation" in " ".join(text(alert).split())
    assert "- refund_confirmation: withheld" in text(alert)
    row = await db.fetchrow("select status, refund_amount from quiz_sessions where id = $1", uuid.UUID(sid))
    assert tuple(row) == ("refunded", 14700)


async def test_the_follow_up_waits_while_the_payment_is_disputed_and_goes_once_it_is_won(
    edge: tuple[Client, Settings], db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, _ = await delivered(client, settings)
    opened = dispute("needs_response")
    assert await disputed(client, settings, db, sid, "charge.dispute.created", opened) == "dispute_needs_response"
    week = dt.timedelta(days=FOLLOW_UP_AFTER_DAYS, hours=1)
    await work(settings, ("follow_up_emails",), later=week)
    assert outbox(settings, "follow-up") == []
    due = "select follow_up_sent_at from reports where session_id = $1 and status = 'ready'"
    assert await db.fetchval(due, uuid.UUID(sid)) is None  # still due
    won = {**opened, "status": "won"}
    assert await disputed(client, settings, db, sid, "charge.dispute.closed", won) == "dispute_won"
    await work(settings, ("follow_up_emails",), later=week + dt.timedelta(days=1))
    assert len(outbox(settings, "follow-up")) == 1


async def test_an_inquiry_and_its_close_alert_as_an_inquiry(
    edge: tuple[Client, Settings], db: asyncpg.Connection
) -> None:
    client, settings = edge
    sid, _ = await delivered(client, settings)
    inquiry = dispute("warning_needs_response")
    await disputed(client, settings, db, sid, "charge.dispute.created", inquiry)
    await disputed(client, settings, db, sid, "charge.dispute.closed", {**inquiry, "status": "warning_closed"})
    await work(settings)
    subjects = sorted(subject(a) for a in outbox(settings, "dispute-alert"))
    assert [s.split(":")[0] for s in subjects] == [
        "A payment inquiry closed (warning_closed)",
        "A payment inquiry was opened (warning_closed)",  # sent after the close: it says where it stands now
    ]


async def test_without_an_operator_address_an_error_line_names_the_dispute(
    edge_client: Callable[..., Any], db: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    client, settings = await edge_client()
    assert settings.operator_email is None
    sid, _ = await delivered(client, settings)
    opened = dispute()
    assert await disputed(client, settings, db, sid, "charge.dispute.created", opened) == "dispute_needs_response"
    with caplog.at_level(logging.ERROR, logger="jobs.disputes"):
        await work(settings)
    assert outbox(settings, "dispute-alert") == []
    [line] = [r for r in caplog.records if r.name == "jobs.disputes"]
    assert line.levelno == logging.ERROR
    assert opened["id"] in line.getMessage() and "OPERATOR_EMAIL" in line.getMessage()
    assert await db.fetchval("select count(*) from emails where kind like 'dispute_%'") == 0
