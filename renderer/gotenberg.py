"""Gotenberg's routes, so that a Gotenberg client works by changing its base URL: HTML to PDF through Chromium,
merging PDFs, health and version (https://gotenberg.dev/docs/). What Gotenberg offers beyond them is refused by name.

A form field is taken if this renderer does what it asks; a Gotenberg field whose default is what this renderer
does anyway is taken at that value and refused at any other; every other field is refused with a 400 naming it, so
that nothing asked for is silently left out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

from renderer.assets import INDEX, Bundle, asset
from renderer.errors import ApiError
from renderer.forms import Form, Upload, read_form
from renderer.headers import check_template
from renderer.merge import merge_order, merge_pdfs
from renderer.options import GOTENBERG, OptionError, read_flag
from renderer.pdfinfo import read_metadata, set_info
from renderer.print_request import FIELDS, PrintRequest, read_print_request
from renderer.state import METRICS, PRINTER, SETTINGS, guarded, pdf_response

# The Gotenberg API this follows, with our name as SemVer build metadata: clients that compare versions see 8.
VERSION = "8.0.0+crb-renderer"
PATHS = ("/forms/", "/health", "/version")
MAX_FILENAME_CHARS = 200

# Chromium's header and footer templates, as Gotenberg takes them: files of these names.
HEADER, FOOTER = "header.html", "footer.html"
# `javascript` is ours: Gotenberg runs a document's scripts unless started without, this renderer only when asked.
HTML_FIELDS = FIELDS - {"headerTemplate", "footerTemplate"}
MERGE_FIELDS = frozenset({"metadata", "autoIndexBookmarks"})
# Gotenberg fields whose default is what this renderer does anyway, and that default.
AT_DEFAULT = {
    "singlePage": "false",
    "omitBackground": "false",
    "emulatedMediaType": "print",
    "failOnConsoleExceptions": "false",
    "failOnResourceLoadingFailed": "false",
    "pdfa": "",
    "pdfua": "false",
    "flatten": "false",
}
# Performance hints about waiting for a network that is not there: nothing to do, whatever they say.
NO_EFFECT = {"skipNetworkIdleEvent", "skipNetworkAlmostIdleEvent"}
NETWORK = "the renderer never goes to the network, so send every file the document needs with it"
NEEDS_NETWORK = {
    "url",
    "downloadFrom",
    "cookies",
    "extraHttpHeaders",
    "userAgent",
    "failOnHttpStatusCodes",
    "failOnResourceHttpStatusCodes",
    "ignoreResourceHttpStatusDomains",
}
# Files Gotenberg takes under these form-field names for features this renderer does not offer.
SPECIAL_FILE_FIELDS = {"embeds": "attachments", "watermark": "watermarks", "stamp": "stamps"}
# Gotenberg's other routes, and what to use instead.
CONVERT_HTML = "POST /forms/chromium/convert/html"
OTHER_ROUTES = {
    "chromium/convert/url": (
        "URL conversion is not offered: the renderer never goes to the network. "
        f"Send the page as index.html, with the files it needs, to {CONVERT_HTML}"
    ),
    "chromium/convert/markdown": f"Markdown is not converted here: send it as HTML to {CONVERT_HTML}",
}
OFFERED = f"{CONVERT_HTML}, POST /forms/pdfengines/merge, GET /health and GET /version"


async def convert_html(request: web.Request) -> web.Response:
    """`POST /forms/chromium/convert/html`: `index.html` and its files, Gotenberg's print fields, one PDF."""
    app = request.app
    with app[METRICS].job("html"):
        filename = _before_reading(request)
        bundle, asked = html_job(await read_form(request, app[SETTINGS].renderer_max_body_bytes))
        async with guarded(app):
            pdf = await app[PRINTER].print_bundle(
                bundle, javascript=asked.javascript, timeout_s=None, options=asked.options, wait_for=asked.wait_for
            )
            if asked.info:
                pdf = await asyncio.to_thread(set_info, pdf, asked.info)
    return pdf_response(pdf, disposition=attachment(filename))


async def merge(request: web.Request) -> web.Response:
    """`POST /forms/pdfengines/merge`: the PDFs in the order of their names, as one."""
    app = request.app
    with app[METRICS].job("merge"):
        filename = _before_reading(request)
        form = await read_form(request, app[SETTINGS].renderer_max_body_bytes)
        check_fields(form.fields, MERGE_FIELDS)
        files = _pdf_files(form)
        outlines = read_flag(form.fields, "autoIndexBookmarks", False)
        info = read_metadata(form.fields.get("metadata"))
        async with guarded(app):
            merged = await asyncio.to_thread(merge_pdfs, files, outlines=outlines, info=info)
    return pdf_response(merged.pdf, pages=merged.pages, disposition=attachment(filename))


async def health(request: web.Request) -> web.Response:
    """Gotenberg's health check: 200 while Chromium is connected, 503 while it is down or restarting."""
    up = request.app[PRINTER].connected
    status = "up" if up else "down"
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"status": status, "details": {"chromium": {"status": status, "timestamp": now}}}
    return web.json_response(body, status=200 if up else 503)


