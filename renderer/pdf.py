"""From report data to PDF bytes: the pipeline shared by the HTTP app and the in-process CLI."""

from __future__ import annotations

import re

from crb.report import ReportData
from crb.settings import Settings
from renderer.charts import build_charts
from renderer.html import render_html
from renderer.pool import PoolLimits, Printer

# A page object in Chromium's (Skia's) PDF output: `/Type /Page`, not `/Type /Pages`.
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def report_html(report: ReportData) -> str:
    """The report's HTML with its charts inlined (CPU-bound: charts take about 0.1 s)."""
    return render_html(report, build_charts(report))


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF written by Chromium, which keeps page dictionaries uncompressed."""
    return len(_PAGE_OBJECT.findall(pdf))


async def render_report_pdf(report: ReportData, settings: Settings) -> bytes:
    """Render one report without any server: starts a Chromium with one page, prints, and closes it."""
    printer = Printer(settings.chromium_path, PoolLimits(pages=1, page_timeout_s=settings.renderer_job_timeout_s))
    await printer.start()
    try:
        return await printer.print_html(report_html(report), timeout_s=settings.renderer_job_timeout_s)
    finally:
        await printer.close()
