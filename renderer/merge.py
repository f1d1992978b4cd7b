"""Several PDFs into one with pypdf, in Gotenberg's order of their file names.

https://gotenberg.dev/docs/manipulate-pdfs/merge-pdfs
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

log = logging.getLogger(__name__)

_NUMBER_PREFIX = re.compile(r"^(\d+)(.*)$", re.DOTALL)


class MergeError(ValueError):
    """One of the files cannot be merged; the message names it."""


@dataclass(frozen=True)
class Merged:
    pdf: bytes
    pages: int


def merge_order(names: Iterable[str]) -> list[str]:
    """File names in the order Gotenberg merges them: a numeric prefix first, by its value (`2_b.pdf` before
    `10_a.pdf`, as clients number their files), then the rest by name."""

    def key(name: str) -> tuple[int, int, str]:
        match = _NUMBER_PREFIX.match(name)
        return (0, int(match[1]), match[2]) if match else (1, 0, name)

    return sorted(names, key=key)


def merge_pdfs(files: Sequence[tuple[str, bytes]], *, outlines: bool, info: Mapping[str, str]) -> Merged:
    """The files' pages in the order given, their bookmarks (when `outlines`) pointing at their pages in the whole,
    and `info` as its document information. CPU-bound: run it off the event loop.

    The structure trees of tagged inputs are not carried over (pypdf copies pages, not the tree), so the result
    is not a tagged PDF.
    """
    writer = PdfWriter()
    for name, body in files:
        try:
            reader = PdfReader(io.BytesIO(body))
            if reader.is_encrypted:
                raise MergeError(f"{name} is encrypted; send it without a password")
            writer.append(reader, import_outline=outlines)
        except MergeError:
            raise
        except Exception as exc:  # a malformed file fails pypdf in many ways, all of them the file's
            log.info("merge: %s cannot be read: %s: %s", name, type(exc).__name__, exc)
            raise MergeError(f"{name} is not a PDF that can be read") from exc
    if info:
        writer.add_metadata({f"/{key}": value for key, value in info.items()})
    out = io.BytesIO()
    writer.write(out)
    return Merged(out.getvalue(), len(writer.pages))
