"""The Printer against a real Chromium: repeatable output and a relaunch after a disconnect."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from crb.report import ReportData
from crb.settings import Settings
from renderer.browser import Printer
from renderer.pdf import report_html

pytestmark = pytest.mark.browser

PDF_DATE = re.compile(rb"\(D:[0-9+\-Z']+\)")


@pytest.fixture(scope="module")
async def printer(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Printer]:
    settings = Settings.from_env({"DATA_DIR": str(tmp_path_factory.mktemp("data")), "RENDERER_TOKEN": "t"})
    printer = Printer(settings.chromium_path)
    await printer.start()
    yield printer
    await printer.close()


async def test_same_report_same_pdf_apart_from_dates(printer: Printer, report: ReportData) -> None:
    first = await printer.print_html(report_html(report))
    second = await printer.print_html(report_html(report))

    assert PDF_DATE.search(first)
    assert PDF_DATE.sub(b"", first) == PDF_DATE.sub(b"", second)


async def test_relaunches_chromium_after_a_disconnect(printer: Printer) -> None:
    assert printer.connected
    await printer._browser.close()  # type: ignore[union-attr]  # stands in for a crash
    assert not printer.connected

    pdf = await printer.print_html("<p>after the crash</p>")

    assert pdf.startswith(b"%PDF-")
    assert printer.connected


async def test_printing_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        await Printer().print_html("<p>x</p>")
