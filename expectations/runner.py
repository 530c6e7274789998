"""Evaluate the catalogue for one year and write ``dq.run`` / ``dq.result``.

For every current unit of the year and every rule: not_applicable when the rule is unsupported,
not meant for the unit's type, or its inputs are not stated; otherwise fail when the engine found
a failing row (a warning becomes ``waived`` when a bureau waiver or the document's own reason
explains it), else pass (with a note when a rounding tail was within tolerance). A re-run over the
same documents rewrites identical rows and deletes stale ones for the same units and year.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
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
from expectations.facts import materialised, rewrite
from expectations.results import CheckRunSummary, Finding, RuleResult, Status, fmt

_DEC = pl.Decimal(18, 6)
# Units judged and written at a time: memory stays flat in the number of units.
CHUNK_UNITS = 2000
Keep = Literal["all", "failures", "none"]
# A dq.result row without run_id, in _SCHEMA order (the unit of work of evaluate and _write_rows).
Row = tuple[str, int, str, str, str, str, Decimal | None, Decimal | None, Decimal | None, Decimal | None,
            str, str, str | None]
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

    The engine's rows wait in DuckDB (``engines.FINDINGS``); units are judged and written
    ``chunk_units`` at a time, a transaction per chunk (see :func:`_replace_rows`). ``keep`` is what ``.results`` holds: every
    :class:`RuleResult` ("all", for a handful of units), only the fail / waived ones
    ("failures"), or none ("none": a province-wide run); the summary's counts cover every row."""
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
    tally: Counter[tuple[str, str]] = Counter()
    n_units = 0
    with materialised(con, year):
        if engine == "sql":
            run_sql(con, rules, year)
        else:
            from expectations.gx_engine import run_gx

            run_gx(con, rules, year, data_docs_dir=data_docs_dir)
        units = [u for (u,) in con.execute(rewrite(
            "select distinct unit_code from staging.current_submission "
            "where year = $year and parse_status = 'parsed' order by unit_code"), {"year": year}).fetchall()]
        waivers = dict(
            ((u, r), reason) for u, r, reason in con.execute(
                "select unit_code, rule_id, reason from dq.waiver where year = $year", {"year": year}
            ).fetchall()
        )
        for i in range(0, len(units), max(1, chunk_units)):
            chunk = (units[i], units[min(i + chunk_units, len(units)) - 1])
            rows, results, n = evaluate(con, rules, year=year, submission_level=submission_level,
                                        texts=texts, units=chunk, waivers=waivers, keep=keep)
            n_units += n
            tally.update((r[5], r[4]) for r in rows)
            kept += results
            _replace_rows(con, rows, run_id, year=year, units=chunk)
            del rows, results
        con.execute(
            "insert or replace into dq.run values ($run_id, $year, $started, current_timestamp, $version, "
            "$engine, $docs, $n)",
            {"run_id": run_id, "year": year, "started": started_at, "version": version, "engine": engine,
             "docs": docs, "n": sum(tally.values())},
        )
    return CheckRunSummary(run_id=run_id, year=year, engine=engine, rules_version=version, units=n_units,
                           results=kept, seconds=time.perf_counter() - started, data_docs=docs,
                           tally=dict(tally))


