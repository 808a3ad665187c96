"""The run's process pool, in which the process that waits for a job does one meanwhile.

A run forks its workers once, early (`process_pool`). The process that starts them has work of
its own (placing files, the summary), but most of the time it only waits for their results; and
every worker costs memory of its own, tens of megabytes that the pages it shares with the run at
first become as it works. So the pool has one worker fewer than there are cores, and whenever
this process waits for a result (`Future.result`) it takes the newest job no worker has started
and does it itself: the cores stay busy with one process fewer.

A job gives the same result wherever it runs; a job done here never travels through a pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor


def process_pool(workers: int | None, jobs: int) -> Pool | None:
    """The run's pool: `workers` processes at work in all (by default one per core, at most 8),
    this one among them; None when there are too few jobs or cores for processes to pay, and
    the run works in this process alone."""
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers <= 1 or jobs < 4:
        return None
    # The workers are forked from this process: freezing what it holds keeps the garbage
    # collector from writing to those pages in each worker, so they stay shared; and what is
    # free goes back to the system first, so that no worker starts with a copy of it.
    gc.collect()
    release_free_memory()
    gc.freeze()
    return Pool(max_workers=min(workers, jobs) - 1)


class Pool(ProcessPoolExecutor):
    """A ProcessPoolExecutor whose futures, while this process waits on one, let it do the
    newest job not yet started (`HelpingFuture`); each job's worker hands back the memory the
    job freed when it ends (else a worker's heap stays as large as its largest job left it)."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        #: The jobs no one has finished, in the order submitted (a dict pops its newest).
        self._waiting: dict[int, _Job] = {}
        self._lock = threading.Lock()

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        job = _Job(self, fn, args, kwargs)
        with self._lock:
            self._waiting[id(job)] = job
            job.elsewhere = super().submit(_releasing, fn, *args, **kwargs)
        job.elsewhere.add_done_callback(job.copy_to_mine)
        return job.mine

    def help_once(self) -> bool:
        """Do the newest job no worker has started, here; False when there is none."""
        while True:
            with self._lock:
                if not self._waiting:
                    return False
                _, job = self._waiting.popitem()
            if job.elsewhere.cancel():  # no worker has it, and now none will
                job.run_here()
                return True

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        """Each of `futures` as soon as it is done, here or in a worker, whatever the order they
        were submitted in; while none is, this process does the newest job waiting. A caller
        that takes results in order would instead keep those done early, here, until their
        turn: thousands of them, when this process does the newest jobs while the worker does
        the oldest."""
        left = set(futures)
        del futures  # a list of them would hold every result until the last is taken
        done: queue.SimpleQueue[Future] = queue.SimpleQueue()
        for future in left:
            future.add_done_callback(done.put)
        while left:
            try:
                future = done.get_nowait()
            except queue.Empty:
                if self.help_once():
                    continue
                future = done.get()  # every job left is a worker's: wait for one
            left.discard(future)
            yield future
            del future  # let a result go as soon as its caller has

    def _finished(self, job: _Job) -> None:
        with self._lock:
            self._waiting.pop(id(job), None)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers, and let the garbage collector see again what `process_pool`
        froze for them."""
        with self._lock:
            self._waiting.clear()
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        gc.unfreeze()


class HelpingFuture(Future):
    """A job's result: `result()` and `exception()` do the pool's waiting jobs, newest first,
    until this one is done (here or in a worker)."""

    def __init__(self, pool: Pool, job: _Job) -> None:
        super().__init__()
        self._pool, self._job = pool, job

    def result(self, timeout: float | None = None):
        self._help()
        return super().result(timeout)

    def exception(self, timeout: float | None = None):
        self._help()
        return super().exception(timeout)

    def cancel(self) -> bool:
        """Cancelled only if no worker has started the job (nor this process)."""
        job = self._job
        if job is None:  # settled: done, or being done here
            return super().cancel()
        if job.elsewhere is not None and not job.elsewhere.cancel():
            return False
        if not super().cancel():
            return False
        self._pool._finished(job)
        return True

    def _help(self) -> None:
        while not self.done() and self._pool.help_once():
            pass


class _Job:
    """One submitted job: the future its submitter holds (`mine`) and the pool's (`elsewhere`),
    whose outcome is copied to mine unless the job was taken back to be done here."""

    def __init__(self, pool: Pool, fn: Callable, args: tuple, kwargs: dict) -> None:
        self.pool, self.fn, self.args, self.kwargs = pool, fn, args, kwargs
        self.mine = HelpingFuture(pool, self)
        self.elsewhere: Future | None = None

    def copy_to_mine(self, elsewhere: Future) -> None:
        if elsewhere.cancelled():
            return  # taken back to be done here (run_here settles mine), or cancelled
        self.pool._finished(self)
        mine = self._settled()
        if not mine.set_running_or_notify_cancel():
            return
        error = elsewhere.exception()
        if error is not None:
            mine.set_exception(error)
        else:
            mine.set_result(elsewhere.result())

    def run_here(self) -> None:
        fn, args, kwargs = self.fn, self.args, self.kwargs
        mine = self._settled()
        if not mine.set_running_or_notify_cancel():
            return
        try:
            result = _releasing(fn, *args, **kwargs)
        except BaseException as exc:
            mine.set_exception(exc)
            if not isinstance(exc, Exception):
                raise  # an interrupt stops this process's work, not only the job's
        else:
            mine.set_result(result)

    def _settled(self) -> HelpingFuture:
        """Mine, every link between the job's objects cut: they would otherwise form a cycle
        that holds the job's result (a return with its rows) until the collector finds it,
        long after whoever asked for it has let it go."""
        mine, self.mine = self.mine, None
        mine._job = None
        self.elsewhere = self.fn = self.args = self.kwargs = None
        return mine


def _releasing(fn: Callable, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    finally:
        release_free_memory()


def release_garbage() -> None:
    """Collect the garbage (openpyxl's workbooks, for one, are cycles that wait for the
    collector's rare full pass) and hand the free heap back: after a large piece of this
    process's own work, so that what it freed is not kept while the run goes on."""
    gc.collect()
    release_free_memory()


def give_back_large_blocks() -> None:
    """Have the C library (glibc; elsewhere nothing) map every block of 128 KiB or more on
    its own, so that it goes back to the system when freed. By default the threshold rises
    with each large block freed, and the frames of a run of thousands would then be carved
    from a heap that never shrinks, in this process and in the workers forked from it."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 128 * 1024)


#: mallopt's parameter for the size from which a block is mapped on its own (malloc.h).
_M_MMAP_THRESHOLD = -3


def release_free_memory() -> None:
    """Hand the C library's free heap back to the system (glibc only; elsewhere nothing)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).malloc_trim(0)
