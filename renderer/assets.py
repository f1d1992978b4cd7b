"""A job's uploaded files, served to its page from memory through the browser context's request routing.

Gotenberg writes `index.html` and its files to one folder and opens it as `file://` (its docs: reference files by
name, no folders). Here each job gets an origin of its own, `http://job-<random>.renderer.invalid/`, whose files
exist only in this process's memory for as long as the job prints: the page loads `index.html` from it, and
relative references resolve against it. Every other request is refused, as before; `.invalid` is a name no
resolver answers (RFC 2606), and none is asked, since routing answers first.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route

INDEX = "index.html"
SITE_SUFFIX = ".renderer.invalid"

# By file name, as a page opened from a folder would have them (Chromium types `file://` by extension); a fixed
# table rather than the system's mime.types, so every machine serves the same.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Bundle:
    """An `index.html` and the files it refers to, by file name."""

    files: Mapping[str, Asset]

    @property
    def index(self) -> Asset:
        return self.files[INDEX]


def asset(name: str, body: bytes, declared: str | None = None) -> Asset:
    """A file typed by its extension, else by what the upload declared, else as bytes."""
    content_type = CONTENT_TYPES.get(PurePosixPath(name).suffix.lower()) or declared or "application/octet-stream"
    if content_type == "text/html":
        content_type = _html_type(body)
    return Asset(body, content_type)


def _html_type(body: bytes) -> str:
    """UTF-8 for an HTML file that is UTF-8 and does not say its encoding, as Chromium reads one from a folder.

    Chromium guesses the encoding of a `file://` page that declares none, but takes an `http://` one as
    windows-1252; a page that declares one (a `<meta charset>` in its first 1024 bytes, where the HTML standard
    looks) is served without, so that its own declaration decides.
    """
    if b"charset" in body[:1024].lower():
        return "text/html"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "text/html"
    return "text/html; charset=utf-8"


class AssetServer:
    """Answers the requests of every page of a browser context: a job's own files, inline data, nothing else."""

    def __init__(self) -> None:
        self._sites: dict[str, Bundle] = {}

    @contextlib.contextmanager
    def serving(self, bundle: Bundle) -> Iterator[str]:
        """The address of the bundle's `index.html`, valid until the block ends."""
        host = f"job-{secrets.token_hex(16)}{SITE_SUFFIX}"
        self._sites[host] = bundle
        try:
            yield f"http://{host}/{INDEX}"
        finally:
            del self._sites[host]

    @property
    def serving_now(self) -> int:
        """How many jobs' files are being served (none once every job has finished)."""
        return len(self._sites)

    def find(self, url: str) -> Asset | None:
        """The file `url` names, if a job is serving it; a query or fragment is ignored, as on a `file://` page."""
        parts = urlsplit(url)
        bundle = self._sites.get(parts.hostname or "") if parts.scheme == "http" else None
        if bundle is None:
            return None
        return bundle.files.get(unquote(parts.path.removeprefix("/")))

    async def route(self, route: Route) -> None:
        """Playwright's route handler: inline `data:` URLs load, a job's files are served, the rest is refused."""
        url = route.request.url
        with contextlib.suppress(PlaywrightError):  # the page went away meanwhile: nothing is left to answer
            if url.startswith("data:"):
                await route.continue_()
            elif (found := self.find(url)) is not None:
                headers = {"Content-Type": found.content_type, "Cache-Control": "no-store"}
                await route.fulfill(status=200, body=found.body, headers=headers)
            else:
                await route.abort("blockedbyclient")
