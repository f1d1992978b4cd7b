"""Document information set by an incremental update (readable by a PDF library, original bytes kept), and
Gotenberg's metadata field read into it."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from renderer.options import OptionError
from renderer.pdfinfo import read_metadata, set_info

# A minimal one-page PDF in the shape Chromium writes (classic xref table, Info with a CreationDate).
OBJECTS = [
    b"<</Title (t) /CreationDate (D:20260101000000+00'00')>>",
    b"<</Type /Catalog /Pages 3 0 R>>",
    b"<</Type /Pages /Kids [4 0 R] /Count 1>>",
    b"<</Type /Page /Parent 3 0 R /MediaBox [0 0 595 842]>>",
]


def minimal_pdf() -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(OBJECTS, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size 5\n/Root 2 0 R\n/Info 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return out


def test_info_is_set_and_the_original_bytes_stay() -> None:
    original = minimal_pdf()
    updated = set_info(original, {"Title": "Report: Müller & Söhne", "Author": "CRB Analyser", "Subject": "AI (CRB)"})
    assert updated.startswith(original)
    meta = pypdf.PdfReader(io.BytesIO(updated), strict=True).metadata
    assert meta is not None
    assert (meta.title, meta.author, meta.subject) == ("Report: Müller & Söhne", "CRB Analyser", "AI (CRB)")
    created = meta["/CreationDate"]
    assert isinstance(created, str) and created == "D:20260101000000+00'00'"
    assert len(pypdf.PdfReader(io.BytesIO(updated)).pages) == 1
    assert re.search(rb"/Prev \d+", updated[len(original) :])


def test_not_a_classic_pdf_is_refused() -> None:
    with pytest.raises(ValueError):
        set_info(b"%PDF-1.7 nothing here", {"Title": "x"})


def test_entries_not_named_stay_and_the_update_is_small() -> None:
    original = minimal_pdf()

    updated = set_info(original, {"Author": "CRB Analyser"})

    meta = pypdf.PdfReader(io.BytesIO(updated), strict=True).metadata
    assert meta is not None and (meta.title, meta.author) == ("t", "CRB Analyser")
    assert len(updated) - len(original) < 300  # one object, one cross-reference entry, one trailer


def test_a_pdf_whose_last_section_is_a_cross_reference_stream_is_updated_by_pypdf() -> None:
    writer = pypdf.PdfWriter(pypdf.PdfReader(io.BytesIO(minimal_pdf())), incremental=True)
    writer.add_metadata({"/Subject": "first update"})
    out = io.BytesIO()
    writer.write(out)
    streamed = out.getvalue()
    assert b"/XRef" in streamed[len(minimal_pdf()) :]  # what pypdf's incremental writer appends

    updated = set_info(streamed, {"Title": "second update"})

    assert updated.startswith(streamed)
    meta = pypdf.PdfReader(io.BytesIO(updated)).metadata
    assert meta is not None and (meta.title, meta.subject) == ("second update", "first update")


@pytest.mark.parametrize(
    ("metadata", "info"),
    [
        ('{"Title": "Q1", "Author": "Ops"}', {"Title": "Q1", "Author": "Ops"}),
        ({"Keywords": ["ai", "roi"]}, {"Keywords": "ai, roi"}),
        ({"Keywords": "ai, roi"}, {"Keywords": "ai, roi"}),
        ({"CreationDate": "2006-09-18T16:27:50-04:00"}, {"CreationDate": "D:20060918162750-04'00'"}),
        ({"ModDate": "2026-03-14T09:30:00Z"}, {"ModDate": "D:20260314093000+00'00'"}),
        ({"ModDate": "2026-03-14T09:30:00"}, {"ModDate": "D:20260314093000+00'00'"}),  # no zone: UTC
        ("", {}),
        (None, {}),
    ],
)
def test_gotenberg_s_metadata_becomes_info_entries(metadata: object, info: dict[str, str]) -> None:
    assert read_metadata(metadata) == info


@pytest.mark.parametrize(
    ("metadata", "says"),
    [
        ("{not json", "must be a JSON object"),
        ("[1, 2]", "must be a JSON object"),
        ({"Title": 3}, "Title must be a string"),
        ({"Keywords": ["a", 1]}, "Keywords must be a string"),
        ({"CreationDate": "yesterday"}, "CreationDate must be an ISO 8601 date"),
        ({"Copyright": "ACME"}, "Copyright is not written: it is an XMP property"),
        ({"Trapped": "True"}, "Trapped is not written"),
        ({"Colour": "blue"}, "Colour is not a key it takes: Title, Author"),
    ],
)
def test_metadata_it_cannot_write_is_refused_naming_the_key(metadata: object, says: str) -> None:
    with pytest.raises(OptionError) as caught:
        read_metadata(metadata)

    assert caught.value.field == "metadata" and says in caught.value.message
