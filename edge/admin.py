"""`/api/admin/*` for operators: the schedule and its runs, run a job now, regenerate a report, the figures."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from crb import figures, fulfilment, sessions
from crb.errors import NotFound, Unauthorized
from crb.schedule import SCHEDULE, scheduled
from edge.auth import bearer
from edge.keys import ARQ, POOL, RELAY, SETTINGS


@web.middleware
async def admin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """/api/admin/ and /metrics need ADMIN_TOKEN as a bearer token (compared in constant time)."""
    if request.path.startswith("/api/admin/") or request.path == "/metrics":
        expected = request.app[SETTINGS].admin_token
        given = bearer(request) or ""
        if expected is None:
            raise Unauthorized("the admin API is off: set ADMIN_TOKEN to turn it on")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.value.encode()):
            raise Unauthorized("the admin API needs Authorization: Bearer $ADMIN_TOKEN")
    return await handler(request)


async def list_jobs(request: web.Request) -> web.Response:
    now = dt.datetime.now(dt.UTC)
    last = await figures.last_runs(request.app[POOL])
    return web.json_response(
        {
            "jobs": [
                {
                    "name": s.name,
                    "schedule": s.description,
                    "next_run": s.next_run(now).isoformat(),
                    "last_run": _run(last.get(s.name)),
                }
                for s in SCHEDULE
            ]
        }
    )


def _run(run: figures.JobRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "trigger": run.trigger,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "outcome": run.outcome or "running",
        "result": run.result,
        "error": run.error,
    }


async def run_job(request: web.Request) -> web.Response:
    job = scheduled(request.match_info["name"])
    if job is None:
        raise NotFound(f"no such job; choose one of {[s.name for s in SCHEDULE]}", field="name")
    job_id = f"admin:{job.name}:{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}:{secrets.token_hex(3)}"
    await request.app[ARQ].enqueue_job(
        job.function, "admin", _job_id=job_id, _queue_name=request.app[SETTINGS].queue_name
    )
    return web.json_response({"queued": job.name, "job_id": job_id}, status=202)


async def regenerate(request: web.Request) -> web.Response:
    """Supersede the live report and generate a new version; a failed or delivered session only."""
    session_id = sessions.parse_id(request.match_info["id"])
    async with request.app[POOL].acquire() as conn:
        report_id = await fulfilment.regenerate(conn, session_id)
    request.app[RELAY].nudge()
    return web.json_response({"session_id": str(session_id), "report_id": str(report_id)}, status=202)


async def stats(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    now, storage = await figures.read(pool), await figures.stored_files(pool)
    return web.json_response(
        {
            "sessions_by_status": now.sessions_by_status,
            "emails": [{"kind": kind, "status": status, "count": count} for kind, status, count in now.emails],
            "storage": {"files": storage.files, "bytes": storage.bytes},
            "outbox_pending": now.outbox_pending,
        }
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/admin/jobs", list_jobs),
        web.post("/api/admin/jobs/{name}", run_job),
        web.post("/api/admin/sessions/{id}/regenerate", regenerate),
        web.get("/api/admin/stats", stats),
    ]
