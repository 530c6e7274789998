"""What a re-run over unchanged sources can skip.

Fetching (304s), storing (content-addressed) and parsing (by sha256 and parser version) already
skip unchanged documents. The checks run over a whole year at once (GX, ~60 s for 2 000 units on
2 cores), so they are skipped as a whole when nothing they read has changed since the last
completed collection: :func:`check_inputs` hashes those inputs, and the hash is kept in that run's
summary (``meta.run.summary -> checks.inputs``). A run that failed after checking records no hash,
so the next one checks again: skipping is only ever an optimisation, never a gap.
"""

from __future__ import annotations

import duckdb

from warehouse.db import scalar
from warehouse.sql import statement


def check_inputs(con: duckdb.DuckDBPyConnection, year: int, rules_version: str) -> str:
    return str(scalar(con, statement("check_inputs"), {"year": year, "rules_version": rules_version}))


def checks_current(con: duckdb.DuckDBPyConnection, year: int, inputs: str) -> bool:
    """Whether the last completed collection of ``year`` checked exactly these inputs."""
    return scalar(con, statement("last_check_inputs"), {"year": year}) == inputs
