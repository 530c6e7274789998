"""The unit registry: ``units.csv`` → validated :class:`Unit` rows → ``core.unit``.

A unit's ``source`` is an http(s) URL or a filesystem path, either a template with ``{year}`` and
``{unit_code}``. Validation is strict and names the file, line and unit, because a registry typo
silently turns into a "missing" unit otherwise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import polars as pl

from tasks.errors import RegistryError
from warehouse.db import run
from warehouse.sql import statement

COLUMNS = ("unit_code", "unit_name", "parent_code", "unit_type", "source", "contact_email")
UNIT_TYPES = {"行政", "参公", "事业", "其他"}


@dataclass(frozen=True, slots=True)
class Unit:
    unit_code: str
    unit_name: str
    parent_code: str | None
    unit_type: str | None
    source: str
    contact_email: str | None

    def location(self, year: int) -> str:
        return self.source.format(year=year, unit_code=self.unit_code)

    @property
    def is_url(self) -> bool:
        return self.source.startswith(("http://", "https://"))


def read_units(path: Path) -> list[Unit]:
    """Read and validate a registry file; raises :class:`RegistryError` on the first bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RegistryError(f"unit registry {path} does not exist") from None
    rows = list(csv.DictReader(text.splitlines()))
    missing = [c for c in ("unit_code", "unit_name", "source") if rows and c not in rows[0]]
    if not rows:
        raise RegistryError(f"{path}: no units (expected a header {','.join(COLUMNS)} and rows)")
    if missing:
        raise RegistryError(f"{path}: missing column(s) {', '.join(missing)}")
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        unit = _unit(path, line, row)
        if not unit.is_url and not Path(unit.source).is_absolute():
            # a folder source is relative to the registry file, not to wherever juesuan runs
            unit = replace(unit, source=str(path.resolve().parent / unit.source))
        if unit.unit_code in seen:
            raise RegistryError(
                f"{path}:{line}: duplicate unit_code {unit.unit_code!r} (first on line {seen[unit.unit_code]})"
            )
        seen[unit.unit_code] = line
        units.append(unit)
    for unit in units:
        if unit.parent_code and unit.parent_code not in seen:
            raise RegistryError(
                f"{path}:{seen[unit.unit_code]}: unit {unit.unit_code} names parent "
                f"{unit.parent_code!r}, which is not in the registry"
            )
    return units


def _unit(path: Path, line: int, row: dict[str, str | None]) -> Unit:
    def get(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    code, name, source = get("unit_code"), get("unit_name"), get("source")
    where = f"{path}:{line}"
    if not code:
        raise RegistryError(f"{where}: empty unit_code")
    if not code.replace("-", "").replace("_", "").isalnum():
        raise RegistryError(f"{where}: unit {code!r}: unit_code may hold only letters, digits, - and _")
    if not name:
        raise RegistryError(f"{where}: unit {code}: empty unit_name")
    if not source:
        raise RegistryError(f"{where}: unit {code}: empty source")
    if "://" in source:
        parts = urlsplit(source)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegistryError(f"{where}: unit {code}: source {source!r} is not an http(s) URL")
    unit_type = get("unit_type")
    if unit_type and unit_type not in UNIT_TYPES:
        raise RegistryError(
            f"{where}: unit {code}: unit_type {unit_type!r} is not one of {', '.join(sorted(UNIT_TYPES))}"
        )
    email = get("contact_email")
    if email and "@" not in email:
        raise RegistryError(f"{where}: unit {code}: contact_email {email!r} is not an address")
    try:
        source.format(year=2000, unit_code=code)
    except (KeyError, IndexError, ValueError) as exc:
        raise RegistryError(
            f"{where}: unit {code}: source {source!r} has a placeholder other than {{year}} and {{unit_code}}"
        ) from exc
    return Unit(code, name, get("parent_code"), unit_type, source, email)


def sync_units(con: duckdb.DuckDBPyConnection, units: list[Unit]) -> None:
    """Upsert the registry into ``core.unit`` (units removed from the file are kept: history refers to them)."""
    # column by column: asdict() deep-copies each unit, 0.7 s of a province's every run
    incoming = pl.DataFrame({c: [getattr(u, c) for u in units] for c in COLUMNS},
                            schema={c: pl.String for c in COLUMNS})
    con.register("incoming", incoming)
    try:
        run(con, statement("upsert_unit"))
    finally:
        con.unregister("incoming")
