"""Natural batching: concurrent calls that arrive while a flush is running go together in the next one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Up to `lanes` flushes at a time, each of everything waiting (up to `max_batch`); nothing waits for a timer.

    A lone call is flushed at once, so it costs one round trip as before. Under a burst, calls queue while
    the flushes run and share the next, which spreads a statement's fixed cost (a round trip, a plan, a
    commit) over many. `flush` returns one result per item, in order; a result that is an exception fails
    that caller alone, and if `flush` raises, every caller of that batch gets the exception.
    """

    def __init__(
        self,
        flush: Callable[[Sequence[T]], Awaitable[Sequence[R | Exception]]],
        *,
        max_batch: int = 100,
        lanes: int = 1,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._lanes = lanes
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._drainers: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if len(self._drainers) < self._lanes:
            task = asyncio.create_task(self._drain(), name="batcher-drain")
            self._drainers.add(task)
            task.add_done_callback(self._drainers.discard)
        # The flush goes on if this caller goes away (a client that disconnects): its item is applied anyway.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
            try:
                results = await self._flush([item for item, _ in batch])
            except Exception as e:
                for _, future in batch:
                    future.set_exception(e)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def close(self) -> None:
        """Let the batch in flight, and any waiting, finish."""
        if self._drainers:
            await asyncio.wait(self._drainers)
