"""One middleware that turns every failure into `crb.errors.error_body` (never a stack trace)."""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
from aiohttp import web
from aiohttp.typedefs import Handler

from crb import db, jsonlimits, logs
from crb.errors import BadRequest, DomainError, error_body
from crb.quiz import AnswerError, InvalidAnswers
from crb.quiz.confirmation import InvalidConfirmation, NeedsConfirmation
from crb.quiz.plausibility import Extreme
from crb.ratelimits import RateLimited

log = logging.getLogger(__name__)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as e:
        return web.json_response(error_body(e.code, e.message, e.field), status=e.status)
    except InvalidAnswers as e:
        return _answer_errors("invalid_answers", e, e.errors)
    except InvalidConfirmation as e:
        return _answer_errors("invalid_confirmation", e, e.errors)
    except NeedsConfirmation as e:
        details = [{"code": "needs_confirmation", **extreme_body(x)} for x in e.extremes]
        first = e.extremes[0].question_id
        return web.json_response(error_body("needs_confirmation", str(e), first, errors=details), status=422)
    except RateLimited as e:
        body = error_body("rate_limited", str(e))
        return web.json_response(body, status=429, headers={"Retry-After": str(e.retry_after_s)})
    except db.UNAVAILABLE as e:
        log.warning("%s %s: the database is not answering: %r", request.method, request.path, e)
        return _unavailable("database")
    except redis.exceptions.ConnectionError as e:
        log.warning("%s %s: Redis is not answering: %r", request.method, request.path, e)
        return _unavailable("redis")
    except web.HTTPException as e:
        if e.status < 400 or e.content_type == "application/json":
            raise
        code = e.reason.lower().replace(" ", "_")
        return web.json_response(error_body(code, e.reason), status=e.status, headers=_allow(e))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        body = error_body("internal_error", "something went wrong on our side", request_id=logs.REQUEST_ID.get())
        return web.json_response(body, status=500)


RETRY_AFTER_S = 5  # what a client waits before trying again when a dependency is down


def _unavailable(dependency: str) -> web.Response:
    message = f"the {dependency} is not answering; retry in a moment"
    body = error_body("unavailable", message, down=[dependency], request_id=logs.REQUEST_ID.get())
    return web.json_response(body, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})


def _answer_errors(code: str, e: Exception, errors: list[AnswerError]) -> web.Response:
    details = [{"field": x.question_id, "code": x.code, "message": x.message} for x in errors]
    return web.json_response(error_body(code, str(e), errors[0].question_id, errors=details), status=422)


def extreme_body(x: Extreme) -> dict[str, Any]:
    """An answer to confirm, as the API shows it: `{"field", "value", "message"}`."""
    value = int(x.value) if x.value.is_integer() else x.value
    return {"field": x.question_id, "value": value, "message": x.message}


def _allow(e: web.HTTPException) -> dict[str, str]:
    allow = e.headers.get("Allow")
    return {"Allow": allow} if allow else {}


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    try:
        body = jsonlimits.loads(await request.read() or b"null")
    except jsonlimits.TooDeep as e:
        raise BadRequest(str(e), code="json_too_deep") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON", code="invalid_json") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code="invalid_json")
    return body
