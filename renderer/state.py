"""What the app's handlers share: its typed keys, the guard every job runs under, and the PDF response."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from crb.settings import RendererSettings
from renderer.admission import Admission
from renderer.browser import JOB_DEADLINE
from renderer.metrics import Metrics
from renderer.pdf import count_pages
from renderer.pool import Printer

SETTINGS = web.AppKey("settings", RendererSettings)
PRINTER = web.AppKey("printer", Printer)
ADMISSION = web.AppKey("admission", Admission)
METRICS = web.AppKey("metrics", Metrics)
CHART_THREAD = web.AppKey("chart_thread", ThreadPoolExecutor)


@contextlib.asynccontextmanager
async def guarded(app: web.Application) -> AsyncIterator[None]:
    """A place in the queue (or QueueFull), and the job's deadline, the wait for a page included."""
    deadline = asyncio.get_running_loop().time() + app[SETTINGS].renderer_job_timeout_s
    token = JOB_DEADLINE.set(deadline)  # a wait for the document's expression stops short of it
    try:
        with app[ADMISSION].ticket():
            async with asyncio.timeout_at(deadline):
                yield
    finally:
        JOB_DEADLINE.reset(token)


def pdf_response(pdf: bytes, *, pages: int | None = None, disposition: str = "inline") -> web.Response:
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "X-Page-Count": str(count_pages(pdf) if pages is None else pages),
            "Content-Disposition": disposition,
        },
    )
