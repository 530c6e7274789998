"""Evaluate the catalogue for one year and write ``dq.run`` / ``dq.result``.

For every current unit of the year and every rule: not_applicable when the rule is unsupported,
not meant for the unit's type, or its inputs are not stated; otherwise fail when the engine found
a failing row (a warning becomes ``waived`` when a bureau waiver or the document's own reason
explains it), else pass (with a note when a rounding tail was within tolerance). A re-run over the
same documents rewrites identical rows and deletes stale ones for the same units and year.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TypedDict

import duckdb
import polars as pl

from expectations import evidence as ev
from expectations.catalogue import Rule, load_catalogue, rules_version
from expectations.engines import run_sql
from expectations.facts import materialised, rewrite
from expectations.results import CheckRunSummary, Finding, RuleResult, Status, fmt

_DEC = pl.Decimal(18, 6)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    *,
    year: int,
    run_id: str,
    engine: str = "gx",
    data_docs_dir: Path | None = None,
    submission_level: bool = True,
    texts: Mapping[str, str] | None = None,
) -> CheckRunSummary:
    """Check every current unit × rule of ``year`` and store the verdicts (see module doc).

    A failed warning is cleared by the document's own reason next to its figures, read from
    ``staging.document_text`` (or ``texts``, sha256 → text, when the caller passes them).
    ``submission_level=False`` is for a single file (``check_document``)."""
    started = time.perf_counter()
    started_at = datetime.now()
    rules = load_catalogue()
    if engine not in ("gx", "sql"):
        raise ValueError(f"engine must be 'gx' or 'sql', not {engine!r}")
    with materialised(con, year):
        if engine == "sql":
            findings = run_sql(con, rules, year)
        else:
            from expectations.gx_engine import run_gx

            findings = run_gx(con, rules, year, data_docs_dir=data_docs_dir)
        results = evaluate(con, rules, findings, year=year, submission_level=submission_level, texts=texts)
    version = rules_version()
    docs = str(data_docs_dir) if data_docs_dir is not None and engine == "gx" else None
    _write(con, results, year=year, run_id=run_id, engine=engine, version=version,
           started_at=started_at, data_docs=docs)
    return CheckRunSummary(run_id=run_id, year=year, engine=engine, rules_version=version,
                           units=len({(r.unit_code, r.sha256) for r in results}), results=results,
                           seconds=time.perf_counter() - started, data_docs=docs)


def evaluate(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    findings: dict[str, list[Finding]],
    *,
    year: int,
    submission_level: bool,
    texts: Mapping[str, str] | None = None,
) -> list[RuleResult]:
    """Verdicts for every unit × rule from the engine's findings (see module doc); inside
    ``facts.materialised``."""
    scope = con.execute(rewrite(
        "select s.unit_code, s.sha256, u.unit_type, list(f.token) filter (where f.token is not null) "
        "from staging.current_submission s left join core.unit u using (unit_code) "
        "left join staging.unit_fact f using (unit_code, year, sha256) "
        "where s.year = $year and s.parse_status = 'parsed' "
        "group by all order by s.unit_code, s.sha256"),
        {"year": year},
    ).fetchall()
    figures = ev.load_figures(con, year)
    waivers = dict(
        ((u, r), reason) for u, r, reason in con.execute(
            "select unit_code, rule_id, reason from dq.waiver where year = $year", {"year": year}
        ).fetchall()
    )
    by_unit: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for rule_id, rows in findings.items():
        for f in rows:
            by_unit[(rule_id, f.unit_code, f.sha256)].append(f)
    if texts is None:
        texts = _texts(con, rules, by_unit)
    out = []
    for unit_code, sha, unit_type, tokens in scope:
        facts = set(tokens or ())
        stated = figures.get(sha, {})
        for rule in rules:
            out.append(_judge(rule, unit_code, year, sha, unit_type, facts, stated,
                              by_unit.get((rule.id, unit_code, sha), []),
                              waivers.get((unit_code, rule.id)), submission_level, texts.get(sha)))
    return out


def _texts(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], by_unit: Mapping[tuple[str, str, str], list[Finding]]
) -> dict[str, str]:
    """The document text of every submission with a failed warning (the only ones that need it)."""
    warnings = {r.id for r in rules if r.severity == "warning"}
    shas = sorted({sha for (rule_id, _, sha), fs in by_unit.items()
                   if rule_id in warnings and any(f.is_failure for f in fs)})
    if not shas:
        return {}
    return dict(con.execute(
        "select sha256, text from staging.document_text where sha256 in (select unnest($shas))", {"shas": shas}
    ).fetchall())


def _judge(
    rule: Rule, unit_code: str, year: int, sha: str, unit_type: str | None, facts: set[str],
    stated: ev.ByToken, findings: list[Finding], waiver: str | None, submission_level: bool,
    text: str | None,
) -> RuleResult:
    severity = rule.severity
    in_file_only = rule.level == "submission" and not submission_level
    if in_file_only:
        # A single file is not the whole submission: missing tables may sit in another file.
        severity = "warning"
    base = RuleResult(unit_code=unit_code, year=year, sha256=sha, rule_id=rule.id, severity=severity,
                      status="not_applicable", title=rule.title, message="", fix=rule.fix_zh)
    if rule.unsupported:
        return replace(base, message=f"不适用:{rule.unsupported}")
    if rule.unit_types and unit_type and unit_type not in rule.unit_types:
        return replace(base, message=f"不适用:仅适用于{'/'.join(rule.unit_types)}单位(本单位为{unit_type})")
    if not rule.applicable(facts):
        missing = "、".join(rule.missing(facts))
        return replace(base, message=f"不适用:文件未说明 {missing}", evidence=ev.build(stated, _keys(rule), []))
    failures = [f for f in findings if f.is_failure]
    tails = [f for f in findings if not f.is_failure]
    shown = failures or tails
    tokens = ev.tokens_of(shown) if shown else _keys(rule)
    evidence = ev.build(stated, tokens, shown)
    if not failures:
        if not tails:
            return replace(base, status="pass", message=f"通过:{rule.title}", evidence=evidence)
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


def _write(
    con: duckdb.DuckDBPyConnection, results: list[RuleResult], *, year: int, run_id: str, engine: str,
    version: str, started_at: datetime, data_docs: str | None,
) -> None:
    frame = pl.DataFrame(
        [
            {"unit_code": r.unit_code, "year": r.year, "sha256": r.sha256, "rule_id": r.rule_id,
             "run_id": run_id, "severity": r.severity, "status": r.status, "observed": r.observed,
             "expected": r.expected, "difference": r.difference, "tolerance": r.tolerance,
             "message": r.message, "evidence": r.evidence_json(), "explanation": r.explanation}
            for r in results
        ],
        schema={"unit_code": pl.String, "year": pl.Int32, "sha256": pl.String, "rule_id": pl.String,
                "run_id": pl.String, "severity": pl.String, "status": pl.String, "observed": _DEC,
                "expected": _DEC, "difference": _DEC, "tolerance": _DEC, "message": pl.String,
                "evidence": pl.String, "explanation": pl.String},
    )
    con.execute("begin")
    try:
        con.register("incoming_result", frame)
        # Stale rows: every earlier verdict for these units and year, whatever document it was about.
        con.execute(
            "delete from dq.result where year = $year and unit_code in "
            "(select unit_code from staging.current_submission where year = $year and parse_status = 'parsed')",
            {"year": year},
        )
        con.execute(
            "insert into dq.result select unit_code, year, sha256, rule_id, run_id, severity, status, "
            "observed, expected, difference, tolerance, message, evidence::json, explanation from incoming_result"
        )
        con.execute(
            "insert or replace into dq.run values ($run_id, $year, $started, current_timestamp, $version, "
            "$engine, $docs, $n)",
            {"run_id": run_id, "year": year, "started": started_at, "version": version, "engine": engine,
             "docs": data_docs, "n": len(results)},
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_result")
