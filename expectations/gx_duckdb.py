"""Workarounds that make Great Expectations 1.24's SQL path work on DuckDB (see STACK.md).

Kept in one module, applied once, and pinned by tests/expectations/test_engines.py:

1. ``SqlAlchemyExecutionEngine.execute_query`` returns a live cursor result after releasing the
   pooled connection; duckdb-engine then yields no rows, every metric errors with "list index out
   of range" and each expectation looks failed. We buffer the rows before the release.
2. GX talks to the caller's own DuckDB connection (a cursor on it, wrapped the way duckdb-engine
   wraps its connections), so checks see the same database, in-memory ones included, and never
   open the warehouse file a second time (DuckDB allows one writer).

Import only from the GX engine: importing this module imports great_expectations (~5 s).
"""

from __future__ import annotations

from typing import Any

import duckdb
import duckdb_engine
from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine
from sqlalchemy.pool import StaticPool

_original_execute_query = SqlAlchemyExecutionEngine.execute_query


def _buffered_execute_query(self: SqlAlchemyExecutionEngine, query: Any) -> Any:
    with self.get_connection() as connection:
        result = self._execute_query_with_recovery(connection, query)
        if result.returns_rows:
            # freeze() reads every row while the connection is still ours; calling the frozen
            # result gives back a Result with the usual fetchall / fetchmany / scalar.
            return result.freeze()()
    return result


def apply() -> None:
    """Idempotent."""
    SqlAlchemyExecutionEngine.execute_query = _buffered_execute_query  # type: ignore[method-assign]


def engine_kwargs(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """``kwargs`` for ``context.data_sources.add_sql`` that route every query to ``con``."""
    return {
        "creator": lambda: duckdb_engine.ConnectionWrapper(con.cursor()),
        "poolclass": StaticPool,
    }
