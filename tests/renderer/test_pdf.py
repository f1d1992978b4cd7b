"""The report-to-PDF pipeline: page counting, and one in-process render as the CLI does it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from crb.report import ReportData
from crb.settings import SiteSettings
from renderer.pdf import count_pages, render_report_pdf
from tests.renderer.service import pdf_dict


@pytest.mark.parametrize(
    ("pdf", "pages"),
    [
        (b"%PDF-1.4\n1 0 obj\n<</Type /Pages /Count 0 /Kids []>>", 0),
        (b"<</Type /Pages /Count 2>>\n<</Type /Page /Parent 1 0 R>>\n<</Type/Page/Parent 1 0 R>>", 2),
        (b"<</Type /PageLabel>> <</Type /Page>>", 1),
    ],
)
def test_count_pages(pdf: bytes, pages: int) -> None:
    assert count_pages(pdf) == pages


@pytest.mark.browser
async def test_render_report_pdf_without_a_server(report: ReportData) -> None:
    settings = SiteSettings.from_env({})  # what `crb report` reads: no secret key, no token

    pdf = await render_report_pdf(report, settings)

    reader = PdfReader(io.BytesIO(pdf))
    assert count_pages(pdf) == len(reader.pages) >= 2
    assert "Acme GmbH" in reader.pages[0].extract_text()
    root = pdf_dict(reader.trailer["/Root"])
    assert "/StructTreeRoot" in root and reader.outline  # the same finished PDF as the service's
    assert reader.metadata is not None and reader.metadata.author == "CRB Analyser"
