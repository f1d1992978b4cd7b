"""Disputes through the signed webhook, against the Stripe-shaped server: what each event does to the session and
its downloads, repeated, out of order, and for payments that are not ours."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import asyncpg
import pytest

from crb.settings import Settings
from tests.fakes.stripe_server import FakeStripe, event, fixture, signed
from tests.journey import Client, EdgeClient, auth, checkout, completed_session

WEBHOOK = "/api/payments/webhook"
SECRET = "whsec_test_disputes"
SUPPORT = "help@seller.example"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # a browser, from the email's link
JSON = {"Accept": "application/json"}


@pytest.fixture
async def stripe_edge(edge_client: EdgeClient, fake_stripe: FakeStripe) -> tuple[Client, Settings]:
    return await edge_client(
        STRIPE_SECRET_KEY="sk_test_disputes",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET=SECRET,
        SUPPORT_EMAIL=SUPPORT,
    )


async def deliver(client: Client, payload: dict[str, Any]) -> str:
    body, header = signed(payload, SECRET)
    response = await client.post(WEBHOOK, data=body, headers={"Stripe-Signature": header})
    assert response.status == 200, await response.text()
    return str((await response.json())["outcome"])


def dispute_event(event_type: str, obj: dict[str, Any], *, at: int | None = None) -> dict[str, Any]:
    """A `charge.dispute.*` event carrying `obj`, created at `at` (Unix seconds; now when not given)."""
    e = event(event_type, obj)
    if at is not None:
        e["created"] = at
    return e


async def paid(client: Client, fake: FakeStripe) -> tuple[str, str, str]:
    """A paid session: its id, token and checkout id."""
    sid, token = await completed_session(client)
    cs = (await checkout(client, sid, token))["checkout_id"]
    assert await deliver(client, event("checkout.session.completed", fake.complete(cs))) == "fulfilled"
    return sid, token, cs


async def delivered(client: Client, settings: Settings, fake: FakeStripe, db: asyncpg.Connection) -> tuple[str, str]:
    """A paid session whose report is ready and stored: its checkout id and its download link (from the session
    API)."""
    sid, token, cs = await paid(client, fake)
    report_id = await db.fetchval("select id from reports where session_id = $1", uuid.UUID(sid))
    path = f"{sid}/{report_id}.pdf"
    stored = settings.data_dir / "storage" / "reports" / path
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.7 a report")
    await db.execute(
        "update reports set status = 'ready', storage_path = $2, sha256 = 'h', ready_at = now() where id = $1",
        report_id,
        path,
    )
    await db.execute("update quiz_sessions set status = 'delivered' where id = $1", uuid.UUID(sid))
    state = await (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).json()
    return cs, state["download_url"].removeprefix(settings.public_base_url)


async def session(db: asyncpg.Connection, sid: str) -> asyncpg.Record:
    return await db.fetchrow("select * from quiz_sessions where id = $1", uuid.UUID(sid))


async def jobs(db: asyncpg.Connection, sid: str) -> list[str]:
    """The jobs queued for a session by its id (its payment's report job goes by the report's), with their kind."""
    rows = await db.fetch(
        "select function, args from job_outbox where args ->> 0 = $1 and function <> 'send_email' order by id", sid
    )
    return [r["function"] + (f":{json.loads(r['args'])[1]}" if len(json.loads(r["args"])) > 1 else "") for r in rows]


async def refund_confirmations(db: asyncpg.Connection, sid: str) -> tuple[int, list[str]]:
    """Refund confirmation jobs queued for the session, and the statuses of its refund confirmation emails."""
    queued = await db.fetchval("select count(*) from job_outbox where job_id = $1", f"email:{sid}:refund_confirmation")
    emails = await db.fetch(
        "select status from emails where session_id = $1 and kind = 'refund_confirmation'", uuid.UUID(sid)
    )
    return int(queued), [e["status"] for e in emails]


async def download(client: Client, link: str, headers: dict[str, str]) -> tuple[int, str]:
    response = await client.get(link, headers=headers, allow_redirects=False)
    return response.status, await response.text()


async def test_an_open_dispute_pauses_downloads_and_a_won_one_restores_them(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    cs, link = await delivered(client, settings, fake_stripe, db)
    sid = fake_stripe.sessions[cs]["client_reference_id"]
    assert (await download(client, link, HTML))[0] == 302

    opened = fake_stripe.dispute(cs, reason="product_not_received")
    assert await deliver(client, dispute_event("charge.dispute.created", opened)) == "dispute_needs_response"
    row = await session(db, sid)
    assert (row["dispute_id"], row["dispute_status"], row["dispute_reason"]) == (
        opened["id"],
        "needs_response",
        "product_not_received",
    )
    assert (row["dispute_amount"], row["dispute_currency"], row["status"]) == (14700, "eur", "delivered")
    assert int(row["dispute_evidence_due_by"].timestamp()) == opened["evidence_details"]["due_by"]

    status, page = await download(client, link, HTML)
    assert status == 403 and page.startswith("<!doctype html>")
    assert "paused" in page and "payment dispute is open" in page and f'href="mailto:{SUPPORT}"' in page
    response = await client.get(link, headers=JSON)
    assert (response.status, response.headers["Cache-Control"]) == (403, "no-store")
    body = await response.json()
    assert body["error"]["code"] == "download_paused" and body["error"]["field"] is None
    assert SUPPORT in body["error"]["message"] and "dispute" in body["error"]["message"]
    assert body["error"]["support_email"] == SUPPORT

    assert (await client.get("/api/quiz")).status == 200  # other routes keep working

    withdrawn = dispute_event("charge.dispute.funds_withdrawn", opened)
    assert await deliver(client, withdrawn) == "dispute_needs_response"
    reviewed = fake_stripe.update_dispute(opened["id"], "under_review")
    assert await deliver(client, dispute_event("charge.dispute.updated", reviewed)) == "dispute_under_review"
    assert (await download(client, link, HTML))[0] == 403

    won = fake_stripe.update_dispute(opened["id"], "won")
    assert await deliver(client, dispute_event("charge.dispute.closed", won)) == "dispute_won"
    assert await deliver(client, dispute_event("charge.dispute.funds_reinstated", won)) == "dispute_already_closed"
    assert (await download(client, link, HTML))[0] == 302
    assert (await download(client, link, JSON))[0] == 302
    row = await session(db, sid)
    assert (row["dispute_status"], row["status"], row["refund_amount"]) == ("won", "delivered", 0)
    assert row["dispute_closed_at"] is not None
    assert await jobs(db, sid) == [
        "send_dispute_alert:dispute_opened",
        "send_dispute_alert:dispute_closed",
    ]


async def test_the_session_api_still_answers_while_downloads_are_paused(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    sid, token = await completed_session(client)
    cs = (await checkout(client, sid, token))["checkout_id"]
    assert await deliver(client, event("checkout.session.completed", fake_stripe.complete(cs))) == "fulfilled"
    assert await deliver(client, dispute_event("charge.dispute.created", fake_stripe.dispute(cs))) == (
        "dispute_needs_response"
    )
    state = await client.get(f"/api/sessions/{sid}", headers=auth(token))
    assert state.status == 200 and (await state.json())["status"] == "paid"
    assert (await client.get(f"/api/sessions/{sid}/report", headers=auth(token))).status == 200


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("charge.dispute.created", "warning_needs_response"),
        ("charge.dispute.created", "needs_response"),
        ("charge.dispute.updated", "warning_under_review"),
        ("charge.dispute.updated", "under_review"),
        ("charge.dispute.funds_withdrawn", "needs_response"),
        ("charge.dispute.closed", "warning_closed"),
        ("charge.dispute.closed", "won"),
        ("charge.dispute.closed", "prevented"),
        ("charge.dispute.closed", "lost"),
        ("charge.dispute.funds_reinstated", "won"),
    ],
)
async def test_each_dispute_event_records_its_status_and_pauses_only_while_open(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection, event_type: str, status: str
) -> None:
    client, settings = stripe_edge
    cs, link = await delivered(client, settings, fake_stripe, db)
    sid = fake_stripe.sessions[cs]["client_reference_id"]
    obj = fake_stripe.dispute(cs, status=status)
    assert await deliver(client, dispute_event(event_type, obj)) == f"dispute_{status}"
    row = await session(db, sid)
    assert row["dispute_status"] == status
    stored = await db.fetchrow(
        "select outcome, session_id from stripe_events where type = $1 and session_id = $2", event_type, uuid.UUID(sid)
    )
    assert (stored["outcome"], str(stored["session_id"])) == (f"dispute_{status}", sid)
    expected = {"lost": 410, "won": 302, "warning_closed": 302, "prevented": 302}.get(status, 403)
    assert (await download(client, link, JSON))[0] == expected
    phase = "inquiry" if status.startswith("warning_") else "dispute"
    closing = status in ("lost", "won", "warning_closed", "prevented")
    alert = f"send_dispute_alert:{phase}_{'closed' if closing else 'opened'}"
    assert await jobs(db, sid) == [alert, *(["revoke_report_files"] if status == "lost" else [])]


async def test_a_lost_dispute_is_a_full_refund_without_a_refund_confirmation(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    cs, link = await delivered(client, settings, fake_stripe, db)
    sid = fake_stripe.sessions[cs]["client_reference_id"]
    opened = fake_stripe.dispute(cs)
    assert await deliver(client, dispute_event("charge.dispute.created", opened)) == "dispute_needs_response"
    lost = fake_stripe.update_dispute(opened["id"], "lost")
    assert await deliver(client, dispute_event("charge.dispute.closed", lost)) == "dispute_lost"
    row = await session(db, sid)
    assert (row["status"], row["refund_amount"], row["dispute_status"]) == ("refunded", 14700, "lost")
    status, _ = await download(client, link, JSON)
    assert status == 410  # revoked, as after a refund
    assert await jobs(db, sid) == [
        "send_dispute_alert:dispute_opened",
        "send_dispute_alert:dispute_closed",
        "revoke_report_files",
    ]
    assert await refund_confirmations(db, sid) == (0, ["withheld"])  # recorded so that nothing sends it
    # An older update arriving late neither reopens the dispute nor undoes the refund.
    late = dispute_event("charge.dispute.updated", {**opened, "status": "under_review"}, at=opened["created"] - 60)
    assert await deliver(client, late) == "dispute_already_closed"
    assert (await session(db, sid))["status"] == "refunded"


async def test_a_dispute_lost_after_a_partial_refund_refunds_the_rest(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await paid(client, fake_stripe)
    charge = fixture("charge")
    charge.update(
        id="ch_test_" + uuid.uuid4().hex,
        amount=14700,
        amount_refunded=4700,
        payment_intent=fake_stripe.sessions[cs]["payment_intent"],
    )
    assert await deliver(client, event("charge.refunded", charge)) == "partially_refunded"
    lost = {**fake_stripe.dispute(cs, status="lost"), "amount": 10000}
    assert await deliver(client, dispute_event("charge.dispute.closed", lost)) == "dispute_lost"
    row = await session(db, sid)
    assert (row["status"], row["refund_amount"], row["dispute_amount"]) == ("refunded", 14700, 10000)


async def test_duplicates_are_acknowledged_and_change_nothing(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await paid(client, fake_stripe)
    created = dispute_event("charge.dispute.created", fake_stripe.dispute(cs))
    assert await deliver(client, created) == "dispute_needs_response"
    before = await session(db, sid)
    assert await deliver(client, created) == "duplicate"
    assert await session(db, sid) == before
    assert await db.fetchval("select count(*) from stripe_events where id = $1", created["id"]) == 1
    assert await jobs(db, sid) == ["send_dispute_alert:dispute_opened"]


async def test_events_out_of_order_settle_on_the_latest(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    cs, link = await delivered(client, settings, fake_stripe, db)
    sid = fake_stripe.sessions[cs]["client_reference_id"]
    opened = fake_stripe.dispute(cs)
    t = int(time.time()) - 3600
    created = dispute_event("charge.dispute.created", opened, at=t)
    reviewed = dispute_event("charge.dispute.updated", fake_stripe.update_dispute(opened["id"], "under_review"), at=t)
    won = dispute_event("charge.dispute.closed", fake_stripe.update_dispute(opened["id"], "won"), at=t + 100)
    # The close first: the older news that follows does not reopen it.
    assert await deliver(client, won) == "dispute_won"
    assert await deliver(client, reviewed) == "dispute_already_closed"
    assert await deliver(client, created) == "dispute_already_closed"
    assert (await session(db, sid))["dispute_status"] == "won"
    assert (await download(client, link, JSON))[0] == 302
    assert await jobs(db, sid) == ["send_dispute_alert:dispute_closed"]


async def test_open_events_of_one_second_go_in_the_dispute_s_own_order(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await paid(client, fake_stripe)
    opened = fake_stripe.dispute(cs)
    t = int(time.time())
    reviewed = fake_stripe.update_dispute(opened["id"], "under_review")
    assert await deliver(client, dispute_event("charge.dispute.updated", reviewed, at=t)) == "dispute_under_review"
    late = dispute_event("charge.dispute.created", opened, at=t)  # the same second, delivered after
    assert await deliver(client, late) == "ignored_older_dispute_event"
    older = dispute_event("charge.dispute.funds_withdrawn", opened, at=t - 5)
    assert await deliver(client, older) == "ignored_older_dispute_event"
    assert (await session(db, sid))["dispute_status"] == "under_review"


async def test_an_inquiry_then_a_chargeback_each_alert_and_pause(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, settings = stripe_edge
    cs, link = await delivered(client, settings, fake_stripe, db)
    sid = fake_stripe.sessions[cs]["client_reference_id"]
    t = int(time.time()) - 600
    inquiry = fake_stripe.dispute(cs, status="warning_needs_response", reason="general")
    assert await deliver(client, dispute_event("charge.dispute.created", inquiry, at=t)) == (
        "dispute_warning_needs_response"
    )
    assert (await download(client, link, JSON))[0] == 403
    closed = dispute_event(
        "charge.dispute.closed", fake_stripe.update_dispute(inquiry["id"], "warning_closed"), at=t + 60
    )
    chargeback = dispute_event("charge.dispute.created", fake_stripe.dispute(cs), at=t + 300)
    assert await deliver(client, chargeback) == "dispute_needs_response"  # before the inquiry's close arrives
    assert await deliver(client, closed) == "ignored_older_dispute_event"
    row = await session(db, sid)
    assert (row["dispute_id"], row["dispute_status"]) == (chargeback["data"]["object"]["id"], "needs_response")
    assert (await download(client, link, JSON))[0] == 403
    assert await jobs(db, sid) == [
        "send_dispute_alert:inquiry_opened",
        "send_dispute_alert:dispute_opened",
    ]


async def test_a_dispute_naming_no_payment_intent_is_found_by_its_charge(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await paid(client, fake_stripe)
    charge = fixture("charge")
    charge.update(
        id="ch_test_" + uuid.uuid4().hex,
        amount=14700,
        amount_refunded=100,
        payment_intent=fake_stripe.sessions[cs]["payment_intent"],
    )
    assert await deliver(client, event("charge.refunded", charge)) == "partially_refunded"
    obj = {**fake_stripe.dispute(cs), "payment_intent": None, "charge": charge["id"]}
    assert await deliver(client, dispute_event("charge.dispute.created", obj)) == "dispute_needs_response"
    assert (await session(db, sid))["dispute_id"] == obj["id"]


async def test_disputes_of_payments_that_are_not_ours_are_stored_and_acknowledged(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    published = event("charge.dispute.created", fixture("dispute"))  # Stripe's example: no payment intent
    assert await deliver(client, published) == "unknown_session"
    stranger = {**fixture("dispute"), "payment_intent": "pi_not_ours", "status": "lost"}
    closed = event("charge.dispute.closed", stranger)
    assert await deliver(client, closed) == "unknown_session"
    rows = await db.fetch(
        "select outcome, session_id from stripe_events where id = any($1::text[])", [published["id"], closed["id"]]
    )
    assert [(r["outcome"], r["session_id"]) for r in rows] == [("unknown_session", None)] * 2


async def test_a_dispute_of_a_status_we_do_not_know_is_stored_as_unreadable(
    stripe_edge: tuple[Client, Settings], fake_stripe: FakeStripe, db: asyncpg.Connection
) -> None:
    client, _ = stripe_edge
    sid, _, cs = await paid(client, fake_stripe)
    odd = {**fake_stripe.dispute(cs), "status": "charge_refunded"}  # retired by Stripe
    assert await deliver(client, dispute_event("charge.dispute.updated", odd)) == "unreadable"
    assert (await session(db, sid))["dispute_status"] is None
