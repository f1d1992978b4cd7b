"""The renderer's exposition, built from given figures: its families and samples, as text 0.0.4 or OpenMetrics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import ExitStack

import pytest
from aiohttp import web
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as text_families

from renderer import metrics as metrics_module
from renderer.admission import Admission, QueueFull
from renderer.errors import ApiError
from renderer.metrics import BUCKETS_S, ENDPOINTS, OUTCOMES, Histogram, Metrics
from renderer.pool import PrintError, PrinterStats
from renderer.supervisor import BrowserUnavailable

TEXT = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0"
PROMETHEUS_ACCEPT = (  # what a Prometheus 2 server asks for when it scrapes
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
FAMILIES = {
    "renderer_jobs": "counter",
    "renderer_job_duration_seconds": "histogram",
    "renderer_jobs_in_flight": "gauge",
    "renderer_queue_depth": "gauge",
    "renderer_queue_capacity": "gauge",
    "renderer_pages": "gauge",
    "renderer_pool_size": "gauge",
    "renderer_browser_up": "gauge",
    "renderer_browser_jobs": "gauge",
    "renderer_browser_restarts": "counter",
    "renderer_pages_replaced": "counter",
}
BUSY = PrinterStats(
    connected=True,
    pages=4,
    printing=3,
    leased=4,
    idle_pages=0,
    browser_jobs=17,
    restarts={"jobs": 2},
    pages_replaced={"recycled": 5, "dirty": 1},
)
IDLE = PrinterStats(
    connected=False,
    pages=2,
    printing=0,
    leased=0,
    idle_pages=2,
    browser_jobs=0,
    restarts={},
    pages_replaced={},
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Timer:
    """Stands in for the `time` module the metrics time their jobs with."""

    def __init__(self) -> None:
        self.now = 64.0  # durations of binary fractions stay exact: 2.5 s is 2.5, on its bucket's bound

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def timer(monkeypatch: pytest.MonkeyPatch) -> Timer:
    timer = Timer()
    monkeypatch.setattr(metrics_module, "time", timer)
    return timer


def scrape(metrics: Metrics, printer: PrinterStats, admission: Admission, accept: str = "") -> dict[str, str]:
    """Family name -> type, after checking the body parses in the format its content type names."""
    body, content_type = metrics.exposition(printer, admission, accept)
    return {f.name: f.type for f in parse(body, content_type)}


def parse(body: bytes, content_type: str) -> list[Metric]:
    """The families, parsed in the format the content type names."""
    if content_type.startswith("application/openmetrics-text"):
        assert body.endswith(b"# EOF\n")
        families: Iterable[Metric] = openmetrics_families(body.decode())  # type: ignore[no-untyped-call]  # untyped upstream
        return list(families)
    assert content_type == TEXT
    assert b"# EOF" not in body
    return list(text_families(body.decode()))


def samples(metrics: Metrics, printer: PrinterStats, admission: Admission, accept: str = "") -> Samples:
    body, content_type = metrics.exposition(printer, admission, accept)
    found: Samples = {}
    for family in parse(body, content_type):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found[name, frozenset(labels.items())]


def admitted(admission: Admission, n: int) -> ExitStack:
    stack = ExitStack()
    for _ in range(n):
        stack.enter_context(admission.ticket())
    return stack


# The format


@pytest.mark.parametrize("accept", ["", "*/*", "text/plain", "text/plain; version=0.0.4", "application/json"])
def test_the_default_is_the_text_format_0_0_4(accept: str) -> None:
    body, content_type = Metrics().exposition(BUSY, Admission(4, 8), accept)
    assert content_type == TEXT
    assert b"# TYPE renderer_jobs_total counter" in body
    assert scrape(Metrics(), BUSY, Admission(4, 8), accept) == FAMILIES


@pytest.mark.parametrize("accept", [OPENMETRICS, "application/openmetrics-text", PROMETHEUS_ACCEPT])
def test_a_scraper_that_asks_for_openmetrics_gets_it(accept: str) -> None:
    body, content_type = Metrics().exposition(BUSY, Admission(4, 8), accept)
    assert content_type.startswith("application/openmetrics-text; version=1.0.0; charset=utf-8")
    assert b"# TYPE renderer_jobs counter" in body  # OpenMetrics names the family without _total
    assert scrape(Metrics(), BUSY, Admission(4, 8), accept) == FAMILIES


@pytest.mark.parametrize("accept", ["", OPENMETRICS])
def test_every_family_has_its_help(accept: str) -> None:
    body, _ = Metrics().exposition(BUSY, Admission(4, 8), accept)
    helps = {line.split()[2] for line in body.decode().splitlines() if line.startswith("# HELP ")}
    names = {n + "_total" if t == "counter" and not accept else n for n, t in FAMILIES.items()}
    assert helps == names


# The jobs


@pytest.mark.parametrize("accept", ["", OPENMETRICS])
def test_every_endpoint_and_outcome_is_there_from_the_start(accept: str) -> None:
    found = samples(Metrics(), IDLE, Admission(2, 0), accept)
    jobs = {k: v for k, v in found.items() if k[0] == "renderer_jobs_total"}
    assert len(jobs) == len(ENDPOINTS) * len(OUTCOMES)
    assert set(jobs.values()) == {0.0}
    for endpoint in ENDPOINTS:
        assert value(found, "renderer_job_duration_seconds_count", endpoint=endpoint) == 0
        assert value(found, "renderer_job_duration_seconds_sum", endpoint=endpoint) == 0


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (QueueFull(3), "rejected"),
        (TimeoutError(), "timeout"),
        (ApiError(422, "invalid_report", "findings.0.title: too long"), "invalid"),
        (web.HTTPUnsupportedMediaType(), "invalid"),
        (PrintError("the page crashed"), "failed"),
        (BrowserUnavailable("restarting"), "failed"),
        (RuntimeError("anything else"), "failed"),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_failed_job_is_counted_by_its_outcome_and_not_timed(
    error: Exception, outcome: str, endpoint: str, timer: Timer
) -> None:
    metrics = Metrics()
    with pytest.raises(type(error)), metrics.job(endpoint):
        timer.now += 2
        raise error
    found = samples(metrics, IDLE, Admission(2, 0))
    counted = {k: v for k, v in found.items() if k[0] == "renderer_jobs_total" and v}
    assert counted == {("renderer_jobs_total", frozenset({("endpoint", endpoint), ("outcome", outcome)})): 1}
    assert value(found, "renderer_job_duration_seconds_count", endpoint=endpoint) == 0


async def test_a_job_whose_client_went_away_is_cancelled() -> None:
    metrics = Metrics()

    started = asyncio.Event()

    async def job() -> None:
        with metrics.job("reports"):
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(job())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    found = samples(metrics, IDLE, Admission(2, 0))
    assert value(found, "renderer_jobs_total", endpoint="reports", outcome="cancelled") == 1
    assert value(found, "renderer_job_duration_seconds_count", endpoint="reports") == 0


@pytest.mark.parametrize("accept", ["", OPENMETRICS])
def test_a_successful_job_is_counted_and_timed_in_its_endpoint_s_buckets(timer: Timer, accept: str) -> None:
    metrics = Metrics()
    for seconds in (0.375, 2.5, 75.0):
        with metrics.job("pdf"):
            timer.now += seconds
    found = samples(metrics, IDLE, Admission(2, 0), accept)
    assert value(found, "renderer_jobs_total", endpoint="pdf", outcome="ok") == 3
    assert value(found, "renderer_jobs_total", endpoint="reports", outcome="ok") == 0
    buckets = {
        dict(labels)["le"]: n
        for (name, labels), n in found.items()
        if name == "renderer_job_duration_seconds_bucket" and ("endpoint", "pdf") in labels
    }
    assert list(buckets) == [repr(float(b)) for b in BUCKETS_S] + ["+Inf"]
    expected = {"0.05": 0, "0.1": 0, "0.25": 0, "0.5": 1, "1.0": 1, "2.5": 2, "5.0": 2, "10.0": 2, "30.0": 2}
    assert buckets == {**expected, "60.0": 2, "+Inf": 3}  # 2.5 s falls in the 2.5 bucket; 75 s only in +Inf
    assert value(found, "renderer_job_duration_seconds_count", endpoint="pdf") == 3
    assert value(found, "renderer_job_duration_seconds_sum", endpoint="pdf") == 77.875
    assert value(found, "renderer_job_duration_seconds_count", endpoint="reports") == 0


def test_a_histogram_counts_each_value_in_every_bucket_at_or_above_it() -> None:
    histogram = Histogram((1.0, 2.0, 4.0))
    for observed in (0.5, 1.0, 1.5, 4.0, 9.0):
        histogram.observe(observed)
    assert histogram.counts == [2, 3, 4]
    assert (histogram.count, histogram.total) == (5, 16.0)


# The printer and the admission, read at scrape time


@pytest.mark.parametrize("accept", ["", OPENMETRICS])
def test_the_pool_s_figures_are_the_printer_s_and_the_admission_s(accept: str) -> None:
    admission = Admission(4, 8)
    with admitted(admission, 5):
        found = samples(Metrics(), BUSY, admission, accept)
    gauges = {name: v for (name, labels), v in found.items() if not labels and not name.startswith("renderer_job_")}
    assert gauges == {
        "renderer_jobs_in_flight": 3,
        "renderer_queue_depth": 2,  # five admitted, three printing
        "renderer_queue_capacity": 12,
        "renderer_pool_size": 4,
        "renderer_browser_up": 1,
        "renderer_browser_jobs": 17,
    }
    assert value(found, "renderer_pages", state="leased") == 4
    assert value(found, "renderer_pages", state="idle") == 0
    assert value(found, "renderer_browser_restarts_total", reason="jobs") == 2
    assert value(found, "renderer_browser_restarts_total", reason="crash") == 0  # none yet, but there
    assert value(found, "renderer_pages_replaced_total", reason="recycled") == 5
    assert value(found, "renderer_pages_replaced_total", reason="failed") == 0
    assert value(found, "renderer_pages_replaced_total", reason="dirty") == 1


def test_a_browser_that_is_down_shows_as_zero_with_every_reason_at_zero() -> None:
    found = samples(Metrics(), IDLE, Admission(2, 0))
    assert value(found, "renderer_browser_up") == 0
    assert value(found, "renderer_pages", state="idle") == 2
    for reason in ("jobs", "crash"):
        assert value(found, "renderer_browser_restarts_total", reason=reason) == 0
    for reason in ("recycled", "failed", "dirty"):
        assert value(found, "renderer_pages_replaced_total", reason=reason) == 0


def test_the_queue_depth_is_never_negative() -> None:
    admission = Admission(4, 8)
    with admitted(admission, 1):  # the printer counted its jobs a moment before the admission did
        found = samples(Metrics(), BUSY, admission)
    assert value(found, "renderer_queue_depth") == 0


def test_each_scrape_shows_the_figures_as_they_are_then() -> None:
    metrics, admission = Metrics(), Admission(2, 2)
    with admitted(admission, 4):
        before = samples(metrics, IDLE, admission)
    with metrics.job("reports"):
        pass
    after = samples(metrics, BUSY, admission)
    assert value(before, "renderer_queue_depth") == 4 and value(after, "renderer_queue_depth") == 0
    assert value(before, "renderer_pool_size") == 2 and value(after, "renderer_pool_size") == 4
    assert value(before, "renderer_jobs_total", endpoint="reports", outcome="ok") == 0
    assert value(after, "renderer_jobs_total", endpoint="reports", outcome="ok") == 1
