"""Building documents for rule tests without the parser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from expectations import RuleResult, check_document
from tasks.load import store_parsed
from tasks.model import Figure, ParsedDocument, PerfIndicator, PerfProject, Section
from tasks.parse.batch import ParseOutcome

_MEASURE = {"pct": "pct", "yuan": "yuan", "count": "count"}


def fig(key: str, value: str, *, kind: str = "value", prec: str | None = None, measure: str | None = None,
        at: int = 0, snippet: str | None = None, source: str = "text") -> Figure:
    """A figure; precision defaults to the last digit written ("0.94" → 0.01, "18" → 1)."""
    if prec is None:
        places = len(value.split(".")[1]) if "." in value else 0
        prec = str(Decimal(1).scaleb(-places))
    if measure is None:
        measure = ("pct" if key.endswith("_pct") or kind in ("change_pct", "budget_pct")
                   else "count" if key in _COUNTS else "yuan" if key.endswith("_yuan") else "amount")
    text = snippet if snippet is not None else f"{key}{value}"
    return Figure(key, Decimal(value), measure, Decimal(prec), text, (at, at + len(text)),  # type: ignore[arg-type]
                  kind, source)  # type: ignore[arg-type]


_COUNTS = {"reception_batches", "reception_people", "outbound_groups", "outbound_people", "vehicles_purchased",
           "vehicles_held", "vehicles_count", "large_equipment_count", "perf_projects_count"}


def said(text: str, key: str, value: str, phrase: str, *, kind: str = "value", after: int = 0) -> Figure:
    """A figure stated as ``phrase`` in ``text`` (its first occurrence at or after ``after``)."""
    return fig(key, value, kind=kind, snippet=phrase, at=text.index(phrase, after))


def cell(table: str, row: str, col: str, value: str, key: str = "cell", at: int = 0) -> Figure:
    return fig(key, value, source=f"table:{table}:{row}:{col}", at=at, measure="amount")


def doc(*figures: Figure, year: int | None = 2024, text: str = "", sections: tuple[Section, ...] = (),
        projects: tuple[PerfProject, ...] = (), tables: tuple[str, ...] = (),
        unit_name: str | None = None) -> ParsedDocument:
    return ParsedDocument("text", "utf-8", "test", text or "测试文件", unit_name=unit_name, year=year,
                          figures=list(figures), sections=list(sections), perf_projects=list(projects),
                          tables=list(tables))


def income_only() -> ParsedDocument:
    """A document stating 收入总计 alone: the rules about anything else do not apply to it."""
    return doc(fig("income_total", "1.00"))


def project(name: str = "项目甲", *, indicators: tuple[PerfIndicator, ...] = (), **kw: object) -> PerfProject:
    base: dict = dict(total_score=None, initial_budget=None, adjusted_budget=None, executed=None,
                      exec_rate_pct=None, exec_weight=None, exec_score=None, grade=None)
    base.update({k: Decimal(str(v)) if isinstance(v, int | float | str) and k != "grade" else v
                 for k, v in kw.items()})
    return PerfProject(name=name, indicators=indicators, **base)


def indicator(name: str, op: str | None, target: str | None, actual: str | None, weight: str | None,
              score: str | None, note: str | None = None) -> PerfIndicator:
    d = lambda v: None if v is None else Decimal(v)  # noqa: E731
    return PerfIndicator(name, None, op, d(target), d(actual), None, d(weight), d(score), note)


def check(*figures: Figure, **kw: object) -> dict[str, RuleResult]:
    submission_level = bool(kw.pop("submission_level", False))
    return {r.rule_id: r for r in check_document(doc(*figures, **kw), submission_level=submission_level)}  # type: ignore[arg-type]


def add_unit(con: duckdb.DuckDBPyConnection, unit: str, year: int, d: ParsedDocument, *,
             unit_type: str | None = None) -> str:
    """Put one unit's parsed document into a warehouse the way fetch + load would."""
    sha = f"{unit}-{year}-{abs(hash(d.text)) % 10**8}"
    store_parsed(con, [ParseOutcome(sha, d)], "test")
    version = con.execute("select coalesce(max(version), 0) + 1 from raw.submission where unit_code = ? and year = ?",
                          [unit, year]).fetchone()[0]  # type: ignore[index]
    con.execute("insert into raw.submission values (?, ?, ?, ?, ?, 'file', null, null)",
                [unit, year, version, sha, datetime(2025, 1, 1)])
    if unit_type is not None:
        con.execute("insert or replace into core.unit values (?, ?, null, ?, 'file', null, ?)",
                    [unit, unit, unit_type, datetime(2025, 1, 1)])
    return sha


def run_cases(cases: dict[str, ParsedDocument], *, year: int = 2024) -> dict[str, dict[str, RuleResult]]:
    """Every case as its own unit in one warehouse, checked in one run: a run costs ~1 s of query
    planning whatever the number of units, so rule tests share runs instead of one per case."""
    from expectations import run_checks
    from warehouse.db import memory

    con = memory()
    for name, d in cases.items():
        add_unit(con, name, year, d)
    # no texts passed: reasons are read from staging.document_text, as in a campaign
    summary = run_checks(con, year=year, run_id="test", engine="sql", submission_level=False)
    out: dict[str, dict[str, RuleResult]] = {}
    for r in summary.results:
        out.setdefault(r.unit_code, {})[r.rule_id] = r
    con.close()
    return out


def cases_fixture(cases: dict[str, ParsedDocument]) -> Callable[[], dict[str, dict[str, RuleResult]]]:
    """A module's ``res`` fixture: its ``cases`` checked once, in one run (``res = cases_fixture(CASES)``)."""

    @pytest.fixture(scope="module", name="res")
    def res() -> dict[str, dict[str, RuleResult]]:
        return run_cases(cases)

    return res
