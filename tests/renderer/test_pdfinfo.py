"""Document information set by an incremental update: readable by a PDF library, original bytes kept."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from renderer.pdfinfo import set_info

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
