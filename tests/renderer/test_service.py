"""The renderer under stress with a real Chromium: a full queue, a killed browser, endless scripts, recycling."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from pypdf import PdfReader

from renderer.app import PRINTER, create_app
from tests.renderer.service import HTML, Client, busy_script, error_of, eventually, metric, pdf_text, settings

pytestmark = pytest.mark.browser

AiohttpClient = Callable[[web.Application], Awaitable[Client]]

JOBS_OK = {"endpoint": "pdf", "outcome": "ok"}


async def _printing(client: Client) -> int:
    return client.app[PRINTER].stats().printing


async def test_load_above_the_queue_limit_is_refused_with_retry_after(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(settings(PAGES="1", MAX_QUEUE="1")))
    slow = asyncio.ensure_future(
        client.post("/v1/pdf", data=busy_script(1.0), params={"javascript": "true"}, headers=HTML)
    )
    await eventually(lambda: _printing(client))  # the one page is taken

    burst = await asyncio.gather(
        *(client.post("/v1/pdf", data=f"<p>job number {i}</p>", headers=HTML) for i in range(6))
    )

    refused = [r for r in burst if r.status == 503]
    accepted = [(i, r) for i, r in enumerate(burst) if r.status == 200]
    assert len(refused) == 5 and len(accepted) == 1  # one page plus one place in the queue, and the page was taken
    for response in refused:
        assert int(response.headers["Retry-After"]) >= 1
        assert (await error_of(response))["code"] == "busy"
    for i, response in accepted:
        assert pdf_text(await response.read()) == [f"job number {i}"]
    assert (await slow).status == 200
    assert await metric(client, "renderer_jobs_total", {"endpoint": "pdf", "outcome": "rejected"}) == 5
    after = await client.post("/v1/pdf", data="<p>room again</p>", headers=HTML)
    assert after.status == 200


async def test_chromium_killed_during_a_job_or_while_idle_comes_back(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(settings(PAGES="1", JOB_TIMEOUT_S="20")))
    printer = client.app[PRINTER]
    job = asyncio.ensure_future(
        client.post("/v1/pdf", data=busy_script(0.5), params={"javascript": "true"}, headers=HTML)
    )
    await eventually(lambda: _printing(client))

    await _kill_chromium(client)
    response = await job

    assert response.status == 200  # tried once more on a new Chromium
    assert pdf_text(await response.read()) == ["slow job"]
    assert await metric(client, "renderer_browser_restarts_total", {"reason": "crash"}) == 1
    assert (await client.get("/healthz")).status == 200

    await _kill_chromium(client)  # now with no job running: it comes back without a request to trigger it

    async def relaunched() -> bool:
        restarts = await metric(client, "renderer_browser_restarts_total", {"reason": "crash"})
        return restarts == 2 and (await client.get("/healthz")).status == 200

    await eventually(relaunched)
    assert await (await client.get("/healthz")).json() == {"status": "ok", "browser": True}
    after = await client.post("/v1/pdf", data="<p>next one</p>", headers=HTML)
    assert pdf_text(await after.read()) == ["next one"]
    assert printer.connected


async def _kill_chromium(client: Client) -> None:
    pid = await client.app[PRINTER].browser_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


async def test_endless_script_hits_the_deadline_and_the_service_stays_healthy(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(settings(PAGES="1", JOB_TIMEOUT_S="1")))

    hung = await client.post(
        "/v1/pdf", data="<script>while (true) {}</script>", params={"javascript": "true"}, headers=HTML
    )

    assert hung.status == 504
    error = await error_of(hung)
    assert error.pop("request_id") == hung.headers["X-Request-Id"]  # a 5xx names its request, for the logs
    assert error == {
        "code": "timeout",
        "message": "rendering took too long and was stopped",
        "field": None,
    }
    assert await metric(client, "renderer_jobs_total", {"endpoint": "pdf", "outcome": "timeout"}) == 1
    assert (await client.get("/healthz")).status == 200
    after = await client.post("/v1/pdf", data="<p>still working</p>", headers=HTML)
    assert pdf_text(await after.read()) == ["still working"]


async def test_pages_are_recycled_and_chromium_restarted_after_their_job_counts(aiohttp_client: AiohttpClient) -> None:
    app = create_app(settings(PAGES="1", RECYCLE_PAGES_AFTER="2", RESTART_AFTER_JOBS="5"))
    client = await aiohttp_client(app)

    for i in range(7):
        response = await client.post("/v1/pdf", data=f"<p>job {i}</p>", headers=HTML)
        assert pdf_text(await response.read()) == [f"job {i}"]

    async def replaced() -> bool:
        return await metric(client, "renderer_pages_replaced_total", {"reason": "recycled"}) >= 3

    await eventually(replaced)  # after jobs 2 and 4 on the first Chromium, and 7 on the second
    assert await metric(client, "renderer_browser_restarts_total", {"reason": "jobs"}) == 1
    assert await metric(client, "renderer_browser_jobs") == 2
    assert await metric(client, "renderer_jobs_total", JOBS_OK) == 7


async def test_jobs_never_see_each_other(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(settings(PAGES="1")))
    leave_traces = """<body><p>first job</p><script>
      document.cookie = "crumb=FIRSTJOB; max-age=3600";
      try { localStorage.setItem("kept", "FIRSTJOB"); } catch (e) {}
      try { sessionStorage.setItem("kept", "FIRSTJOB"); } catch (e) {}
      window.name = "FIRSTJOB"; window.kept = "FIRSTJOB";
      setInterval(() => document.body.append("FIRSTJOB"), 10);
    </script></body>"""
    look_for_traces = """<body><script>
      const read = (get) => { try { return String(get() || ""); } catch (e) { return ""; } };
      const seen = [
        () => document.cookie, () => window.name, () => window.kept,
        () => localStorage.getItem("kept"), () => sessionStorage.getItem("kept"),
      ].map(read);
      document.body.append("seen:" + seen.join("|") + ":end");
    </script></body>"""
    script = {"javascript": "true"}

    first = await client.post("/v1/pdf", data=leave_traces, params=script, headers=HTML)
    styled = await client.post("/v1/pdf", data="<style>@page { size: A5 landscape }</style><p>A5</p>", headers=HTML)
    second = await client.post("/v1/pdf", data=look_for_traces, params=script, headers=HTML)
    plain = await client.post("/v1/pdf", data="<p>plain</p>", headers=HTML)

    assert "first job" in pdf_text(await first.read())[0]
    assert pdf_text(await styled.read()) == ["A5"]
    assert pdf_text(await second.read()) == ["seen:||||:end"]
    page = PdfReader(io.BytesIO(await plain.read())).pages[0]
    assert page.extract_text() == "plain"
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 portrait again, not the A5 landscape of before
