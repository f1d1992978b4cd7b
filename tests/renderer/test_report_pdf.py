"""The printed report of each example business: sane length, no blank page, every section, vector charts, fonts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from crb.analysis import analyse
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData
from crb.settings import Settings
from renderer.pdf import count_pages, report_html
from renderer.pool import PoolLimits, Printer

EXAMPLES = Path(__file__).parents[2] / "examples" / "answers"
HEADINGS = (
    "Contents",
    "Executive summary",
    "Value summary",
    "Findings",
    "Recommendations",
    "Not recommended now",
    "Roadmap",
    "Methodology and assumptions",
)
# (example, tier, tier name, findings): professional services is printed in the higher tier, with 15 findings.
CASES = (
    ("ecommerce-shop", "report", "CRB Report", 10),
    ("marketing-agency", "report", "CRB Report", 10),
    ("professional-services", "report_call", "CRB Report + Strategy Call", 15),
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def printer(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Printer]:
    """One Chromium for the module: a cold start costs about a second, a warm print a tenth of that."""
    settings = Settings.from_env({"DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    printer = Printer(settings.chromium_path, PoolLimits(pages=1))
    await printer.start()
    yield printer
    await printer.close()


def example_report(name: str, tier: str, tier_name: str) -> ReportData:
    answers = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    answers = validate_answers(load_quiz(), answers, complete=True)
    return analyse(answers, tier=tier, tier_name=tier_name, today=dt.date(2026, 11, 26))


@pytest.mark.parametrize(("name", "tier", "tier_name", "findings"), CASES, ids=[c[0] for c in CASES])
async def test_example_report_prints_well(
    printer: Printer, name: str, tier: str, tier_name: str, findings: int
) -> None:
    report = example_report(name, tier, tier_name)
    assert len(report.findings) == findings

    pdf = await printer.print_html(report_html(report), timeout_s=60)

    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]  # line breaks as spaces
    assert 12 <= len(pages) == count_pages(pdf) <= 40
    assert all(text.strip() for text in pages), "a blank page"
    assert report.company_name in pages[0]
    assert tier_name in pages[0]
    assert "26 November 2026" in pages[0]
    assert "Page " not in pages[0]  # the cover has no page number
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text
    text = "\n".join(pages)
    for heading in HEADINGS:
        assert heading in text
    for rec in report.recommendations:
        assert rec.title in text
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf  # charts stay vector
    assert re.search(rb"/FontFile[23]", pdf)  # fonts embedded
    assert b"DejaVuSans" in pdf  # the report's own font, not a fallback
