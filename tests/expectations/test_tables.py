"""The standard tables (RULES.md §7 B–D): DQ-11, DQ-13 (T01), DQ-14, DQ-15 (T02), DQ-17 (T03),
DQ-19 ("其他" share), DQ-26 (T06 economic classes), DQ-27 (T05 ≤ T03). One good set of tables and
one variant per rule that breaks only that rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.expectations.helpers import cell, doc, run_cases

GOOD = {
    ("T01", "本年收入合计", "金额"): ("100.00", "income_this_year"),
    ("T01", "使用非财政拨款结余", "金额"): ("0.00", "use_of_non_fiscal_balance"),
    ("T01", "年初结转和结余", "金额"): ("10.00", "carry_over_begin"),
    ("T01", "本年支出合计", "金额"): ("100.00", "expenditure_this_year"),
    ("T01", "结余分配", "金额"): ("0.00", "cell"),
    ("T01", "年末结转和结余", "金额"): ("10.00", "carry_over_end"),
    ("T01", "支出总计", "金额"): ("110.00", "expenditure_total"),
    ("T02", "合计", "本年收入合计"): ("100.00", "cell"),
    ("T02", "合计", "财政拨款收入"): ("90.00", "cell"),
    ("T02", "合计", "事业收入"): ("10.00", "cell"),
    ("T03", "合计", "本年支出合计"): ("100.00", "cell"),
    ("T03", "合计", "基本支出"): ("60.00", "cell"),
    ("T03", "合计", "项目支出"): ("40.00", "cell"),
    ("T05", "合计", "基本支出"): ("50.00", "cell"),
    ("T05", "合计", "项目支出"): ("30.00", "cell"),
    ("T05", "2010101 行政运行", "合计"): ("70.00", "cell"),
    ("T05", "2010199 其他人大事务支出", "合计"): ("10.00", "cell"),
    ("T06", "301 工资福利支出", "决算数"): ("50.00", "cell"),
    ("T06", "30101 基本工资", "决算数"): ("30.00", "cell"),
    ("T06", "30102 津贴补贴", "决算数"): ("20.00", "cell"),
}

BREAKS = {
    "DQ-11": {("T01", "支出总计", "金额"): "111.00"},
    "DQ-13": {("T01", "年初结转和结余", "金额"): "12.00"},
    "DQ-14": {("T02", "合计", "事业收入"): "5.00"},
    "DQ-15": {("T02", "合计", "本年收入合计"): "99.00", ("T02", "合计", "财政拨款收入"): "89.00"},
    "DQ-17": {("T03", "合计", "本年支出合计"): "101.00", ("T03", "合计", "基本支出"): "61.00"},
    "DQ-19": {("T05", "2010101 行政运行", "合计"): "40.00", ("T05", "2010199 其他人大事务支出", "合计"): "40.00"},
    "DQ-26": {("T06", "30102 津贴补贴", "决算数"): "15.00"},
    "DQ-27": {("T05", "合计", "基本支出"): "65.00"},
}
RULES = sorted(BREAKS)


def tables(changes: dict) -> object:
    cells = {k: (changes.get(k, v), key) for k, (v, key) in GOOD.items()}
    return doc(*(cell(t, row, col, value, key=key, at=i * 20)
                 for i, ((t, row, col), (value, key)) in enumerate(cells.items())),
               tables=("T01", "T02", "T03", "T05", "T06"))


@pytest.fixture(scope="module")
def res():
    return run_cases({"good": tables({}), **{rule: tables(change) for rule, change in BREAKS.items()},
                      "no_tables": doc()})


@pytest.mark.parametrize("rule", RULES)
def test_good_tables_pass(res, rule):
    assert res["good"][rule].status == "pass", res["good"][rule].message


@pytest.mark.parametrize("rule", RULES)
def test_each_break_fails_its_rule_only(res, rule):
    r = res[rule][rule]
    assert r.status == "fail", r.message
    others = {k for k in RULES if k != rule and res[rule][k].status == "fail"}
    assert not others, f"{rule}'s variant also failed {others}"


@pytest.mark.parametrize("rule", RULES)
def test_without_tables_not_applicable(res, rule):
    assert res["no_tables"][rule].status == "not_applicable"


def test_numbers_and_messages(res):
    assert res["DQ-11"]["DQ-11"].difference == Decimal(1)
    r13 = res["DQ-13"]["DQ-13"]
    assert (r13.observed, r13.expected) == (Decimal(10), Decimal(12))
    assert res["DQ-14"]["DQ-14"].difference == Decimal(5) and "合计" in res["DQ-14"]["DQ-14"].message
    assert res["DQ-15"]["DQ-15"].difference == Decimal(-1)
    assert res["DQ-17"]["DQ-17"].difference == Decimal(1)
    r19 = res["DQ-19"]["DQ-19"]
    assert r19.severity == "warning" and r19.observed == Decimal(50) and "T05" in r19.message
    assert "301" in res["DQ-26"]["DQ-26"].message and res["DQ-26"]["DQ-26"].difference == Decimal(5)
    assert "基本支出" in res["DQ-27"]["DQ-27"].message and res["DQ-27"]["DQ-27"].difference == Decimal(5)
