"""The renderer's OpenAPI 3.1 document, built from the report model at request time so it never drifts."""

from __future__ import annotations

from typing import Any

from crb.report import ReportData

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}

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

HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "browser"],
    "properties": {
        "status": {"enum": ["ok", "unavailable"]},
        "browser": {"type": "boolean", "description": "Whether Chromium is connected."},
    },
}

RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The whole document; `ReportData`'s JSON Schema comes from the model as it is now."""
    schemas = _report_schemas()
    schemas["Error"] = ERROR_SCHEMA
    schemas["Health"] = HEALTH_SCHEMA
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
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "RENDERER_TOKEN"}},
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
    return {
        "summary": "Render any HTML document as PDF, with no network and no file access",
        "operationId": "renderHtml",
        "security": [{"bearer": []}],
        "parameters": [
            {
                "name": "javascript",
                "in": "query",
                "required": False,
                "description": "Run the document's scripts (still without network); off by default.",
                "schema": {"type": "boolean", "default": False},
            }
        ],
        "requestBody": {"required": True, "content": {"text/html": {"schema": {"type": "string"}}}},
        "responses": {
            "200": _pdf_response(),
            **_errors(400, 401, 413, 415, 500, 503, 504),
        },
    }


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
    400: "Malformed body or parameter.",
    401: "Missing or wrong bearer token.",
    413: "The body is larger than RENDERER_MAX_BODY_BYTES.",
    415: "The body is not text/html.",
    422: "The report data does not match ReportData; `field` names the first invalid field.",
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
