"""The per-batch work of a collection, as plain functions (no Prefect): the flow wraps them.

``fetch_and_parse`` needs no warehouse, so it can run on any worker (threads or a Dask cluster);
``load`` owns the DuckDB writer and runs where the flow runs. Documents whose bytes are already
parsed by this parser version are not parsed again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

import duckdb

from tasks import load as loader
from tasks.fetch import FetchOptions, FetchResult, Previous, fetch_all
from tasks.parse.batch import parse_batch
from tasks.registry import Unit


@dataclass(frozen=True, slots=True)
class BatchResult:
    fetches: list[FetchResult]
    # the batch's staging rows, built where it was parsed: on a process or Dask worker that is
    # CPU the single writer does not spend, and frames cross the process boundary as Arrow buffers
    parsed: loader.Frames
    # units not fetched because the batch filled up with new documents: the flow submits them again
    left: list[Unit] = field(default_factory=list)

    @property
    def documents_parsed(self) -> int:
        return self.parsed["report"].height


class BatchInput:
    """The units of one fetch+parse batch and what the warehouse holds of them: their newest
    documents' validators, and which of those documents this parser version has parsed.

    One plain object, not lists and dicts: Prefect's task engine walks every list, dict and
    dataclass among a task's parameters, twice, looking for futures. ``quote()`` spares the flow
    that walk, but Prefect's process pool removes it on the way, and in the worker the walk cost
    ~1 s per 10 000-unit batch. Prefect does not look inside other objects."""

    __slots__ = ("units", "previous", "parsed_shas")

    def __init__(self, units: list[Unit], previous: dict[str, Previous], parsed_shas: frozenset[str]) -> None:
        self.units = units
        self.previous = previous
        self.parsed_shas = parsed_shas

    @classmethod
    def of(cls, units: list[Unit], previous: dict[str, Previous], parsed_shas: frozenset[str]) -> BatchInput:
        """``units`` with their part of the year's ``previous`` and ``parsed_shas`` (the whole parsed
        set was ~6 MB to pickle and unpickle per batch at 100 000 units)."""
        mine = {u.unit_code: previous[u.unit_code] for u in units if u.unit_code in previous}
        return cls(units, mine, frozenset(p.sha256 for p in mine.values() if p.sha256 in parsed_shas))


# A unit fetched before this year mostly answers a conditional GET with a 304, or the same 404 again:
# no body, no parse, ~0.6 ms of a worker against several for a new document. In a batch it takes
# 1/KNOWN_SHARE of a new unit's room, so an unchanged re-run makes few batches, each of which costs a
# Prefect task run on both sides, a warehouse open and a collection. At 20, a 10 000-unit re-run is a
# single batch (~6 s of one core), which the flow runs on a thread rather than pay ~4 s to start the
# process pool. A cold run's batches are as before. Should those units have changed after all (a
# site's new page template changes every document on it), fetch_and_parse stops at ``size``
# documents and hands the rest back, so a batch never holds more than a cold one.
KNOWN_SHARE = 20


def batches(units: Sequence[Unit], size: int, known: Collection[str] = frozenset()) -> Iterator[list[Unit]]:
    """``units`` in order, cut into batches of ``size`` units never fetched, or of up to
    ``KNOWN_SHARE × size`` units whose codes are in ``known`` (fetched before), or a mix in proportion."""
    room = size * KNOWN_SHARE
    batch: list[Unit] = []
    left = room
    for unit in units:
        cost = 1 if unit.unit_code in known else KNOWN_SHARE
        if batch and cost > left:
            yield batch
            batch, left = [], room
        batch.append(unit)
        left -= cost
    if batch:
        yield batch


def fetch_and_parse(
    units: Sequence[Unit],
    year: int,
    *,
    previous: dict[str, Previous],
    parsed_shas: frozenset[str],
    options: FetchOptions,
    parser_version: str,
    max_documents: int | None = None,
) -> BatchResult:
    """Fetch and parse ``units``, or as many of them as bring ``max_documents`` documents; the
    others are the result's ``left``."""
    fetches = fetch_all(units, year, previous=previous, options=options, max_documents=max_documents)
    todo: dict[str, tuple[str, bytes, str]] = {}
    for r in fetches:
        if r.ok and r.content is not None and r.sha256 and r.sha256 not in parsed_shas:
            todo.setdefault(r.sha256, (r.sha256, r.content, f"unit {r.unit_code}, file {r.url}"))
    return BatchResult(fetches, loader.parsed_frames(parse_batch(todo.values()), parser_version),
                       left=list(units[len(fetches):]))


def load(con: duckdb.DuckDBPyConnection, run_id: str, batch: BatchResult) -> int:
    """Write one batch; returns the number of new submission versions."""
    new_versions = loader.record_fetches(con, run_id, batch.fetches)
    if batch.documents_parsed:
        loader.store_frames(con, batch.parsed)
    return new_versions


def parse_leftovers(con: duckdb.DuckDBPyConnection, year: int, parser_version: str) -> int:
    """Parse current documents the batches did not (a parser upgrade, or a run cut off after fetch)."""
    todo = loader.unparsed(con, year, parser_version)
    if todo:
        loader.store_parsed(con, parse_batch(todo), parser_version)
    return len(todo)