async def version(request: web.Request) -> web.Response:
    return web.Response(text=VERSION)


async def other_route(request: web.Request) -> web.Response:
    """Any other `/forms/` route: 404, saying what to use instead."""
    route = request.match_info["route"]
    message = OTHER_ROUTES.get(route) or f"POST /forms/{route} is not a route of this renderer; it offers {OFFERED}"
    raise ApiError(404, "not_found", message)


@web.middleware
async def traces(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gotenberg's `Gotenberg-Trace`: the caller's is the request's id (`X-Request-Id`, in every log line) unless it
    sends one of those too, and every answer of a Gotenberg route carries the id back under both names.

    It runs before `crb.logs.request_ids`, which takes the id from `X-Request-Id`."""
    if not request.path.startswith(PATHS):
        return await handler(request)
    trace = request.headers.get("Gotenberg-Trace")
    if trace and "X-Request-Id" not in request.headers:
        headers = CIMultiDict(request.headers)
        headers["X-Request-Id"] = trace
        request = request.clone(headers=headers)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["Gotenberg-Trace"] = exc.headers.get("X-Request-Id", "")
        raise
    response.headers["Gotenberg-Trace"] = response.headers.get("X-Request-Id", "")
    return response


def html_job(form: Form) -> tuple[Bundle, PrintRequest]:
    """What a convert/html form asks for; OptionError or ApiError (400) naming the first thing wrong."""
    for name in (INDEX, HEADER, FOOTER):
        if name in form.fields:
            raise OptionError(name, "must be sent as a file: a form part with a file name")
    check_fields(form.fields, HTML_FIELDS)
    files = dict(form.files)
    _refuse_special_files(files.values())
    if INDEX not in files:
        raise ApiError(400, "invalid_form", "send the document as a file named index.html", field=INDEX)
    templates = {
        "headerTemplate": _template(files.pop(HEADER, None)),
        "footerTemplate": _template(files.pop(FOOTER, None)),
    }
    asked = read_print_request({**form.fields, **templates}, GOTENBERG)
    bundle = Bundle({name: asset(name, upload.body, upload.content_type) for name, upload in files.items()})
    return bundle, asked


def check_fields(fields: Mapping[str, str], taken: frozenset[str]) -> None:
    """OptionError for the first field the route does not take as sent."""
    for name, value in fields.items():
        if name in taken or name in NO_EFFECT:
            continue
        if name in AT_DEFAULT:
            default = AT_DEFAULT[name]
            if value.strip().lower() in {default, *({"f", "0"} if default == "false" else set())}:
                continue
            raise OptionError(name, f"is not offered here but at its default ({default or 'empty'})")
        if name in NEEDS_NETWORK:
            raise OptionError(name, f"is not offered: {NETWORK}")
        raise OptionError(name, f"is not a form field this route takes ({', '.join(sorted(taken))})")


def attachment(filename: str) -> str:
    """A Content-Disposition for the file, its name in ASCII for old clients and in UTF-8 (RFC 6266)."""
    fallback = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _before_reading(request: web.Request) -> str:
    """Refuse what the headers ask for that is not offered, before reading the body; the output file's name."""
    for header in request.headers:
        if header.lower().startswith("gotenberg-webhook"):
            raise ApiError(
                400,
                "invalid_header",
                f"webhooks are not offered ({header}): the renderer never goes to the network; the PDF is the answer",
            )
    name = request.headers.get("Gotenberg-Output-Filename", "").strip() or str(uuid.uuid4())
    if len(name) > MAX_FILENAME_CHARS or any(ch in "/\\" or unicodedata.category(ch)[0] == "C" for ch in name):
        message = f"Gotenberg-Output-Filename must be a plain file name of at most {MAX_FILENAME_CHARS} characters"
        raise ApiError(400, "invalid_header", message)
    return f"{name}.pdf"  # Gotenberg adds the extension


def _refuse_special_files(uploads: Iterable[Upload]) -> None:
    for upload in uploads:
        if upload.field in SPECIAL_FILE_FIELDS:
            feature = SPECIAL_FILE_FIELDS[upload.field]
            raise OptionError(upload.field, f"{feature} are not offered ({upload.name})")


def _template(upload: Upload | None) -> str | None:
    if upload is None:
        return None
    try:
        html = upload.body.decode("utf-8")
    except UnicodeDecodeError:
        raise OptionError(upload.name, "must be UTF-8 text") from None
    check_template(upload.name, html)
    return html


def _pdf_files(form: Form) -> list[tuple[str, bytes]]:
    _refuse_special_files(form.files.values())
    if not form.files:
        raise ApiError(400, "invalid_form", "send at least one PDF file")
    for name in form.files:
        if not name.lower().endswith(".pdf"):
            raise ApiError(400, "invalid_form", f"{name} is not a .pdf file; only PDFs are merged", field=name)
    return [(name, form.files[name].body) for name in merge_order(form.files)]
