"""Renderer benchmark: the real service on loopback against bare warm-page Playwright prints of the same HTML.

Two floors: one plain print (what `POST /v1/pdf` does in Chromium), and the report's two passes, a plain draft and
the final tagged print with its outline (what `POST /v1/reports` does in Chromium), so that each ratio measures only
the service's own overhead. Gotenberg's HTML route prints the same HTML as `/v1/pdf`, sent as a multipart form with
the print fields that make its output `/v1/pdf`'s (A4, no margins, backgrounds, the CSS page size), so that the two
differ only by the route: the form, and the page loading `index.html` from its own origin rather than having it set.
Gotenberg's merge route joins two copies of the final report PDF with pypdf.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import aiohttp
from playwright.async_api import Page, Playwright, async_playwright

from crb.analysis import analyse
from crb.report import ReportData
from crb.settings import SiteSettings
from renderer.browser import launch, print_pdf
from renderer.charts import build_charts
from renderer.contents import anchor_pages
from renderer.html import render_html
from renderer.options import TAGGED
from renderer.pdf import count_pages, report_html

ANSWERS = Path(__file__).resolve().parent.parent / "examples" / "answers"
TODAY = dt.date(2026, 1, 15)
CONCURRENCY = (1, 4)
# The Gotenberg form fields that print as /v1/pdf does by default.
AS_V1_PDF = {
    "paperWidth": "8.27in",
    "paperHeight": "11.7in",
    "marginTop": "0",
    "marginBottom": "0",
    "marginLeft": "0",
    "marginRight": "0",
    "printBackground": "true",
    "preferCssPageSize": "true",
}


@dataclass(frozen=True)
class Sample:
    latencies_ms: list[float]
    wall_s: float

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def per_s(self) -> float:
        return len(self.latencies_ms) / self.wall_s

    @staticmethod
    def merge(parts: list[Sample]) -> Sample:
        return Sample([ms for part in parts for ms in part.latencies_ms], sum(part.wall_s for part in parts))


@dataclass(frozen=True)
class Memory:
    reports: int
    rss: int
    pss: int


@dataclass(frozen=True)
class Service:
    url: str
    headers: dict[str, str]
    pid: int


async def run(quick: bool) -> None:
    rounds, runs, reports = (3, 30, 200) if quick else (4, 120, 1000)
    settings = SiteSettings.from_env()  # Chromium's path: the bare printer needs no secret key
    answers_file, report = example_report()
    html = report_html(report)
    charts = time_charts(report, runs)
    async with (
        async_playwright() as playwright,
        bare_printer(playwright, settings.chromium_path, report) as bare,
        renderer_process() as service,
        aiohttp.ClientSession() as http,
    ):
        machine = f"{platform.machine()}, {os.cpu_count()} cores"
        print(f"machine: {machine}, Chromium {bare.version}, Python {platform.python_version()}, load {_load()}")
        print(
            f"date: {dt.date.today()}; {answers_file.name}: {bare.page_count} pages, {len(html) / 1024:.0f} KiB of HTML"
        )
        print(f"PDF: {bare.draft_bytes / 1024:.0f} KiB plain, {len(bare.pdf) / 1024:.0f} KiB tagged with its outline")
        jobs = {
            "bare": bare.plain,
            "bare report": bare.report,
            "/v1/pdf": _poster(http, service, "/v1/pdf", html.encode(), "text/html; charset=utf-8"),
            "/v1/reports": _poster(http, service, "/v1/reports", report.model_dump_json().encode(), "application/json"),
            "convert/html": _poster(
                http, service, "/forms/chromium/convert/html", *multipart(AS_V1_PDF, {"index.html": html.encode()})
            ),
            "merge": _poster(
                http, service, "/forms/pdfengines/merge", *multipart({}, {"1_a.pdf": bare.pdf, "2_b.pdf": bare.pdf})
            ),
        }
        samples = await interleaved(jobs, runs, rounds)
        memory = await memory_run(jobs["/v1/reports"], service.pid, reports)
    weasyprint = await time_weasyprint(html, runs)
    print_figures(charts, samples, weasyprint, memory)
    print(f"load average at the end: {_load()} (other work on the machine skews every figure)")


def example_report() -> tuple[Path, ReportData]:
    answers_file = sorted(ANSWERS.glob("*.json"))[0]
    answers = json.loads(answers_file.read_text())
    return answers_file, analyse(answers, tier="report", tier_name="CRB Report", today=TODAY)


def time_charts(report: ReportData, runs: int) -> Sample:
    build_charts(report)  # warm-up: fonts and caches
    latencies = []
    start = time.perf_counter()
    for _ in range(runs):
        begin = time.perf_counter()
        build_charts(report)
        latencies.append((time.perf_counter() - begin) * 1000)
    return Sample(latencies, time.perf_counter() - start)


async def load(
    job: Callable[[int], Awaitable[object]], concurrency: int, total: int, *, warm_up: bool = True
) -> Sample:
    """`total` jobs by `concurrency` workers, each worker numbered and one job at a time; a warm-up first."""
    if warm_up:
        await asyncio.gather(*(_twice(job, worker) for worker in range(concurrency)))
    remaining = total
    latencies: list[float] = []

    async def worker(number: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            begin = time.perf_counter()
            await job(number)
            latencies.append((time.perf_counter() - begin) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return Sample(latencies, time.perf_counter() - start)


async def _twice(job: Callable[[int], Awaitable[object]], worker: int) -> None:
    await job(worker)
    await job(worker)


@dataclass(frozen=True)
class Bare:
    """The floors: one reused page per worker, set_content and page.pdf only; no routing, no service, no Python."""

    pages: list[Page]
    draft: str  # the report's HTML as its first pass prints it, without page numbers
    final: str  # and as its final pass does, with them
    version: str
    page_count: int
    draft_bytes: int
    pdf: bytes  # the final print, tagged with its outline

    async def plain(self, worker: int) -> bytes:
        """What `POST /v1/pdf` asks of Chromium: one plain print."""
        return await print_pdf(self.pages[worker], self.draft)

    async def report(self, worker: int) -> bytes:
        """What `POST /v1/reports` asks of Chromium: the plain draft, then the tagged print with its outline."""
        await print_pdf(self.pages[worker], self.draft)
        return await print_pdf(self.pages[worker], self.final, TAGGED)


@asynccontextmanager
async def bare_printer(playwright: Playwright, chromium: str | None, report: ReportData) -> AsyncIterator[Bare]:
    """A plain Chromium with a page per worker, and the report's HTML for both passes, made once beforehand."""
    browser = await launch(playwright, chromium)
    pages: list[Page] = [await browser.new_page() for _ in range(max(CONCURRENCY))]
    charts = build_charts(report)
    try:
        draft = render_html(report, charts)
        draft_pdf = await print_pdf(pages[0], draft)
        final = render_html(report, charts, anchor_pages(draft_pdf))
        final_pdf = await print_pdf(pages[0], final, TAGGED)
        yield Bare(pages, draft, final, browser.version, count_pages(final_pdf), len(draft_pdf), final_pdf)
    finally:
        await browser.close()


