"""PDFs read with poppler's tools (pdfinfo, pdftotext, pdfimages, pdftohtml): as a reader other than ours sees them."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

Pdf = bytes | bytearray  # what gotenberg-client's responses hold

_INFO_LINE = re.compile(r"^([A-Za-z ]+):\s+(.*)$")
_PAGE_SIZE = re.compile(r"^([\d.]+) x ([\d.]+) pts")


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def _run(*command: str, pdf: Pdf) -> str:
    done = subprocess.run(command, input=pdf, capture_output=True, check=True, timeout=30)
    return done.stdout.decode("utf-8")


def info(pdf: Pdf) -> dict[str, str]:
    """pdfinfo's fields: Title, Author, Tagged, Pages, Page size, ...; dates in ISO 8601 with their own offset."""
    lines = (_INFO_LINE.match(line) for line in _run("pdfinfo", "-isodates", "-", pdf=pdf).splitlines())
    return {match[1]: match[2].strip() for match in lines if match}


def page_size(pdf: Pdf) -> tuple[float, float]:
    """The first page's width and height in points."""
    match = _PAGE_SIZE.match(info(pdf)["Page size"])
    assert match, info(pdf)["Page size"]
    return float(match[1]), float(match[2])


def texts(pdf: Pdf) -> list[str]:
    """Each page's text, ligatures spelt out (Chromium writes "fi" as one glyph)."""
    pages = _run("pdftotext", "-layout", "-", "-", pdf=pdf).split("\f")[:-1]
    return [" ".join(unicodedata.normalize("NFKC", page).split()) for page in pages]


def words(pdf: Pdf) -> list[Word]:
    """Every word of the first page with its box, in points from the top left corner."""
    xhtml = _run("pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-", pdf=pdf)
    return [
        Word(word.text or "", *(float(word.attrib[key]) for key in ("xMin", "yMin", "xMax", "yMax")))
        for word in ElementTree.fromstring(xhtml).iter("{http://www.w3.org/1999/xhtml}word")
    ]


def images(pdf: Pdf) -> list[tuple[int, int]]:
    """The (width, height) in pixels of every image, as pdfimages lists them."""
    rows = _run("pdfimages", "-list", "-", pdf=pdf).splitlines()[2:]
    return [(int(row.split()[3]), int(row.split()[4])) for row in rows]


def structure(pdf: Pdf) -> str:
    """The structure tree of a tagged PDF, one element a line (empty for an untagged one)."""
    return _run("pdfinfo", "-struct", "-", pdf=pdf)


def outline(pdf: Pdf, folder: Path) -> list[str]:
    """The bookmark titles, depth first (pdftohtml reads a file only, so the PDF goes to `folder` first)."""
    path = folder / "outline.pdf"
    path.write_bytes(pdf)
    xml = subprocess.run(
        ["pdftohtml", "-stdout", "-xml", "-i", "-q", str(path)], capture_output=True, check=True, timeout=30
    ).stdout
    root = ElementTree.fromstring(xml)
    return [(item.text or "").strip() for item in root.iter("item")]
