"""The renderer's counters, job durations and gauges in Prometheus' text format 0.0.4."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from renderer.admission import Admission
from renderer.errors import api_error
from renderer.pool import PrinterStats

# https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

ENDPOINTS = ("reports", "pdf")
OUTCOMES = ("ok", "invalid", "rejected", "timeout", "failed", "cancelled")
BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
RESTART_REASONS = ("jobs", "crash")
REPLACE_REASONS = ("recycled", "failed", "dirty")

Labels = Mapping[str, str]


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

    def render(self, printer: PrinterStats, admission: Admission) -> str:
        lines = [*self._job_lines(), *_printer_lines(printer, admission)]
        return "\n".join(lines) + "\n"

    def _job_lines(self) -> Iterator[str]:
        name = "renderer_jobs_total"
        yield from _family(name, "counter", "Jobs by endpoint and outcome.")
        for endpoint in ENDPOINTS:
            for outcome in OUTCOMES:
                yield _sample(name, {"endpoint": endpoint, "outcome": outcome}, self.jobs[endpoint, outcome])
        name = "renderer_job_duration_seconds"
        yield from _family(name, "histogram", "Time from request to PDF of successful jobs, queue wait included.")
        for endpoint, histogram in self.durations.items():
            yield from _histogram(name, {"endpoint": endpoint}, histogram)


def _outcome(exc: Exception) -> str:
    error = api_error(exc)
    if error.code == "busy":
        return "rejected"
    if error.code == "timeout":
        return "timeout"
    return "invalid" if error.status < 500 else "failed"


def _printer_lines(printer: PrinterStats, admission: Admission) -> Iterator[str]:
    yield from _gauge("renderer_jobs_in_flight", "Jobs printing on a page now.", printer.printing)
    queued = max(0, admission.admitted - printer.printing)
    yield from _gauge("renderer_queue_depth", "Admitted jobs not printing yet (charts, or waiting for a page).", queued)
    yield from _gauge("renderer_queue_capacity", "Jobs admitted at most at once; beyond it, 503.", admission.capacity)
    yield from _family("renderer_pages", "gauge", "Pooled pages by state.")
    yield _sample("renderer_pages", {"state": "leased"}, printer.leased)
    yield _sample("renderer_pages", {"state": "idle"}, printer.idle_pages)
    yield from _gauge("renderer_pool_size", "Pages in the pool, which is also the concurrency cap.", printer.pages)
    yield from _gauge("renderer_browser_up", "1 when Chromium is connected.", int(printer.connected))
    yield from _gauge("renderer_browser_jobs", "Jobs on the current Chromium since its launch.", printer.browser_jobs)
    name = "renderer_browser_restarts_total"
    yield from _counter(name, "Chromium restarts by reason.", "reason", RESTART_REASONS, printer.restarts)
    name = "renderer_pages_replaced_total"
    yield from _counter(name, "Pooled pages replaced by reason.", "reason", REPLACE_REASONS, printer.pages_replaced)


def _family(name: str, kind: str, help_text: str) -> Iterator[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"


def _gauge(name: str, help_text: str, value: float) -> Iterator[str]:
    yield from _family(name, "gauge", help_text)
    yield _sample(name, {}, value)


def _counter(name: str, help_text: str, label: str, keys: Iterable[str], values: Mapping[str, int]) -> Iterator[str]:
    yield from _family(name, "counter", help_text)
    for key in keys:
        yield _sample(name, {label: key}, values.get(key, 0))


def _histogram(name: str, labels: Labels, histogram: Histogram) -> Iterator[str]:
    for bound, count in zip(histogram.bounds, histogram.counts, strict=True):
        yield _sample(f"{name}_bucket", {**labels, "le": _number(bound)}, count)
    yield _sample(f"{name}_bucket", {**labels, "le": "+Inf"}, histogram.count)
    yield _sample(f"{name}_sum", labels, histogram.total)
    yield _sample(f"{name}_count", labels, histogram.count)


def _sample(name: str, labels: Labels, value: float) -> str:
    if not labels:
        return f"{name} {_number(value)}"
    pairs = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
    return f"{name}{{{pairs}}} {_number(value)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
