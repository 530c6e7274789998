"""Narrative ratios and year-over-year (RULES.md §7 E–F): DQ-36, DQ-39, DQ-41, DQ-42."""

from __future__ import annotations

from decimal import Decimal

from expectations import run_checks
from tests.expectations.helpers import add_unit, cases_fixture, doc, fig, income_only
from warehouse.db import memory


def completion(pct: str):
    return doc(fig("expenditure_this_year", "90.00", at=0), fig("expenditure_this_year", "100.00", kind="budget", at=20),
               fig("expenditure_this_year", pct, kind="budget_pct", at=30))


def shares(basic_pct: str):
    return doc(fig("expenditure_this_year", "100.00"), fig("basic_expenditure", "60.00", at=20),
               fig("project_expenditure", "40.00", at=40), fig("basic_share_pct", basic_pct, at=60))


def change(amount: str, pct: str):
    return doc(fig("expenditure_this_year", "550.00"), fig("expenditure_this_year", amount, kind="change", at=20),
               fig("expenditure_this_year", pct, kind="change_pct", at=40))


CASES = {
    "completion_ok": completion("90.00"),
    "completion_wrong": completion("95.00"),
    "shares_ok": shares("60.00"),
    "shares_wrong": shares("65.00"),
    "small_change": change("1.00", "0.18"),
    "material_change": change("50.00", "10.00"),
    "none": income_only(),
}


res = cases_fixture(CASES)


def test_dq36_budget_completion(res):
    assert res["completion_ok"]["DQ-36"].status == "pass"
    bad = res["completion_wrong"]["DQ-36"]
    assert (bad.status, bad.severity, bad.observed, bad.expected) == ("fail", "error", Decimal(95), Decimal(90))
    assert res["none"]["DQ-36"].status == "not_applicable"


def test_dq39_shares(res):
    assert res["shares_ok"]["DQ-39"].status == "pass"
    bad = res["shares_wrong"]["DQ-39"]
    assert bad.status == "fail" and bad.expected == Decimal(60) and "基本支出占比" in bad.message
    assert res["none"]["DQ-39"].status == "not_applicable"


def test_dq42_material_change_needs_reason(res):
    assert res["small_change"]["DQ-42"].status == "pass"
    bad = res["material_change"]["DQ-42"]
    assert (bad.status, bad.severity) == ("fail", "warning") and "较大变动" in bad.message
    assert res["none"]["DQ-42"].status == "not_applicable"


def test_dq41_last_year_from_the_warehouse():
    """Last year's document in the warehouse: 上年数 (this − change) and 年初 = 上年年末."""
    con = memory()
    try:
        last = doc(fig("expenditure_this_year", "500.00"), fig("carry_over_end", "30.00", at=20), year=2023)
        for unit in ("GOOD", "BAD"):
            add_unit(con, unit, 2023, last)
        add_unit(con, "GOOD", 2024, doc(fig("expenditure_this_year", "550.00"),
                                        fig("expenditure_this_year", "50.00", kind="change", at=20),
                                        fig("carry_over_begin", "30.00", at=40)))
        add_unit(con, "BAD", 2024, doc(fig("expenditure_this_year", "550.00"),
                                       fig("expenditure_this_year", "40.00", kind="change", at=20),
                                       fig("carry_over_begin", "35.00", at=40)))
        # no last year in the warehouse: the document's own 上年 figure must match this year − change
        add_unit(con, "OWN", 2024, doc(fig("expenditure_this_year", "550.00"),
                                       fig("expenditure_this_year", "40.00", kind="change", at=20),
                                       fig("expenditure_this_year", "500.00", kind="prev", at=40)))
        add_unit(con, "NONE", 2024, doc(fig("income_total", "1.00")))
        results = run_checks(con, year=2024, run_id="t", engine="sql", submission_level=False).results
        res = {r.unit_code: r for r in results if r.rule_id == "DQ-41"}
    finally:
        con.close()
    assert res["GOOD"].status == "pass", res["GOOD"].message
    bad = res["BAD"]
    assert (bad.status, bad.severity) == ("fail", "warning")
    details = {f["detail"] for f in bad.evidence["findings"]}
    assert any("年初结转和结余" in d for d in details) and any("上年公开决算" in d for d in details)
    own = res["OWN"]
    assert own.status == "fail" and own.observed == Decimal(500) and own.expected == Decimal(510)
    assert res["NONE"].status == "not_applicable"
