"""The renderer's OpenAPI 3.1 document, built from the report model and the print fields at request time so it
never drifts; Gotenberg's routes are in it too."""

from __future__ import annotations

from typing import Any

from crb.report import ReportData
from renderer.gotenberg import HTML_FIELDS, MERGE_FIELDS, VERSION
from renderer.print_request import FIELDS

JSON = "application/json"
MULTIPART = "multipart/form-data"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
BOTH_AUTHS: list[dict[str, list[str]]] = [{"bearer": []}, {"basic": []}]

_LENGTH = {"type": ["string", "number"], "examples": ["8.5in", "210mm", 8.5]}
_LENGTH_HELP = "A length: a number with a unit (in, cm, mm, pt, pc for picas, px for CSS pixels), or inches alone."
_FLAG = {"type": ["boolean", "string"], "enum": [True, False, "true", "false"]}
# Every print field, by Gotenberg's names: (schema, description, /v1/pdf's default, Gotenberg's default).
FIELD_DOCS: dict[str, tuple[dict[str, Any], str, object, object]] = {
    "paperWidth": (
        _LENGTH,
        f"Paper width. {_LENGTH_HELP} A4 on /v1/pdf, Letter on Gotenberg's route.",
        "8.27in",
        "8.5in",
    ),
    "paperHeight": (_LENGTH, f"Paper height. {_LENGTH_HELP}", "11.7in", "11in"),
    "marginTop": (_LENGTH, f"Top margin. {_LENGTH_HELP}", 0, "0.39in"),
    "marginBottom": (_LENGTH, f"Bottom margin. {_LENGTH_HELP}", 0, "0.39in"),
    "marginLeft": (_LENGTH, f"Left margin. {_LENGTH_HELP}", 0, "0.39in"),
    "marginRight": (_LENGTH, f"Right margin. {_LENGTH_HELP}", 0, "0.39in"),
    "landscape": (_FLAG, "Landscape: the paper turned a quarter.", False, False),
    "scale": ({"type": ["number", "string"], "minimum": 0.1, "maximum": 2}, "Zoom, from 0.1 to 2.", 1, 1),
    "nativePageRanges": ({"type": "string", "examples": ["1-5, 8, 11-13"]}, "Pages to print; all by default.", "", ""),
    "printBackground": (_FLAG, "Print background colours and images.", True, False),
    "preferCssPageSize": (_FLAG, "A CSS `@page` size wins over the paper.", True, False),
    "generateDocumentOutline": (_FLAG, "Bookmarks from the headings; makes the PDF tagged too.", False, False),
    "generateTaggedPdf": (_FLAG, "A structure tree, for screen readers and reflow.", False, False),
    "headerTemplate": (
        {"type": "string"},
        "Chromium's header template: HTML whose elements of class pageNumber, totalPages, title, url and date are"
        " filled in. It may load nothing but data: URLs.",
        None,
        None,
    ),
    "footerTemplate": ({"type": "string"}, "Chromium's footer template, as headerTemplate.", None, None),
    "javascript": (_FLAG, "Run the document's scripts, still without network.", False, False),
    "waitForExpression": (
        {"type": "string", "examples": ["window.ready === true"]},
        "A JavaScript expression to wait for before printing; needs javascript.",
        None,
        None,
    ),
    "metadata": (
        {"type": ["object", "string"], "examples": [{"Title": "Q1", "Author": "Finance", "Keywords": ["q1"]}]},
        "Document information: Title, Author, Subject, Keywords (a string or a list), Creator, Producer, CreationDate"
        " and ModDate (ISO 8601). An object, or its JSON text.",
        None,
        None,
    ),
    "autoIndexBookmarks": (_FLAG, "Keep each file's bookmarks, pointing at its pages in the whole.", None, False),
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable, e.g. `invalid_report`."},
                "message": {"type": "string", "description": "For people; safe to show."},
                "field": {"type": ["string", "null"], "description": "The dotted path of the invalid field."},
            },
        }
    },
}

GOTENBERG_HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "details"],
    "properties": {
        "status": {"enum": ["up", "down"]},
        "details": {
            "type": "object",
            "properties": {
                "chromium": {
                    "type": "object",
                    "required": ["status", "timestamp"],
                    "properties": {"status": {"enum": ["up", "down"]}, "timestamp": {"type": "string"}},
                }
            },
        },
    },
}

HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "browser"],
    "properties": {
        "status": {"enum": ["ok", "unavailable"]},
        "browser": {"type": "boolean", "description": "Whether Chromium is connected."},
    },
}

