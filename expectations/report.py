"""The bureau's check report: one self-contained HTML page per year (``check_report.html``), and
beside it ``check_units.csv``, every checked unit's conclusion.

Counts by severity and status per rule (SQL aggregates), totals, the worst units, a rules × units
matrix (units worst first: every unit of a district, the ``MATRIX_MAX`` worst of a province, every
unit being in the CSV), a link to each unit's feedback (``units/<unit>.html``, or its row in the list
of units where everything passed: :mod:`expectations.feedback`) and to the Great Expectations Data
Docs of the latest run when they exist. Inline CSS only, no script, nothing fetched.
"""

from __future__ import annotations

import csv
import heapq
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from expectations.catalogue import load_catalogue
from expectations.feedback import (
    CLEAR_PAGE,
    SharedRendering,
    UnitRow,
    _env,
    bounded_cache,
    unit_rows,
    units_of,
    write_unit_feedback,
)
from warehouse.sql import statement

REPORT_NAME = "check_report.html"
UNITS_CSV = "check_units.csv"
WORST_N = 20
MATRIX_MAX = 1000  # rows of the matrix: ~2 MB of HTML, still quick to open
# matrix cell: (css class, symbol, title)
_CELLS = {
    ("fail", "error"): ("e", "✗", "错误"),
    ("fail", "warning"): ("w", "!", "警告"),
    ("waived", "error"): ("x", "~", "已说明"),
    ("waived", "warning"): ("x", "~", "已说明"),
    ("pass", "error"): ("p", "✓", "通过"),
    ("pass", "warning"): ("p", "✓", "通过"),
}
_NA = ("n", "·", "不适用")
_CSV_HEADER = ("单位代码", "单位名称", "结论", "错误", "警告", "已说明", "通过", "不适用", "未通过规则", "已说明规则",
               "反馈网页", "反馈表格")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule_id: str
    title: str
    severity: str
    failed: int
    waived: int
    passed: int
    not_applicable: int


def _rule_rows(con: duckdb.DuckDBPyConnection, year: int) -> list[RuleRow]:
    catalogue = {r.id: r for r in load_catalogue()}
    counts = {row[0]: row for row in con.execute(statement("report_rule_counts"), {"year": year}).fetchall()}
    rows = []
    for i in sorted(set(catalogue) | set(counts)):
        rule = catalogue.get(i)
        _, severity, failed, waived, passed, not_applicable = counts.get(i, (i, None, 0, 0, 0, 0))
        rows.append(RuleRow(i, rule.title if rule else i, severity or (rule.severity if rule else ""),
                            failed, waived, passed, not_applicable))
    return rows


def _data_docs(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> str | None:
    row = con.execute(
        "select data_docs from dq.run where year = $year order by finished_at desc nulls last, started_at desc "
        "limit 1", {"year": year},
    ).fetchall()
    if not row or not row[0][0]:
        return None
    index = Path(row[0][0]) / "index.html"
    if not index.is_file():
        return None
    try:
        return Path(os.path.relpath(index.resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return index.resolve().as_uri()


def _conclusion(u: UnitRow) -> str:
    return "有错误" if u.errors else "有警告" if u.warnings else "已说明" if u.waived else "全部通过"


def _csv_row(u: UnitRow, units_dir: str) -> tuple[object, ...]:
    # a unit name is free text: one starting like a formula would run as one when Excel opens the CSV
    name = f"'{u.unit_name}" if u.unit_name.startswith(_FORMULA_START) else u.unit_name
    stem = u.file_stem
    return (u.unit_code, name, _conclusion(u), u.errors, u.warnings, u.waived, u.passed, u.not_applicable,
            u.failed_rules or "", u.waived_rules or "", f"{units_dir}/{u.page}",
            f"{units_dir}/{stem}.xlsx" if u.needs_action else "")


def write_check_report(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path, *, units_dir: str = "units") -> Path:
    """``out_dir/check_report.html`` and ``out_dir/check_units.csv``; unit links point at
    ``out_dir/units/`` (where the flow writes :func:`write_unit_feedback`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _env()
    with bounded_cache(con):
        rules = _rule_rows(con, year)
        run = con.execute(
            "select run_id, engine, rules_version, finished_at from dq.run where year = $year "
            "order by finished_at desc nulls last, started_at desc limit 1", {"year": year},
        ).fetchall()
        totals, worst = _scan_units(con, year, out_dir / UNITS_CSV, units_dir)
        current = sorted((u.unit_code, u.sha256, u.unit_name) for u in worst)
        folded = {u.unit_code: u.verdicts for u in units_of(con, year, current, verdicts=True)} if worst else {}
    columns = tuple(r.rule_id for r in rules)
    shared = SharedRendering(env)
    macros: Any = env.get_template("rows.html.j2").module

    @lru_cache(maxsize=4096)
    def cells(key: str) -> Markup:
        status = {rule_id: _CELLS.get((st, sev), _NA) for rule_id, _, sev, st in shared.verdicts(key)}
        return Markup(macros.matrix_cells([status.get(c, _NA) for c in columns]))

    html = env.get_template("check_report.html.j2").render(
        year=year, rules=rules, matrix=[(u, cells(folded[u.unit_code])) for u in worst],
        worst=[u for u in worst if u.errors or u.warnings][:WORST_N], totals=totals,
        run=run[0] if run else None, data_docs=_data_docs(con, year, out_dir), units_dir=units_dir,
        units_csv=UNITS_CSV, clear_page=CLEAR_PAGE, generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    path = out_dir / REPORT_NAME
    path.write_text(html, encoding="utf-8")
    return path


def _scan_units(con: duckdb.DuckDBPyConnection, year: int, csv_path: Path,
                units_dir: str) -> tuple[dict[str, int], list[UnitRow]]:
    """One pass over the units, by code: each goes to the CSV and the totals; the MATRIX_MAX worst
    (most errors, then most warnings, then by code, except that a unit with something explained
    comes before the clean ones) are returned worst first."""
    totals = dict.fromkeys(("units", "units_with_errors", "units_with_warnings", "units_clear", "errors",
                            "warnings", "waived"), 0)
    # least bad at the root; units come by code, so -seen keeps the earlier code among equals
    kept: list[tuple[tuple[int, int, bool, int], UnitRow]] = []
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_CSV_HEADER)
        for chunk in unit_rows(con, year, verdicts=False):
            for u in chunk:
                ranked = ((u.errors, u.warnings, u.needs_action, -totals["units"]), u)
                if len(kept) < MATRIX_MAX:
                    heapq.heappush(kept, ranked)
                elif ranked[0] > kept[0][0]:
                    heapq.heapreplace(kept, ranked)
                totals["units"] += 1
                totals["units_with_errors"] += u.errors > 0
                totals["units_with_warnings"] += u.warnings > 0 and not u.errors
                totals["units_clear"] += not u.errors and not u.warnings
                totals["errors"] += u.errors
                totals["warnings"] += u.warnings
                totals["waived"] += u.waived
            writer.writerows(_csv_row(u, units_dir) for u in chunk)
    return totals, [u for _, u in sorted(kept, reverse=True)]


__all__ = ["MATRIX_MAX", "REPORT_NAME", "UNITS_CSV", "write_check_report", "write_unit_feedback"]
