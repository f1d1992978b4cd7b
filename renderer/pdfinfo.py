"""A PDF's document information (title, author, subject, ...): Gotenberg's `metadata` field read into it, and set on
Chromium's PDF by an incremental update that keeps Chromium's bytes.

Chromium writes a title (from `<title>`), its user agent as Creator, Skia as Producer, and the dates. pypdf reads
the trailer and the Info dictionary there is, and writes the new one; the new object and a one-entry
cross-reference section go after the original bytes, which stay untouched (ISO 32000-1, 7.5.6). pypdf's own
incremental writer (`PdfWriter(reader, incremental=True)`) does the same but first copies every object of the
file: about 350 ms on a 23-page report, against a few milliseconds here. It remains the way for a file this cannot
update, one whose last cross-reference section is a stream rather than a table (Chromium never writes one).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Mapping

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import DictionaryObject, IndirectObject, NameObject, NumberObject, PdfObject, create_string_object

from renderer.options import OptionError

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")

# The Info entries `metadata` may set (ISO 32000-1, 14.3.3), by Gotenberg's key names; dates are ISO 8601.
TEXT_KEYS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer")
DATE_KEYS = ("CreationDate", "ModDate")
# Keys Gotenberg passes to ExifTool that are no Info text entry: XMP properties, a name, or the file's header.
NOT_WRITTEN = {
    "Copyright": "it is an XMP property, and this renderer writes the document information dictionary only",
    "Marked": "it is an XMP property, and this renderer writes the document information dictionary only",
    "Trapped": "this renderer does not write it",
    "PDFVersion": "the PDF version is Chromium's",
}


def read_metadata(value: object) -> dict[str, str]:
    """Gotenberg's `metadata` (a JSON object, or its text) as Info entries; OptionError names what is wrong."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise OptionError("metadata", "must be a JSON object") from None
    if not isinstance(value, dict):
        raise OptionError("metadata", "must be a JSON object")
    info = {}
    for key, item in value.items():
        if key in NOT_WRITTEN:
            raise OptionError("metadata", f"{key} is not written: {NOT_WRITTEN[key]}")
        if key in DATE_KEYS:
            info[key] = _pdf_date(key, item)
        elif key == "Keywords" and isinstance(item, list) and all(isinstance(word, str) for word in item):
            info[key] = ", ".join(item)
        elif key in TEXT_KEYS and isinstance(item, str):
            info[key] = item
        elif key in TEXT_KEYS:
            raise OptionError("metadata", f"{key} must be a string")
        else:
            raise OptionError("metadata", f"{key} is not a key it takes: {', '.join((*TEXT_KEYS, *DATE_KEYS))}")
    return info


def set_info(pdf: bytes, info: Mapping[str, str]) -> bytes:
    """The same PDF with `info` in its document information; the entries it does not name stay as they were."""
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        trailer = reader.trailer
        current = trailer["/Info"].get_object() if "/Info" in trailer else DictionaryObject()
        if not isinstance(current, DictionaryObject):
            raise ValueError("its /Info is not a dictionary")
        entries = DictionaryObject(current)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise ValueError("not a PDF that can be read") from exc
    entries.update({NameObject(f"/{key}"): create_string_object(value) for key, value in info.items()})
    start = _STARTXREF.search(pdf[-1024:])
    if start is None or not pdf.startswith(b"xref", int(start.group(1))):
        return _rewrite_info(reader, entries)
    return _append_info(pdf, trailer, entries, int(start.group(1)))


def _append_info(pdf: bytes, trailer: DictionaryObject, entries: DictionaryObject, previous_xref: int) -> bytes:
    """`pdf` with a new Info object and a cross-reference table section and trailer for it appended."""
    size = trailer["/Size"]
    if not isinstance(size, NumberObject):
        raise ValueError("the PDF trailer's /Size is not a number")
    number = int(size)
    out = io.BytesIO()
    out.write(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offset = out.tell()
    out.write(b"%d 0 obj\n" % number)
    entries.write_to_stream(out)
    out.write(b"\nendobj\n")
    xref_at = out.tell()
    out.write(b"xref\n%d 1\n%010d 00000 n \n" % (number, offset))  # each entry exactly 20 bytes (7.5.4)
    new_trailer: dict[str, PdfObject] = {
        "/Size": NumberObject(number + 1),
        "/Root": trailer.raw_get("/Root"),
        "/Info": IndirectObject(number, 0, None),  # only ever written, never resolved
        "/Prev": NumberObject(previous_xref),
    }
    if "/ID" in trailer:
        new_trailer["/ID"] = trailer.raw_get("/ID")
    out.write(b"trailer\n")
    DictionaryObject({NameObject(key): value for key, value in new_trailer.items()}).write_to_stream(out)
    out.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


def _rewrite_info(reader: PdfReader, entries: DictionaryObject) -> bytes:
    writer = PdfWriter(reader, incremental=True)
    writer.add_metadata(entries)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_date(key: str, value: object) -> str:
    """An ISO 8601 date and time as a PDF date, `D:YYYYMMDDHHmmSS+HH'mm'` (7.9.4); no zone means UTC."""
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise OptionError("metadata", f"{key} must be an ISO 8601 date and time, e.g. 2026-03-14T09:30:00+01:00")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    offset = moment.utcoffset() or dt.timedelta()
    sign = "-" if offset < dt.timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"
