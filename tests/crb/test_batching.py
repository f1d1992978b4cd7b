"""Natural batching: a lone call goes at once; calls made during a flush share the next one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from crb.batching import Batcher


async def settle() -> None:
    """Let every ready task run until it waits."""
    for _ in range(10):
        await asyncio.sleep(0)


class Recorder:
    """A flush that records its batches and holds each one until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.release.set()

    async def flush(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        await self.release.wait()
        if any(i < 0 for i in items):
            raise ValueError("negative")
        return [ZeroDivisionError(i) if i == 13 else i * 10 for i in items]


async def test_a_lone_call_is_flushed_at_once() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.flush)
    assert await batcher.submit(1) == 10
    assert await batcher.submit(2) == 20
    assert recorder.batches == [[1], [2]]


async def test_calls_during_a_flush_share_the_next_one_in_order() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batcher = Batcher(recorder.flush, max_batch=4)
    first = asyncio.create_task(batcher.submit(0))
    await settle()
    rest = [asyncio.create_task(batcher.submit(i)) for i in range(1, 7)]
    await settle()
    recorder.release.set()
    assert await asyncio.gather(first, *rest) == [0, 10, 20, 30, 40, 50, 60]
    assert recorder.batches == [[0], [1, 2, 3, 4], [5, 6]]


async def test_a_failing_flush_fails_its_own_callers_only() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batcher = Batcher(recorder.flush)
    first = asyncio.create_task(batcher.submit(1))
    await settle()
    bad, good = asyncio.create_task(batcher.submit(-1)), asyncio.create_task(batcher.submit(2))
    await settle()
    recorder.release.set()
    assert await first == 10
    with pytest.raises(ValueError, match="negative"):
        await bad
    with pytest.raises(ValueError, match="negative"):
        await good  # it shared the batch
    assert await batcher.submit(3) == 30  # and the batcher goes on


async def test_an_item_that_fails_alone_fails_only_its_caller() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.flush)
    results = await asyncio.gather(*(batcher.submit(i) for i in (12, 13, 14)), return_exceptions=True)
    assert results[0] == 120 and results[2] == 140
    assert isinstance(results[1], ZeroDivisionError)
    assert recorder.batches == [[12, 13, 14]]


async def test_lanes_allow_that_many_flushes_at_once() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batcher = Batcher(recorder.flush, lanes=2)
    tasks = []
    for i in range(5):
        tasks.append(asyncio.create_task(batcher.submit(i)))
        await settle()
    assert recorder.batches == [[0], [1]]  # two flushes at once; the rest waits for a lane
    recorder.release.set()
    assert await asyncio.gather(*tasks) == [0, 10, 20, 30, 40]
    assert recorder.batches == [[0], [1], [2, 3, 4]]


async def test_a_caller_that_goes_away_does_not_stop_its_item() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batcher = Batcher(recorder.flush)
    gone = asyncio.create_task(batcher.submit(7))
    await settle()
    gone.cancel()
    recorder.release.set()
    await batcher.close()
    assert recorder.batches == [[7]]
    assert gone.cancelled()
