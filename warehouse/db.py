"""The DuckDB warehouse: opening it, migrating it forward, and (re)creating its views.

Migrations are ``schema/NNN_<what>.sql``, applied once each in order and recorded in
``meta.schema_migration``. Views (``views/*.sql``) and marts (``marts/*.sql``) hold no data, so
they are recreated on every writable open: editing one never needs a migration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

HERE = Path(__file__).parent
SCHEMA_DIR = HERE / "schema"
VIEWS_DIR = HERE / "views"
MARTS_DIR = HERE / "marts"
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file (DuckDB allows one writer and no readers beside it)."""


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable open also migrates it and refreshes views."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `juesuan collect` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"the warehouse {path} is in use by another juesuan process (a collection or load "
                "is running); try again when it has finished"
            ) from exc
        raise
    if not read_only:
        migrate(con)
        refresh_views(con)
    return con


def memory() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with the full schema (single-document checks, tests)."""
    con = duckdb.connect(":memory:")
    migrate(con)
    refresh_views(con)
    return con


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for p in sorted(SCHEMA_DIR.glob("*.sql")):
        m = _MIGRATION.match(p.name)
        if not m:
            raise ValueError(f"migration file {p.name} is not named NNN_<what>.sql")
        found.append((int(m.group(1)), p.stem, p))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {SCHEMA_DIR}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations, each in its own transaction. Returns the names applied."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create table if not exists meta.schema_migration "
        "(version integer primary key, name varchar not null, applied_at timestamp not null)"
    )
    done = {v for (v,) in con.execute("select version from meta.schema_migration").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        con.execute("begin")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "insert into meta.schema_migration values (?, ?, current_timestamp)", [version, name]
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.append(name)
    return applied


def refresh_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create or replace macros and staging views, then the marts (which read the views)."""
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    for path in sorted(MARTS_DIR.glob("*.sql")):
        con.execute(f"create or replace view marts.{path.stem} as\n{path.read_text(encoding='utf-8')}")


def run(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> None:
    """Execute a statement for its effect. DuckDB 2 keeps an unread result (an INSERT's row count)
    pending on the connection and refuses other work until it is drained, so drain it here."""
    con.execute(sql, params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> object:
    """The single value of a one-row query, with the result drained (see :func:`run`)."""
    rows = con.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure leaves the warehouse as it was."""
    con.execute("begin")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
