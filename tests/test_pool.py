"""The run's pool: this process does waiting jobs while it waits; every job's outcome arrives."""

from __future__ import annotations

import gc
import os
import time
import weakref

import pytest

from pipeline import pool as pool_module


def where_and_square(number: int, pause: float = 0.0) -> tuple[int, int]:
    time.sleep(pause)
    return os.getpid(), number * number


class Box:
    def __init__(self, number: int) -> None:
        self.number = number


def boxed(number: int) -> Box:
    return Box(number)


def fails(number: int) -> int:
    raise ValueError(f"job {number} cannot be done")


@pytest.fixture
def pool():
    made = pool_module.Pool(max_workers=1)
    yield made
    made.shutdown()


def test_no_pool_for_few_jobs_or_one_core():
    assert pool_module.process_pool(1, 100) is None
    assert pool_module.process_pool(4, 3) is None


def test_the_pool_has_a_worker_fewer_than_the_processes_at_work():
    made = pool_module.process_pool(2, 10)
    try:
        assert made._max_workers == 1
    finally:
        made.shutdown()


def test_waiting_here_does_jobs_here_and_every_result_is_its_jobs(pool):
    futures = [pool.submit(where_and_square, number, 0.02) for number in range(40)]
    results = [future.result() for future in futures]
    assert [square for _, square in results] == [n * n for n in range(40)]
    places = {pid for pid, _ in results}
    assert os.getpid() in places  # some were done here, while it waited
    assert len(places) == 2  # and some by the worker


def test_a_failure_arrives_from_a_worker_and_from_here(pool):
    futures = [pool.submit(fails, number) for number in range(6)]
    for number, future in enumerate(futures):
        with pytest.raises(ValueError, match=f"job {number} cannot"):
            future.result()


def test_a_job_no_one_started_can_be_cancelled_and_is_never_done(pool):
    first = pool.submit(where_and_square, 1, 0.3)  # keeps the worker busy
    queued = [pool.submit(where_and_square, n, 0.0) for n in range(2, 6)]
    last = queued[-1]
    assert last.cancel()
    assert last.cancelled()
    assert first.result()[1] == 1
    assert [f.result()[1] for f in queued[:-1]] == [4, 9, 16]
    assert not first.cancel()  # done: too late


def test_a_result_done_here_is_let_go_with_its_future(pool):
    """No cycle between a job's objects holds its result (a return with its rows, in a run)
    until the garbage collector comes by."""
    busy = [pool.submit(where_and_square, n, 0.5) for n in range(2)]  # the worker's two
    futures = [pool.submit(boxed, n) for n in range(6)]
    gc.disable()
    try:
        results = [future.result() for future in reversed(futures)]
        assert [box.number for box in results] == [5, 4, 3, 2, 1, 0]
        left = [weakref.ref(box) for box in results]
        del results, futures
        assert [ref() for ref in left] == [None] * 6
    finally:
        gc.enable()
    assert [future.result()[1] for future in busy] == [0, 1]


def test_as_completed_gives_every_result_once_as_it_is_done_and_keeps_none(pool):
    """A run takes thousands of results this way: each is handed over as soon as it is done,
    here or in the worker, and none is held once its taker has let it go."""
    busy = pool.submit(where_and_square, 0, 0.5)  # the worker's, done last
    taken, left = [], []
    gc.disable()
    try:
        for future in pool.as_completed([busy, *(pool.submit(boxed, n) for n in range(1, 7))]):
            assert [ref() for ref in left] == [None] * len(left)  # those taken were let go
            result = future.result()
            if isinstance(result, Box):
                taken.append(result.number)
                left.append(weakref.ref(result))
            else:
                taken.append(result[1])
            del future, result
    finally:
        gc.enable()
    assert sorted(taken) == [0, 1, 2, 3, 4, 5, 6]
    assert taken[-1] == 0  # the slow job did not hold back those done before it