OBJECT_ONLY: dict[str, Any] = {"type": "object", "examples": [{"Title": "Q1", "Author": "Finance", "Keywords": ["q1"]}]}
DOCUMENT: dict[str, Any] = {"type": "string", "pattern": r"\S"}  # an HTML document: not empty, not only blanks
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The whole document; `ReportData`'s JSON Schema comes from the model as it is now."""
    schemas = _report_schemas()
    schemas["Error"] = ERROR_SCHEMA
    schemas["Health"] = HEALTH_SCHEMA
    schemas["GotenbergHealth"] = GOTENBERG_HEALTH_SCHEMA
    schemas["PdfRequest"] = _pdf_request_schema()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CRB Analyser renderer",
            "version": "1",
            "description": "Report data or an HTML document in, PDF out, through headless Chromium with no network.",
        },
        "servers": [{"url": server_url}] if server_url else [],
        "paths": {
            "/v1/reports": {"post": _reports_operation()},
            "/v1/pdf": {"post": _pdf_operation()},
            "/healthz": {"get": _healthz_operation()},
            "/metrics": {"get": _metrics_operation()},
            "/openapi.json": {"get": _openapi_operation()},
            "/forms/chromium/convert/html": {"post": _convert_html_operation()},
            "/forms/pdfengines/merge": {"post": _merge_operation()},
            "/health": {"get": _gotenberg_health_operation()},
            "/version": {"get": _version_operation()},
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "RENDERER_TOKEN"},
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "Gotenberg's routes: any user name, RENDERER_TOKEN as the password",
                },
            },
        },
    }


def _report_schemas() -> dict[str, Any]:
    """`ReportData` and the models it uses, with references pointing into `components/schemas`."""
    schema = ReportData.model_json_schema(ref_template="#/components/schemas/{model}")
    defs: dict[str, Any] = schema.pop("$defs", {})
    return {**defs, "ReportData": schema}


def _reports_operation() -> dict[str, Any]:
    return {
        "summary": "Render a report's PDF from its data",
        "description": (
            "A tagged PDF with a bookmark for every section and recommendation and the page numbers on its contents"
            " page, printed twice: a plain draft finds the pages, the final print shows them."
        ),
        "operationId": "renderReport",
        "security": [{"bearer": []}],
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/ReportData"}}},
        },
        "responses": {
            "200": _pdf_response(),
            **_errors(400, 401, 413, 422, 500, 503, 504),
        },
    }


def _pdf_operation() -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "query", "required": False, "description": description}
        # An object goes into the query as its JSON text (OpenAPI's `content`), not as a key=value per property.
        | (
            {"content": {JSON: {"schema": OBJECT_ONLY}}}
            if name == "metadata"
            else {"schema": _with_default(schema, default)}
        )
        for name, (schema, description, default, _) in FIELD_DOCS.items()
        if name in FIELDS
    ]
    return {
        "summary": "Render any HTML document as PDF, with no network and no file access",
        "description": (
            "The document as text/html with the print options in the query string, or as JSON with the document"
            " under `html` and the options beside it. The option names are Gotenberg's."
        ),
        "operationId": "renderHtml",
        "security": [{"bearer": []}],
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "content": {
                "text/html": {"schema": DOCUMENT},
                JSON: {"schema": {"$ref": "#/components/schemas/PdfRequest"}},
            },
        },
        "responses": {
            "200": _pdf_response(),
            **_errors(400, 401, 413, 415, 422, 500, 503, 504),
        },
    }


def _pdf_request_schema() -> dict[str, Any]:
    properties = {  # null, as JSON clients send for "not set", is the default
        name: {**_nullable(_with_default(schema, default)), "description": description}
        for name, (schema, description, default, _) in FIELD_DOCS.items()
        if name in FIELDS
    }
    return {
        "type": "object",
        "required": ["html"],
        "additionalProperties": False,
        "properties": {"html": {**DOCUMENT, "description": "The HTML document."}, **properties},
    }


def _convert_html_operation() -> dict[str, Any]:
    files = {
        "index.html": {"type": "string", "contentMediaType": "text/html", "description": "The document."},
        "header.html": {"type": "string", "contentMediaType": "text/html", "description": "Chromium's header."},
        "footer.html": {"type": "string", "contentMediaType": "text/html", "description": "Chromium's footer."},
    }
    description = (
        "Gotenberg's route (https://gotenberg.dev/docs/convert-with-chromium/convert-html-to-pdf): `index.html` and"
        " the files it refers to by name (images, fonts, style sheets), each a file part of any field name, served"
        " to the page from memory. Gotenberg's fields this renderer does not offer are refused by name (400)."
    )
    return _gotenberg_operation("convertHtml", "Gotenberg: HTML and its files to PDF", description, files, HTML_FIELDS)


def _merge_operation() -> dict[str, Any]:
    files = {"files": {"type": "array", "items": {"type": "string", "contentMediaType": "application/pdf"}}}
    description = (
        "Gotenberg's route (https://gotenberg.dev/docs/manipulate-pdfs/merge-pdfs): the PDFs in the order of their"
        " file names, a numeric prefix first by its value, then by name."
    )
    return _gotenberg_operation("mergePdfs", "Gotenberg: PDFs merged into one", description, files, MERGE_FIELDS)


