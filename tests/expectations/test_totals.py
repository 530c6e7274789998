"""Totals and identities on narrative figures: DQ-10, DQ-16, DQ-25, DQ-29, DQ-34, DQ-38."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.expectations.helpers import cases_fixture, doc, fig


def _sangong(total: str):
    return doc(fig("three_public_total", total), fig("outbound_travel", "0.94"), fig("vehicle_purchase", "17.98"),
               fig("vehicle_operation", "15.15"), fig("official_reception", "0.00"))


def _composition(stated: str):
    # 乌鲁木齐 2023: 434.16 + 0.00 + 0.55 = 434.71 vs 434.72 is a rounding tail; Tn for 3 parts is 0.02
    return doc(fig("income_total", stated), fig("income_this_year", "434.16"),
               fig("use_of_non_fiscal_balance", "0.00"), fig("carry_over_begin", "0.55"))


CASES = {
    "equal": doc(fig("income_total", "492.46"), fig("expenditure_total", "492.46")),
    "jiangjin_binjiang": doc(fig("income_total", "99278.25", snippet="收入总计99278.25万元", at=10),
                             fig("expenditure_total", "99598.25", at=40)),
    "tail_001": doc(fig("income_total", "100.00"), fig("expenditure_total", "100.01")),
    "beyond_002": doc(fig("income_total", "100.00"), fig("expenditure_total", "100.02")),
    "comp_434.71": _composition("434.71"), "comp_434.72": _composition("434.72"),
    "comp_434.73": _composition("434.73"), "comp_434.74": _composition("434.74"),
    "comp_partial": doc(fig("income_total", "500.00"), fig("income_this_year", "400.00")),
    "basic_ok": doc(fig("basic_expenditure", "93.09"), fig("personnel_expense", "63.85"), fig("public_expense", "29.24")),
    "basic_bad": doc(fig("basic_expenditure", "93.09"), fig("personnel_expense", "63.85"), fig("public_expense", "29.00")),
    "basic_tail": doc(fig("basic_expenditure", "93.10"), fig("personnel_expense", "63.85"), fig("public_expense", "29.24")),
    "sangong_34.07": _sangong("34.07"), "sangong_34.08": _sangong("34.08"), "sangong_34.09": _sangong("34.09"),
    "sangong_34.10": _sangong("34.10"),
    "spent_ok": doc(fig("expenditure_total", "918.16"), fig("carry_over_end", "0.00"),
                    fig("basic_expenditure", "300.70"), fig("project_expenditure", "617.46")),
    "spent_bad": doc(fig("expenditure_this_year", "918.16"), fig("basic_expenditure", "300.70"),
                     fig("project_expenditure", "607.46")),
    "shares_ok": doc(fig("basic_share_pct", "18.9"), fig("project_share_pct", "81.1")),
    "shares_wuzhou": doc(fig("basic_share_pct", "84.06"), fig("project_share_pct", "19.62")),
    "twice_same": doc(fig("income_total", "492.46"), fig("income_total", "492.46", at=100)),
    "twice_wuzhou": doc(fig("basic_expenditure", "881300.39"), fig("basic_expenditure", "911000.39", at=100)),
    "text_vs_table": doc(fig("income_total", "100.00"),
                         fig("income_total", "100.50", source="table:T01:收入总计:金额", at=50)),
}


res = cases_fixture(CASES)


def test_dq10_totals_equal_passes(res):
    assert res["equal"]["DQ-10"].status == "pass"


def test_dq10_totals_differ_fails_with_numbers_and_evidence(res):
    r = res["jiangjin_binjiang"]["DQ-10"]
    assert (r.status, r.severity, r.difference) == ("fail", "error", Decimal("-320"))
    assert "99278.25" in r.message and "320" in r.message
    first = r.evidence["figures"][0]
    assert first["snippet"] == "收入总计99278.25万元" and first["span"] == [10, 10 + len("收入总计99278.25万元")]


def test_equal_values_tolerance_edges(res):
    assert res["tail_001"]["DQ-10"].status == "pass" and "尾差" in res["tail_001"]["DQ-10"].message
    bad = res["beyond_002"]["DQ-10"]
    assert bad.status == "fail" and bad.tolerance == Decimal("0.01")


@pytest.mark.parametrize(("case", "status"), [("comp_434.71", "pass"), ("comp_434.72", "pass"),
                                              ("comp_434.73", "pass"), ("comp_434.74", "fail")])
def test_dq10_composition_tn(res, case: str, status: str):
    assert res[case]["DQ-10"].status == status
    if case == "comp_434.72":
        assert res[case]["DQ-10"].difference == Decimal("0.01")


def test_not_applicable_when_inputs_absent(res):
    r = res["comp_partial"]["DQ-10"]
    assert r.status == "not_applicable" and "expenditure_total" in r.message
    assert res["equal"]["DQ-25"].status == "not_applicable"
    assert res["equal"]["DQ-29"].status == "not_applicable"


def test_dq25(res):
    assert res["basic_ok"]["DQ-25"].status == "pass"
    assert res["basic_bad"]["DQ-25"].status == "fail" and res["basic_bad"]["DQ-25"].difference == Decimal("0.24")
    assert res["basic_tail"]["DQ-25"].status == "pass" and "尾差" in res["basic_tail"]["DQ-25"].message


def test_dq29_tn_edges(res):
    assert res["sangong_34.07"]["DQ-29"].status == "pass"
    tail = res["sangong_34.08"]["DQ-29"]  # 深圳清水河 2024: 0.01 off, Tn(4) = 0.025
    assert tail.status == "pass" and tail.difference == Decimal("0.01")
    assert res["sangong_34.09"]["DQ-29"].status == "pass"
    assert res["sangong_34.10"]["DQ-29"].status == "fail"  # 0.03 > 0.025


def test_dq16(res):
    assert res["spent_ok"]["DQ-16"].status == "pass"
    assert res["spent_bad"]["DQ-16"].status == "fail" and res["spent_bad"]["DQ-16"].difference == Decimal("10")
    assert res["equal"]["DQ-16"].status == "not_applicable"


def test_dq34(res):
    assert res["shares_ok"]["DQ-34"].status == "pass"
    bad = res["shares_wuzhou"]["DQ-34"]
    assert bad.status == "fail" and bad.observed == Decimal("103.68")


def test_dq38(res):
    assert res["twice_same"]["DQ-38"].status == "pass"
    bad = res["twice_wuzhou"]["DQ-38"]
    assert bad.status == "fail" and bad.difference == Decimal("29700")
    table = res["text_vs_table"]["DQ-38"]
    assert table.status == "fail" and "表T01" in table.message
