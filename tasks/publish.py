"""Publish: a year's marts as a versioned, hash-listed folder of files.

``publish`` writes ``<out_root>/<year>/<version>/`` with one CSV (UTF-8 with BOM, Chinese headers)
and one Parquet file per mart in :data:`~tasks.publish_formats.TABLES`, one XLSX workbook,
``report.html``, ``datapackage.json`` (Fiscal Data Package) and ``manifest.json`` (each file's
sha256, the input documents' sha256, parser/rules/DuckDB versions, the excluded units and why),
and records the publication in ``meta.publication``. Only units without open errors enter the
figures (the marts decide that); the exclusion list is published beside them.

A publication is never rewritten: each call makes the next version, built in a hidden folder
and renamed into place once complete. ``diff_publications`` reads back the latest two.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import uuid
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
from warehouse.db import transaction
from warehouse.sql import statement

MANIFEST = "manifest.json"
REPORT = "report.html"
DATAPACKAGE = "datapackage.json"
# unit_figures columns compared by diff_publications (every figure except identity columns)
_IDENTITY = {"year", "unit_code", "unit_name", "parent_code", "unit_type", "sha256"}


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


def workbook_name(year: int, version: int) -> str:
    # ASCII and self-describing: the file is mailed and downloaded on its own, away from its folder
    return f"juesuan_{year}_v{version}.xlsx"


def mart(con: duckdb.DuckDBPyConnection, table: fmt.Table, year: int) -> pl.DataFrame:
    """One mart for one year, in its published order."""
    return con.sql(f"select * from marts.{table.name} where year = ? order by {table.order_by}", params=[year]).pl()


def next_version(con: duckdb.DuckDBPyConnection, year: int, out_root: Path) -> int:
    """1 + the last recorded version; a folder left by a run that died before recording also counts,
    so it is never overwritten."""
    row = con.execute("select coalesce(max(version), 0) from meta.publication where year = ?", [year]).fetchone()
    recorded = int(row[0]) if row else 0
    year_dir = out_root / str(year)
    on_disk = [int(p.name) for p in year_dir.iterdir() if p.name.isdigit()] if year_dir.is_dir() else []
    return max([recorded, *on_disk]) + 1


def content_sha256(frames: dict[str, pl.DataFrame], *, rules_version: str, parser_version: str) -> str:
    """What a publication says, independent of when it was written: the tables and the versions."""
    h = hashlib.sha256(f"{rules_version}|{parser_version}".encode())
    for name in sorted(frames):
        h.update(name.encode())
        h.update(frames[name].write_csv().encode())
    return h.hexdigest()


def _latest_with_content(con: duckdb.DuckDBPyConnection, year: int, content: str) -> Publication | None:
    """The latest publication of ``year`` if it already says exactly this (an unchanged re-run writes
    no new version: versions mark changes, not runs)."""
    rows = con.execute(statement("latest_publication"), {"year": year}).fetchall()
    if not rows:
        return None
    version, path, n_published, n_excluded = rows[0]
    manifest_path = Path(path) / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("inputs", {}).get("content_sha256") != content:
        return None
    return Publication(year=year, version=version, path=Path(path), manifest_path=manifest_path,
                       units_published=n_published, units_excluded=n_excluded,
                       files=(*(f["path"] for f in manifest["files"]), MANIFEST), new=False)


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
    """Write the next publication of ``year`` under ``out_root`` and record it in meta.publication."""
    out_root = Path(out_root)
    with transaction(con):  # one snapshot: every table sees the same warehouse state
        frames = {t.name: mart(con, t, year) for t in fmt.TABLES}
    status = frames["unit_status"]
    if status.is_empty():
        raise PublishError(f"nothing to publish for {year}: no registered unit has a campaign that year")
    published = status.filter(~pl.col("excluded"))
    excluded = frames["exclusions"]
    content = content_sha256(frames, rules_version=rules_version, parser_version=parser_version)
    unchanged = _latest_with_content(con, year, content)
    if unchanged is not None:
        return unchanged
    version = next_version(con, year, out_root)
    created = datetime.now(UTC).replace(microsecond=0)
    created_at = created.isoformat()

    final_dir = out_root / str(year) / str(version)
    work = out_root / str(year) / f".building-{version}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    try:
        names = _write_files(work, year, version, frames, created_at)
        manifest = _manifest(work, names, year, version, created_at, status, excluded,
                             rules_version=rules_version, parser_version=parser_version)
        manifest["inputs"]["content_sha256"] = content
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
             published.height, excluded.height],
        )
    return Publication(
        year=year, version=version, path=final_dir, manifest_path=final_dir / MANIFEST,
        units_published=published.height, units_excluded=excluded.height, files=(*names, MANIFEST),
    )


def _write_files(
    work: Path, year: int, version: int, frames: dict[str, pl.DataFrame], created_at: str
) -> list[str]:
    names: list[str] = []
    for name, frame in frames.items():
        fmt.write_csv(frame, work / f"{name}.csv")
        fmt.write_parquet(frame, work / f"{name}.parquet")
        names += [f"{name}.csv", f"{name}.parquet"]
    summary = frames["district_summary"].to_dicts()
    cover = [
        ("年度", str(year)),
        ("版本", str(version)),
        ("生成时间", created_at),
        ("金额单位", "万元"),
        ("纳入单位", str(summary[0]["units_published"]) if summary else "0"),
        ("未纳入单位", f"{frames['exclusions'].height}（见“未纳入单位”表）"),
        ("口径", "仅汇总无未解决错误的单位；各单位金额先四舍五入到分再相加"),
    ]
    workbook = workbook_name(year, version)
    fmt.write_xlsx(frames, work / workbook, cover=cover)
    report_html.write_report(work / REPORT, year=year, version=version, frames=frames, created_at=created_at)
    fmt.write_json(fmt.datapackage(year, version, frames, created_at), work / DATAPACKAGE)
    return [*names, workbook, REPORT, DATAPACKAGE]


def _manifest(
    work: Path,
    names: list[str],
    year: int,
    version: int,
    created_at: str,
    status: pl.DataFrame,
    excluded: pl.DataFrame,
    *,
    rules_version: str,
    parser_version: str,
) -> dict[str, Any]:
    submissions = status.filter(pl.col("sha256").is_not_null()).select(
        "unit_code", "submission_version", "sha256", pl.col("excluded").not_().alias("published")
    )
    return {
        "year": year,
        "version": version,
        "created_at": created_at,
        "inputs": {
            "parser_version": parser_version,
            "rules_version": rules_version,
            "duckdb_version": duckdb.__version__,
            "juesuan_version": _package_version(),
            "submissions": submissions.to_dicts(),
        },
        "units_published": status.filter(~pl.col("excluded")).get_column("unit_code").to_list(),
        "units_excluded": excluded.select("unit_code", "unit_name", "reason_code", "reason", "failed_rules")
        .to_dicts(),
        "files": [
            {"path": n, "sha256": sha256_file(work / n), "bytes": (work / n).stat().st_size} for n in names
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