def _gotenberg_operation(
    operation: str, summary: str, description: str, files: dict[str, Any], fields: frozenset[str]
) -> dict[str, Any]:
    properties = {
        name: {"type": "string", "description": doc, **({"default": str(default)} if default is not None else {})}
        for name, (_, doc, _, default) in FIELD_DOCS.items()
        if name in fields
    }
    headers = [
        ("Gotenberg-Output-Filename", "The PDF's file name, without .pdf; a random one by default."),
        ("Gotenberg-Trace", "The request's id in the renderer's logs; a new one by default."),
    ]
    pdf = _pdf_response()
    pdf["headers"] = {
        **pdf["headers"],
        "Content-Disposition": {"description": "attachment, with the file name.", "schema": {"type": "string"}},
        "Gotenberg-Trace": {"description": "The request's id.", "schema": {"type": "string"}},
    }
    return {
        "summary": summary,
        "description": description,
        "operationId": operation,
        "security": BOTH_AUTHS,
        "parameters": [
            {"name": name, "in": "header", "required": False, "description": doc, "schema": {"type": "string"}}
            for name, doc in headers
        ],
        "requestBody": {
            "required": True,
            "content": {MULTIPART: {"schema": {"type": "object", "properties": {**files, **properties}}}},
        },
        "responses": {"200": pdf, **_errors(400, 401, 404, 413, 415, 500, 503, 504)},
    }


def _gotenberg_health_operation() -> dict[str, Any]:
    health = {JSON: {"schema": {"$ref": "#/components/schemas/GotenbergHealth"}}}
    return {
        "summary": "Gotenberg's health check: whether Chromium is up",
        "operationId": "gotenbergHealth",
        "security": [],
        "responses": {
            "200": {"description": "Chromium is up.", "content": health},
            "503": {"description": "Chromium is down or restarting.", "content": health},
        },
    }


def _version_operation() -> dict[str, Any]:
    text = {"text/plain": {"schema": {"type": "string", "examples": [VERSION]}}}
    return {
        "summary": "The Gotenberg API version this follows, with the renderer's name as SemVer build metadata",
        "operationId": "version",
        "security": [],
        "responses": {"200": {"description": "The version.", "content": text}},
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    nullable = {**schema, "type": [*types, "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _with_default(schema: dict[str, Any], default: object) -> dict[str, Any]:
    return {**schema, "default": default} if isinstance(default, bool | int | float | str) else schema


def _healthz_operation() -> dict[str, Any]:
    health = {JSON: {"schema": {"$ref": "#/components/schemas/Health"}}}
    return {
        "summary": "Whether the browser is connected",
        "operationId": "health",
        "security": [],
        "responses": {
            "200": {"description": "Ready to print.", "content": health},
            "503": {"description": "The browser is down or restarting.", "content": health},
        },
    }


def _metrics_operation() -> dict[str, Any]:
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        "summary": "Prometheus metrics: jobs, durations, queue depth, restarts",
        "operationId": "metrics",
        "security": [],
        "responses": {"200": {"description": "Text exposition format 0.0.4.", "content": text}},
    }


def _openapi_operation() -> dict[str, Any]:
    return {
        "summary": "This document",
        "operationId": "openapi",
        "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1.", "content": {JSON: {"schema": {"type": "object"}}}}},
    }


def _pdf_response() -> dict[str, Any]:
    return {
        "description": "The PDF.",
        "headers": {"X-Page-Count": {"description": "Pages in the PDF.", "schema": {"type": "integer"}}},
        "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}},
    }


_ERROR_DESCRIPTIONS = {
    400: "Malformed body, parameter or form field; `field` names it.",
    401: "Missing or wrong bearer token.",
    413: "The body is larger than RENDERER_MAX_BODY_BYTES.",
    404: "A Gotenberg route this renderer does not offer; the message says what to use.",
    415: "The body is not of a type the route takes.",
    422: "The JSON body does not match its schema; `field` names the first invalid field.",
    500: "The browser could not print the document.",
    503: "At capacity (`busy`) or the browser is restarting (`browser_unavailable`).",
    504: "The job passed its deadline (RENDERER_JOB_TIMEOUT_S), queue wait included.",
}


def _errors(*statuses: int) -> dict[str, Any]:
    responses = {}
    for status in statuses:
        content = {JSON: {"schema": ERROR_REF}}
        response: dict[str, Any] = {"description": _ERROR_DESCRIPTIONS[status], "content": content}
        if status == 503:
            response["headers"] = RETRY_AFTER
        responses[str(status)] = response
    return responses
