"""CPU-bound pure Python inside a step (the feedback pages and workbooks) done in worker processes
while the flow's process reads the warehouse, results in order.

After the fetch+parse workers are done, the checks and the reports ran on the flow's one thread and
left the other cores idle: a third of a province's run. DuckDB allows one process to open the
warehouse for writing, so a worker is handed everything it needs (plain picklable values) and hands
back plain values.

Work of one item is done here: a district fits one chunk, and starting a worker process (~1 s,
its imports) would cost more than it saves. Not Prefect's task runners: these are not steps of the
flow but the inside of one, and a task run per chunk would only add its cost to the server.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_WORKERS = 4  # past a few, the flow's own reading and writing is what everyone waits for
# items waiting per worker: enough that a worker never waits for the next, few enough to bound the
# memory of what is in flight (a chunk of feedback carries its documents' texts)
AHEAD = 2


class Offload(Generic[Item, Result]):
    """``make(*args)`` builds a worker (a callable of one item) once per process; the items given
    to :meth:`submit` go to ``workers`` processes (default: one per core, at most MAX_WORKERS; 0:
    everything here), their results come back in the order given. A lone item is done here."""

    def __init__(self, make: Callable[..., Callable[[Item], Result]], args: tuple[Any, ...] = (), *,
                 workers: int | None = None) -> None:
        self._make, self._args = make, args
        self._workers = min(os.cpu_count() or 1, MAX_WORKERS) if workers is None else workers
        self._local: Callable[[Item], Result] | None = None
        self._first: list[Item] = []  # held until a second item shows whether a pool is worth it
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future[Result]] = deque()

    def __enter__(self) -> Offload[Item, Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def submit(self, item: Item) -> list[Result]:
        """Hand ``item`` over; returns the results now due, in order (once enough are in flight)."""
        if self._workers < 1:
            return [self._here(item)]
        if self._pool is None:
            if not self._first:
                self._first.append(item)
                return []
            # spawned, not forked: the flow's process has threads (Prefect's), and a fork copies their locks
            self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start, initargs=(self._make, self._args))
            self._pending.append(self._pool.submit(_run, self._first.pop()))
        with _explained():
            self._pending.append(self._pool.submit(_run, item))
            due = []
            while len(self._pending) > AHEAD * self._workers:
                due.append(self._pending.popleft().result())
        return due

    def drain(self) -> Iterator[Result]:
        """The results of everything submitted and not yet returned, in order."""
        if self._first:
            yield self._here(self._first.pop())
        while self._pending:
            with _explained():
                result = self._pending.popleft().result()
            yield result

    def _here(self, item: Item) -> Result:
        if self._local is None:
            self._local = self._make(*self._args)
        return self._local(item)


class WorkerDied(RuntimeError):
    """A worker process ended without a result: killed (out of memory?), or it could not start."""


@contextmanager
def _explained() -> Iterator[None]:
    try:
        yield
    except BrokenProcessPool as exc:
        raise WorkerDied(
            "a worker process ended abruptly: killed (out of memory?), or it could not start, e.g. a "
            "script of your own without an `if __name__ == \"__main__\":` guard, which each spawned "
            "worker imports again (its traceback is above)"
        ) from exc


_WORKER: Callable[[Any], Any] | None = None  # a worker process's own (see Offload)


def _start(make: Callable[..., Callable[[Any], Any]], args: tuple[Any, ...]) -> None:
    global _WORKER
    _WORKER = make(*args)


def _run(item: Any) -> Any:
    assert _WORKER is not None, "an Offload worker process starts with _start"
    return _WORKER(item)
