"""Publish: a year's marts as a versioned, hash-listed folder of files.

``publish`` writes ``<out_root>/<year>/<version>/`` with one CSV (UTF-8 with BOM, Chinese headers)
and one Parquet file per mart in :data:`~tasks.publish_formats.TABLES`, one XLSX workbook,
``report.html``, ``datapackage.json`` (Fiscal Data Package) and ``manifest.json`` (each file's
sha256, the input documents' sha256, parser/rules/DuckDB versions, the excluded units and why),
and records the publication in ``meta.publication``. Only units without open errors enter the
figures (the marts decide that); the exclusion list is published beside them.

The marts are views over ``marts.base_unit_year``; evaluated one by one, each would evaluate the
base (the pivot of every figure) again. A publication evaluates the base once into a temporary
table, runs each mart's own SQL over it into another, and writes every file from those tables.

A publication is never rewritten: each call makes the next version, built in a hidden folder
and renamed into place once complete. A call that would say nothing new writes nothing: when the
warehouse rows the marts read are those the latest publication was made from (its manifest keeps
their digest), the marts are not even computed. ``diff_publications`` reads back the latest two.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tasks import publish_formats as fmt
from tasks import report_html
from tasks.errors import JuesuanError
from warehouse import db
from warehouse.db import transaction
from warehouse.sql import statement

MANIFEST = "manifest.json"
REPORT = "report.html"
DATAPACKAGE = "datapackage.json"
# unit_figures columns compared by diff_publications (every figure except identity columns)
_IDENTITY = {"year", "unit_code", "unit_name", "parent_code", "unit_type", "sha256"}
# The marts read their rows through these bases (marts/base_*.sql), kept for the year being
# published; year-over-year pairs it with the year before.
_BASES = {"base_unit_year": "year between $year - 1 and $year", "base_unit_yoy": "year = $year"}
_MART_REF = re.compile(r"\bmarts\.(\w+)\b")
_TEMP = "temp.main.publish_"


class PublishError(JuesuanError):
    """A publication cannot be written or compared (nothing to publish, nothing to compare)."""


@dataclass(frozen=True, slots=True)
class Publication:
    year: int
    version: int
    path: Path
    manifest_path: Path
    units_published: int
    units_excluded: int
    files: tuple[str, ...]  # names inside ``path``, manifest last
    # False when the tables, parser and rules are those of the latest publication, which is returned
    new: bool = True


@dataclass(frozen=True, slots=True)
class _Latest:
    publication: Publication
    inputs: dict[str, Any]  # its manifest's "inputs": the digests of what it was made from and says


def workbook_name(year: int, version: int) -> str:
    # ASCII and self-describing: the file is mailed and downloaded on its own, away from its folder
    return f"juesuan_{year}_v{version}.xlsx"


def next_version(con: duckdb.DuckDBPyConnection, year: int, out_root: Path) -> int:
    """1 + the last recorded version; a folder left by a run that died before recording also counts,
    so it is never overwritten."""
    row = con.execute("select coalesce(max(version), 0) from meta.publication where year = ?", [year]).fetchone()
    recorded = int(row[0]) if row else 0
    year_dir = out_root / str(year)
    on_disk = [int(p.name) for p in year_dir.iterdir() if p.name.isdigit()] if year_dir.is_dir() else []
    return max([recorded, *on_disk]) + 1


def inputs_sha256(con: duckdb.DuckDBPyConnection, *, rules_version: str, parser_version: str) -> str:
    """What a publication is made from: the warehouse rows the marts read, the SQL of the marts and
    the views under them, and the versions."""
    rows = db.scalar(con, "select digest from marts.publication_inputs")
    return hashlib.sha256(f"{rules_version}|{parser_version}|{db.views_digest()}|{rows}".encode()).hexdigest()


def content_sha256(csv_sha256: dict[str, str], *, rules_version: str, parser_version: str) -> str:
    """What a publication says, independent of when it was written: its tables (the bytes of their
    CSV files, by mart) and the versions."""
    h = hashlib.sha256(f"{rules_version}|{parser_version}".encode())
    for name in sorted(csv_sha256):
        h.update(f"{name}:{csv_sha256[name]};".encode())
    return h.hexdigest()


def _latest(con: duckdb.DuckDBPyConnection, year: int) -> _Latest | None:
    rows = con.execute(statement("latest_publication"), {"year": year}).fetchall()
    if not rows:
        return None
    version, path, n_published, n_excluded = rows[0]
    manifest_path = Path(path) / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    publication = Publication(year=year, version=version, path=Path(path), manifest_path=manifest_path,
                              units_published=n_published, units_excluded=n_excluded,
                              files=(*(f["path"] for f in manifest["files"]), MANIFEST), new=False)
    return _Latest(publication, manifest.get("inputs", {}))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def publish(
    con: duckdb.DuckDBPyConnection,
    year: int,
    out_root: Path,
    *,
    rules_version: str,
    parser_version: str,
) -> Publication:
    """Write the next publication of ``year`` under ``out_root`` and record it in meta.publication;
    return the latest one instead when it would say the same (an unchanged re-run writes no new
    version: versions mark changes, not runs)."""
    out_root = Path(out_root)
    latest = _latest(con, year)
    # within the warehouse's memory limit (warehouse/db.py): a province's figure pivot alone would
    # hold ~900 MB; DuckDB spills the rest, at no measurable cost in time
    with _temporary_marts(con):
        with transaction(con):  # one snapshot: the digest and every mart see the same warehouse state
            inputs = inputs_sha256(con, rules_version=rules_version, parser_version=parser_version)
            if latest is not None and latest.inputs.get("inputs_sha256") == inputs:
                return latest.publication
            marts = _materialise(con, year)
        return _publish(con, year, out_root, marts, latest, inputs=inputs, rules_version=rules_version,
                        parser_version=parser_version)


@contextmanager
def _temporary_marts(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block may make the tables of :func:`_materialise`; they are dropped after it."""
    try:
        yield
    finally:
        for name in [*_BASES, *(t.name for t in fmt.TABLES)]:
            db.run(con, f"drop table if exists {_TEMP}{name}")


