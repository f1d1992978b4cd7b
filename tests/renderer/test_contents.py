"""The contents page's two-pass print, without a browser: which prints happen, with what, and when it stops."""

from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfWriter

from renderer.contents import FINAL_PRINTS, PageNumbers, anchor_pages, print_numbered
from renderer.options import PLAIN, TAGGED, PrintOptions


def pdf_with(anchors: dict[str, int], pages: int = 12) -> bytes:
    """A PDF of blank pages with a named destination for each anchor, on its page (from 1)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(100, 100)
    for name, page in anchors.items():
        writer.add_named_destination(name, page - 1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Prints:
    """Stands in for the printer: answers each print with the next PDF and records what it was asked."""

    def __init__(self, *landings: dict[str, int]) -> None:
        self.landings = list(landings)
        self.calls: list[tuple[str, PrintOptions]] = []

    async def __call__(self, html: str, options: PrintOptions) -> bytes:
        self.calls.append((html, options))
        return pdf_with(self.landings[min(len(self.calls), len(self.landings)) - 1])


def render(pages: PageNumbers | None) -> str:
    return f"numbers {sorted((pages or {}).items())}"


def test_anchor_pages_reads_named_destinations() -> None:
    assert anchor_pages(pdf_with({"summary": 3, "recommendation-1": 9})) == {"summary": 3, "recommendation-1": 9}
    assert anchor_pages(pdf_with({})) == {}


async def test_a_draft_then_one_tagged_print_when_the_numbers_hold() -> None:
    prints = Prints({"summary": 3, "roadmap": 7})

    pdf = await print_numbered(prints, render)

    assert prints.calls == [("numbers []", PLAIN), ("numbers [('roadmap', 7), ('summary', 3)]", TAGGED)]
    assert anchor_pages(pdf) == {"summary": 3, "roadmap": 7}


async def test_anchors_that_move_are_printed_once_more_with_where_they_went() -> None:
    prints = Prints({"summary": 3}, {"summary": 4}, {"summary": 4})

    pdf = await print_numbered(prints, render)

    assert [html for html, _ in prints.calls] == ["numbers []", "numbers [('summary', 3)]", "numbers [('summary', 4)]"]
    assert [options for _, options in prints.calls] == [PLAIN, TAGGED, TAGGED]
    assert anchor_pages(pdf) == {"summary": 4}


async def test_never_more_than_the_final_prints_allowed(caplog: pytest.LogCaptureFixture) -> None:
    prints = Prints(*({"summary": page} for page in range(3, 12)))

    with caplog.at_level(logging.WARNING, logger="renderer.contents"):
        await print_numbered(prints, render)

    assert len(prints.calls) == 1 + FINAL_PRINTS
    assert len(caplog.records) == FINAL_PRINTS
    assert "summary" in caplog.records[0].getMessage()
