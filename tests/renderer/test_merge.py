"""Merging PDFs with pypdf: Gotenberg's order of file names, pages in that order, bookmarks, document information."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import Destination

from renderer.merge import MergeError, merge_order, merge_pdfs


def blank_pdf(width: float, pages: int = 1, bookmark: str | None = None, password: str | None = None) -> bytes:
    """Blank pages `width` points wide (so each file's pages can be told apart), with a bookmark on the first."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width, 200)
    if bookmark is not None:
        writer.add_outline_item(title=bookmark, page_number=0)
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("names", "order"),
    [
        (["00002_b.pdf", "00010_a.pdf", "00001_c.pdf"], ["00001_c.pdf", "00002_b.pdf", "00010_a.pdf"]),  # the client's
        (["10_x.pdf", "2_y.pdf", "1_z.pdf"], ["1_z.pdf", "2_y.pdf", "10_x.pdf"]),  # by value, not as text
        (["b.pdf", "a.pdf", "1_c.pdf"], ["1_c.pdf", "a.pdf", "b.pdf"]),  # numbered first
        (["2_b.pdf", "2_a.pdf"], ["2_a.pdf", "2_b.pdf"]),
    ],
)
def test_files_merge_in_gotenberg_s_order(names: list[str], order: list[str]) -> None:
    assert merge_order(names) == order


def test_pages_come_in_the_order_given_with_their_bookmarks_moved_along() -> None:
    files = [("1.pdf", blank_pdf(100, 2, "First")), ("2.pdf", blank_pdf(300, 1, "Second"))]

    merged = merge_pdfs(files, outlines=True, info={"Title": "Both", "Author": "Ops"})

    reader = PdfReader(io.BytesIO(merged.pdf))
    assert merged.pages == len(reader.pages) == 3
    assert [float(page.mediabox.width) for page in reader.pages] == [100, 100, 300]
    items = [item for item in reader.outline if isinstance(item, Destination)]
    titles = {item.title: reader.get_destination_page_number(item) for item in items}
    assert titles == {"First": 0, "Second": 2}
    assert reader.metadata is not None and (reader.metadata.title, reader.metadata.author) == ("Both", "Ops")


def test_bookmarks_stay_behind_unless_asked_for() -> None:
    merged = merge_pdfs([("1.pdf", blank_pdf(100, 1, "First"))], outlines=False, info={})

    assert PdfReader(io.BytesIO(merged.pdf)).outline == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"%PDF-1.7 this is no PDF", "b.pdf is not a PDF that can be read"),
        (b"", "b.pdf is not a PDF that can be read"),
        (blank_pdf(100, password="secret"), "b.pdf is encrypted"),
    ],
)
def test_a_file_that_cannot_be_merged_is_named(body: bytes, says: str) -> None:
    with pytest.raises(MergeError, match=says):
        merge_pdfs([("a.pdf", blank_pdf(100)), ("b.pdf", body)], outlines=True, info={})
