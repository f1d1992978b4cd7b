"""Page numbers for the contents page: a draft print finds each anchor's page, the final print shows them."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable, Mapping

from pypdf import PdfReader

from renderer.options import PLAIN, TAGGED, PrintOptions

log = logging.getLogger(__name__)

# Chromium has no CSS `target-counter()`, so the numbers come from a print. A final print whose anchors moved
# anyway is printed once more with the pages it found; after that it goes out as it is, never in a loop.
FINAL_PRINTS = 2

PageNumbers = Mapping[str, int]
Print = Callable[[str, PrintOptions], Awaitable[bytes]]
Render = Callable[[PageNumbers | None], str]


def anchor_pages(pdf: bytes) -> dict[str, int]:
    """The page (from 1) of every named destination: Chromium writes one for each `<a href="#id">` target."""
    # Strict: Chromium's output needs no repair, and pypdf then skips its check of every object's header
    # (a third of the time on a tagged report: about 6 ms instead of 18).
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    pages = {}
    for name, destination in reader.named_destinations.items():
        index = reader.get_destination_page_number(destination)
        if index is not None:
            pages[str(name).removeprefix("/")] = index + 1
    return pages


async def print_numbered(print_pdf: Print, render: Render) -> bytes:
    """The tagged PDF with its outline, whose contents page gives the pages its anchors really are on."""
    pages = anchor_pages(await print_pdf(render(None), PLAIN))  # the draft: untagged, the cheapest print
    pdf = b""
    for attempt in range(1, FINAL_PRINTS + 1):
        pdf = await print_pdf(render(pages), TAGGED)
        landed = anchor_pages(pdf)
        if landed == pages:
            break
        moved = sorted(anchor for anchor in landed.keys() | pages.keys() if landed.get(anchor) != pages.get(anchor))
        log.warning("contents: anchors moved in final print %d of %d: %s", attempt, FINAL_PRINTS, ", ".join(moved))
        pages = landed
    return pdf
