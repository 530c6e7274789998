"""三公, 政府采购, 国有资产 (RULES.md §7 E): DQ-30, DQ-31, DQ-32, DQ-35, DQ-37."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.expectations.helpers import cases_fixture, doc, fig, income_only


def reception(amount: str, batches: str, people: str, per_capita: str | None = None):
    figures = [fig("official_reception", amount), fig("reception_batches", batches, at=20),
               fig("reception_people", people, at=40)]
    if per_capita is not None:
        figures.append(fig("reception_per_capita_yuan", per_capita, at=60))
    return doc(*figures)


def procurement(total: str, goods: str = "60.00", works: str = "30.00", services: str = "10.00",
                sme: str = "50.00", sme_pct: str = "50.00"):
    return doc(fig("procurement_total", total), fig("procurement_goods", goods, at=20),
               fig("procurement_works", works, at=40), fig("procurement_services", services, at=60),
               fig("sme_contract_amount", sme, at=80), fig("sme_share_pct", sme_pct, at=100))


def travel(value: str, *, change: str | None = None, budget: str | None = None):
    figures = [fig("outbound_travel", value, at=0)]
    if change is not None:
        figures.append(fig("outbound_travel", change, kind="change", at=20))
    if budget is not None:
        figures.append(fig("outbound_travel", budget, kind="budget", at=40))
    return doc(*figures)


CASES = {
    "travel_down_within_budget": travel("5.00", change="-1.00", budget="6.00"),
    "travel_up": travel("5.00", change="1.00"),
    "travel_over_budget": travel("5.00", budget="4.00"),
    "reception_ok": reception("1.00", "2", "10", "1000"),
    "reception_no_batches": reception("1.00", "0", "0"),
    "reception_people_lt_batches": reception("1.00", "3", "2"),
    "reception_zero_with_batches": reception("0.00", "1", "5"),
    "per_capita_wrong": reception("1.00", "2", "10", "1200"),
    "per_capita_rounded": reception("1.23", "3", "7", "1757"),  # 12300 / 7 = 1757.14
    "proc_ok": procurement("100.00"),
    "proc_sum": procurement("101.00", sme_pct="49.50"),
    "proc_sme_over": procurement("100.00", sme="120.00", sme_pct="120.00"),
    "proc_pct": procurement("100.00", sme_pct="55.00"),
    "vehicles_ok": doc(fig("vehicles_held", "3"), fig("vehicles_count", "5", at=20)),
    "vehicles_more_held": doc(fig("vehicles_held", "6"), fig("vehicles_count", "5", at=20)),
    "vehicles_fraction": doc(fig("vehicles_held", "2.5", measure="count"), fig("vehicles_count", "5", at=20)),
    "none": income_only(),
}


res = cases_fixture(CASES)


def test_dq30_rise_or_over_budget_needs_reason(res):
    assert res["travel_down_within_budget"]["DQ-30"].status == "pass"
    up = res["travel_up"]["DQ-30"]
    assert (up.status, up.severity) == ("fail", "warning") and "较上年增加" in up.message
    over = res["travel_over_budget"]["DQ-30"]
    assert over.status == "fail" and "超过预算" in over.message and over.difference == Decimal(1)
    assert res["none"]["DQ-30"].status == "not_applicable"


@pytest.mark.parametrize(("case", "status", "needle"), [
    ("reception_ok", "pass", None),
    ("reception_no_batches", "fail", "接待批次为0"),
    ("reception_people_lt_batches", "fail", "少于批次"),
    ("reception_zero_with_batches", "fail", "公务接待费为0"),
])
def test_dq31_amounts_and_counts(res, case, status, needle):
    r = res[case]["DQ-31"]
    assert r.status == status, r.message
    if needle:
        assert needle in r.message and r.severity == "warning"


def test_dq32_per_capita(res):
    assert res["reception_ok"]["DQ-32"].status == "pass"
    assert res["per_capita_rounded"]["DQ-32"].status == "pass"
    bad = res["per_capita_wrong"]["DQ-32"]
    assert bad.status == "fail" and bad.observed == Decimal(1200) and bad.expected == Decimal(1000)
    assert res["reception_no_batches"]["DQ-32"].status == "not_applicable"


def test_dq35_procurement(res):
    assert res["proc_ok"]["DQ-35"].status == "pass"
    r = res["proc_sum"]["DQ-35"]
    assert r.status == "fail" and r.difference == Decimal(1) and "货物、工程、服务" in r.message
    assert "中小企业合同金额超过" in res["proc_sme_over"]["DQ-35"].message
    pct = res["proc_pct"]["DQ-35"]
    assert pct.status == "fail" and pct.observed == Decimal(55) and pct.expected == Decimal(50)
    assert res["none"]["DQ-35"].status == "not_applicable"


def test_dq37_assets(res):
    assert res["vehicles_ok"]["DQ-37"].status == "pass"
    bad = res["vehicles_more_held"]["DQ-37"]
    assert bad.status == "fail" and "多于国有资产车辆总数" in bad.message
    assert "不是非负整数" in res["vehicles_fraction"]["DQ-37"].message
    assert res["none"]["DQ-37"].status == "not_applicable"
