"""Table-cell rules (DQ-01/03/04/09/18/23/38) and self-evaluation rules (DQ-44…DQ-50), one shared run."""

from __future__ import annotations

import pytest

from tasks.model import Section
from tests.expectations.helpers import cases_fixture, cell, doc, fig, indicator, project

CASES = {
    "tables": doc(
        cell("T01", "本年收入合计", "金额", "100.00", key="income_this_year"),
        cell("T01", "一般公共预算财政拨款收入", "金额", "90.00", key="general_budget_income"),
        cell("T01", "其他收入", "金额", "5.00", key="other_income"),
        cell("T05", "201 一般公共服务支出", "合计", "50.00"), cell("T05", "20101 人大事务", "合计", "50.00"),
        cell("T05", "2010101 行政运行", "合计", "40.00"), cell("T05", "2010199 其他人大事务支出", "合计", "9.00"),
        cell("T05", "2010101 行政运行", "基本支出", "30.00"), cell("T05", "2010101 行政运行", "项目支出", "10.00"),
        cell("T06", "301 工资福利支出", "金额", "10.00"), tables=("T01", "T05", "T06")),
    "perf_bad": doc(fig("perf_projects_count", "2"), projects=(project(
        "甲", total_score=85, adjusted_budget="60.00", executed="30.00", exec_rate_pct=100, exec_weight=10,
        exec_score=10, grade="优",
        indicators=(indicator("数量", "≥", "400", "300", "50", "50"), indicator("质量", "≥", "90", "95", "40", "45"))),)),
    "perf_ok": doc(fig("perf_projects_count", "1"), fig("perf_projects_funds", "60.47"), projects=(project(
        "乙", total_score=100, adjusted_budget="60.47", executed="60.47", exec_rate_pct=100, exec_weight=10,
        exec_score=10, grade="优",
        indicators=(indicator("人次", "≥", "400", "420", "50", "50"), indicator("满意度", "≥", "90", "95", "40", "40"))),)),
    "funds_spent": doc(fig("perf_projects_count", "1"), fig("perf_projects_funds", "55.00"), projects=(project(
        "丙", adjusted_budget="60.00", executed="55.00"),)),
    "funds_neither": doc(fig("perf_projects_count", "1"), fig("perf_projects_funds", "57.00"), projects=(project(
        "丁", adjusted_budget="60.00", executed="55.00"),)),
    "numbering": doc(sections=(Section("一、基本情况", 1, 0), Section("三、三公", 1, 10))),
    "plain": doc(fig("income_total", "1.00")),
}


res = cases_fixture(CASES)


@pytest.mark.parametrize(("case", "rule", "status"), [
    ("tables", "DQ-09", "fail"), ("tables", "DQ-18", "fail"), ("tables", "DQ-23", "pass"),
    ("tables", "DQ-03", "pass"), ("tables", "DQ-04", "fail"), ("tables", "DQ-38", "pass"),
    ("tables", "DQ-11", "not_applicable"), ("tables", "DQ-13", "not_applicable"),
    ("plain", "DQ-09", "not_applicable"), ("plain", "DQ-18", "not_applicable"),
    ("perf_bad", "DQ-44", "fail"), ("perf_ok", "DQ-44", "pass"),
    ("perf_bad", "DQ-46", "fail"), ("perf_ok", "DQ-46", "pass"),
    ("perf_bad", "DQ-47", "fail"), ("perf_ok", "DQ-47", "pass"),
    ("perf_bad", "DQ-48", "fail"), ("perf_ok", "DQ-48", "pass"),
    ("perf_bad", "DQ-49", "fail"), ("perf_ok", "DQ-49", "pass"),
    ("perf_bad", "DQ-50", "fail"), ("perf_ok", "DQ-50", "pass"),
    ("funds_spent", "DQ-50", "pass"), ("funds_neither", "DQ-50", "fail"),
    ("perf_ok", "DQ-45", "pass"), ("plain", "DQ-44", "not_applicable"),
    ("numbering", "DQ-05", "fail"), ("plain", "DQ-05", "not_applicable"),
    ("plain", "DQ-43", "not_applicable"), ("plain", "DQ-07", "not_applicable"),
])
def test_rule(res, case: str, rule: str, status: str):
    assert res[case][rule].status == status, res[case][rule].message


def test_single_file_submission_rules_are_warnings(res):
    r = res["plain"]["DQ-01"]
    assert (r.severity, r.status) == ("warning", "fail") and "tables not in this file" in r.message
    assert res["tables"]["DQ-04"].severity == "warning"


def test_unsupported_rules_say_why(res):
    assert "批复日期" in res["plain"]["DQ-07"].message
