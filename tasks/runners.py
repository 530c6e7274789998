"""Where a collection's work runs: the task runner for fetch+parse batches, and the single slot
that lets exactly one flow write the warehouse at a time.

- :func:`task_runner` — ``runner = "process"`` (default): Prefect's process pool, one worker per
  core; ``runner = "thread"``: a thread pool in the flow's process; ``runner = "dask"``:
  prefect-dask on ``dask_address``, or a throwaway LocalCluster of two single-threaded worker
  processes. Only fetch+parse goes there: it needs no warehouse.
- :func:`writer_slot` — the Prefect global concurrency limit :data:`WRITER_LIMIT` (when the server
  defines it) and then the DuckDB connection, held for the whole flow. DuckDB already refuses a
  second writing process; the limit turns that refusal into waiting, so a publication scheduled
  during a collection runs after it instead of failing.

Like ``tasks/steps.py``, this module is about Prefect; the quick commands never import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.config import RUNNERS

if TYPE_CHECKING:
    import duckdb
    from prefect.task_runners import TaskRunner

WRITER_LIMIT = "juesuan-warehouse-writer"


def task_runner(kind: str, *, dask_address: str | None = None, max_workers: int | None = None) -> TaskRunner:
    """A fresh, not yet started task runner of ``kind`` ("process" | "thread" | "dask")."""
    if kind == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=max_workers)
    if kind == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        # One worker per core: fetch+parse is GIL-bound Python, so threads share one core. The workers
        # report to this flow's API: a worker that does not know it starts a temporary Prefect server
        # of its own (~25 s each, measured) and records its task runs nowhere useful.
        return ProcessPoolTaskRunner(max_workers=max_workers, initializer=_use_api, initargs=(_api_url(),))
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # Processes, not threads: parsing is CPU-bound Python, and two processes use both cores.
        # No dashboard: it wants a fixed port, and nobody watches a throwaway cluster.
        # The workers report task runs to this flow's API; without it each worker process would
        # start a temporary Prefect server of its own (~20 s each, and runs recorded nowhere useful).
        return DaskTaskRunner(cluster_kwargs={
            "n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
            "env": {"PREFECT_API_URL": _api_url()},
        })
    raise ValueError(f"unknown task runner {kind!r}: use one of {', '.join(RUNNERS)}")


@contextmanager
def writer_slot(warehouse: str | Path, *, timeout_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Wait for the warehouse-writer slot (if the Prefect server defines one), then open the warehouse."""
    from warehouse import db

    with ExitStack() as stack:
        if _limit_defined(WRITER_LIMIT):
            from prefect.concurrency.sync import concurrency

            stack.enter_context(concurrency(WRITER_LIMIT, occupy=1, timeout_seconds=timeout_seconds))
        yield stack.enter_context(db.connect(warehouse))


def _api_url() -> str:
    """The API this process talks to: the configured server, or the temporary one it started."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


def _use_api(url: str) -> None:
    """A process worker's initializer: talk to ``url`` (see :func:`task_runner`)."""
    import os

    os.environ["PREFECT_API_URL"] = url


def _limit_defined(name: str) -> bool:
    """Whether the server has the limit. A temporary local server (``juesuan collect``) has none, and
    asking Prefect for a missing limit only logs a warning on every run."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            return False
    return True


def ensure_writer_limit() -> None:
    """Declare the one-writer limit on the current server (``juesuan serve`` and deploy do this once)."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(WRITER_LIMIT, 1)
