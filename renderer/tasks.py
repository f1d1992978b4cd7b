"""Background tasks of the printer: kept referenced until done, their failures logged, cancelled at close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Background:
    """Tasks that outlive the request that started them (resetting a page, relaunching Chromium)."""

    def __init__(self, *, quiet: tuple[type[BaseException], ...] = ()) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._quiet = quiet  # failures already logged where they happen

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and not isinstance(exc, self._quiet):
            log.error("renderer background task failed", exc_info=exc)
