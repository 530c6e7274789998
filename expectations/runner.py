"""Evaluate the catalogue for one year and write ``dq.run`` / ``dq.result``.

For every current unit of the year and every rule: not_applicable when the rule is unsupported,
not meant for the unit's type, or its inputs are not stated; otherwise fail when the engine found
a failing row (a warning becomes ``waived`` when a bureau waiver or the document's own reason
explains it), else pass (with a note when a rounding tail was within tolerance). A re-run over the
same documents leaves identical rows (under the new run id) and deletes stale ones for the same
units and year.

Most unit × rule pairs have no findings: their verdict depends only on the rule, the unit's type
and the facts it states, so SQL writes them (``warehouse/sql/dq_merge_verdicts.sql``) from per-run
scratch tables (:func:`_prepare`) with the evidence ``{}``: the figures a passing rule read stay in
``staging.figure`` instead of being copied into ~45 rows per document that nobody reads (feedback,
alerts and reports quote the evidence of fail / waived rows only). Only the pairs with findings go
through :func:`_judge` in Python and keep their figures and findings as evidence. The RuleResults
``keep="all"`` returns (a handful of units: ``check_document``, tests) still quote the figures.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypedDict

import duckdb
import polars as pl

from expectations import evidence as ev
from expectations.catalogue import Rule, load_catalogue, rules_version
from expectations.engines import read_findings, run_sql
from expectations.facts import SCHEMA, materialised, rewrite
from expectations.results import CheckRunSummary, Finding, RuleResult, Status, fmt
from warehouse import db
from warehouse.sql import statement

_DEC = pl.Decimal(18, 6)
# Units judged and written at a time, a transaction each (see _write_chunk).
CHUNK_UNITS = 2000
Keep = Literal["all", "failures", "none"]
# (kind, message) of a rule for a document before its findings count: see _plan.
Plan = tuple[str, str]
# combo (dq_facts.scope) → rule id → plan
Plans = dict[int, dict[str, Plan]]
_SCHEMA: dict[str, Any] = {"unit_code": pl.String, "year": pl.Int32, "sha256": pl.String, "rule_id": pl.String,
           "severity": pl.String, "status": pl.String, "observed": _DEC, "expected": _DEC,
           "difference": _DEC, "tolerance": _DEC, "message": pl.String, "evidence": pl.String,
           "explanation": pl.String}


def run_checks(
    con: duckdb.DuckDBPyConnection,
    *,
    year: int,
    run_id: str,
    engine: str = "gx",
    data_docs_dir: Path | None = None,
    submission_level: bool = True,
    texts: Mapping[str, str] | None = None,
    keep: Keep = "all",
    chunk_units: int = CHUNK_UNITS,
) -> CheckRunSummary:
    """Check every current unit × rule of ``year`` and store the verdicts (see module doc).

    A failed warning is cleared by the document's own reason next to its figures, read from
    ``staging.document_text`` (or ``texts``, sha256 → text, when the caller passes them).
    ``submission_level=False`` is for a single file (``check_document``).

    The rules' rows wait in DuckDB (``engines.FINDINGS``); units are judged and written
    ``chunk_units`` at a time, a transaction per chunk (see :func:`_write_chunk`). ``keep`` is what
    ``.results`` holds: every :class:`RuleResult` ("all", for a handful of units), only the fail /
    waived ones ("failures"), or none ("none": a province-wide run); the summary's counts cover
    every row."""
    started = time.perf_counter()
    started_at = datetime.now()
    rules = load_catalogue()
    if engine not in ("gx", "sql"):
        raise ValueError(f"engine must be 'gx' or 'sql', not {engine!r}")
    if keep not in ("all", "failures", "none"):
        raise ValueError(f"keep must be 'all', 'failures' or 'none', not {keep!r}")
    version = rules_version()
    docs = str(data_docs_dir) if data_docs_dir is not None and engine == "gx" else None
    kept: list[RuleResult] = []
    gx_import = _import_gx_meanwhile() if engine == "gx" else None
    with materialised(con, year):
        run_sql(con, rules, year)
        if gx_import is not None:
            gx_import.join()
            from expectations.gx_engine import run_gx

            run_gx(con, rules, year, data_docs_dir=data_docs_dir)
        plans = _prepare(con, rules, year, submission_level)
        units = [u for (u,) in con.execute(
            f"select distinct unit_code from {SCHEMA}.scope order by unit_code").fetchall()]
        waivers = dict(
            ((u, r), reason) for u, r, reason in con.execute(
                "select unit_code, rule_id, reason from dq.waiver where year = $year", {"year": year}
            ).fetchall()
        )
        for i in range(0, len(units), max(1, chunk_units)):
            chunk = (units[i], units[min(i + chunk_units, len(units)) - 1])
            kept += _write_chunk(con, rules, plans, year=year, run_id=run_id, units=chunk, waivers=waivers,
                                 submission_level=submission_level, texts=texts, keep=keep)
        n_units = db.scalar(con, f"select count(*) from {SCHEMA}.scope")
        tally = dict(((status, severity), n) for status, severity, n in con.execute(
            f"select status, severity, count(*) from dq.result semi join {SCHEMA}.scope using (unit_code, sha256) "
            "where year = $year group by all", {"year": year}).fetchall())
        db.run(con,
            "insert or replace into dq.run values ($run_id, $year, $started, current_timestamp, $version, "
            "$engine, $docs, $n)",
            {"run_id": run_id, "year": year, "started": started_at, "version": version, "engine": engine,
             "docs": docs, "n": sum(tally.values())},
        )
    return CheckRunSummary(run_id=run_id, year=year, engine=engine, rules_version=version, units=n_units,
                           results=kept, seconds=time.perf_counter() - started, data_docs=docs,
                           tally=tally)


def _import_gx_meanwhile() -> threading.Thread:
    """Great Expectations takes 5–17 s to import, all of it Python under the GIL, while the facts
    and the rules' SQL before it run inside DuckDB, which lets go of the GIL: a thread imports GX
    meanwhile. A failed import is left to the import after the thread, to raise where it belongs."""

    def load() -> None:
        with suppress(Exception):
            import expectations.gx_engine  # noqa: F401

    thread = threading.Thread(target=load, name="import-gx", daemon=True)
    thread.start()
    return thread


def _prepare(con: duckdb.DuckDBPyConnection, rules: list[Rule], year: int, submission_level: bool) -> Plans:
    """The scratch tables (in ``dq_facts``) the verdicts written in SQL come from: the documents
    with their combo of unit type and required facts (``scope``), what each combo gets from each
    rule that found nothing there (``plan``) and each rule's severity (``rule``). Returns the plans
    by combo (:func:`_plan`)."""
    required = sorted({f for rule in rules for f in rule.required_facts()})
    db.run(con, rewrite(statement("dq_scope")), {"year": year, "facts": required})
    plans = {combo: dict(zip([r.id for r in rules], _plan(rules, unit_type, set(facts)), strict=True))
             for combo, unit_type, facts in con.execute(
                 f"select distinct combo, unit_type, facts from {SCHEMA}.scope").fetchall()}
    _table(con, "plan", pl.DataFrame(
        [(combo, rule_id, "pass" if kind == "check" else "not_applicable", message)
         for combo, by_rule in plans.items() for rule_id, (kind, message) in by_rule.items()],
        orient="row", schema={"combo": pl.Int64, "rule_id": pl.String, "status": pl.String, "message": pl.String}))
    _table(con, "rule", pl.DataFrame({"rule_id": [r.id for r in rules],
                                      "severity": [_severity(r, submission_level) for r in rules]}))
    return plans


def _table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register("incoming_frame", frame)
    try:
        db.run(con, f"create or replace table {SCHEMA}.{name} as select * from incoming_frame")
    finally:
        con.unregister("incoming_frame")


def _write_chunk(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    plans: Plans,
    *,
    year: int,
    run_id: str,
    units: tuple[str, str],
    waivers: Mapping[tuple[str, str], str],
    submission_level: bool,
    texts: Mapping[str, str] | None,
    keep: Keep,
) -> list[RuleResult]:
    """The verdicts of the units ``units[0]``..``units[1]`` in place of their earlier ones, in one
    transaction of its own: one transaction for a whole province would hold every uncommitted row
    (and its key) in memory. A run that dies half way leaves each unit with either its old or its
    new verdicts, and no ``dq.run`` row (so the next collection checks again, tasks/freshness.py).
    Returns the RuleResults ``keep`` asks for."""
    with _without_gc():
        judged = evaluate(con, rules, plans, year=year, submission_level=submission_level, units=units,
                          waivers=waivers, texts=texts)
    frame = pl.DataFrame([_row(r) for r in judged], schema=_SCHEMA, orient="row")
    params = {"year": year, "lo": units[0], "hi": units[1]}
    con.register("incoming_result", frame)
    try:
        with db.transaction(con):
            db.run(con, statement("dq_delete_verdicts"), params)
            db.run(con, statement("dq_merge_verdicts"), {**params, "run_id": run_id})
    finally:
        con.unregister("incoming_result")
    if keep == "none":
        return []
    if keep == "failures":
        kept = [r for r in judged if r.status in ("fail", "waived")]
    else:
        done = {(r.rule_id, r.unit_code, r.sha256) for r in judged}
        kept = [*judged, *_planned_results(con, rules, plans, year, units, done, submission_level)]
    return sorted(kept, key=lambda r: (r.unit_code, r.sha256, r.rule_id))


@contextmanager
def _without_gc() -> Iterator[None]:
    """No cyclic garbage collection in the block: judging a chunk allocates tens of thousands of objects without
    cycles (findings, figures, results), and with GX's modules in the heap the full collections they
    trigger took 40 % of the time. Collection resumes after the chunk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _row(r: RuleResult) -> tuple[Any, ...]:
    return (r.unit_code, r.year, r.sha256, r.rule_id, r.severity, r.status, r.observed, r.expected, r.difference,
            r.tolerance, r.message, r.evidence_json(), r.explanation)


