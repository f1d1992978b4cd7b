"""The printed report of each example business: sane length, no blank page, every section, vector charts, fonts;
and the finished PDF: tagged, bookmarked, its contents page numbered right, each recommendation on a page of its own."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import pytest
from pypdf import PageObject, PdfReader
from pypdf.generic import Destination

from crb.analysis import analyse
from crb.quiz import load_quiz, validate_answers
from crb.rendering import report_for
from crb.report import ReportData
from crb.settings import RendererSettings, SiteSettings
from renderer.charts import build_charts
from renderer.pdf import count_pages, print_report, report_html
from renderer.pool import PoolLimits, Printer
from tests.renderer.service import pdf_dict, pdf_text

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
    ("heating-installer", "report", "CRB Report", 10),  # Not now: quick wins wait for the foundations
    ("dental-clinic", "report", "CRB Report", 10),  # Wait, with health data
    ("logistics-firm", "report_call", "CRB Report + Strategy Call", 15),  # 250 people
)
CALL = "Your strategy call"  # a section of the editions with a strategy call only


def headings(report: ReportData) -> tuple[str, ...]:
    """The section headings this report has, in order."""
    if report.strategy_call is None:
        return HEADINGS
    return (*HEADINGS[:-1], CALL, HEADINGS[-1])


# A line of the contents page: "4. Recommendations 8", "1. Invoice and receipt capture 11".
CONTENTS_ENTRY = re.compile(r"^\d+\. (?P<title>.+) (?P<page>\d+)$")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def printer() -> AsyncIterator[Printer]:
    """One Chromium for the module: a cold start costs about a second, a warm print a tenth of that."""
    settings = RendererSettings.from_env({"RENDERER_TOKEN": "t"})
    printer = Printer(settings.chromium_path, PoolLimits(pages=1))
    await printer.start()
    yield printer
    await printer.close()


def example_answers(name: str) -> Mapping[str, object]:
    answers = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return validate_answers(load_quiz(), answers, complete=True)


def example_report(name: str, tier: str, tier_name: str) -> ReportData:
    return analyse(example_answers(name), tier=tier, tier_name=tier_name, today=dt.date(2026, 11, 26))


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
    for heading in headings(report):
        assert heading in text
    # The wording the template adds holds too: no "1 months", no "-0 %", no internal ids.
    flat = " ".join(text.split())
    assert not re.search(r"(?<![\d.,])1 (months|hours|weeks|days)\b", flat)
    assert "-0 %" not in flat and "\u22120 %" not in flat
    assert not re.search(r"\b(under_250k|ai_strategy|quick_win|off_the_shelf)\b", flat)
    for rec in report.recommendations:
        assert rec.title in text
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf  # charts stay vector
    assert re.search(rb"/FontFile[23]", pdf)  # fonts embedded
    assert b"DejaVuSans" in pdf  # the report's own font, not a fallback


@dataclass(frozen=True)
class Printed:
    """One example's finished report PDF, as `POST /v1/reports` and `crb report` make it, with its text."""

    report: ReportData
    pdf: bytes
    lines: list[list[str]]  # each page's text lines, ligatures spelt out

    def first_page_with_line(self, line: str, *, after: int = 2) -> int:
        """The number of the first page after the contents with `line` as a whole line of text."""
        return next(number for number, lines in enumerate(self.lines, start=1) if number > after and line in lines)


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
async def printed(request: pytest.FixtureRequest, printer: Printer) -> Printed:
    name, tier, tier_name, _ = request.param
    report = example_report(name, tier, tier_name)
    pdf = await print_report(printer, report, build_charts(report))
    lines = [[" ".join(line.split()) for line in text.splitlines()] for text in pdf_text(pdf)]
    return Printed(report, pdf, lines)


def contents(printed: Printed) -> dict[str, int]:
    """The contents page's entries: title → the page number it gives."""
    entries = [CONTENTS_ENTRY.match(line) for line in printed.lines[1]]
    return {match["title"]: int(match["page"]) for match in entries if match}


Outline: TypeAlias = Sequence["Destination | Outline"]


def outline(reader: PdfReader, items: Outline | None = None) -> list[tuple[str, int]]:
    """Every bookmark, depth first, as (title, page number)."""
    entries = []
    for item in reader.outline if items is None else items:
        if isinstance(item, Destination):
            page = reader.get_destination_page_number(item)
            assert item.title is not None and page is not None, item
            entries.append((unicodedata.normalize("NFKC", item.title), page + 1))
        else:
            entries += outline(reader, item)
    return entries


def section_starts(printed: Printed) -> dict[str, int]:
    """Where each section and recommendation really starts: the first page with its heading as a line."""
    starts = {title: printed.first_page_with_line(title) for title in headings(printed.report)[1:]}
    for number, rec in enumerate(printed.report.recommendations, start=1):
        starts[rec.title] = printed.first_page_with_line(f"{number}. {rec.title}")
    return starts


