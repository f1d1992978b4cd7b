"""Sets a PDF's document information (title, author, subject, creator) by an incremental update.

Chromium writes only a title (from <title>), its user agent as Creator, and dates. An incremental update
(ISO 32000-1, 7.5.6) appends a new Info dictionary and a one-entry cross-reference section after the original
bytes, which stay untouched, so the cost is a few hundred bytes and no re-parse.
"""

from __future__ import annotations

import re

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.S)
_SIZE = re.compile(rb"/Size\s+(\d+)")
_ROOT = re.compile(rb"/Root\s+(\d+\s+\d+\s+R)")
_CREATION_DATE = re.compile(rb"/CreationDate\s*(\([^)]*\))")


def set_info(pdf: bytes, info: dict[str, str]) -> bytes:
    """The same PDF with `info` as its document information; the original creation date is kept."""
    tail = pdf[-2048:]
    start = _STARTXREF.search(tail)
    trailer = list(_TRAILER.finditer(tail))
    if start is None or not trailer:
        raise ValueError("not a PDF with a classic cross-reference table")
    body = trailer[-1].group(1)
    size, root = _SIZE.search(body), _ROOT.search(body)
    if size is None or root is None:
        raise ValueError("the PDF trailer lacks /Size or /Root")
    number = int(size.group(1))
    entries = b"".join(b"/" + key.encode() + b" " + _text(value) for key, value in info.items())
    created = _CREATION_DATE.search(pdf[-8192:]) or _CREATION_DATE.search(pdf)
    if created is not None:
        entries += b"/CreationDate " + created.group(1)
    head = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    offset = len(head)
    obj = b"%d 0 obj\n<<" % number + entries + b">>\nendobj\n"
    xref_at = offset + len(obj)
    xref = b"xref\n%d 1\n%010d 00000 n \n" % (number, offset)
    new_trailer = b"trailer\n<</Size %d /Root %s /Info %d 0 R /Prev %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        number + 1,
        root.group(1),
        number,
        start.group(1),
        xref_at,
    )
    return head + obj + xref + new_trailer


def _text(value: str) -> bytes:
    """A PDF text string as UTF-16BE hex with a byte-order mark: any character, no escaping to get wrong."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"
