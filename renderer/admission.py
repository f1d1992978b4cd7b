"""The bounded queue in front of the printer: a job that cannot be queued is refused at once, with a retry hint."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_RETRY_AFTER_S = 60


class QueueFull(Exception):
    """Every page is busy and the queue is full."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the queue is full; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Admission:
    """Lets in at most `concurrency + max_queue` jobs at a time: those printing and those waiting.

    Counting every admitted job (charts included) rather than only those waiting for a page keeps
    the chart thread's own queue bounded too.
    """

    def __init__(self, concurrency: int, max_queue: int) -> None:
        self.concurrency = concurrency
        self.capacity = concurrency + max_queue
        self.admitted = 0
        self._mean_s = 0.5  # a running mean of the time a job spends in the service, seeded pessimistically

    @contextmanager
    def ticket(self) -> Iterator[None]:
        """Hold a place for one job; QueueFull when there is none."""
        if self.admitted >= self.capacity:
            raise QueueFull(self.retry_after_s())
        self.admitted += 1
        start = time.monotonic()
        try:
            yield
        finally:
            self.admitted -= 1
            self._mean_s += 0.1 * (time.monotonic() - start - self._mean_s)

    def retry_after_s(self) -> int:
        """Whole seconds until the jobs in the service now are likely done."""
        estimate = self._mean_s * self.admitted / self.concurrency
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(estimate)))
