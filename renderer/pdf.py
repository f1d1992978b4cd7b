"""From report data to PDF bytes: the pipeline shared by the HTTP app and the in-process CLI."""

from __future__ import annotations

import asyncio
from typing import Protocol

from crb.rendering import count_pages
from crb.report import ReportData
from renderer.charts import build_charts
from renderer.contents import PageNumbers, print_numbered
from renderer.html import render_html
from renderer.options import PrintOptions
from renderer.pdfinfo import set_info
from renderer.pool import PoolLimits, Printer

__all__ = ["LocalPrint", "count_pages", "print_report", "render_report_pdf", "report_html", "with_report_info"]


class LocalPrint(Protocol):
    """The settings an in-process print reads: `SiteSettings` (the CLI, the site build) and `Settings` have them."""

    @property
    def chromium_path(self) -> str | None: ...

    @property
    def renderer_job_timeout_s(self) -> float: ...


def report_html(report: ReportData, pages: PageNumbers | None = None) -> str:
    """The report's HTML with its charts inlined (CPU-bound: charts take about 0.1 s)."""
    return render_html(report, build_charts(report), pages)


def with_report_info(pdf: bytes, report: ReportData) -> bytes:
    """The report's PDF with its title, author, subject and creator set (Chromium sets only the title)."""
    return set_info(
        pdf,
        {
            "Title": f"AI readiness report: {report.company_name}",
            "Author": "CRB Analyser",
            "Subject": f"AI cost / risk / benefit analysis for {report.company_name} ({report.tier_name})",
            "Creator": "CRB Analyser renderer",
            "Producer": "Chromium (Skia/PDF)",
        },
    )


async def print_report(printer: Printer, report: ReportData, charts: dict[str, str]) -> bytes:
    """The finished report: contents page numbered, tagged, with an outline and its document information.

    Two prints at least (a draft for the page numbers, then the final one; see `renderer.contents`), each
    taking a page of the pool in turn like any other job; the caller sets the deadline for them all.
    """

    async def print_pdf(html: str, options: PrintOptions) -> bytes:
        return await printer.print_html(html, timeout_s=None, options=options)

    pdf = await print_numbered(print_pdf, lambda pages: render_html(report, charts, pages))
    return with_report_info(pdf, report)


async def render_report_pdf(report: ReportData, settings: LocalPrint) -> bytes:
    """Render one report without any server: starts a Chromium with one page, prints, and closes it."""
    printer = Printer(settings.chromium_path, PoolLimits(pages=1, page_timeout_s=settings.renderer_job_timeout_s))
    await printer.start()
    try:
        async with asyncio.timeout(settings.renderer_job_timeout_s):
            return await print_report(printer, report, build_charts(report))
    finally:
        await printer.close()