def _planned_results(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], plans: Plans, year: int, units: tuple[str, str],
    judged: set[tuple[str, str, str]], submission_level: bool,
) -> list[RuleResult]:
    """The verdicts dq_merge_verdicts planned for these units (all but the ``judged`` rule × unit ×
    document), as RuleResults quoting the figures each rule read (``keep="all"``)."""
    documents = con.execute(f"select unit_code, sha256, combo from {SCHEMA}.scope where unit_code between $lo and $hi",
                            {"lo": units[0], "hi": units[1]}).fetchall()
    tokens = sorted({token for rule in rules for token in _keys(rule)})
    figures = ev.load_figures(con, year, [(sha, token) for _, sha, _ in documents for token in tokens], units)
    return [
        _judge(rule, plans[combo][rule.id], unit_code, year, sha, figures.get(sha, {}), [], None, submission_level,
               None)
        for unit_code, sha, combo in documents for rule in rules if (rule.id, unit_code, sha) not in judged
    ]


def evaluate(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    plans: Plans,
    *,
    year: int,
    submission_level: bool,
    units: tuple[str, str],
    waivers: Mapping[tuple[str, str], str],
    texts: Mapping[str, str] | None = None,
) -> list[RuleResult]:
    """The verdicts of every unit × rule with findings among the units ``units[0]``..``units[1]``
    (see module doc); inside ``facts.materialised``, after :func:`_prepare`."""
    found = read_findings(con, *units)
    if not found:
        return []
    combos = {(unit_code, sha): combo for unit_code, sha, combo in con.execute(
        f"select unit_code, sha256, combo from {SCHEMA}.scope where unit_code between $lo and $hi",
        {"lo": units[0], "hi": units[1]}).fetchall()}
    by_id = {rule.id: rule for rule in rules}
    pairs = [(by_id[rule_id], plans[combos[unit_code, sha]][rule_id], unit_code, sha, findings)
             for (rule_id, unit_code, sha), findings in found.items()]
    figures = ev.load_figures(con, year, {(sha, token) for rule, plan, _, sha, findings in pairs
                                          for token in _tokens(rule, plan[0], findings)}, units)
    if texts is None:
        texts = _texts(con, rules, found)
    return [_judge(rule, plan, unit_code, year, sha, figures.get(sha, {}), findings,
                   waivers.get((unit_code, rule.id)), submission_level, texts.get(sha))
            for rule, plan, unit_code, sha, findings in pairs]


