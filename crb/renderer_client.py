"""The renderer seen from its callers: report data in, PDF bytes out; the service is reached over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import aiohttp

from crb import logs
from crb.report import ReportData
from crb.settings import Settings

RENDER_TIMEOUT_S = 60


class RendererError(RuntimeError):
    """The renderer could not produce the PDF (down, busy, timed out, or refused the data)."""


class RendererRefused(RendererError):
    """The renderer refused this report's data for good (422 invalid, 413 too large): another try fails alike.

    A 401 is not this: a wrong RENDERER_TOKEN is fixed by an operator, after which a retry succeeds.
    """


REFUSED_FOR_GOOD = (413, 422)


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int | None


def _request_id() -> dict[str, str]:
    """The renderer's lines for this call carry the id of the request that decided the job (the edge's, so one id
    follows a payment through all three services), else the job's own."""
    rid = logs.REQUEST_ID.get() or logs.JOB_ID.get()
    return {"X-Request-Id": logs.request_id(rid)} if rid else {}


class ReportRenderer(Protocol):
    async def render(self, report: ReportData) -> RenderedPdf:
        """The report's PDF; raises RendererError when it cannot be made now, RendererRefused when never."""
        ...


class RendererClient:
    """The renderer service (`renderer/`) over HTTP: `POST /v1/reports`."""

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        self._url = settings.renderer_url + "/v1/reports"
        self._headers = {"Authorization": f"Bearer {settings.renderer_token.value}"}
        self._http = http

    async def render(self, report: ReportData) -> RenderedPdf:
        """Ask the renderer for the report's PDF."""
        body = report.model_dump_json()
        try:
            async with self._http.post(
                self._url,
                data=body,
                headers={**self._headers, "Content-Type": "application/json", **_request_id()},
                timeout=aiohttp.ClientTimeout(total=RENDER_TIMEOUT_S),
            ) as response:
                if response.status != 200:
                    detail = (await response.text())[:500]
                    kind = RendererRefused if response.status in REFUSED_FOR_GOOD else RendererError
                    raise kind(f"renderer answered {response.status}: {detail}")
                content = await response.read()
                pages = response.headers.get("X-Page-Count", "")
                return RenderedPdf(content, int(pages) if pages.isdigit() else None)
        except (aiohttp.ClientError, TimeoutError) as e:
            raise RendererError(f"renderer unreachable: {e!r}") from e
