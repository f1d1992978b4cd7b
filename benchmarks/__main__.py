"""`make bench`: renderer figures on this machine, printed with their ratios (never asserted in tests).

Measures, on the same report: chart building, HTML rendering, the renderer's own print path
(`Printer.print_html`, a fresh browser context per job) and the floor, a bare print on one warm Playwright
page. The renderer issue extends this with the HTTP service, concurrency and memory.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import async_playwright

from crb.analysis import analyse
from crb.settings import Settings
from renderer.browser import CHROMIUM_ARGS, Printer
from renderer.charts import build_charts
from renderer.html import render_html

EXAMPLE = {
    "company_name": "Benchmark Bakery GmbH",
    "industry": "ecommerce",
    "team_size": 25,
    "weekly_admin_hours": 120,
    "tools": ["crm", "accounting", "helpdesk", "spreadsheets"],
    "ai_experience": "experimenting",
    "data_quality": 3,
}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(n: int, job: Callable[[], Awaitable[object]]) -> list[float]:
    await job()  # warm-up
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await job()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def line(name: str, samples: list[float]) -> str:
    return (
        f"  {name:<34} p50 {statistics.median(samples):7.1f} ms   p95 {percentile(samples, 0.95):7.1f} ms"
        f"   ({len(samples)} runs)"
    )


async def run(n: int) -> None:
    settings = Settings.from_env()
    report = analyse(EXAMPLE, tier="report", tier_name="CRB Report", today=dt.date(2026, 1, 15))

    async def charts() -> object:
        return build_charts(report)

    chart_svgs = build_charts(report)
    html = render_html(report, chart_svgs)

    async def html_only() -> object:
        return render_html(report, chart_svgs)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    results = {"charts": await timed(n, charts), "html": await timed(n, html_only)}

    printer = Printer(settings.chromium_path)
    await printer.start()
    try:
        results["renderer print"] = await timed(n, lambda: printer.print_html(html))
    finally:
        await printer.close()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=settings.chromium_path, args=list(CHROMIUM_ARGS))
        page = await browser.new_page()

        async def bare() -> bytes:
            await page.set_content(html)
            return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)

        results["bare warm-page print (floor)"] = await timed(n, bare)
        await browser.close()

    for name, samples in results.items():
        print(line(name, samples))
    floor = statistics.median(results["bare warm-page print (floor)"])
    ours = statistics.median(results["renderer print"]) + statistics.median(results["charts"])
    print(f"  ratio: (charts + renderer print) p50 / bare print p50 = {ours / floor:.2f}  (target <= 2.0)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for everyday use")
    args = parser.parse_args()
    asyncio.run(run(5 if args.quick else 30))


if __name__ == "__main__":
    main()