def _plan(rules: list[Rule], unit_type: str | None, facts: set[str]) -> list[Plan]:
    """Per rule, what a document of a unit of this type stating these facts gets before any
    finding counts: ("na", message) (no evidence), ("na_figures", message) (the figures the rule
    would read as evidence), or ("check", pass message): the rule's findings decide."""
    out: list[Plan] = []
    for rule in rules:
        if rule.unsupported:
            out.append(("na", f"不适用:{rule.unsupported}"))
        elif rule.unit_types and unit_type and unit_type not in rule.unit_types:
            out.append(("na", f"不适用:仅适用于{'/'.join(rule.unit_types)}单位(本单位为{unit_type})"))
        elif not rule.applicable(facts):
            out.append(("na_figures", f"不适用:文件未说明 {'、'.join(rule.missing(facts))}"))
        else:
            out.append(("check", f"通过:{rule.title}"))
    return out


def _texts(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], by_unit: Mapping[tuple[str, str, str], list[Finding]]
) -> dict[str, str]:
    """The document text of every submission with a failed warning (the only ones that need it)."""
    warnings = {r.id for r in rules if r.severity == "warning"}
    return ev.document_texts(con, (sha for (rule_id, _, sha), fs in by_unit.items()
                                   if rule_id in warnings and any(f.is_failure for f in fs)))


