"""The bureau's check report: one self-contained HTML page per year (``check_report.html``).

A rules × units matrix (units as rows, worst first), counts by severity and status per rule, the
worst units, a link to each unit's feedback (``units/<unit>.html``, :mod:`expectations.feedback`)
and to the Great Expectations Data Docs of the latest run when they exist. Inline CSS only, no
script, nothing fetched.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from expectations.catalogue import load_catalogue
from expectations.feedback import UnitFeedback, _env, load_feedback, write_unit_feedback

REPORT_NAME = "check_report.html"
WORST_N = 20
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


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule_id: str
    title: str
    severity: str
    failed: int
    waived: int
    passed: int
    not_applicable: int


def _rule_rows(units: list[UnitFeedback]) -> list[RuleRow]:
    catalogue = {r.id: r for r in load_catalogue()}
    counts: dict[str, Counter[str]] = {}
    severity: dict[str, str] = {}
    for u in units:
        for rule_id, _, sev, status in u.verdicts:
            counts.setdefault(rule_id, Counter())[status] += 1
            severity[rule_id] = sev
    ids = sorted(set(catalogue) | set(counts))
    return [
        RuleRow(i, catalogue[i].title if i in catalogue else i,
                severity.get(i, catalogue[i].severity if i in catalogue else ""),
                counts.get(i, Counter())["fail"], counts.get(i, Counter())["waived"],
                counts.get(i, Counter())["pass"], counts.get(i, Counter())["not_applicable"])
        for i in ids
    ]


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


def render_check_report(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path,
                        units: list[UnitFeedback] | None = None, *, units_dir: str = "units") -> str:
    units = load_feedback(con, year) if units is None else units
    rules = _rule_rows(units)
    ranked = sorted(units, key=lambda u: (-u.errors, -u.warnings, u.unit_code))
    matrix = []
    for u in ranked:
        status = {rule_id: _CELLS.get((st, sev), _NA) for rule_id, _, sev, st in u.verdicts}
        matrix.append((u, [status.get(r.rule_id, _NA) for r in rules]))
    run = con.execute(
        "select run_id, engine, rules_version, finished_at from dq.run where year = $year "
        "order by finished_at desc nulls last, started_at desc limit 1", {"year": year},
    ).fetchall()
    totals = {
        "units": len(units),
        "units_with_errors": sum(1 for u in units if u.errors),
        "units_with_warnings": sum(1 for u in units if u.warnings and not u.errors),
        "units_clear": sum(1 for u in units if not u.errors and not u.warnings),
        "errors": sum(u.errors for u in units),
        "warnings": sum(u.warnings for u in units),
        "waived": sum(u.count("waived") for u in units),
    }
    return _env().get_template("check_report.html.j2").render(
        year=year, rules=rules, matrix=matrix, worst=[u for u in ranked if u.errors or u.warnings][:WORST_N],
        totals=totals, run=run[0] if run else None, data_docs=_data_docs(con, year, out_dir),
        units_dir=units_dir, generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def write_check_report(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> Path:
    """``out_dir/check_report.html``; unit links point at ``out_dir/units/`` (where the flow
    writes :func:`write_unit_feedback`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    path.write_text(render_check_report(con, year, out_dir), encoding="utf-8")
    return path


__all__ = ["REPORT_NAME", "render_check_report", "write_check_report", "write_unit_feedback"]