async def interleaved(
    jobs: Mapping[str, Callable[[int], Awaitable[object]]], runs: int, rounds: int
) -> dict[tuple[str, int], Sample]:
    """`runs` jobs of each kind at each concurrency, in rounds that take turns.

    Taking turns spreads a busy moment of the machine over every figure instead of one.
    """
    parts: dict[tuple[str, int], list[Sample]] = {}
    for _ in range(rounds):
        for c in CONCURRENCY:
            for name, job in jobs.items():
                parts.setdefault((name, c), []).append(await load(job, c, runs // rounds))
    return {key: Sample.merge(samples) for key, samples in parts.items()}


async def time_weasyprint(html: str, runs: int) -> Sample | None:
    """WeasyPrint on the same HTML, one at a time in a thread, when it is installed."""
    try:
        from weasyprint import HTML
    except ImportError:
        return None

    async def weasy(_: int) -> object:
        return await asyncio.to_thread(HTML(string=html).write_pdf)

    return await load(weasy, 1, runs)


@asynccontextmanager
async def renderer_process() -> AsyncIterator[Service]:
    """`python -m renderer` with its default pool and limits, on a free loopback port."""
    token, port = secrets.token_hex(16), _free_port()
    with tempfile.TemporaryDirectory(prefix="crb-bench-") as data_dir:
        env = {**os.environ, "DATA_DIR": data_dir, "RENDERER_TOKEN": token, "RENDERER_PORT": str(port)}
        env.pop("RENDERER_HOST", None)
        with _log_file(Path(data_dir)) as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "renderer", env=env, stdout=log, stderr=log
            )
            service = Service(f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}, process.pid)
            try:
                await _wait_until_healthy(service, process)
                yield service
            except BaseException:
                print(_tail(Path(data_dir) / "renderer.log"), file=sys.stderr)
                raise
            finally:
                await _stop(process)