def _severity(rule: Rule, submission_level: bool) -> str:
    # A single file is not the whole submission: missing tables may sit in another file.
    return "warning" if rule.level == "submission" and not submission_level else rule.severity


def _tokens(rule: Rule, kind: str, findings: list[Finding]) -> list[str]:
    """The figures :func:`_judge` quotes or searches for reasons: the findings' own, the rule's
    when a finding names none, the rule's for a document not stating them."""
    if kind == "na":
        return []
    if kind == "na_figures":
        return _keys(rule)
    own = ev.tokens_of(findings)
    return own + _keys(rule) if any(not ev.tokens_of([f]) for f in findings) else own


def _judge(
    rule: Rule, plan: Plan, unit_code: str, year: int, sha: str, stated: ev.ByToken, findings: list[Finding],
    waiver: str | None, submission_level: bool, text: str | None,
) -> RuleResult:
    kind, message = plan
    severity = _severity(rule, submission_level)
    in_file_only = rule.level == "submission" and not submission_level
    base = RuleResult(unit_code=unit_code, year=year, sha256=sha, rule_id=rule.id, severity=severity,
                      status="not_applicable", title=rule.title, message=message, fix=rule.fix_zh)
    if kind == "na":
        return base
    if kind == "na_figures":
        return replace(base, evidence=ev.build(stated, _keys(rule), []))
    failures = [f for f in findings if f.is_failure]
    tails = [f for f in findings if not f.is_failure]
    shown = failures or tails
    tokens = ev.tokens_of(shown) if shown else _keys(rule)
    evidence = ev.build(stated, tokens, shown)
    if not failures:
        if not tails:
            return replace(base, status="pass", evidence=evidence)
        worst = _worst(tails)
        return replace(base, status="pass", evidence=evidence, **_numbers(worst),
                       message=f"通过:{rule.title}(尾差{fmt(worst.difference)},"
                               f"在允许范围±{fmt(worst.tolerance)}内)")
    worst = _worst(failures)
    message = _message(rule, worst)
    if len(failures) > 1:
        message += f"(另有{len(failures) - 1}处)"
    if in_file_only:
        message += ("(tables not in this file:本文件未包含,整套公开材料中须提供)"
                    if rule.required_facts() <= {"document", "required_tables"} else "(单个文件检查,按警告报告)")
    explanation = None
    status: Status = "fail"
    if severity == "warning" and not in_file_only:
        explanation = f"局审核说明:{waiver}" if waiver else _explained(rule, stated, failures, text)
        if explanation:
            status = "waived"
    return replace(base, status=status, message=message, evidence=evidence, explanation=explanation,
                   **_numbers(worst))


def _explained(rule: Rule, stated: ev.ByToken, failures: list[Finding], text: str | None) -> str | None:
    """The document's reasons when every failure has one (one unexplained item keeps the warning)."""
    reasons: dict[str, None] = {}
    for f in failures:
        found = ev.explanation(stated, ev.tokens_of([f]) or _keys(rule), text, ev.comparison_of(rule.id, f))
        if not found:
            return None
        reasons.setdefault(found, None)
    return " / ".join(reasons) or None


def _keys(rule: Rule) -> list[str]:
    return sorted(f for f in rule.required_facts() if ":" not in f and f not in _NON_KEYS)


_NON_KEYS = {"sections", "perf_project", "perf_indicator", "document"}


def _worst(findings: list[Finding]) -> Finding:
    # A failure without a number (a missing section) ranks first: it is never a rounding matter.
    return max(findings, key=lambda f: (f.difference is None, abs(f.difference or 0)))


class _Numbers(TypedDict):
    observed: Decimal | None
    expected: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None


def _numbers(f: Finding) -> _Numbers:
    return _Numbers(observed=f.observed, expected=f.expected, difference=f.difference, tolerance=f.tolerance)


def _message(rule: Rule, f: Finding) -> str:
    return rule.message_zh.format(observed=fmt(f.observed), expected=fmt(f.expected),
                                  difference=fmt(f.difference), tolerance=fmt(f.tolerance), detail=f.detail)
