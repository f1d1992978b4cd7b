"""The renderer's counters, job durations and gauges, exposed through prometheus_client like the edge's.

Jobs are counted where the HTTP handlers run them; the printer's and the admission's figures are read at scrape
time by a collector, so a scrape always shows the pool as it is.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

from renderer.admission import Admission
from renderer.errors import api_error
from renderer.pool import PrinterStats

ENDPOINTS = ("reports", "pdf", "html", "merge")  # the last two: Gotenberg's convert/html and merge routes
OUTCOMES = ("ok", "invalid", "rejected", "timeout", "failed", "cancelled")
BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
RESTART_REASONS = ("jobs", "crash")
REPLACE_REASONS = ("recycled", "failed", "dirty")


class Histogram:
    """Counts of observations at or below each bound, with their sum."""

    def __init__(self, bounds: tuple[float, ...] = BUCKETS_S) -> None:
        self.bounds = bounds
        self.counts = [0] * len(bounds)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.count += 1


class Metrics:
    """Job outcomes and durations, counted where the HTTP handlers run them."""

    def __init__(self) -> None:
        self.jobs: Counter[tuple[str, str]] = Counter()
        self.durations = {endpoint: Histogram() for endpoint in ENDPOINTS}

    @contextmanager
    def job(self, endpoint: str) -> Iterator[None]:
        """Count one job by its outcome; time it when it succeeds."""
        start = time.perf_counter()
        outcome = "failed"
        try:
            yield
            outcome = "ok"
            self.durations[endpoint].observe(time.perf_counter() - start)
        except asyncio.CancelledError:
            outcome = "cancelled"  # the client went away
            raise
        except Exception as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self.jobs[endpoint, outcome] += 1

    def exposition(self, printer: PrinterStats, admission: Admission, accept: str = "") -> tuple[bytes, str]:
        """The figures as the scraper asked (`Accept`), Prometheus' text format 0.0.4 unless it asks for
        OpenMetrics; and their content type."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Snapshot([*self._job_families(), *_printer_families(printer, admission)]))
        encode, content_type = choose_encoder(accept)
        return encode(registry), content_type

    def _job_families(self) -> Iterator[Metric]:
        jobs = CounterMetricFamily("renderer_jobs", "Jobs by endpoint and outcome.", labels=["endpoint", "outcome"])
        for endpoint in ENDPOINTS:
            for outcome in OUTCOMES:
                jobs.add_metric([endpoint, outcome], self.jobs[endpoint, outcome])
        yield jobs
        durations = HistogramMetricFamily(
            "renderer_job_duration_seconds",
            "Time from request to PDF of successful jobs, queue wait included.",
            labels=["endpoint"],
        )
        for endpoint, histogram in self.durations.items():
            buckets = [(repr(float(b)), n) for b, n in zip(histogram.bounds, histogram.counts, strict=True)]
            durations.add_metric([endpoint], [*buckets, ("+Inf", histogram.count)], sum_value=histogram.total)
        yield durations


class _Snapshot:
    """A collector that hands over families made for one scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def _outcome(exc: Exception) -> str:
    error = api_error(exc)
    if error.code == "busy":
        return "rejected"
    if error.code == "timeout":
        return "timeout"
    return "invalid" if error.status < 500 else "failed"


def _printer_families(printer: PrinterStats, admission: Admission) -> Iterator[Metric]:
    yield GaugeMetricFamily("renderer_jobs_in_flight", "Jobs printing on a page now.", value=printer.printing)
    queued = max(0, admission.admitted - printer.printing)
    help_queue = "Admitted jobs not printing yet (charts, or waiting for a page)."
    yield GaugeMetricFamily("renderer_queue_depth", help_queue, value=queued)
    help_capacity = "Jobs admitted at most at once; beyond it, 503."
    yield GaugeMetricFamily("renderer_queue_capacity", help_capacity, value=admission.capacity)
    pages = GaugeMetricFamily("renderer_pages", "Pooled pages by state.", labels=["state"])
    pages.add_metric(["leased"], printer.leased)
    pages.add_metric(["idle"], printer.idle_pages)
    yield pages
    help_pool = "Pages in the pool, which is also the concurrency cap."
    yield GaugeMetricFamily("renderer_pool_size", help_pool, value=printer.pages)
    yield GaugeMetricFamily("renderer_browser_up", "1 when Chromium is connected.", value=int(printer.connected))
    help_jobs = "Jobs on the current Chromium since its launch."
    yield GaugeMetricFamily("renderer_browser_jobs", help_jobs, value=printer.browser_jobs)
    yield _counter("renderer_browser_restarts", "Chromium restarts by reason.", RESTART_REASONS, printer.restarts)
    help_replaced = "Pooled pages replaced by reason."
    yield _counter("renderer_pages_replaced", help_replaced, REPLACE_REASONS, printer.pages_replaced)


def _counter(name: str, help_text: str, reasons: Iterable[str], values: Mapping[str, int]) -> CounterMetricFamily:
    family = CounterMetricFamily(name, help_text, labels=["reason"])
    for reason in reasons:
        family.add_metric([reason], values.get(reason, 0))
    return family
