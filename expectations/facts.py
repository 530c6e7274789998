"""The staging views rules read, materialised once per run.

Each rule's SQL names views (``staging.rule_figure``, ``staging.unit_value``…) that stack several
views deep; run as they are, every rule query (and GX runs two per expectation) re-plans and
re-computes the whole stack. :func:`materialised` computes them once, for the run's year and the
year before (the YoY rules look one year back), into a scratch database attached as
``dq_facts`` (visible to GX's cursors on the same connection, never written to the warehouse
file), and :func:`rewrite` points a query at those tables. Both engines run the rewritten text,
so their results stay identical.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMA = "dq_facts"
# view → rows kept (``$year`` bound); order matters: later ones read earlier ones through the views
VIEWS: dict[str, str] = {
    "current_submission": "true",
    "rule_figure": "year between $year - 1 and $year",
    "rule_cell": "year = $year",
    "rule_t01": "year = $year",
    "rule_total_row": "year = $year",
    "rule_row_sum": "year = $year",
    "rule_code_nest": "year = $year",
    "unit_value": "year between $year - 1 and $year",
    "rule_yoy": "year = $year",
    "unit_fact": "year = $year",
    "rule_perf_project": "year = $year",
    "rule_perf_indicator": "year = $year",
}
_NAMES = re.compile(r"\bstaging\.(" + "|".join(VIEWS) + r")\b")


def rewrite(sql: str) -> str:
    """``sql`` reading the materialised tables instead of the staging views."""
    return _NAMES.sub(lambda m: f"{SCHEMA}.{m.group(1)}", sql)


@contextmanager
def materialised(con: duckdb.DuckDBPyConnection, year: int) -> Iterator[None]:
    """Attach ``dq_facts`` holding the views' rows for ``year`` (and year − 1) for the block.

    ``dq_facts`` is a scratch database file in a temporary folder, removed afterwards: an
    in-memory one keeps its tables uncompressed and resident (~40 KB a unit, 4 GB for 100 000
    units), a file is compressed (~5×) and DuckDB's buffer manager can let its pages go.

    Under the warehouse's memory limit (``warehouse.db.MEMORY_LIMIT``) the views are materialised
    on one thread: at 100 000 units ``unit_fact``'s DISTINCT over 5 million rows ran out of memory
    in one run of three on two threads (in none of seven on one, for about the same CPU time). Inside the
    block queries do not keep insertion order (``preserve_insertion_order``): nothing here relies
    on it, and keeping it makes DuckDB buffer whole results. Both settings are restored after."""
    con.execute(f"detach database if exists {SCHEMA}").fetchall()
    threads, ordered = con.execute(
        "select current_setting('threads'), current_setting('preserve_insertion_order')").fetchone()  # type: ignore[misc]
    with tempfile.TemporaryDirectory(prefix="juesuan-dq-facts-") as scratch:
        path = str(Path(scratch) / f"{SCHEMA}.duckdb").replace("'", "''")
        con.execute(f"attach '{path}' as {SCHEMA}").fetchall()
        con.execute("set preserve_insertion_order = false").fetchall()
        try:
            con.execute("set threads = 1").fetchall()
            try:
                for view, where in VIEWS.items():
                    con.execute(
                        f"create table {SCHEMA}.{view} as select * from staging.{view} where {where}",
                        {"year": year} if "$year" in where else None,
                    ).fetchall()
            finally:
                con.execute(f"set threads = {int(threads)}").fetchall()
            yield
        finally:
            con.execute(f"set preserve_insertion_order = {bool(ordered)}").fetchall()
            con.execute(f"detach database if exists {SCHEMA}").fetchall()