def _materialise(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, fmt.Mart]:
    """The year's marts in temporary tables, in published order: the bases first, then each mart's
    own SQL with its references to a base pointing at the base's table."""
    made: dict[str, str] = {}

    def create(name: str, where: str) -> str:
        sql = (db.MARTS_DIR / f"{name}.sql").read_text(encoding="utf-8")
        sql = _MART_REF.sub(lambda m: made.get(m[1], m[0]), sql)
        made[name] = f"{_TEMP}{name}"
        db.run(con, f"create or replace temp table {made[name]} as select * from (\n{sql}\n) where {where}",
               {"year": year})
        return made[name]

    for name, where in _BASES.items():
        create(name, where)
    marts = {}
    for t in fmt.TABLES:
        relation = create(t.name, f"year = $year order by {t.order_by}")
        schema = con.sql(f"select * from {relation} limit 0").pl().schema
        marts[t.name] = fmt.Mart(t, relation, schema, db.scalar(con, f"select count(*) from {relation}"))
    return marts


def _publish(
    con: duckdb.DuckDBPyConnection,
    year: int,
    out_root: Path,
    marts: dict[str, fmt.Mart],
    latest: _Latest | None,
    *,
    inputs: str,
    rules_version: str,
    parser_version: str,
) -> Publication:
    if not marts["unit_status"].rows:
        raise PublishError(f"nothing to publish for {year}: no registered unit has a campaign that year")
    n_excluded = marts["exclusions"].rows
    n_published = marts["unit_status"].rows - n_excluded
    version = next_version(con, year, out_root)
    created = datetime.now(UTC).replace(microsecond=0)
    created_at = created.isoformat()

    final_dir = out_root / str(year) / str(version)
    work = out_root / str(year) / f".building-{version}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    try:
        sha256: dict[str, str] = {}
        for name, mart in marts.items():
            fmt.write_csv(con, mart, work / f"{name}.csv")
            sha256[f"{name}.csv"] = sha256_file(work / f"{name}.csv")
        content = content_sha256({n: sha256[f"{n}.csv"] for n in marts}, rules_version=rules_version,
                                 parser_version=parser_version)
        if latest is not None and latest.inputs.get("content_sha256") == content:
            shutil.rmtree(work)
            return latest.publication
        names = _write_files(con, work, year, version, marts, created_at)
        manifest = _manifest(con, work, names, sha256, year, version, created_at, marts,
                             rules_version=rules_version, parser_version=parser_version)
        manifest["inputs"].update(content_sha256=content, inputs_sha256=inputs)
        fmt.write_json(manifest, work / MANIFEST)
        manifest_sha = sha256_file(work / MANIFEST)
        if final_dir.exists():
            raise PublishError(f"{final_dir} appeared while publishing; not overwriting it")
        work.rename(final_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    with transaction(con):
        con.execute(
            "insert into meta.publication values (?, ?, ?, ?, ?, ?, ?)",
            [year, version, str(final_dir.resolve()), created.replace(tzinfo=None), manifest_sha,
             n_published, n_excluded],
        )
    return Publication(
        year=year, version=version, path=final_dir, manifest_path=final_dir / MANIFEST,
        units_published=n_published, units_excluded=n_excluded, files=(*names, MANIFEST),
    )


def _write_files(
    con: duckdb.DuckDBPyConnection, work: Path, year: int, version: int, marts: dict[str, fmt.Mart],
    created_at: str,
) -> list[str]:
    """Every file but the CSVs (written first, for the content hash) and the manifest."""
    names: list[str] = []
    for name, mart in marts.items():
        fmt.write_parquet(con, mart, work / f"{name}.parquet")
        names += [f"{name}.csv", f"{name}.parquet"]
    heads = {name: con.sql(f"select * from {m.relation} limit {report_html.PAGE_ROWS}").pl()
             for name, m in marts.items()}
    summary = heads["district_summary"].to_dicts()
    cover = [
        ("年度", str(year)),
        ("版本", str(version)),
        ("生成时间", created_at),
        ("金额单位", "万元"),
        ("纳入单位", str(summary[0]["units_published"]) if summary else "0"),
        ("未纳入单位", f"{marts['exclusions'].rows}（见“未纳入单位”表）"),
        ("口径", "仅汇总无未解决错误的单位；各单位金额先四舍五入到分再相加"),
    ]
    workbook = workbook_name(year, version)
    fmt.write_xlsx(con, list(marts.values()), work / workbook, cover=cover,
                   created=datetime.fromisoformat(created_at))
    district_yoy = con.sql(f"select * from {marts['yoy_comparison'].relation} where scope = 'district'").pl()
    report_html.write_report(work / REPORT, year=year, version=version, created_at=created_at, heads=heads,
                             rows={name: m.rows for name, m in marts.items()}, district_yoy=district_yoy)
    fmt.write_json(fmt.datapackage(year, version, list(marts.values()), created_at), work / DATAPACKAGE)
    return [*names, workbook, REPORT, DATAPACKAGE]


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    columns = [d[0] for d in cur.description or ()]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def _manifest(
    con: duckdb.DuckDBPyConnection,
    work: Path,
    names: list[str],
    sha256: dict[str, str],
    year: int,
    version: int,
    created_at: str,
    marts: dict[str, fmt.Mart],
    *,
    rules_version: str,
    parser_version: str,
) -> dict[str, Any]:
    status, exclusions = marts["unit_status"].relation, marts["exclusions"].relation
    return {
        "year": year,
        "version": version,
        "created_at": created_at,
        "inputs": {
            "parser_version": parser_version,
            "rules_version": rules_version,
            "duckdb_version": duckdb.__version__,
            "juesuan_version": _package_version(),
            "submissions": _records(con, f"select unit_code, submission_version, sha256, not excluded as published "
                                         f"from {status} where sha256 is not null"),
        },
        "units_published": [code for (code,) in con.execute(
            f"select unit_code from {status} where not excluded").fetchall()],
        "units_excluded": _records(con, f"select unit_code, unit_name, reason_code, reason, failed_rules "
                                        f"from {exclusions}"),
        "files": [
            {"path": n, "sha256": sha256.get(n) or sha256_file(work / n), "bytes": (work / n).stat().st_size}
            for n in names
        ],
    }


def _package_version() -> str | None:
    try:
        return importlib.metadata.version("juesuan")
    except importlib.metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return None


def verify(path: Path) -> list[str]:
    """Files of a publication whose bytes no longer match its manifest (empty when intact)."""
    manifest = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    return [f["path"] for f in manifest["files"] if sha256_file(Path(path) / f["path"]) != f["sha256"]]


def diff_publications(con: duckdb.DuckDBPyConnection, year: int, out_root: Path) -> dict[str, Any]:
    """What changed between the latest two publications of ``year``: units added to or removed from
    the figures, exclusions, district totals, and each unit's changed figures."""
    rows = con.execute(
        "select version from meta.publication where year = ? order by version desc limit 2", [year]
    ).fetchall()
    if not rows:
        raise PublishError(f"no publication of {year} to compare")
    new_v = int(rows[0][0])
    old_v = int(rows[1][0]) if len(rows) > 1 else None
    new = _read_publication(Path(out_root) / str(year) / str(new_v))
    old = _read_publication(Path(out_root) / str(year) / str(old_v)) if old_v is not None else _empty_publication(new)

    new_units, old_units = _by_unit(new["unit_figures"]), _by_unit(old["unit_figures"])
    new_excl, old_excl = _by_unit(new["exclusions"]), _by_unit(old["exclusions"])
    figures_changed: dict[str, dict[str, dict[str, Decimal | None]]] = {}
    for code in sorted(new_units.keys() & old_units.keys()):
        changes = _changed(old_units[code], new_units[code])
        if changes:
            figures_changed[code] = changes
    totals_old = old["district_summary"].to_dicts()
    totals_new = new["district_summary"].to_dicts()
    return {
        "year": year,
        "from_version": old_v,
        "to_version": new_v,
        "units_added": sorted(new_units.keys() - old_units.keys()),
        "units_removed": sorted(old_units.keys() - new_units.keys()),
        "units_newly_excluded": {c: new_excl[c]["reason"] for c in sorted(new_excl.keys() - old_excl.keys())},
        "units_no_longer_excluded": sorted(old_excl.keys() - new_excl.keys()),
        "exclusion_reasons_changed": {
            c: {"from": old_excl[c]["reason"], "to": new_excl[c]["reason"]}
            for c in sorted(new_excl.keys() & old_excl.keys())
            if old_excl[c]["reason"] != new_excl[c]["reason"]
        },
        "totals_changed": _changed(totals_old[0] if totals_old else {}, totals_new[0] if totals_new else {}),
        "figures_changed": figures_changed,
    }


def _read_publication(path: Path) -> dict[str, pl.DataFrame]:
    if not path.is_dir():
        raise PublishError(f"publication folder {path} is missing")
    return {n: pl.read_parquet(path / f"{n}.parquet") for n in ("unit_figures", "exclusions", "district_summary")}


def _empty_publication(like: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {name: frame.clear() for name, frame in like.items()}


def _by_unit(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["unit_code"]: row for row in frame.to_dicts()}


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = [k for k in new if k not in _IDENTITY] + [k for k in old if k not in new and k not in _IDENTITY]
    return {k: {"from": old.get(k), "to": new.get(k)} for k in keys if old.get(k) != new.get(k)}