def _tail(log: Path, lines: int = 30) -> str:
    """The end of the renderer's log, where the cause of a failure is."""
    return "renderer log (end):\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _log_file(data_dir: Path) -> BinaryIO:
    return (data_dir / "renderer.log").open("wb")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_until_healthy(service: Service, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(60):
        while process.returncode is None:
            try:
                async with http.get(service.url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the renderer exited with status {process.returncode}")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            async with asyncio.timeout(15):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


def multipart(fields: Mapping[str, str], files: Mapping[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body made once, as curl sends one (every file under `files`), and its content type."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    for name, body in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'
        parts.append(head.encode() + body + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _poster(
    http: aiohttp.ClientSession, service: Service, path: str, body: bytes, content_type: str
) -> Callable[[int], Awaitable[bytes]]:
    headers = {**service.headers, "Content-Type": content_type}

    async def post(_: int) -> bytes:
        async with http.post(service.url + path, data=body, headers=headers) as response:
            pdf = await response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}: {pdf[:300]!r}")
            return pdf

    return post


async def memory_run(post: Callable[[int], Awaitable[object]], pid: int, total: int) -> list[Memory]:
    """The renderer's memory with its Chromium, sampled five times over `total` more reports at concurrency 4."""
    samples = [Memory(0, *tree_memory(pid))]
    for done in range(total // 5, total + 1, total // 5):
        await load(post, 4, total // 5, warm_up=False)
        samples.append(Memory(done, *tree_memory(pid)))
    return samples


def tree_memory(pid: int) -> tuple[int, int]:
    """RSS and PSS in bytes of a process and all its descendants, from /proc.

    RSS counts the pages Chromium's processes share once in each of them; PSS divides them fairly.
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return sum(_kib(p, "status", "VmRSS:") for p in tree), sum(_kib(p, "smaps_rollup", "Pss:") for p in tree)


def _kib(pid: int, file: str, key: str) -> int:
    """One `key:  N kB` line of a /proc file, in bytes (0 once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    line = next((line for line in text.splitlines() if line.startswith(key)), f"{key} 0 kB")
    return int(line.split()[1]) * 1024


def print_figures(
    charts: Sample, samples: dict[tuple[str, int], Sample], weasyprint: Sample | None, memory: list[Memory]
) -> None:
    print(f"  {'':<38}{'conc':>5}{'p50 ms':>10}{'p95 ms':>10}{'per s':>9}")
    print(_row("charts alone (build_charts)", 1, charts))
    names = {
        "bare": "bare plain print (/v1/pdf's floor)",
        "bare report": "bare draft + tagged (/v1/reports')",
        "/v1/pdf": "POST /v1/pdf",
        "convert/html": "POST /forms/chromium/convert/html",
        "/v1/reports": "POST /v1/reports",
        "merge": "POST /forms/pdfengines/merge (2)",
    }
    for (name, c), sample in sorted(samples.items(), key=lambda item: list(names).index(item[0][0])):
        print(_row(names[name], c, sample))
    print(_row("WeasyPrint", 1, weasyprint) if weasyprint else "  WeasyPrint: not installed")
    print("  memory of the renderer and its Chromium after the runs above, then after more reports:")
    for point in memory:
        rss, pss = point.rss / 2**20, point.pss / 2**20
        print(f"    +{point.reports:>5} reports   RSS {rss:6.0f} MiB   PSS {pss:6.0f} MiB")
    print_ratios(samples, memory)


def print_ratios(samples: dict[tuple[str, int], Sample], memory: list[Memory]) -> None:
    report_p50 = samples["/v1/reports", 1].p50 / samples["bare report", 1].p50
    report_rate = samples["/v1/reports", 4].per_s / samples["bare report", 4].per_s
    pdf_rate = {c: samples["/v1/pdf", c].per_s / samples["bare", c].per_s for c in CONCURRENCY}
    growth = memory[-1].pss / memory[1].pss - 1  # from the first sample of this run, past the warm-up
    print("  ratios against the targets:")
    print(_ratio("/v1/reports p50 ÷ bare report p50 (concurrency 1)", report_p50, "≤ 2.0", report_p50 <= 2.0))
    print(_ratio("/v1/reports throughput ÷ bare report (concurrency 4)", report_rate, "≥ 0.6", report_rate >= 0.6))
    for c, rate in pdf_rate.items():
        print(_ratio(f"/v1/pdf throughput ÷ bare (concurrency {c})", rate, "≥ 0.9", rate >= 0.9))
    span = f"{memory[1].reports} → {memory[-1].reports} reports"
    print(_ratio(f"memory (PSS) growth {span}", growth, "≤ +0.10", growth <= 0.10))
    print("  Gotenberg's HTML route beside /v1/pdf on the same HTML (no target; the form and the page load):")
    for c in CONCURRENCY:
        p50 = samples["convert/html", c].p50 / samples["/v1/pdf", c].p50
        rate = samples["convert/html", c].per_s / samples["/v1/pdf", c].per_s
        print(f"    concurrency {c}: p50 {p50:.2f} times, throughput {rate:.2f} times")


def _load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def _row(name: str, concurrency: int, sample: Sample) -> str:
    return f"  {name:<38}{concurrency:>5}{sample.p50:>10.1f}{sample.p95:>10.1f}{sample.per_s:>9.1f}"


def _ratio(name: str, value: float, target: str, met: bool) -> str:
    return f"    {name:<52}{value:>7.2f}   target {target:<8} {'met' if met else 'MISSED'}"
