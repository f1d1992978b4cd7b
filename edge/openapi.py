"""`GET /api/openapi.json`: the edge's OpenAPI 3.1 document, its schemas generated from the models the handlers
answer through (`edge.api`), so it cannot drift from them; the test suite fuzzes the edge from it."""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from edge.api import REQUESTS, RESPONSES
from edge.keys import SETTINGS

JSON = "application/json"
REF = "#/components/schemas/{model}"
SESSION_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "the quiz session's id (from `POST /api/sessions`)",
    "schema": {"type": "string", "format": "uuid"},
}
SESSION_AUTH: list[dict[str, list[str]]] = [{"session": []}]
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(name: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {JSON: {"schema": _ref(name)}}}
    return answer | ({"headers": headers} if headers else {})


def _errors(*statuses: int) -> dict[str, Any]:
    """The error envelope under each status, and the ones every route can answer: 400 for a malformed request,
    429 past a rate limit and 503 while the database or Redis is away."""
    said = {
        400: "a malformed request (not JSON, nested too deep, too large)",
        401: "the session's bearer token is missing or wrong",
        403: "not allowed now (e.g. downloads paused during a payment dispute)",
        404: "no such session or report",
        409: "the session is not in a state for this (e.g. already paid)",
        410: "no longer available (refunded or erased)",
        413: "the body is too large",
        415: "the body is not JSON",
        422: "the input is invalid; `field` names it",
        429: "too many requests; see Retry-After",
        502: "the payment provider did not answer",
        503: "a dependency is down; see Retry-After",
    }
    answers = {}
    for status in sorted({400, 429, 503, *statuses}):
        headers = RETRY_AFTER if status in (429, 503) else None
        answers[str(status)] = _json("ErrorBody", said[status], headers)
    return answers


def _operation(
    operation_id: str,
    summary: str,
    answers: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
    secured: bool = False,
    errors: tuple[int, ...] = (),
) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "responses": answers}
    operation["responses"] |= _errors(*errors, *((401, 404) if secured else ()))
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(body)}}}
    if secured:
        operation["security"] = SESSION_AUTH
    return operation


@cache
def _schemas() -> dict[str, Any]:
    """Every model's JSON Schema, as components (the models' own nested ones beside them)."""
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in REQUESTS]
    pairs += [(m, "serialization") for m in RESPONSES]
    _, top = models_json_schema(pairs, ref_template=REF)
    return dict(top.get("$defs", {}))


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The whole document; the schemas come from `edge.api`'s models as they are now."""
    session = [SESSION_ID]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CRB Analyser edge",
            "version": "1",
            "description": "The quiz, its sessions and teaser, checkout, the report's status and download, erasure,"
            " unsubscribe and Stripe's webhook. Errors are `ErrorBody` with a 4xx naming the problem.",
        },
        "servers": [{"url": server_url}] if server_url else [],
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "session": {"type": "http", "scheme": "bearer", "description": "a session's token"},
            },
        },
        "paths": {
            "/api/quiz": {
                "get": _operation("getQuiz", "The quiz and the tiers", {"200": _json("QuizDocument", "the quiz")})
            },
            "/api/sessions": {
                "post": _operation(
                    "createSession", "Start a quiz session", {"201": _json("SessionCreated", "its id and token")}
                )
            },
            "/api/sessions/{id}": {
                "get": _operation(
                    "getSession",
                    "The session: answers, teaser, report and order",
                    {"200": _json("SessionState", "the session as it is now")},
                    parameters=session,
                    secured=True,
                ),
                "delete": _operation(
                    "eraseSession",
                    "Erase the customer's data (answers, email, PDFs); the accounts keep the payment",
                    {"200": _json("Erased", "erased")},
                    parameters=session,
                    secured=True,
                ),
            },
            "/api/sessions/{id}/answers": {
                "put": _operation(
                    "saveAnswers",
                    "Merge answers (null takes one back) and confirm extreme ones",
                    {"200": _json("AnswersSaved", "the answers as stored")},
                    parameters=session,
                    body="AnswersBody",
                    secured=True,
                    errors=(409, 413, 415, 422),
                )
            },
            "/api/sessions/{id}/complete": {
                "post": _operation(
                    "completeQuiz",
                    "Complete the quiz: the teaser",
                    {"200": _json("Teaser", "the free teaser")},
                    parameters=session,
                    secured=True,
                    errors=(409, 410, 422),
                )
            },
            "/api/sessions/{id}/checkout": {
                "post": _operation(
                    "startCheckout",
                    "A checkout for the completed quiz (the open one again on a second click)",
                    {"200": _json("CheckoutStarted", "where to pay")},
                    parameters=session,
                    body="CheckoutBody",
                    secured=True,
                    errors=(409, 413, 415, 422, 502),
                )
            },
            "/api/sessions/{id}/report": {
                "get": _operation(
                    "getReport",
                    "The report's status and, once ready, its download link",
                    {"200": _json("ReportState", "the report's state")},
                    parameters=session,
                    secured=True,
                )
            },
            "/api/reports/{report_id}/download": {
                "get": _operation(
                    "downloadReport",
                    "The report's PDF, by the signed link in the email",
                    {
                        "200": {"description": "the PDF", "content": {"application/pdf": {}}},
                        "202": {"description": "being made again (the stored file was purged); try shortly"},
                        "302": {"description": "a redirect to a short-lived signed storage link"},
                    },
                    parameters=[
                        {"name": "report_id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}},
                    ],
                    errors=(401, 403, 404, 409, 410),
                )
            },
            "/api/unsubscribe": {
                "get": _operation(
                    "unsubscribe",
                    "One click: no more follow-ups or reminders",
                    {
                        "200": {
                            "description": "a page, or JSON for a client that asks for it",
                            "content": {"text/html": {}, JSON: {"schema": _ref("Unsubscribed")}},
                        }
                    },
                    parameters=[{"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}],
                )
            },
            "/api/payments/webhook": {
                "post": _operation(
                    "stripeWebhook",
                    "Stripe's events, signed (Stripe-Signature); each applied once",
                    {"200": _json("WebhookReceived", "received, and what it did")},
                    parameters=[
                        {"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
                    ],
                )
            },
            "/healthz": {
                "get": _operation(
                    "health", "200 when the database and Redis answer", {"200": _json("Health", "all answer")}
                )
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {JSON: {}}}},
                }
            },
        },
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(request.app[SETTINGS].public_base_url))
