"""The yearly collection flow: registry → fetch+parse (batches) → load → validate → report → alert → publish.

The flow only orders the steps. Fetch and parse fan out over batches of units on the task runner
(worker processes, threads, or Dask: ``runner``); every load runs here, in the flow's own process,
because DuckDB allows a single writer. The flow holds a warehouse connection for its whole run,
so a second collection on the same warehouse stops at once with a clear message.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from prefect import flow
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from tasks import runners, steps
from tasks.config import Settings, load_settings
from tasks.fetch import FetchOptions
from tasks.pipeline import BatchInput, BatchResult, batches
from tasks.registry import Unit
from warehouse import db

# fetch+parse batches in flight at once: enough to keep two cores (or two Dask workers) busy while
# the flow loads the oldest one
IN_FLIGHT = 3
# bytes of DuckDB memory while the batches load: appending reads back little, and a province's load
# otherwise filled the whole limit (1 GB) with pages of documents it never read again
LOAD_MEMORY = 256 * 2**20
# write-ahead log DuckDB may hold while the batches load before it checkpoints (its default is
# 16 MB, i.e. every other batch): 100 000 units' load took 97 s of CPU at 1 GB against 149 s
LOAD_WAL = 2**30


@flow(name="yearly-collection")
def yearly_collection(
    year: int, config: str = "juesuan.toml", publish: bool = True, runner: str | None = None
) -> dict:
    from expectations import RULES_VERSION
    from tasks.parse import PARSER_VERSION

    settings = load_settings(config)
    run_id = steps.new_run_id("collect", year)
    # held for the run: the single-writer lock (and the server's one-writer slot, when it has one)
    with runners.writer_slot(settings.warehouse) as con:
        steps.start_run(settings, run_id, year, PARSER_VERSION, RULES_VERSION)
        try:
            units = steps.sync_registry(settings)
            steps.sync_campaign(settings, year)
            prior = steps.prior_state(settings, year, PARSER_VERSION)
            options = FetchOptions(**settings.fetch.model_dump())
            # fetch+parse fans out (processes, threads or Dask); each batch is loaded here as it arrives.
            # BatchInput, and quote() for the loads: Prefect would otherwise walk (and copy) every unit, sha
            # and parsed figure of a batch to look for upstream futures (bench/README.md).
            # At most IN_FLIGHT batches are fetched/parsed at once and a loaded batch is let go: the
            # thread runner has no worker limit, so submitting them all held every document in memory
            # (3.3 GB at 10 000 units) and opened batches × concurrency connections to the servers.
            new_versions = 0
            in_flight: deque = deque()
            todo = deque(batches(units, settings.batch_size, known=prior.attempted))
            kind = runner or settings.runner
            if kind == "process" and len(todo) <= 1:
                kind = "thread"  # one batch cannot use a second core, and starting the pool costs seconds
            with (runners.task_runner(kind, dask_address=settings.dask_address) as pool, _frozen_heap(),
                  db.memory_capped(con, LOAD_MEMORY), db.checkpoints_deferred(con, LOAD_WAL)):
                while todo or in_flight:
                    while todo and len(in_flight) < IN_FLIGHT:
                        batch = BatchInput.of(todo.popleft(), prior.previous, prior.parsed)
                        in_flight.append(pool.submit(steps.fetch_and_parse, {
                            "batch": batch, "year": year, "options": options,
                            "parser_version": PARSER_VERSION, "max_documents": settings.batch_size,
                        }))
                    loaded, left = _load_oldest(settings, run_id, in_flight)
                    new_versions += loaded
                    if left:  # the batch filled up with new documents before its end
                        todo.appendleft(left)
            steps.parse_leftovers(settings, year, PARSER_VERSION)
            checks = steps.validate(settings, year, run_id)
            report = steps.check_report(settings, year, checks)
            alerts = steps.alert(settings, year, run_id, report)
            publication = steps.publish(settings, year, RULES_VERSION, PARSER_VERSION) if publish else None
            summary = steps.summarize(settings, year)
        except BaseException:
            steps.finish_run(settings, run_id, "failed", {})
            raise
        result = {
            "run_id": run_id, "year": year, "new_versions": new_versions, **summary,
            "checks": checks, "alerts": alerts, "warehouse": str(settings.warehouse),
            "check_report": str(report),
            "publication": str(publication.path) if publication else None,
        }
        steps.finish_run(settings, run_id, "completed", result)
    return result


def _load_oldest(settings: Settings, run_id: str, in_flight: deque) -> tuple[int, list[Unit]]:
    """Load the oldest in-flight batch, quoted (see above), and let it go; returns its number of new
    versions and its units left unfetched."""
    batch = _fetched(in_flight.popleft())
    left = batch.left
    new_versions = steps.load_batch(settings, run_id, quote(batch))  # type: ignore[call-overload]
    del batch
    # Prefect's process-pool future holds its result in a reference cycle (callbacks on chained
    # futures), which only a full collection frees, and the few objects of a batch rarely trigger
    # one: a province-wide run kept every batch's bytes and frames, 5.7 GB by the last of 200.
    gc.collect()
    return new_versions, left


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Objects alive before the batches (modules, Prefect, the registry) are left out of the
    collections after each batch (see _load_oldest): walking them cost 0.2 s a batch."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _fetched(future: PrefectFuture) -> BatchResult:
    """A batch's fetch+parse result; the flow waits here while the workers are still at it."""
    return future.result()