def evaluate(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    *,
    year: int,
    submission_level: bool,
    units: tuple[str, str],
    waivers: Mapping[tuple[str, str], str],
    texts: Mapping[str, str] | None = None,
    keep: Keep = "all",
) -> tuple[list[Row], list[RuleResult], int]:
    """Verdicts for every unit × rule of the units ``units[0]``..``units[1]`` from the findings
    the engine stored (see module doc); inside ``facts.materialised``. Returns the dq.result rows,
    the RuleResults ``keep`` asks for, and the number of (unit, document) pairs judged.

    Only a rule with findings for a unit goes through :func:`_judge`; the rest (not applicable,
    or passed without a tail: most of them) are rows made from per-rule constants, the unit's
    facts (verdicts cached per distinct fact set) and its figures' evidence JSON."""
    lo, hi = units
    scope = con.execute(rewrite(
        "select s.unit_code, s.sha256, u.unit_type, list(f.token order by f.token) filter (where f.token is not null) "
        "from staging.current_submission s left join core.unit u using (unit_code) "
        "left join staging.unit_fact f using (unit_code, year, sha256) "
        "where s.year = $year and s.parse_status = 'parsed' and s.unit_code between $lo and $hi "
        "group by all order by s.unit_code, s.sha256"),
        {"year": year, "lo": lo, "hi": hi},
    ).fetchall()
    figures = ev.load_figures(con, year, units)
    by_unit = read_findings(con, lo, hi)
    if texts is None:
        texts = _texts(con, rules, by_unit)
    plans: dict[tuple[str | None, tuple[str, ...]], list[tuple[str, str]]] = {}
    keys = {rule.id: _keys(rule) for rule in rules}
    rows: list[Row] = []
    kept: list[RuleResult] = []
    for unit_code, sha, unit_type, tokens in scope:
        facts_key = (unit_type, tuple(tokens or ()))
        plan = plans.get(facts_key)
        if plan is None:
            plan = plans[facts_key] = _plan(rules, unit_type, set(facts_key[1]))
        stated = figures.get(sha, {})
        fragments: dict[str, list[str]] = {}
        for rule, (kind, message) in zip(rules, plan, strict=True):
            found = by_unit.get((rule.id, unit_code, sha))
            if kind == "check" and found:
                r = _judge(rule, unit_code, year, sha, unit_type, set(facts_key[1]), stated, found,
                           waivers.get((unit_code, rule.id)), submission_level, texts.get(sha))
                rows.append((r.unit_code, r.year, r.sha256, r.rule_id, r.severity, r.status, r.observed,
                             r.expected, r.difference, r.tolerance, r.message, r.evidence_json(), r.explanation))
                if keep == "all" or (keep == "failures" and r.status in ("fail", "waived")):
                    kept.append(r)
                continue
            status = "pass" if kind == "check" else "not_applicable"
            evidence = "{}" if kind == "na" else _figures_json(stated, keys[rule.id], fragments)
            severity = "warning" if rule.level == "submission" and not submission_level else rule.severity
            row: Row = (unit_code, year, sha, rule.id, severity, status, None, None, None, None, message,
                        evidence, None)
            rows.append(row)
            if keep == "all":
                kept.append(RuleResult(unit_code=unit_code, year=year, sha256=sha, rule_id=rule.id,
                                       severity=severity, status=status, title=rule.title,  # type: ignore[arg-type]
                                       message=message, evidence=json.loads(evidence), fix=rule.fix_zh))
    return rows, kept, len(scope)


def _plan(rules: list[Rule], unit_type: str | None, facts: set[str]) -> list[tuple[str, str]]:
    """Per rule, what a unit with these facts gets when the rule found nothing: ("na", message)
    (no evidence), ("na_figures", message) (the figures the rule would read), or ("check", pass
    message). The same order of tests as :func:`_judge`."""
    out = []
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


def _figures_json(stated: ev.ByToken, tokens: list[str], fragments: dict[str, list[str]]) -> str:
    """``RuleResult(evidence=ev.build(stated, tokens, [])).evidence_json()``, from each token's
    figures serialised once per document (``fragments``)."""
    parts: list[str] = []
    for token in tokens:
        done = fragments.get(token)
        if done is None:
            done = fragments[token] = [json.dumps(s.as_json(), ensure_ascii=False, sort_keys=True)
                                       for s in stated.get(token, ())]
        parts += done
    return '{"figures": [' + ", ".join(parts) + "]}"


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


def _replace_rows(
    con: duckdb.DuckDBPyConnection, rows: list[Row], run_id: str, *, year: int, units: tuple[str, str]
) -> None:
    """A chunk's verdicts in place of its units' earlier ones, in one transaction of its own: one
    transaction for a whole province would hold every uncommitted row (and its key) in memory.
    A run that dies half way leaves each unit with either its old or its new verdicts, and no
    ``dq.run`` row (so the next collection checks again, tasks/freshness.py)."""
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    con.execute("begin")
    try:
        con.register("incoming_result", frame)
        # Stale rows: every earlier verdict for these units and year, whatever document it was about.
        con.execute(
            "delete from dq.result where year = $year and unit_code between $lo and $hi and unit_code in "
            "(select unit_code from staging.current_submission where year = $year and parse_status = 'parsed')",
            {"year": year, "lo": units[0], "hi": units[1]},
        )
        con.execute(
            "insert into dq.result select unit_code, year, sha256, rule_id, $run_id, severity, status, "
            "observed, expected, difference, tolerance, message, evidence::json, explanation from incoming_result",
            {"run_id": run_id},
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_result")
