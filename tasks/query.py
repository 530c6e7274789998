"""Read-only SQL for ``juesuan sql``: one SELECT-like statement, no file access, on a read-only
connection. Three independent guards, because each alone has gaps: the statement type check stops
DDL/DML/ATTACH/COPY/PRAGMA/INSTALL; the read-only open stops writes to the warehouse; disabling
external access stops reading or writing other files (read_csv, COPY … TO, httpfs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tasks.errors import JuesuanError
from warehouse import db

ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# an answer, not an export: more rows than this is refused instead of exhausting memory
MAX_ROWS = 200_000


class ReadOnlyViolation(JuesuanError):
    """The query would change something, or is not a single read."""


def run_readonly(warehouse: Path, query: str, *, max_rows: int = MAX_ROWS) -> tuple[list[str], list[tuple[Any, ...]]]:
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise ReadOnlyViolation(f"cannot parse the query: {exc}") from None
    if len(statements) != 1:
        raise ReadOnlyViolation(f"one statement at a time, got {len(statements)}; nothing was run")
    if statements[0].type not in ALLOWED:
        raise ReadOnlyViolation(
            f"only SELECT queries are allowed ({statements[0].type.name} refused); the warehouse is unchanged"
        )
    with db.connect(warehouse, read_only=True) as con:
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        try:
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchmany(max_rows + 1)  # results stream: errors can surface while fetching
        except duckdb.Error as exc:
            raise ReadOnlyViolation(f"query failed: {exc}") from None
        if len(rows) > max_rows:
            raise ReadOnlyViolation(
                f"the answer has more than {max_rows} rows; add a LIMIT or aggregate (nothing was printed)"
            )
        return columns, rows
