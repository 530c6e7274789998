"""Waivers, document explanations, and idempotent re-runs of run_checks."""

from __future__ import annotations

import pytest

from expectations import WaiverRefused, run_checks, waive
from tests.expectations.helpers import add_unit, doc, fig
from warehouse.db import memory


def _warehouse():
    con = memory()
    # DQ-33 warning: 机关运行经费 above 公用经费 for an administrative unit, no reason given
    add_unit(con, "A1", 2024, doc(fig("operating_expense", "30.00"), fig("public_expense", "29.24")), unit_type="行政")
    # the same numbers for a 事业 unit: the rule does not apply
    add_unit(con, "B1", 2024, doc(fig("operating_expense", "30.00"), fig("public_expense", "29.24")), unit_type="事业")
    # an error
    add_unit(con, "C1", 2024, doc(fig("income_total", "10.00"), fig("expenditure_total", "12.00")))
    return con


def _status(con, unit: str, rule: str) -> tuple:
    return con.execute("select status, explanation from dq.result where unit_code = ? and rule_id = ?",
                       [unit, rule]).fetchone()


def test_waiver_turns_a_warning_into_waived_and_refuses_errors():
    con = _warehouse()
    run_checks(con, year=2024, run_id="r1", engine="sql")
    assert _status(con, "A1", "DQ-33")[0] == "fail"
    assert _status(con, "B1", "DQ-33")[0] == "not_applicable"
    waive(con, "A1", "DQ-33", 2024, "口径含后勤中心,已核实", "bureau")
    with pytest.raises(WaiverRefused, match="DQ-10 .* is an error rule and cannot be waived"):
        waive(con, "C1", "DQ-10", 2024, "x", "bureau")
    with pytest.raises(WaiverRefused, match="unknown rule"):
        waive(con, "C1", "DQ-99", 2024, "x", "bureau")
    run_checks(con, year=2024, run_id="r2", engine="sql")
    status, explanation = _status(con, "A1", "DQ-33")
    assert status == "waived" and "口径含后勤中心" in explanation
    assert _status(con, "C1", "DQ-10")[0] == "fail"


def test_document_reason_clears_a_warning():
    text = "机关运行经费30.00万元,主要原因是新增了后勤服务中心的运行保障。公用经费29.24万元。"
    con = memory()
    d = doc(fig("operating_expense", "30.00", at=0, snippet="机关运行经费30.00万元"),
            fig("public_expense", "29.24", at=30), text=text)
    sha = add_unit(con, "A1", 2024, d)
    summary = run_checks(con, year=2024, run_id="r", engine="sql", texts={sha: text})
    r = next(r for r in summary.results if r.rule_id == "DQ-33")
    assert r.status == "waived" and "新增了后勤服务中心" in (r.explanation or "")


def test_rerun_is_idempotent_and_drops_stale_rows():
    con = _warehouse()
    run_checks(con, year=2024, run_id="r1", engine="sql")
    first = con.execute("select * exclude (run_id) from dq.result order by all").fetchall()
    run_checks(con, year=2024, run_id="r2", engine="sql")
    assert con.execute("select * exclude (run_id) from dq.result order by all").fetchall() == first
    # a corrected resubmission replaces the unit's verdicts, including the old document's rows
    add_unit(con, "C1", 2024, doc(fig("income_total", "12.00"), fig("expenditure_total", "12.00"), text="v2"))
    run_checks(con, year=2024, run_id="r3", engine="sql")
    rows = con.execute("select distinct sha256, status from dq.result where unit_code = 'C1' and rule_id = 'DQ-10'").fetchall()
    assert len(rows) == 1 and rows[0][1] == "pass"
    assert con.execute("select count(*) from dq.run").fetchone()[0] == 3
