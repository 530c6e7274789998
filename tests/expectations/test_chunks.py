"""run_checks judges and writes units a chunk at a time, with a fast path for rules that found
nothing: the rows must not depend on the chunk size, and the fast path must write what _judge would."""

from __future__ import annotations

import json

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


def test_the_fast_path_writes_what_judge_would():
    con = _warehouse()
    summary = run_checks(con, year=2024, run_id="a", engine="sql", submission_level=False)
    rules = {r.id: r for r in load_catalogue()}
    facts = dict(((u, s), set(t or ())) for u, s, t in con.execute(
        "select unit_code, sha256, list(token) from staging.unit_fact group by all").fetchall())
    types = dict(con.execute("select unit_code, unit_type from core.unit").fetchall())
    from expectations import evidence as ev
    from expectations.facts import materialised

    with materialised(con, 2024):
        figures = ev.load_figures(con, 2024)
    checked = 0
    for r in summary.results:
        rule = rules[r.rule_id]
        judged = runner_mod._judge(rule, r.unit_code, 2024, r.sha256, types.get(r.unit_code),
                                   facts.get((r.unit_code, r.sha256), set()), figures.get(r.sha256, {}), [],
                                   None, False, None)
        if r.status in ("pass", "not_applicable") and r.observed is None and "尾差" not in r.message:
            assert r == judged, r.rule_id
            assert json.loads(judged.evidence_json()) == r.evidence
            checked += 1
    assert checked > 7 * 10
