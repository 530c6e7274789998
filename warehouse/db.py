"""The DuckDB warehouse: opening it, migrating it forward, and (re)creating its views.

Migrations are ``schema/NNN_<what>.sql``, applied once each in order and recorded in
``meta.schema_migration``. Views (``views/*.sql``) and marts (``marts/*.sql``) hold no data, so
they are recreated on every writable open: editing one never needs a migration.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from tasks.errors import ConfigError  # a module of its own, importing nothing

HERE = Path(__file__).parent
SCHEMA_DIR = HERE / "schema"
VIEWS_DIR = HERE / "views"
MARTS_DIR = HERE / "marts"
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_SIZE = re.compile(r"([0-9.]+)\s*([KMGT]?)(i?)B(?:ytes)?", re.IGNORECASE)
# DuckDB's buffer pool may otherwise grow to 80 % of the machine's memory and keeps what it read:
# a province-wide collection held 6 GB of pages it no longer needed. Past the limit DuckDB spills
# to a temporary folder beside the file. JUESUAN_DUCKDB_MEMORY_LIMIT overrides it (DuckDB's syntax).
# It is set when the process opens the file; a stage may hold DuckDB to less for a while (memory_capped).
MEMORY_LIMIT = os.environ.get("JUESUAN_DUCKDB_MEMORY_LIMIT", "1GB")


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file (DuckDB allows one writer and no readers beside it)."""


class WarehouseUnreadable(RuntimeError):
    """The warehouse file is not a DuckDB database this DuckDB can open (damaged, or another version)."""


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable open also migrates it and refreshes views."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `juesuan collect` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    _check_magic(path)
    try:
        # as configuration, not a SET after each open: the setting belongs to the open database, which
        # every connection of this process shares, and a task's open must not undo a stage's cap
        con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": MEMORY_LIMIT})
    except duckdb.ParserException as exc:  # the only text an open parses is the configuration
        raise ConfigError(
            f"JUESUAN_DUCKDB_MEMORY_LIMIT={MEMORY_LIMIT!r} is not a DuckDB memory size (e.g. 1GB, 512MB): {exc}"
        ) from exc
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"the warehouse {path} is in use by another juesuan process (a collection or load "
                "is running); try again when it has finished"
            ) from exc
        raise WarehouseUnreadable(f"cannot open the warehouse {path} with DuckDB {duckdb.__version__}: {exc}") from exc
    except duckdb.Error as exc:
        raise WarehouseUnreadable(f"cannot open the warehouse {path} with DuckDB {duckdb.__version__}: {exc}") from exc
    if not read_only:
        applied = migrate(con)
        # recreating ~40 views and macros costs ~0.3 s, and a collection opens the warehouse a dozen
        # times: do it only when a migration ran or the view SQL differs from what the file holds
        if applied or not views_current(con):
            refresh_views(con)
    return con


@contextmanager
def memory_capped(con: duckdb.DuckDBPyConnection, limit: int) -> Iterator[None]:
    """Inside this block DuckDB holds at most ``limit`` bytes (if its limit was higher), for every
    connection to the database: DuckDB keeps each block it reads or writes cached up to its limit,
    and a stage that never reads them again would hold them for nothing. The limit is restored
    after, as closely as DuckDB shows it (to a tenth of its unit)."""
    previous = scalar(con, "select current_setting('memory_limit')")
    size, resolution = _size(previous)
    if size <= limit:
        yield
        return
    con.execute(f"set memory_limit = '{limit}B'")
    try:
        yield
    finally:
        # the middle of what the display stands for: shown the same again, so repeated use does not drift
        con.execute(f"set memory_limit = '{int(size + resolution / 2)}B'")


@contextmanager
def checkpoints_deferred(con: duckdb.DuckDBPyConnection, wal_bytes: int) -> Iterator[None]:
    """Inside this block DuckDB checkpoints (moves its write-ahead log into the file) only once the
    log holds ``wal_bytes``, rather than at its default 16 MB, for every connection to the database;
    and once when the block ends well. Loading a province in batches of ~10 MB checkpointed after
    every other batch, and each checkpoint cost more as the tables grew (bench/README.md)."""
    previous = scalar(con, "select current_setting('checkpoint_threshold')")
    con.execute(f"set checkpoint_threshold = '{wal_bytes}B'")
    try:
        yield
    finally:
        con.execute(f"set checkpoint_threshold = '{previous}'")
    con.execute("checkpoint")


def _size(setting: str) -> tuple[float, float]:
    """DuckDB's display of a size ("18.8 GiB", "256.0 MiB") as (bytes, bytes a last digit is worth)."""
    m = _SIZE.fullmatch(setting.strip())
    if m is None:
        return float("inf"), 0.0
    number, scale, binary = m.groups()
    unit = (1024 if binary else 1000) ** " KMGT".index(scale.upper() or " ")
    decimals = len(number.partition(".")[2])
    return float(number) * unit, unit / 10**decimals


def _check_magic(path: Path) -> None:
    """Refuse a file that is not DuckDB's before DuckDB sees it: given an SQLite file, DuckDB would
    try to download and load its sqlite extension from the internet to open it."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except (FileNotFoundError, IsADirectoryError):
        return
    except OSError as exc:
        raise WarehouseUnreadable(f"cannot read the warehouse {path}: {exc}") from exc
    if head and head[8:12] != b"DUCK":
        raise WarehouseUnreadable(f"cannot open the warehouse {path}: it is not a DuckDB database file")


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
    # a hex digest, so formatting it into the DDL is safe (a view definition takes no parameters)
    con.execute(f"create or replace view meta.views_digest as select '{views_digest()}' as digest")


def views_digest() -> str:
    """sha256 over the names and text of every view and mart file."""
    h = hashlib.sha256()
    for path in [*sorted(VIEWS_DIR.glob("*.sql")), *sorted(MARTS_DIR.glob("*.sql"))]:
        h.update(f"{path.parent.name}/{path.name}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def views_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the views in the file were made from the view SQL of this code."""
    try:
        return scalar(con, "select digest from meta.views_digest") == views_digest()
    except (duckdb.CatalogException, duckdb.InvalidInputException):
        # no view yet (a run killed between migrating and creating the views): when the view is
        # missing, DuckDB's replacement scan finds the *function* views_digest in this module and
        # raises InvalidInputException rather than CatalogException
        return False


def run(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> None:
    """Execute a statement for its effect. DuckDB 2 keeps an unread result (an INSERT's row count)
    pending on the connection and refuses other work until it is drained, so drain it here."""
    con.execute(sql, params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> Any:
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
