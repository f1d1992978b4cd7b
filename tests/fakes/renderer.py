"""An in-process `ReportRenderer` for the worker's tests: a real PDF from the report data, without Chromium.

It prints a page with the company and verdict, then a page per recommendation, with matplotlib's PDF backend,
so a report of other data is another file. Like the renderer service, it accepts the report as JSON (the
worker sends it over the wire), and it can be told to fail: `down` tries answer RendererError (the service
busy or unreachable; None: every try), `refuse` answers RendererRefused (422, for good). `before_return` runs
after printing, before the PDF is handed back (a test's "meanwhile"). Every report it was asked for is kept.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from crb.renderer_client import RenderedPdf, RendererError, RendererRefused
from crb.rendering import count_pages
from crb.report import ReportData

A4_INCHES = (8.27, 11.69)


def print_pdf(report: ReportData) -> bytes:
    verdict = f"{report.verdict.label}: {report.verdict.summary}"
    pages = [
        [report.company_name, f"{report.tier_name} · {report.generated_on:%d %B %Y}", verdict],
        *([r.title, f"from month {r.start_month}"] for r in report.recommendations),
    ]
    out = io.BytesIO()
    with PdfPages(out, metadata={"Title": f"CRB report - {report.company_name}", "CreationDate": None}) as pdf:
        for lines in pages:
            figure = Figure(figsize=A4_INCHES)
            for i, line in enumerate(lines):
                figure.text(0.1, 0.9 - 0.05 * i, line, fontsize=14 if i == 0 else 10)
            pdf.savefig(figure)
    return out.getvalue()


@dataclass
class FakeRenderer:
    down: int | None = 0
    refuse: bool = False
    before_return: Callable[[], Awaitable[None]] | None = None
    rendered: list[ReportData] = field(default_factory=list)
    tries: int = 0

    async def render(self, report: ReportData) -> RenderedPdf:
        self.tries += 1
        if self.down is None or self.down > 0:
            if self.down is not None:
                self.down -= 1
            raise RendererError("renderer answered 503: busy")
        if self.refuse:
            raise RendererRefused("renderer answered 422: findings.0.title: too long")
        received = ReportData.model_validate_json(report.model_dump_json())  # as the service reads it
        pdf = await asyncio.to_thread(print_pdf, received)
        self.rendered.append(received)
        if self.before_return is not None:
            await self.before_return()
        return RenderedPdf(pdf, count_pages(pdf))
