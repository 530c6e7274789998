"""Helpers for the deploy tests: a district served over HTTP that counts (and can slow) requests,
and warehouse snapshots that leave out what differs between equivalent runs (run ids, clocks)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tasks import fileserver

# Every table a collection fills, and the columns that name a run or read a clock.
TABLES = [
    "core.unit", "raw.fetch_attempt", "raw.document", "raw.submission", "staging.report", "staging.figure",
    "staging.section", "staging.perf_project", "staging.perf_indicator", "dq.result",
]
VOLATILE = {"run_id", "attempt_id", "started_at", "elapsed_ms", "fetched_at", "first_seen_at", "parsed_at",
            "finished_at", "created_at", "updated_at"}


@dataclass
class Requests:
    """What the served district was asked for."""

    conditional: int = 0
    plain: int = 0
    delay: float = 0.0
    paths: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, path: str, conditional: bool) -> None:
        with self.lock:
            self.paths[path] += 1
            if conditional:
                self.conditional += 1
            else:
                self.plain += 1

    def reset(self) -> None:
        with self.lock:
            self.conditional = self.plain = 0
            self.paths.clear()

    def twice(self) -> list[str]:
        """The documents asked for more than once since the reset."""
        return sorted(path for path, n in self.paths.items() if n > 1)


@contextmanager
def counting_server(root: Path, requests: Requests) -> Iterator[str]:
    """juesuan's own file server (ETag, 304) with every GET counted and optionally slowed."""
    base = fileserver._handler(root)

    class Counting(base):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:
            requests.seen(self.path, bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")))
            if requests.delay:
                time.sleep(requests.delay)
            super().do_GET()

    server = fileserver._Server(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def submitting_units(district: Path) -> set[str]:
    truth = json.loads((district / "truth.json").read_text(encoding="utf-8"))
    units = truth["units"] if isinstance(truth, dict) and "units" in truth else {u["unit_code"]: u for u in truth}
    return {code for code, u in units.items() if u["submits"]}


def snapshot(con: duckdb.DuckDBPyConnection, *, keep_volatile: bool = False) -> dict[str, list[tuple]]:
    """Every collection table's rows, sorted, without run ids and timestamps (unless asked to keep them)."""
    out = {}
    for table in TABLES:
        schema, name = table.split(".")
        cols = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [schema, name]).fetchall() if keep_volatile or c not in VOLATILE]
        rows = con.execute(f"select {', '.join(cols)} from {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
