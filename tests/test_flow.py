"""End to end: a quiz is answered, paid for, rendered by the real renderer through Chromium, stored and emailed."""

from __future__ import annotations

import email
import email.policy
import io
from typing import Any

import pypdf
import pytest

from tests.conftest import run_worker
from tests.fakes.postmark_server import FakePostmark
from tests.fakes.storage_server import FakeStorage
from tests.fakes.stripe_server import FakeStripe, event, signed
from tests.journey import ANSWERS, Client, EdgeClient, auth, checkout, completed_session

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())  # words, whatever the line breaks


def assert_is_the_report(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    pages, text = pdf_text(pdf)
    assert pages >= 2
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and meta.author == "CRB Analyser" and ANSWERS["company_name"] in (meta.subject or "")
    assert ANSWERS["company_name"] in text
    assert "Executive summary" in text


async def report_state(client: Client, sid: str, token: str) -> dict[str, Any]:
    response = await client.get(f"/api/sessions/{sid}/report", headers=auth(token))
    assert response.status == 200
    return dict(await response.json())


async def test_offline_payment_to_emailed_pdf_via_postmark(
    edge_client: EdgeClient,
    renderer_url: str,
    fake_postmark: tuple[FakePostmark, str],
) -> None:
    postmark, postmark_url = fake_postmark
    client, settings = await edge_client(
        RENDERER_URL=renderer_url,
        POSTMARK_SERVER_TOKEN=postmark.token,
        POSTMARK_API_BASE=postmark_url,
        EMAIL_FROM="CRB Analyser <reports@example.com>",
    )
    sid, token = await completed_session(client)
    started = await checkout(client, sid, token, email="owner@example.com")

    page = await client.get(started["url"].removeprefix(settings.public_base_url))
    assert page.status == 200
    assert "Offline checkout" in await page.text()
    paid = await client.post(started["url"].removeprefix(settings.public_base_url) + "/pay")
    assert paid.status == 200, await paid.text()
    assert (await paid.json())["webhook"]["outcome"] == "fulfilled"
    assert (await report_state(client, sid, token))["status"] == "pending"

    await run_worker(settings)

    state = await report_state(client, sid, token)
    assert state["status"] == "ready"
    download = await client.get(state["download_url"].removeprefix(settings.public_base_url))
    assert download.status == 200
    assert download.headers["Content-Type"] == "application/pdf"
    pdf = await download.read()
    assert_is_the_report(pdf)

    by_tag = {m["Tag"]: m for m in postmark.sent}
    assert sorted(by_tag) == ["payment-confirmation", "report-ready"]
    ready = by_tag["report-ready"]
    assert ready["To"] == "owner@example.com"
    assert ready["From"] == "CRB Analyser <reports@example.com>"
    assert ready["MessageStream"] == "outbound"
    assert ready["Metadata"] == {"session_id": sid, "email_id": ready["Metadata"]["email_id"]}
    assert ready["Metadata"]["email_id"].isdigit()  # finds the message at Postmark if a worker dies mid-send
    assert state["download_url"] in ready["TextBody"]
    [(name, content_type, attached)] = postmark.attachments(ready)
    assert name.endswith(".pdf") and ANSWERS["company_name"] in name
    assert content_type == "application/pdf"
    assert attached == pdf

    await run_worker(settings)  # running again sends nothing twice
    assert len(postmark.sent) == 2


async def test_stripe_checkout_to_supabase_storage_and_eml_outbox(
    edge_client: EdgeClient,
    renderer_url: str,
    fake_stripe: FakeStripe,
    fake_storage: tuple[FakeStorage, str],
) -> None:
    storage, storage_url = fake_storage
    client, settings = await edge_client(
        RENDERER_URL=renderer_url,
        STRIPE_SECRET_KEY="sk_test_123",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET="whsec_test_secret",
        SUPABASE_URL=storage_url,
        SUPABASE_SERVICE_KEY=storage.service_key,
    )
    sid, token = await completed_session(client)
    started = await checkout(client, sid, token, email="owner@example.com", tier="report_call")
    created = fake_stripe.requests[-1]["params"]
    assert created["client_reference_id"] == sid
    assert created["metadata"] == {"quiz_session_id": sid, "tier": "report_call"}
    assert created["payment_intent_data"]["metadata"] == created["metadata"]
    assert created["line_items"][0]["price_data"]["unit_amount"] == "49700"
    assert "{CHECKOUT_SESSION_ID}" in created["success_url"]
    assert fake_stripe.requests[-1]["idempotency_key"]
    assert started["url"].startswith(fake_stripe.base_url)

    body, header = signed(
        event("checkout.session.completed", fake_stripe.complete(started["checkout_id"])), "whsec_test_secret"
    )
    response = await client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
    assert (await response.json())["outcome"] == "fulfilled"

    await run_worker(settings)

    state = await report_state(client, sid, token)
    assert state["status"] == "ready"
    [(key, stored)] = storage.objects.items()
    assert key.startswith(f"reports/{sid}/") and stored.content_type == "application/pdf"
    assert_is_the_report(stored.data)
    redirect = await client.get(state["download_url"].removeprefix(settings.public_base_url), allow_redirects=False)
    assert redirect.status == 302
    assert redirect.headers["Location"].startswith(storage_url + "/storage/v1/object/sign/reports/")
    async with client.session.get(redirect.headers["Location"]) as signed_download:
        assert await signed_download.read() == stored.data

    outbox = sorted((settings.data_dir / "outbox").glob("*.eml"))
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in outbox]
    assert sorted(m["X-Tag"] for m in messages) == ["payment-confirmation", "report-ready"]
    ready = next(m for m in messages if m["X-Tag"] == "report-ready")
    assert ready["To"] == "owner@example.com"
    [attachment] = list(ready.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == stored.data
