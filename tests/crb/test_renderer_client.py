"""The renderer service's HTTP client: what each answer of `POST /v1/reports` becomes for the report job."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from crb import analysis
from crb.quiz import load_quiz, validate_answers
from crb.renderer_client import RenderedPdf, RendererClient, RendererError, RendererRefused, ReportRenderer
from crb.report import ReportData
from crb.settings import Settings
from tests.conftest import TEST_SECRET_KEY, base_url, free_port, serve

EXAMPLE = Path(__file__).parents[2] / "examples" / "answers" / "professional-services.json"


@pytest.fixture(scope="module")
def report() -> ReportData:
    answers = validate_answers(load_quiz(), json.loads(EXAMPLE.read_text()), complete=True)
    return analysis.analyse(answers, tier="report", tier_name="Report", today=dt.date(2026, 12, 3))


def client_for(url: str, http: aiohttp.ClientSession, tmp_path: Path) -> ReportRenderer:
    env = {"DATA_DIR": str(tmp_path), "SECRET_KEY": TEST_SECRET_KEY, "RENDERER_URL": url, "RENDERER_TOKEN": "tok"}
    return RendererClient(Settings.from_env(env), http)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


Answering = Callable[[int, bytes, dict[str, str], list[web.Request]], Awaitable[str]]


@pytest.fixture
async def answering() -> AsyncIterator[Answering]:
    """A stand-in renderer service that answers every `POST /v1/reports` alike, and keeps the requests."""
    servers: list[TestServer] = []

    async def start(status: int, body: bytes, headers: dict[str, str], seen: list[web.Request]) -> str:
        async def handle(request: web.Request) -> web.Response:
            seen.append(request)
            await request.read()
            return web.Response(status=status, body=body, headers=headers)

        app = web.Application()
        app.router.add_post("/v1/reports", handle)
        servers.append(await serve(app))
        return base_url(servers[-1])

    yield start
    for server in servers:
        await server.close()


async def test_a_pdf_comes_back_with_its_page_count(
    report: ReportData, http: aiohttp.ClientSession, tmp_path: Path, answering: Answering
) -> None:
    seen: list[web.Request] = []
    url = await answering(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf", "X-Page-Count": "9"}, seen)
    rendered = await client_for(url, http, tmp_path).render(report)
    assert rendered == RenderedPdf(b"%PDF-1.4 ...", 9)
    [request] = seen
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["Content-Type"] == "application/json"


async def test_a_pdf_without_a_page_count_says_none(
    report: ReportData, http: aiohttp.ClientSession, tmp_path: Path, answering: Answering
) -> None:
    url = await answering(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf"}, [])
    assert (await client_for(url, http, tmp_path).render(report)).page_count is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [(503, RendererError), (500, RendererError), (401, RendererError), (422, RendererRefused), (413, RendererRefused)],
)
async def test_each_failure_says_whether_another_try_can_help(
    report: ReportData,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    answering: Answering,
    status: int,
    kind: type[RendererError],
) -> None:
    body = json.dumps({"error": {"code": "x", "message": "the reason"}}).encode()
    url = await answering(status, body, {"Content-Type": "application/json"}, [])
    with pytest.raises(RendererError, match=f"renderer answered {status}: .*the reason") as raised:
        await client_for(url, http, tmp_path).render(report)
    assert type(raised.value) is kind


async def test_a_renderer_that_is_not_there_is_worth_another_try(
    report: ReportData, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    with pytest.raises(RendererError, match="unreachable") as raised:
        await client_for(f"http://127.0.0.1:{free_port()}", http, tmp_path).render(report)
    assert type(raised.value) is RendererError
