"""TEST-001, the whole journey in a browser: landing → quiz → teaser → checkout → success page → the PDF."""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from crb.payments import order_reference
from crb.settings import SiteSettings, Tier
from edge import site as edge_site
from tests.conftest import base_url, listening_socket, port_of, run_worker, serve
from tests.fakes.stripe_server import FakeStripe, event, signed
from tests.site.browsing import (
    COMPANY,
    answer_quiz,
    assert_accessible,
    load_build,
    open_pdf,
    outbox,
    pdf_text,
    session_state,
    stored_session,
)
from tests.site.conftest import Edge

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


async def take_the_quiz_from_the_landing_page(page: Page) -> None:
    await page.goto("/")
    await page.get_by_role("link", name="Start the free assessment").first.click()
    await page.wait_for_url("**/quiz.html")
    await answer_quiz(page)


async def assert_teaser_shows(page: Page, teaser: dict[str, Any]) -> None:
    await expect(page.locator("#score")).to_have_text(str(teaser["readiness_score"]))
    await expect(page.locator("#band")).to_have_text(teaser["band"])
    await expect(page.locator("#pillars li")).to_have_count(len(teaser["pillars"]))
    for finding in teaser["findings"][:2]:
        await expect(page.get_by_role("heading", name=finding["title"], exact=True)).to_be_visible()
    await expect(page.locator("#locked li")).to_have_count(len(teaser["locked_titles"]))


async def check_out(page: Page, tier: Tier, email: str = "owner@example.com") -> None:
    price = load_build().tier_view(tier)["price"]
    await page.get_by_role("radio", name=re.compile(f"^{re.escape(tier.name)} {re.escape(price)}")).check()
    await page.get_by_label("Email address for your report").fill(email)
    await page.get_by_role("button", name="Continue to secure payment").click()


async def download_report(page: Page) -> bytes:
    return await open_pdf(page, page.get_by_role("link", name="Download your report (PDF)").click)


async def test_offline_checkout_from_landing_page_to_the_downloaded_pdf(page: Page, edge: Edge) -> None:
    await take_the_quiz_from_the_landing_page(page)
    sid, token = await stored_session(page)
    state = await session_state(edge.client, sid, token)
    assert state["status"] == "completed"
    await assert_teaser_shows(page, state["teaser"])

    tier = edge.settings.tiers[-1]
    await check_out(page, tier)
    await page.wait_for_url("**/offline-checkout/**")
    await expect(page.get_by_text(f"€{tier.amount / 100:,.2f}")).to_be_visible()
    await page.get_by_role("button", name="Pay now").click()

    await page.wait_for_url(f"**/success.html?session_id={sid}&checkout=*")
    await expect(page.locator("#status")).to_have_text("Payment received")
    await run_worker(edge.settings)
    await expect(page.locator("#status")).to_have_text("Your report is ready")
    # The order as the buyer will quote it; this edition's call is booked by reply (no CALL_BOOKING_URL here).
    await expect(page.locator("#order-ref")).to_have_text(order_reference(uuid.UUID(sid)))
    await expect(page.locator("#order-amount")).to_have_text(f"€{tier.amount / 100:,.2f} incl. VAT")
    await expect(page.locator("#order-call")).to_be_visible()
    await expect(page.locator("#order-invoice")).to_be_hidden()  # offline: nothing charged, nothing invoiced
    pdf = await download_report(page)
    assert pdf.startswith(b"%PDF")
    assert COMPANY in pdf_text(pdf)
    assert (await session_state(edge.client, sid, token))["tier"] == tier.id


def static_site(dist: Path) -> web.Application:
    """A plain static host, as a CDN would serve the built site: files, and 404.html for anything else."""

    def find(path: str) -> Path | None:
        target = (dist / path).resolve()
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_relative_to(dist.resolve()) and target.is_file() else None

    async def handle(request: web.Request) -> web.StreamResponse:
        target = find(request.match_info["path"])
        return web.FileResponse(target) if target else web.FileResponse(dist / "404.html", status=404)

    app = web.Application()
    app.router.add_get("/{path:.*}", handle)
    return app


