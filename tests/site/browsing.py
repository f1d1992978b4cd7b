"""What the site's browser tests share: answering the quiz generically, axe-core, the outbox, and the worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import importlib.util
import io
import json
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdf
from playwright.async_api import Page

from crb import analysis
from crb.quiz import Question, load_quiz, validate_answers
from crb.report import ReportData
from crb.settings import Settings
from tests.journey import Client, checkout, completed_session

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site"
AXE = SITE / "node_modules" / "axe-core" / "axe.min.js"
SAMPLE_ANSWERS = REPO / "examples" / "answers" / "marketing-agency.json"
COMPANY = "Müller & Söhne <Test> GmbH"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def load_build() -> ModuleType:
    """site/build.py as a module (site/ holds files and scripts, not an importable package)."""
    if "site_build" not in sys.modules:
        spec = importlib.util.spec_from_file_location("site_build", SITE / "build.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["site_build"] = module
        spec.loader.exec_module(module)
    return sys.modules["site_build"]


def report_data(path: Path) -> ReportData:
    answers = validate_answers(load_quiz(), json.loads(path.read_text()), complete=True)
    return analysis.analyse(answers, tier="report", tier_name="CRB Report", today=dt.date(2026, 1, 15))


# ---- the quiz, answered from its definition, whatever its questions are ----


def questions() -> list[Question]:
    return [q for s in load_quiz().sections for q in s.questions]


def generic_answer(q: Question, company: str = COMPANY) -> Any:
    """A valid answer to any question: the first option, a middle scale value, a small number in range, a name."""
    match q.type:
        case "single":
            return q.options[0].value
        case "multi":
            return [q.options[0].value]
        case "scale":
            low, high = int(q.min if q.min is not None else 1), int(q.max if q.max is not None else 5)
            return (low + high) // 2
        case "number":
            bottom = q.min if q.min is not None else 0
            top = q.max if q.max is not None else bottom + 1000
            return int(bottom + (top - bottom) // 100) or int(min(top, bottom + 1))
        case "text":
            first_text = next(x for x in questions() if x.type == "text")
            return company if q.id == first_text.id else "Too much copying between spreadsheets."


def generic_answers(company: str = COMPANY) -> dict[str, Any]:
    return {q.id: generic_answer(q, company) for q in questions()}


def step(page: Page, q: Question) -> Any:
    return page.locator(f'.q[data-id="{q.id}"]')


async def fill_in(page: Page, q: Question, value: Any) -> None:
    """Answer one question on screen with the mouse and keyboard as a person would."""
    here = step(page, q)
    match q.type:
        case "single" | "scale":
            await here.locator(f'input[value="{value}"]').check()
        case "multi":
            for option in value:
                await here.locator(f'input[value="{option}"]').check()
        case _:
            await here.locator("input, textarea").fill(str(value))


async def answer_quiz(page: Page, company: str = COMPANY, start: int = 0) -> None:
    """Answer every question from `start` on, pressing Next each time, and wait for the results page."""
    for q in questions()[start:]:
        await fill_in(page, q, generic_answer(q, company))
        await next_question(page)
    await page.wait_for_url("**/results.html*")


async def next_question(page: Page) -> None:
    """The Next button (named "See my results" on the last question); by id, as role lookups are slower."""
    await page.locator("#next").click()


# ---- the API behind the pages ----


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def completed(client: Client) -> tuple[str, str]:
    """A quiz answered and completed over the API, as another tab or device would have done it."""
    return await completed_session(client, generic_answers())


async def paid_offline(client: Client, settings: Settings, email_to: str = "owner@example.com") -> tuple[str, str]:
    """A completed quiz paid through the offline checkout's Pay button, over HTTP."""
    sid, token = await completed(client)
    page = (await checkout(client, sid, token, email=email_to))["url"].removeprefix(settings.public_base_url)
    response = await client.post(page + "/pay", headers={"Accept": "application/json"})
    assert (await response.json())["webhook"]["outcome"] == "fulfilled"
    return sid, token


