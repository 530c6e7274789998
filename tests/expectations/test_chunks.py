"""run_checks judges and writes units a chunk at a time, and writes the verdicts of rules that found
nothing in SQL: the rows must not depend on the chunk size, and the SQL must write what _judge would
(evidence aside: those rows carry none)."""

from __future__ import annotations

from expectations import run_checks
from expectations import runner as runner_mod
from expectations.catalogue import load_catalogue
from tests.expectations.helpers import add_unit, doc, fig
from warehouse.db import memory


def _warehouse():
    con = memory()
    for i in range(7):
        add_unit(con, f"U{i:02d}", 2024, doc(
            fig("income_total", "100.00"), fig("expenditure_total", f"{100 + i % 3}.00"),
            fig("basic_expenditure", "93.09"), fig("personnel_expense", "63.85"), fig("public_expense", "29.24"),
            fig("operating_expense", "29.00", snippet="运行经费29.00万元,主要原因是会议减少。"),
            text=f"doc {i}"), unit_type="行政单位" if i % 2 else None)
    return con


def _rows(con):
    return con.execute("select * exclude (run_id) from dq.result order by all").fetchall()


def test_rows_do_not_depend_on_the_chunk_size_and_keep_modes_count_every_row():
    con = _warehouse()
    whole = run_checks(con, year=2024, run_id="a", engine="sql")
    expected = _rows(con)
    one = run_checks(con, year=2024, run_id="b", engine="sql", chunk_units=1, keep="failures")
    assert _rows(con) == expected
    none = run_checks(con, year=2024, run_id="c", engine="sql", chunk_units=3, keep="none")
    assert _rows(con) == expected
    assert whole.rows == one.rows == none.rows == len(expected) == len(whole.results) == 7 * len(load_catalogue())
    assert whole.units == one.units == none.units == 7
    assert whole.errors == one.errors == none.errors > 0
    assert whole.by_status() == one.by_status() == none.by_status()
    assert none.results == []
    assert {r.status for r in one.results} <= {"fail", "waived"}
    assert len(one.results) == sum(r.status in ("fail", "waived") for r in whole.results)
    assert con.execute("select n_results from dq.run where run_id = 'c'").fetchone() == (len(expected),)


def test_rules_without_findings_are_written_in_sql_as_judge_would_with_no_evidence():
    con = _warehouse()
    summary = run_checks(con, year=2024, run_id="a", engine="sql", submission_level=False)
    rules = load_catalogue()
    facts = dict(((u, s), set(t or ())) for u, s, t in con.execute(
        "select unit_code, sha256, list(token) from staging.unit_fact group by all").fetchall())
    types = dict(con.execute("select unit_code, unit_type from core.unit").fetchall())
    from expectations import evidence as ev
    from expectations.engines import FINDINGS, run_sql
    from expectations.facts import materialised

    with materialised(con, 2024):
        run_sql(con, rules, 2024)
        found = set(con.execute(f"select distinct rule_id, unit_code, sha256 from {FINDINGS}").fetchall())
        figures = ev.load_figures(con, 2024)
    results = {(r.rule_id, r.unit_code, r.sha256): r for r in summary.results}
    checked = 0
    for rule_id, unit, sha, severity, status, message, observed, evidence in con.execute(
            "select rule_id, unit_code, sha256, severity, status, message, observed, evidence::varchar "
            "from dq.result").fetchall():
        if (rule_id, unit, sha) in found:
            continue
        plans = dict(zip([r.id for r in rules], runner_mod._plan(rules, types.get(unit), facts.get((unit, sha), set())),
                         strict=True))
        rule = next(r for r in rules if r.id == rule_id)
        judged = runner_mod._judge(rule, plans[rule_id], unit, 2024, sha, figures.get(sha, {}), [], None, False, None)
        assert (severity, status, message, observed, evidence) == (judged.severity, judged.status, judged.message,
                                                                    None, "{}"), rule_id
        assert results[rule_id, unit, sha] == judged  # keep="all" still quotes the figures the rule read
        checked += 1
    assert checked > 7 * 10