@pytest.fixture
async def cdn_edge(
    edge_client: Callable[..., Any],
    renderer_url: str,
    fake_stripe: FakeStripe,
    site_dist: Path,
    build_settings: SiteSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Edge, str]]:
    """The site on its own origin (a CDN) calling the edge's API across origins; Stripe-shaped payments."""
    sock = listening_socket()
    site_url = f"http://127.0.0.1:{port_of(sock)}"
    monkeypatch.setattr(edge_site, "SITE_DIST", tmp_path / "nothing")  # the edge serves no pages here
    client, settings = await edge_client(
        RENDERER_URL=renderer_url,
        SITE_URL=site_url,
        STRIPE_SECRET_KEY="sk_test_123",
        STRIPE_API_BASE=fake_stripe.base_url,
        STRIPE_WEBHOOK_SECRET="whsec_test_secret",
    )
    dist = tmp_path / "cdn"
    shutil.copytree(site_dist / "samples", dist / "samples")  # the same sample: the build reuses it
    build = load_build().build
    await asyncio.to_thread(
        build,
        dist,
        api_base=settings.public_base_url,
        settings=build_settings,
        sample_pdf=site_dist / "samples" / "sample-report.pdf",
    )
    server = await serve(static_site(dist), sock)
    assert base_url(server) == site_url
    yield Edge(client, settings), site_url
    await server.close()


async def test_stripe_checkout_with_the_site_on_its_own_origin(
    cdn_edge: tuple[Edge, str], fake_stripe: FakeStripe, browse: Callable[..., Awaitable[Page]]
) -> None:
    edge, site_url = cdn_edge
    page = await browse(site_url)
    await take_the_quiz_from_the_landing_page(page)
    sid, token = await stored_session(page)
    await assert_teaser_shows(page, (await session_state(edge.client, sid, token))["teaser"])

    tier = edge.settings.tiers[0]
    async with page.expect_navigation(url=re.compile(re.escape(fake_stripe.base_url))):
        await check_out(page, tier)
    [checkout_id] = fake_stripe.sessions
    created = fake_stripe.requests[-1]["params"]
    assert created["customer_email"] == "owner@example.com"
    assert created["success_url"].startswith(f"{site_url}/success.html?session_id={sid}")

    # The customer pays on Stripe's page; Stripe sends the browser back. The status read fulfils the order
    # even before the webhook arrives.
    paid = fake_stripe.complete(checkout_id)
    await page.goto(created["success_url"].replace("{CHECKOUT_SESSION_ID}", checkout_id))
    await expect(page.locator("#status")).to_have_text("Payment received")
    await run_worker(edge.settings)
    await expect(page.locator("#status")).to_have_text("Your report is ready")
    [invoice] = fake_stripe.invoices.values()  # made with the payment, found by the payment confirmation's job
    invoice_link = page.get_by_role("link", name="View and download your invoice")
    await expect(invoice_link).to_have_attribute("href", invoice["hosted_invoice_url"])
    await expect(page.locator("#order-ref")).to_have_text(order_reference(uuid.UUID(sid)))
    await assert_accessible(page)
    link = await page.get_by_role("link", name="Download your report (PDF)").get_attribute("href")
    assert link and link.startswith(edge.url)  # the API's origin, not the site's
    pdf = await download_report(page)
    assert COMPANY in pdf_text(pdf)

    # The webhook arrives late, and twice: nothing changes on the page, nothing is sent again.
    body, header = signed(event("checkout.session.completed", paid), "whsec_test_secret")
    for _ in range(2):
        response = await edge.client.post("/api/payments/webhook", data=body, headers={"Stripe-Signature": header})
        assert response.status == 200
    await run_worker(edge.settings)
    shown = await page.locator("main").inner_text()
    await page.reload()
    await expect(page.locator("#status")).to_have_text("Your report is ready")
    assert await page.locator("main").inner_text() == shown
    assert sorted(m["X-Tag"] for m in outbox(edge.settings)) == ["payment-confirmation", "report-ready"]

    await page.goto(f"{site_url}/no-such-page")
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