async def test_report_pdf_is_tagged_with_a_bookmark_per_section_and_recommendation(printed: Printed) -> None:
    reader = PdfReader(io.BytesIO(printed.pdf))
    root = pdf_dict(reader.trailer["/Root"])
    bookmarks = outline(reader)

    assert bool(pdf_dict(root["/MarkInfo"])["/Marked"])
    assert "/StructTreeRoot" in root
    assert len(reader.pages) == count_pages(printed.pdf)
    starts = section_starts(printed)
    for title in headings(printed.report)[1:]:
        assert (title, starts[title]) in bookmarks
    for number, rec in enumerate(printed.report.recommendations, start=1):
        assert (f"{number}. {rec.title}", starts[rec.title]) in bookmarks


async def test_contents_page_numbers_are_where_the_sections_start(printed: Printed) -> None:
    entries = contents(printed)

    assert "Contents" in printed.lines[1]
    assert entries == section_starts(printed)
    assert list(entries.values()) == sorted(entries.values())  # in the order of the document


async def test_each_recommendation_fits_its_own_page_options_table_and_all(printed: Printed) -> None:
    recs = printed.report.recommendations
    starts = [printed.first_page_with_line(f"{n}. {rec.title}") for n, rec in enumerate(recs, start=1)]
    after = printed.first_page_with_line("Not recommended now")

    assert [*starts[1:], after] == [page + 1 for page in starts]  # one page each, nothing spilling over
    for rec, page in zip(recs, starts, strict=True):
        text = " ".join(printed.lines[page - 1])
        for kind in ("Off-the-shelf", "Best-in-class", "Custom build"):
            assert kind in text  # the options table, on its heading's page
        assert text.count("(chosen)") == 1
        assert "Why this option:" in text
        assert "Assumptions behind these figures" in text
        assert all(" ".join(risk.title.split()[:3]) in text for risk in rec.risks)


async def test_no_risk_probability_label_wraps(printed: Printed) -> None:
    risks = [risk for rec in printed.report.recommendations for risk in rec.risks]
    labels = Counter(f"{risk.probability.capitalize()} ({risk.probability_share * 100:.0f} %)" for risk in risks)
    lines = [line for page in printed.lines for line in page]

    assert labels
    for label, times in labels.items():
        assert sum(line.count(label) for line in lines) == times, label  # each one whole on a line


SOLD_BY = {
    "SELLER_NAME": "Kestrel Analytics GmbH",
    "SELLER_ADDRESS": "Torstraße 12\n10119 Berlin, Germany",
    "SELLER_VAT_ID": "DE123456789",
    "SUPPORT_EMAIL": "help@kestrel.example",
    "CALL_BOOKING_URL": "https://cal.example/kestrel/strategy",
}


def links(page: PageObject) -> list[str]:
    """The web addresses a page's link annotations open."""
    annotations = [pdf_dict(a.get_object()) for a in page.get("/Annots") or ()]
    return [str(pdf_dict(a["/A"])["/URI"]) for a in annotations if "/A" in a and "/URI" in pdf_dict(a["/A"])]


async def test_the_report_as_sold_names_its_seller_last_and_links_where_its_call_is_booked(printer: Printer) -> None:
    site = SiteSettings.from_env(SOLD_BY)
    tier = site.tier("report_call")
    assert tier is not None
    report = report_for(example_answers("professional-services"), tier, dt.date(2026, 11, 26), site)

    pdf = await print_report(printer, report, build_charts(report))

    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(text.split()) for text in pdf_text(pdf)]
    sold = "This report is sold by Kestrel Analytics GmbH, Torstraße 12, 10119 Berlin, Germany, VAT id DE123456789."
    assert [number for number, text in enumerate(pages, start=1) if sold in text] == [len(pages)]
    assert "Questions about the report or your order: help@kestrel.example." in pages[-1]
    [call] = [index for index, text in enumerate(pages) if "Book your strategy call" in text]
    assert f" {CALL} Your edition includes" in pages[call]
    assert "video call with a consultant from Kestrel Analytics GmbH" in pages[call]
    assert links(reader.pages[call]) == [SOLD_BY["CALL_BOOKING_URL"]]
    # Without the seller's settings (as the stored examples are), no seller and no booking link.
    assert report.strategy_call is not None
    unbooked = report.strategy_call.model_copy(update={"booking_url": None})
    unsold = report.model_copy(update={"seller": None, "strategy_call": unbooked})
    plain = await print_report(printer, unsold, build_charts(unsold))
    assert not any("sold by" in text for text in pdf_text(plain))
    assert not any(links(page) for page in PdfReader(io.BytesIO(plain)).pages)
