"""The Printer's pool against a real Chromium: repeatable output, the cap, the deadline, clean reuse, bundles
served from memory, header templates without a network."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from crb.report import ReportData
from crb.settings import RendererSettings
from renderer.assets import Bundle, asset
from renderer.browser import DocumentError
from renderer.options import Margins, PrintOptions
from renderer.pdf import report_html
from renderer.pool import PoolLimits, Printer
from tests.renderer.canary import Canary
from tests.renderer.service import busy_script, eventually, pdf_text

pytestmark = pytest.mark.browser

PDF_DATE = re.compile(rb"\(D:[0-9+\-Z']+\)")


def _chromium() -> str | None:
    return RendererSettings.from_env({"RENDERER_TOKEN": "t"}).chromium_path


@pytest.fixture(scope="module")
async def printer() -> AsyncIterator[Printer]:
    """One page, so that every job reuses the page of the job before."""
    printer = Printer(_chromium(), PoolLimits(pages=1))
    await printer.start()
    yield printer
    await printer.close()


async def test_same_report_same_pdf_apart_from_dates(printer: Printer, report: ReportData) -> None:
    first = await printer.print_html(report_html(report))
    second = await printer.print_html(report_html(report))

    assert PDF_DATE.search(first)
    assert PDF_DATE.sub(b"", first) == PDF_DATE.sub(b"", second)


async def test_never_more_jobs_at_once_than_pages(printer: Printer) -> None:
    seen: list[int] = []

    async def watch() -> None:
        while True:
            seen.append(printer.stats().printing)
            await asyncio.sleep(0.002)

    watcher = asyncio.ensure_future(watch())
    pdfs = await asyncio.gather(*(printer.print_html(f"<p>job {i}</p>") for i in range(6)))
    watcher.cancel()

    assert max(seen) <= 1
    assert [pdf_text(pdf) for pdf in pdfs] == [[f"job {i}"] for i in range(6)]


async def test_the_deadline_counts_the_wait_for_a_page(printer: Printer) -> None:
    holder = asyncio.ensure_future(printer.print_html(busy_script(1.0), javascript=True))

    async def printing() -> bool:
        return printer.stats().printing > 0

    await eventually(printing)

    with pytest.raises(TimeoutError):
        await printer.print_html("<p>in the queue</p>", timeout_s=0.3)

    assert pdf_text(await holder) == ["slow job"]


async def test_a_refresh_left_by_one_job_never_reaches_the_next(printer: Printer) -> None:
    await printer.print_html('<meta http-equiv="refresh" content="2;url=http://127.0.0.1:9/"><p>first</p>')
    await asyncio.sleep(2.5)  # past the refresh, had it not been cancelled

    second = await printer.print_html("<p>second</p>")

    assert pdf_text(second) == ["second"]
    assert printer.stats().pages_replaced.get("dirty", 0) == 0


async def test_printing_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        await Printer().print_html("<p>x</p>")


async def test_a_bundle_is_served_while_it_prints_and_its_page_is_kept(printer: Printer) -> None:
    files = {
        "index.html": b'<link rel="stylesheet" href="s.css"><p class="x">bundled</p>',
        "s.css": b'.x::after { content: " and styled" }',
    }
    bundle = Bundle({name: asset(name, body) for name, body in files.items()})
    dirty = printer.stats().pages_replaced.get("dirty", 0)

    pdf = await printer.print_bundle(bundle)
    after = await printer.print_html("<p>next</p>")

    assert pdf_text(pdf) == ["bundled and styled"] and pdf_text(after) == ["next"]
    assert printer.assets.serving_now == 0
    assert printer.stats().pages_replaced.get("dirty", 0) == dirty  # back on about:blank, so reused


async def test_a_header_template_cannot_reach_the_network_even_unchecked(printer: Printer) -> None:
    async with Canary() as canary:
        base = f"http://127.0.0.1:{canary.tcp_port}"
        header = f'<img src="{base}/h.png"><div style="font-size: 10px; background: url({base}/bg)">head</div>'
        options = PrintOptions(header_template=header, margins=Margins(top=1, bottom=1))

        pdf = await printer.print_html("<p>body</p>", options=options)
        await asyncio.sleep(0.3)

    assert "head" in pdf_text(pdf)[0] and canary.seen == []


async def test_a_template_chromium_cannot_print_is_the_sender_s_error_and_the_pool_recovers(printer: Printer) -> None:
    # renderer.headers refuses this before a print; past it, Chromium fails the print and loses the page.
    header = '<link rel="stylesheet" href="http://127.0.0.1:9/s.css"><div>head</div>'
    options = PrintOptions(header_template=header, margins=Margins(top=1, bottom=1))

    with pytest.raises(DocumentError, match="header or footer template"):
        await printer.print_html("<p>x</p>", options=options)

    assert pdf_text(await printer.print_html("<p>after</p>")) == ["after"]
