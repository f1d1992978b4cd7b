"""The printer's bounded queue: who is let in, who is refused at once, and the retry hint the refusal carries."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import pytest

from renderer import admission as admission_module
from renderer.admission import MAX_RETRY_AFTER_S, Admission, QueueFull


class Clock:
    """Stands in for the `time` module the admission reads its durations from."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(admission_module, "time", clock)
    return clock


def holding(admission: Admission, n: int) -> ExitStack:
    """`n` tickets held until the stack closes."""
    stack = ExitStack()
    for _ in range(n):
        stack.enter_context(admission.ticket())
    return stack


def refusal(admission: Admission) -> QueueFull:
    with pytest.raises(QueueFull) as refused, admission.ticket():
        pytest.fail("a ticket beyond the capacity was let in")
    return refused.value


def held_for(admission: Admission, clock: Clock, seconds: float, fails: bool = False) -> None:
    try:
        with admission.ticket():
            clock.now += seconds
            if fails:
                raise RuntimeError("the page crashed")
    except RuntimeError:
        pass


@pytest.mark.parametrize(
    ("concurrency", "max_queue", "capacity"), [(1, 0, 1), (1, 32, 33), (4, 0, 4), (8, 10_000, 10_008)]
)
def test_capacity_is_the_pages_plus_the_queue(concurrency: int, max_queue: int, capacity: int) -> None:
    admission = Admission(concurrency, max_queue)
    assert (admission.concurrency, admission.capacity, admission.admitted) == (concurrency, capacity, 0)


@pytest.mark.parametrize(("concurrency", "max_queue"), [(1, 0), (2, 3), (4, 0)])
def test_jobs_are_let_in_up_to_the_capacity_then_refused(concurrency: int, max_queue: int) -> None:
    admission = Admission(concurrency, max_queue)
    with holding(admission, concurrency + max_queue):
        assert admission.admitted == concurrency + max_queue  # more than the pages: the rest wait for one
        refusal(admission)
        refusal(admission)
        assert admission.admitted == concurrency + max_queue  # a refusal holds no place
    assert admission.admitted == 0


def test_a_place_given_back_is_let_in_again() -> None:
    admission = Admission(1, 1)
    with holding(admission, 1):
        with admission.ticket():
            refusal(admission)
        with admission.ticket():
            assert admission.admitted == 2


def test_a_failed_job_gives_its_place_back_and_its_error_goes_on() -> None:
    admission = Admission(1, 0)
    with pytest.raises(ValueError, match="bad document"), admission.ticket():
        raise ValueError("bad document")
    assert admission.admitted == 0
    with admission.ticket():
        assert admission.admitted == 1


def test_a_cancelled_job_gives_its_place_back() -> None:
    admission = Admission(1, 0)
    with pytest.raises(asyncio.CancelledError), admission.ticket():
        raise asyncio.CancelledError
    assert admission.admitted == 0


def test_the_refusal_says_when_to_retry() -> None:
    admission = Admission(1, 0)
    with holding(admission, 1):
        refused = refusal(admission)
    assert isinstance(refused.retry_after_s, int)
    assert str(refused) == f"the queue is full; retry after {refused.retry_after_s} s"


async def test_concurrent_jobs_beyond_the_capacity_are_refused_at_once_not_queued() -> None:
    admission = Admission(1, 1)
    gate = asyncio.Event()
    inside = asyncio.Semaphore(0)

    async def job() -> str:
        with admission.ticket():
            inside.release()
            await gate.wait()
            return "printed"

    admitted = [asyncio.create_task(job()) for _ in range(2)]
    for _ in admitted:
        await inside.acquire()
    late = asyncio.create_task(job())
    with pytest.raises(QueueFull):
        await late  # while the gate is still shut: it never waited for a place
    assert not gate.is_set() and admission.admitted == 2
    gate.set()
    assert await asyncio.gather(*admitted) == ["printed", "printed"]
    assert admission.admitted == 0


@pytest.mark.parametrize(
    ("concurrency", "max_queue", "retry_after_s"),
    [
        (1, 0, 1),  # 0.5 s for the one job in: at least a second
        (2, 0, 1),
        (1, 3, 2),  # four jobs of 0.5 s on one page
        (1, 9, 5),
        (2, 9, 3),  # 11 x 0.5 / 2 = 2.75
        (4, 28, 4),
        (1, 119, MAX_RETRY_AFTER_S),  # 60 s exactly
        (1, 500, MAX_RETRY_AFTER_S),  # capped
    ],
)
def test_before_any_job_finished_the_hint_assumes_half_a_second_a_job(
    concurrency: int, max_queue: int, retry_after_s: int
) -> None:
    admission = Admission(concurrency, max_queue)
    with holding(admission, admission.capacity):
        assert refusal(admission).retry_after_s == retry_after_s
        assert admission.retry_after_s() == retry_after_s


def test_with_nobody_in_the_hint_is_one_second() -> None:
    assert Admission(4, 8).retry_after_s() == 1


def test_the_hint_learns_how_long_jobs_take(clock: Clock) -> None:
    admission = Admission(1, 4)
    with holding(admission, 3):  # three jobs in all along (they count once they leave: not before the end)
        assert admission.retry_after_s() == 2  # 3 x the seeded 0.5 s
        held_for(admission, clock, 21.5)  # the mean moves a tenth of the way: 0.5 + 2.1 = 2.6 s
        assert admission.retry_after_s() == 8  # 3 x 2.6 = 7.8
        held_for(admission, clock, 10.5, fails=True)  # a failed job counts too: 2.6 + 0.79 = 3.39 s
        assert admission.retry_after_s() == 11  # 10.17
        with holding(admission, 2):
            assert refusal(admission).retry_after_s == 17  # 5 x 3.39 = 16.95


def test_the_hint_never_exceeds_a_minute_however_slow_the_jobs(clock: Clock) -> None:
    admission = Admission(1, 0)
    for _ in range(50):
        held_for(admission, clock, 600)
    with holding(admission, 1):
        assert refusal(admission).retry_after_s == MAX_RETRY_AFTER_S


def test_quick_jobs_bring_the_hint_down_to_a_second(clock: Clock) -> None:
    admission = Admission(1, 9)
    with holding(admission, 10):
        assert refusal(admission).retry_after_s == 5  # ten jobs of the seeded 0.5 s
    for _ in range(50):
        held_for(admission, clock, 0.01)
    with holding(admission, 10):
        assert refusal(admission).retry_after_s == 1
