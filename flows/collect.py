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
from typing import TYPE_CHECKING

from prefect import flow
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from tasks import runners, steps
from tasks.config import Settings, load_settings
from tasks.fetch import FetchOptions
from tasks.pipeline import BatchInput, BatchResult, batches
from tasks.registry import Unit
from warehouse import db

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

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
            # fetch+parse fans out (processes, threads or Dask); each batch is loaded here as it arrives.
            # BatchInput, and quote() for the loads: Prefect would otherwise walk (and copy) every unit, sha
            # and parsed figure of a batch to look for upstream futures (bench/README.md).
            fan_out = _FanOut(settings, run_id, year, units, prior)
            kind = runner or settings.runner
            with _frozen_heap(), db.memory_capped(con, LOAD_MEMORY), db.checkpoints_deferred(con, LOAD_WAL):
                if kind == "process" and len(fan_out.todo) <= 1:
                    # one batch cannot use a second core, and starting the pool costs seconds; but should
                    # it hand units back (their documents had changed after all), those go to the pool
                    fan_out.run("thread", until_handed_back=True)
                fan_out.run(kind)
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
            "run_id": run_id, "year": year, "new_versions": fan_out.new_versions, "batches": fan_out.batches,
            **summary,
            "checks": checks, "alerts": alerts, "warehouse": str(settings.warehouse),
            "check_report": str(report),
            "publication": str(publication.path) if publication else None,
        }
        steps.finish_run(settings, run_id, "completed", result)
    return result


class _FanOut:
    """The year's fetch+parse batches, run on a task runner and each loaded here as it arrives.

    At most IN_FLIGHT batches are fetched/parsed at once and a loaded batch is let go: the thread
    runner has no worker limit, so submitting them all held every document in memory (3.3 GB at
    10 000 units) and opened batches × concurrency connections to the servers."""

    def __init__(self, settings: Settings, run_id: str, year: int, units: list[Unit], prior: steps.PriorState) -> None:
        self.settings, self.run_id, self.year, self.prior = settings, run_id, year, prior
        self.options = FetchOptions(**settings.fetch.model_dump())
        self.todo = deque(batches(units, settings.batch_size, known=prior.attempted))
        self.new_versions = 0
        self.batches: dict[str, int] = {}  # batches run, per kind of task runner

    def run(self, kind: str, *, until_handed_back: bool = False) -> None:
        """Run the batches to do on a task runner of ``kind``. A batch that filled up with new documents
        hands back the units it had no room for; they are cut again into batches of new units (their
        documents have changed, it seems), or, ``until_handed_back``, left to do and the run ends."""
        if not self.todo:
            return
        in_flight: deque[PrefectFuture] = deque()
        handed_back = False
        with runners.task_runner(kind, dask_address=self.settings.dask_address) as pool:
            while in_flight or (self.todo and not handed_back):
                while self.todo and not handed_back and len(in_flight) < IN_FLIGHT:
                    in_flight.append(self._submit(pool, self.todo.popleft()))
                    self.batches[kind] = self.batches.get(kind, 0) + 1
                left = self._load_oldest(in_flight)
                if left:
                    self.todo.extendleft(reversed(list(batches(left, self.settings.batch_size))))
                    handed_back = until_handed_back

    def _submit(self, pool: TaskRunner, units: list[Unit]) -> PrefectFuture:
        from tasks.parse import PARSER_VERSION

        return pool.submit(steps.fetch_and_parse, {
            "batch": BatchInput.of(units, self.prior.previous, self.prior.parsed), "year": self.year,
            "options": self.options, "parser_version": PARSER_VERSION, "max_documents": self.settings.batch_size,
        })

    def _load_oldest(self, in_flight: deque[PrefectFuture]) -> list[Unit]:
        """Load the oldest in-flight batch, quoted (see the flow), and let it go; returns its units left
        unfetched."""
        batch = _fetched(in_flight.popleft())
        left = batch.left
        self.new_versions += steps.load_batch(self.settings, self.run_id, quote(batch))  # type: ignore[call-overload]
        del batch
        # Prefect's process-pool future holds its result in a reference cycle (callbacks on chained
        # futures), which only a full collection frees, and the few objects of a batch rarely trigger
        # one: a province-wide run kept every batch's bytes and frames, 5.7 GB by the last of 200.
        gc.collect()
        return left


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Objects alive before the batches (modules, Prefect, the registry) are left out of the
    collections after each batch (see _load_oldest): walking them cost 0.2 s a batch. No full
    collection first: it found 0–40 unreachable objects here and cost 0.22 s of every run (3 % of
    an unchanged re-run at 10 000 units); what garbage there is gets collected after the unfreeze."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _fetched(future: PrefectFuture) -> BatchResult:
    """A batch's fetch+parse result; the flow waits here while the workers are still at it."""
    return future.result()