async def stored_session(page: Page) -> tuple[str, str]:
    """The session id and token the site keeps in this browser."""
    raw = await page.evaluate("localStorage.getItem('crb.session')")
    data = json.loads(raw or "{}")
    return data["id"], data["token"]


async def adopt_session(page: Page, sid: str, token: str, at: int | None = None) -> None:
    """Hand this browser a session made over the API, as another tab of the same browser would have;
    `at` is the question the quiz page opens at."""
    stored: dict[str, Any] = {"id": sid, "token": token} | ({} if at is None else {"at": at})
    await page.goto("/404.html")
    await page.evaluate("s => localStorage.setItem('crb.session', JSON.stringify(s))", stored)


async def session_state(client: Client, sid: str, token: str) -> dict[str, Any]:
    response = await client.get(f"/api/sessions/{sid}", headers=auth(token))
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def eventually(check: Callable[[], Awaitable[bool]], what: str, attempts: int = 100) -> None:
    """Poll a condition that the page reaches on its own (its retries and polls are its business)."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


# ---- watching a page ----


def watch(page: Page) -> list[str]:
    """Collect script errors and Content-Security-Policy refusals; a test's page must have none."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))

    def console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    page.on("console", console)
    return problems


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    assert AXE.exists(), f"{AXE} is missing: `make setup` installs axe-core with npm (site/package.json)"
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # CDP evaluation: the page's CSP allows it
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_AA
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"{page.url}: {json.dumps(violations, indent=1)}"


# ---- emails and PDFs ----


async def open_pdf(page: Page, click: Callable[[], Awaitable[None]]) -> bytes:
    """The PDF a click leads to, through every redirect, as the browser receives it.

    A link the browser would show inline gets the PDF as an attachment, so Chromium saves it rather than
    starting its (slow) PDF viewer.
    """
    got: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def capture(route: Any) -> None:
        response = await route.fetch()
        body = await response.body()
        if response.headers.get("content-type", "").startswith("application/pdf") and not got.done():
            got.set_result(body)
        headers = {**response.headers, "content-disposition": "attachment"}
        headers.pop("location", None)
        await route.fulfill(status=response.status, headers=headers, body=body)

    async def downloaded(download: Any) -> None:  # a same-origin link with `download` goes straight there
        path = await download.path()
        if not got.done():
            got.set_result(await asyncio.to_thread(Path(path).read_bytes))

    await page.route(PDF_ROUTES, capture)
    page.on("download", downloaded)
    try:
        await click()
        return await asyncio.wait_for(got, 30)
    finally:
        page.remove_listener("download", downloaded)
        await page.unroute(PDF_ROUTES, capture)


# The report links: Playwright routes only the first request of a redirect chain, and fetches the rest itself.
PDF_ROUTES = re.compile(r"/api/reports/[^/?]+/download")


def outbox(settings: Settings, tag: str | None = None) -> list[EmailMessage]:
    found: list[EmailMessage] = []
    for path in sorted((settings.data_dir / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if tag is None or message["X-Tag"] == tag:
            found.append(message)
    return found


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "") for page in reader.pages).split())


async def run_worker_at(settings: Settings, offset: dt.timedelta = dt.timedelta(), *jobs: str) -> None:
    """Queue `jobs` and run a real arq worker in burst mode, its clock `offset` from now."""
    from arq import create_pool
    from arq.connections import RedisSettings

    from jobs.worker import create_worker

    assert settings.redis_url
    if jobs:
        redis = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name)
        for name in jobs:
            await redis.enqueue_job(name, _job_id=f"site-test:{name}:{uuid.uuid4()}")
        await redis.aclose()
    worker = create_worker(
        settings,
        settings.redis_url,
        lambda: dt.datetime.now(dt.UTC) + offset,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
