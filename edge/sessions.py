"""Quiz session handlers: the quiz, create, answer, complete (the teaser) and report status."""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from aiohttp import web

from crb import analysis, downloads, fulfilment, lifecycle, links, orders, sessions
from crb.errors import Conflict, Gone, ServiceUnavailable, Unprocessable, UpstreamError
from crb.quiz import Quiz, load_quiz, validate_answers
from crb.quiz import confirmation as confirming
from crb.quiz.confirmation import Confirmations
from crb.storage import StorageError
from edge.api import (
    AnswersSaved,
    CheckoutState,
    Erased,
    OrderView,
    ReportState,
    SessionCreated,
    SessionState,
    TierView,
    ToConfirm,
)
from edge.auth import authorised
from edge.errors import extreme_body, read_json_object
from edge.keys import GATEWAY, POOL, RELAY, SETTINGS, STORE

log = logging.getLogger(__name__)


async def get_quiz(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    quiz = load_quiz().model_dump(mode="json", exclude_none=True)
    tiers = [TierView(id=t.id, name=t.name, amount=t.amount, currency=t.currency).body() for t in settings.tiers]
    return web.json_response(quiz | {"tiers": tiers})


async def create_session(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        new = await sessions.create(conn, load_quiz().version)
    return web.json_response(SessionCreated(id=new.id, token=new.token, status="in_progress").body(), status=201)


async def _current(request: web.Request) -> sessions.QuizSession:
    """The authorised session as it is now: paid first if the provider says so and its webhook is late."""
    session, fulfilled = await fulfilment.catch_up(request.app[POOL], request.app[GATEWAY], await authorised(request))
    if fulfilled:
        request.app[RELAY].nudge()
    return session


async def get_session(request: web.Request) -> web.Response:
    session = await _current(request)
    order = orders.order_view(request.app[SETTINGS], session)
    state = SessionState(
        id=session.id,
        status=session.status,
        answers=session.answers,
        **_confirmation_state(session.answers, session.confirmations, in_progress=session.status == "in_progress"),
        teaser=session.teaser,
        tier=session.tier,
        report=await report_state(request, session.id),
        checkout=CheckoutState(last_event=session.last_checkout_event),
        order=None if order is None else OrderView.model_validate(order),
    )
    return web.json_response(state.body())


async def save_answers(request: web.Request) -> web.Response:
    session = await authorised(request)
    quiz = load_quiz()
    answers, confirm = _answers_and_confirm(quiz, await read_json_object(request))
    clean = validate_answers(quiz, answers, complete=False)
    cleared = [qid for qid, value in answers.items() if value is None]  # null takes an answer back
    async with request.app[POOL].acquire() as conn, conn.transaction():
        # Locked: the plausibility of the hours is judged on the answers as they will be stored.
        stored, kept = await sessions.answers_for_update(conn, session.id)
        merged = {k: v for k, v in stored.items() if k not in cleared} | clean
        confirming.check_save(stored, merged)
        confirmed = confirming.bind(kept, confirm, merged)
        saved = await sessions.save_answers(conn, session.id, clean, cleared, confirmed)
    saved_state = AnswersSaved(
        id=session.id, status="in_progress", answers=saved, **_confirmation_state(saved, confirmed)
    )
    return web.json_response(saved_state.body())


def _answers_and_confirm(quiz: Quiz, body: dict[str, Any]) -> tuple[dict[str, Any], Confirmations]:
    """The body's `answers` (which may be left out when it only confirms) and `confirm`, parsed."""
    answers = body.get("answers", {} if "confirm" in body else None)
    if not isinstance(answers, dict):
        raise Unprocessable(
            'send {"answers": {question_id: value}}, and {"confirm": {question_id: value}} to confirm an answer',
            field="answers",
        )
    return answers, confirming.parse_confirm(quiz, body["confirm"]) if "confirm" in body else {}


def _confirmation_state(
    answers: dict[str, Any], confirmed: dict[str, Any], *, in_progress: bool = True
) -> dict[str, Any]:
    """What the customer confirmed, and which extreme answers still wait for a confirmation."""
    waiting = confirming.unconfirmed(answers, confirmed) if in_progress else []
    return {"confirmed": confirmed, "needs_confirmation": [ToConfirm(**extreme_body(x)) for x in waiting]}


async def complete(request: web.Request) -> web.Response:
    session = await authorised(request)
    if session.status != "in_progress":
        if session.teaser is None:  # erased, or expired before it was complete
            raise Gone(f"this assessment was erased ({session.status}); start a new one", code="erased")
        return web.json_response(session.teaser)
    answers = validate_answers(load_quiz(), session.answers, complete=True)
    confirming.check_complete(answers, session.confirmations)
    teaser = analysis.teaser(answers).model_dump(mode="json")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        # Locked, so no answer can change between this check and the update (a PUT then finds it complete).
        # Confirmations only grow while the answers stay as they are: the answers are the whole check.
        current = await sessions.get(conn, session.id, for_update=True)
        if current.answers != session.answers:
            raise Conflict(
                "the answers changed while the quiz was completing; complete it again", code="answers_changed"
            )
        await lifecycle.complete(conn, session.id, teaser, str(answers.get("company_name") or "") or None)
        stored = await sessions.get(conn, session.id)
    return web.json_response(stored.teaser)


async def get_report(request: web.Request) -> web.Response:
    session = await _current(request)
    return web.json_response((await report_state(request, session.id)).body())


async def report_state(request: web.Request, session_id: uuid.UUID) -> ReportState:
    """The live report's status, and its download link once it is ready and the session may still have it."""
    async with request.app[POOL].acquire() as conn:
        report = await downloads.session_report(conn, session_id)
    state: dict[str, Any] = {"status": "none" if report is None else report.status}
    if report is not None and report.status == "ready" and not report.revoked:
        state["download_url"] = links.download_url(request.app[SETTINGS], report.id)
    return ReportState.model_validate(state)


async def erase(request: web.Request) -> web.Response:
    """Erase the customer's personal data (answers, email, PDFs); keep what the accounts must keep."""
    session = await authorised(request)
    if session.status == "checkout" and session.stripe_checkout_session_id:
        # An open checkout could still be paid after the erasure, for nothing: close it. If the provider
        # cannot be reached the erasure goes ahead; a payment that lands later is logged for a refund.
        with contextlib.suppress(UpstreamError):
            await request.app[GATEWAY].expire_checkout(session.stripe_checkout_session_id)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        paths = await sessions.erase(conn, session.id)
    try:
        await request.app[STORE].delete(paths)
    except StorageError as e:
        log.error("erasing session %s: its %d stored file(s) could not be deleted: %s", session.id, len(paths), e)
        async with request.app[POOL].acquire() as conn:
            await sessions.still_stored(conn, session.id, paths)  # a repeated erasure (or retention) deletes them
        raise ServiceUnavailable(
            "your answers and email are erased, but your report files could not be deleted just now;"
            " send the same request again to finish",
            code="erasure_incomplete",
        ) from e
    return web.json_response(Erased(id=session.id, erased=True).body())
