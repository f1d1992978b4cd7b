"""The Postmark adapter against the Postmark-shaped server, and sending each (session, kind) at most once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest

from crb import emails
from crb.db import create_pool
from crb.mail import (
    Attachment,
    Email,
    Mailer,
    OutboxMailer,
    PermanentMailError,
    PostmarkMailer,
    TransientMailError,
)
from crb.payments import Invoice
from crb.settings import Seller, Settings
from tests.fakes.postmark_server import FakePostmark


def message(to: str = "owner@example.com") -> Email:
    return Email(
        to=to,
        subject="Hello",
        text="text",
        html="<p>html</p>",
        tag="report-ready",
        metadata={"session_id": "s1"},
        attachments=(Attachment("r.pdf", b"%PDF-1.7", "application/pdf"),),
    )


async def test_postmark_payload_and_errors(
    make_settings: Callable[..., Settings], fake_postmark: tuple[FakePostmark, str]
) -> None:
    fake, url = fake_postmark
    mailer = PostmarkMailer(
        make_settings(POSTMARK_SERVER_TOKEN=fake.token, POSTMARK_API_BASE=url, EMAIL_FROM="CRB <reports@example.com>")
    )
    assert await mailer.send(message())
    [sent] = fake.sent
    assert (sent["From"], sent["MessageStream"], sent["Tag"]) == (
        "CRB <reports@example.com>",
        "outbound",
        "report-ready",
    )
    assert fake.attachments(sent) == [("r.pdf", "application/pdf", b"%PDF-1.7")]
    fake.inactive.add("gone@example.com")
    with pytest.raises(PermanentMailError, match="406"):
        await mailer.send(message("gone@example.com"))
    fake.fail_next = 1
    with pytest.raises(TransientMailError):
        await mailer.send(message())


async def test_send_once_records_attempts_and_never_repeats(
    make_settings: Callable[..., Settings], fake_postmark: tuple[FakePostmark, str], database_url: str
) -> None:
    fake, url = fake_postmark
    mailer = PostmarkMailer(make_settings(POSTMARK_SERVER_TOKEN=fake.token, POSTMARK_API_BASE=url))
    pool = await create_pool(database_url)
    sid = uuid.uuid4()
    await pool.execute("insert into quiz_sessions (id, token_hash, quiz_version) values ($1, 'x', 'v')", sid)
    try:
        fake.fail_next = 1
        with pytest.raises(TransientMailError):
            await emails.send_once(pool, mailer, sid, "report_ready", message())
        assert await emails.send_once(pool, mailer, sid, "report_ready", message())  # a retry after a failure
        assert not await emails.send_once(pool, mailer, sid, "report_ready", message())  # never twice
        fake.inactive.add("gone@example.com")
        assert not await emails.send_once(pool, mailer, sid, "follow_up", message("gone@example.com"))
        assert not await emails.send_once(pool, mailer, sid, "follow_up", message("gone@example.com"))
        rows = {r["kind"]: r for r in await pool.fetch("select * from emails where session_id = $1", sid)}
        assert (rows["report_ready"]["status"], rows["report_ready"]["attempts"]) == ("sent", 2)
        assert (rows["follow_up"]["status"], rows["follow_up"]["attempts"]) == ("rejected", 1)
        assert len(fake.sent) == 1
    finally:
        await pool.close()


@pytest.mark.parametrize("provider", ["postmark", "outbox"])
async def test_an_email_stuck_in_sending_is_settled_from_the_providers_records(
    make_settings: Callable[..., Settings], fake_postmark: tuple[FakePostmark, str], database_url: str, provider: str
) -> None:
    """A worker died mid-send: the message the provider took is marked sent; the one it never got goes again."""
    fake, url = fake_postmark
    settings = make_settings(POSTMARK_SERVER_TOKEN=fake.token, POSTMARK_API_BASE=url)
    mailer: Mailer = PostmarkMailer(settings) if provider == "postmark" else OutboxMailer(settings)
    pool = await create_pool(database_url)
    sid = uuid.uuid4()
    await pool.execute("insert into quiz_sessions (id, token_hash, quiz_version) values ($1, 'x', 'v')", sid)
    try:
        assert await emails.send_once(pool, mailer, sid, "report_ready", message())
        took = await pool.fetchrow("select * from emails where session_id = $1", sid)
        assert await mailer.find(emails.EMAIL_ID, str(took["id"])) == took["provider_message_id"]
        assert await mailer.find(emails.EMAIL_ID, "no-such-email") is None
        # Both stopped mid-send: the first after the provider took it, the second before.
        lost = await pool.fetchval(
            "insert into emails (session_id, kind, recipient, status) values ($1, 'follow_up', 'a@example.com',"
            " 'sending') returning id",
            sid,
        )
        await pool.execute("update emails set status = 'sending', provider_message_id = null where id = $1", took["id"])
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        assert await emails.settle_stuck(pool, mailer, later) == [(sid, "follow_up")]
        rows = {r["id"]: r for r in await pool.fetch("select * from emails where session_id = $1", sid)}
        assert (rows[took["id"]]["status"], rows[took["id"]]["provider_message_id"]) == (
            "sent",
            took["provider_message_id"],
        )
        assert rows[lost]["status"] == "failed"
        assert await emails.send_once(pool, mailer, sid, "follow_up", message())  # sent again, once
        assert not await emails.send_once(pool, mailer, sid, "report_ready", message())
        assert await emails.settle_stuck(pool, mailer, later) == []
    finally:
        await pool.close()


def test_a_pdf_too_big_for_postmark_goes_as_a_link() -> None:
    assert emails.fits_as_attachment(5 * 1024 * 1024)
    assert not emails.fits_as_attachment(8 * 1024 * 1024)  # 8 MB is 10.7 MB once base64-encoded


class LateAnswers:
    """A mailer whose provider takes the message but whose answer is lost (a read timeout), `lose` times;
    its message search can be down too."""

    def __init__(self, mailer: Mailer, lose: int = 1) -> None:
        self.mailer = mailer
        self.lose = lose
        self.search_down = False

    async def send(self, message: Email) -> str:
        message_id = await self.mailer.send(message)
        if self.lose > 0:
            self.lose -= 1
            raise TransientMailError("Postmark unreachable: ReadTimeout")
        return message_id

    async def find(self, key: str, value: str) -> str | None:
        if self.search_down:
            raise TransientMailError("Postmark message search failed")
        return await self.mailer.find(key, value)


async def test_a_message_the_provider_took_before_a_timeout_is_not_sent_again(
    make_settings: Callable[..., Settings], fake_postmark: tuple[FakePostmark, str], database_url: str
) -> None:
    fake, url = fake_postmark
    mailer = LateAnswers(PostmarkMailer(make_settings(POSTMARK_SERVER_TOKEN=fake.token, POSTMARK_API_BASE=url)))
    pool = await create_pool(database_url)
    sid = uuid.uuid4()
    await pool.execute("insert into quiz_sessions (id, token_hash, quiz_version) values ($1, 'x', 'v')", sid)
    try:
        with pytest.raises(TransientMailError):
            await emails.send_once(pool, mailer, sid, "report_ready", message())
        assert not await emails.send_once(pool, mailer, sid, "report_ready", message())  # the retry finds it
        row = await pool.fetchrow("select * from emails where session_id = $1", sid)
        [sent] = fake.sent
        assert (row["status"], row["attempts"], row["provider_message_id"]) == ("sent", 2, sent["MessageID"])
    finally:
        await pool.close()


async def test_a_retry_that_cannot_ask_the_provider_waits_for_the_next_try(
    make_settings: Callable[..., Settings], fake_postmark: tuple[FakePostmark, str], database_url: str
) -> None:
    fake, url = fake_postmark
    mailer = LateAnswers(PostmarkMailer(make_settings(POSTMARK_SERVER_TOKEN=fake.token, POSTMARK_API_BASE=url)), 0)
    pool = await create_pool(database_url)
    sid = uuid.uuid4()
    await pool.execute("insert into quiz_sessions (id, token_hash, quiz_version) values ($1, 'x', 'v')", sid)
    try:
        fake.fail_next = 1  # the first try fails before Postmark takes it
        with pytest.raises(TransientMailError):
            await emails.send_once(pool, mailer, sid, "follow_up", message())
        mailer.search_down = True
        with pytest.raises(TransientMailError, match="search"):
            await emails.send_once(pool, mailer, sid, "follow_up", message())
        assert fake.sent == []  # not sent blind
        assert await pool.fetchval("select status from emails where session_id = $1", sid) == "failed"
        mailer.search_down = False
        assert await emails.send_once(pool, mailer, sid, "follow_up", message())  # nothing there: sent now
        assert len(fake.sent) == 1
    finally:
        await pool.close()


NO_EXTRAS = {"invoice": None, "invoice_missing": False, "call_minutes": None, "booking_url": None}  # some have them
COMMON = {"order_reference": "CRB-0A1B2C3D4E", "seller": Seller(), "refund_policy": None, "results_url": "x/results"}


def test_a_subject_is_always_one_line() -> None:
    context = {"company_name": "Acme\r\nWidgets", "amount_stated": "€1.00", "tier_name": "CRB Report", "site_url": "x"}
    composed = emails.compose("payment_confirmation", "a@example.com", uuid.uuid4(), context | COMMON | NO_EXTRAS)
    assert composed.subject == "Payment received: your CRB report for Acme Widgets is on its way"


def test_the_payment_confirmation_links_the_invoice_when_there_is_one() -> None:
    context = {"company_name": "Acme", "amount_stated": "€147.00", "tier_name": "CRB Report", "site_url": "x"}
    invoice = Invoice("CRB-0007", "https://invoice.stripe.com/i/acct/x", "https://pay.stripe.com/invoice/x/pdf")
    with_it = emails.compose(
        "payment_confirmation", "a@example.com", uuid.uuid4(), context | COMMON | NO_EXTRAS | {"invoice": invoice}
    )
    assert "Your invoice CRB-0007" in with_it.text and "https://invoice.stripe.com/i/acct/x" in with_it.text
    assert f'href="{invoice.pdf_url}"' in with_it.html
    without = emails.compose("payment_confirmation", "a@example.com", uuid.uuid4(), context | COMMON | NO_EXTRAS)
    assert "invoice" not in without.text.lower() and "invoice" not in without.html.lower()


REPORT_READY = {
    "download_url": "https://x/d",
    "readiness_score": 61,
    "band": "Ready",
    "top_findings": ["A"],
    "verdict": "Go. Start now.",
}
FOLLOW_UP = {"download_url": "https://x/d", "top_opportunity": "A", "unsubscribe_url": "https://x/u"}


@pytest.mark.parametrize(("kind", "extra"), [("payment_confirmation", {}), ("report_ready", REPORT_READY)])
def test_an_edition_with_a_call_says_how_to_book_it(kind: str, extra: dict[str, object]) -> None:
    base: dict[str, object] = {"company_name": "Acme", "amount_stated": "€497.00", "site_url": "x"}
    base["tier_name"] = "CRB Report + Strategy Call"
    base |= extra | COMMON | NO_EXTRAS | {"attached": True}
    booked = emails.compose(
        kind, "a@example.com", uuid.uuid4(), base | {"call_minutes": 60, "booking_url": "https://cal.com/crb"}
    )
    assert "60-minute strategy call" in booked.text and "https://cal.com/crb" in booked.text
    assert 'href="https://cal.com/crb"' in booked.html
    by_reply = emails.compose(kind, "a@example.com", uuid.uuid4(), base | {"call_minutes": 60})
    assert "reply to this email with two or three times" in by_reply.text
    none = emails.compose(kind, "a@example.com", uuid.uuid4(), base | {"tier_name": "CRB Report"})
    assert "call" not in none.text.lower()


@pytest.mark.parametrize(
    ("call_minutes", "booking_url", "offer"),
    [
        (None, None, None),  # no call to offer: the follow-up promises none
        (None, "https://cal.com/crb", "book a call about your report here: https://cal.com/crb"),
        (60, "https://cal.com/crb", "If you have not had your strategy call yet: book it here: https://cal.com/crb"),
        (60, None, "If you have not had your strategy call yet: reply to this"),
    ],
)
def test_the_follow_up_offers_a_call_only_where_one_can_be_had(
    call_minutes: int | None, booking_url: str | None, offer: str | None
) -> None:
    context: dict[str, object] = {
        "company_name": "Acme",
        "amount_stated": "",
        "tier_name": "CRB Report",
        "site_url": "x",
    }
    context |= FOLLOW_UP
    context |= COMMON | NO_EXTRAS | {"call_minutes": call_minutes, "booking_url": booking_url}
    text = emails.compose("follow_up", "a@example.com", uuid.uuid4(), context).text
    if offer is None:
        assert "call" not in text.lower()
    else:
        assert offer in " ".join(text.split())
