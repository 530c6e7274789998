"""tasks.offload: items done in worker processes, results in the order given; a lone item, or
workers=0, done here; a worker's error raised to the caller."""

from __future__ import annotations

import os

import pytest

from tasks.offload import Offload, WorkerDied


class Square:
    """A worker: the square of an item, and the process that worked it out."""

    def __init__(self, refused: int | None = None) -> None:
        self.refused = refused

    def __call__(self, n: int) -> tuple[int, int]:
        if n == self.refused:
            raise ValueError(f"item {n} refused")
        if n < 0:
            os._exit(9)  # as the kernel's OOM killer would end it
        return n * n, os.getpid()


def _all(offload: Offload, items) -> list[tuple[int, int]]:
    out = []
    with offload:
        for n in items:
            out += offload.submit(n)
        out += offload.drain()
    return out


def test_items_go_to_worker_processes_and_come_back_in_order():
    out = _all(Offload(Square, workers=2), range(40))
    assert [square for square, _ in out] == [n * n for n in range(40)]
    pids = {pid for _, pid in out}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


@pytest.mark.parametrize(("workers", "items"), [(2, [7]), (0, range(5))])
def test_a_lone_item_or_no_workers_is_done_here(workers, items):
    out = _all(Offload(Square, workers=workers), items)
    assert out == [(n * n, os.getpid()) for n in items]


def test_an_error_in_a_worker_is_raised_here():
    with pytest.raises(ValueError, match="item 5 refused"):
        _all(Offload(Square, (5,), workers=2), range(12))


def test_a_worker_that_dies_is_named_as_such():
    with pytest.raises(WorkerDied, match="out of memory"):
        _all(Offload(Square, workers=2), [1, 2, -1, 3, 4, 5, 6, 7])
