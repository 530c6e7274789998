"""Completeness, format and timeliness (RULES.md §7 A): DQ-01, DQ-06, DQ-08."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.expectations.helpers import cases_fixture, doc, fig

NINE = tuple(f"T0{i}" for i in range(1, 10))
SANGONG_DETAIL = ("vehicle_purchase", "vehicle_operation", "outbound_groups", "outbound_people",
                  "vehicles_purchased", "vehicles_held", "reception_batches", "reception_people")

CASES = {
    "nine_tables": doc(fig("income_total", "1.00"), tables=NINE),
    "two_tables": doc(fig("income_total", "1.00"), tables=("T01", "T09")),
    "sangong_full": doc(fig("three_public_total", "3.00"), *(fig(k, "1") for k in SANGONG_DETAIL)),
    "sangong_bare": doc(fig("three_public_total", "3.00"), fig("vehicle_purchase", "1.00"),
                        fig("vehicle_operation", "2.00")),
    "year_ok": doc(fig("income_total", "1.00"), year=2024),
    "year_wrong": doc(fig("income_total", "1.00"), year=2023),
    "year_unstated": doc(fig("income_total", "1.00"), year=None),
}


res = cases_fixture(CASES)


def test_dq01_nine_tables(res):
    assert res["nine_tables"]["DQ-01"].status == "pass"
    bad = res["two_tables"]["DQ-01"]
    assert bad.status == "fail" and bad.observed == Decimal(2) and bad.expected == Decimal(9)
    assert "T02" in bad.message and "T08" in bad.message and "T09" not in bad.message.split("(")[0]


def test_dq06_sangong_detail(res):
    assert res["sangong_full"]["DQ-06"].status == "pass"
    bad = res["sangong_bare"]["DQ-06"]
    assert (bad.status, bad.severity) == ("fail", "error")
    assert "另有5处" in bad.message  # six of the eight counts are missing
    details = {f["detail"] for f in bad.evidence["findings"]}
    assert "“三公”经费未说明:公务用车保有量" in details and len(details) == 6
    assert res["year_ok"]["DQ-06"].status == "not_applicable"


def test_dq08_stated_year(res):
    assert res["year_ok"]["DQ-08"].status == "pass"
    bad = res["year_wrong"]["DQ-08"]
    assert bad.status == "fail" and (bad.observed, bad.expected) == (Decimal(2023), Decimal(2024))
    assert "2023" in bad.message
    assert res["year_unstated"]["DQ-08"].status == "not_applicable"


REGISTERED = "重庆市江津区发展和改革委员会"


@pytest.fixture(scope="module")
def dq08_units():
    """DQ-08 on stated unit names, each case a registered unit named REGISTERED (one run)."""
    from datetime import datetime

    from expectations import run_checks
    from tests.expectations.helpers import add_unit
    from warehouse.db import memory

    cases = {
        "same": doc(fig("income_total", "1.00"), unit_name=REGISTERED),
        "own_level": doc(fig("income_total", "1.00"), unit_name=REGISTERED + "（本级）"),
        "own_level_ascii": doc(fig("income_total", "1.00"), unit_name=" 重庆市江津区 发展和改革委员会 (本级)"),
        "shorter": doc(fig("income_total", "1.00"), unit_name="江津区发展和改革委员会"),
        "longer": doc(fig("income_total", "1.00"), unit_name=REGISTERED + "机关"),
        "other_unit": doc(fig("income_total", "1.00"), unit_name="重庆市江津区审计局"),
        "other_unit_no_year": doc(fig("income_total", "1.00"), unit_name="重庆市江津区审计局（本级）", year=None),
        "other_unit_and_year": doc(fig("income_total", "1.00"), unit_name="重庆市江津区审计局", year=2023),
        "no_name": doc(fig("income_total", "1.00")),
        "no_name_no_year": doc(fig("income_total", "1.00"), year=None),
    }
    con = memory()
    for code, d in cases.items():
        add_unit(con, code, 2024, d)
        con.execute("insert into core.unit values (?, ?, null, '行政', 'file', null, ?)",
                    [code, REGISTERED, datetime(2025, 1, 1)])
    results = run_checks(con, year=2024, run_id="t", engine="sql", submission_level=False).results
    con.close()
    return {r.unit_code: r for r in results if r.rule_id == "DQ-08"}


@pytest.mark.parametrize("case", ["same", "own_level", "own_level_ascii", "shorter", "longer", "no_name"])
def test_dq08_stated_unit_name_matches_leniently(dq08_units, case):
    assert dq08_units[case].status == "pass", dq08_units[case].message


def test_dq08_document_of_another_unit_fails(dq08_units):
    bad = dq08_units["other_unit"]
    assert (bad.status, bad.severity) == ("fail", "error")
    assert "单位" in bad.message and "重庆市江津区审计局" in bad.message and REGISTERED in bad.message
    # the unit name alone makes the rule applicable
    assert dq08_units["other_unit_no_year"].status == "fail"
    both = dq08_units["other_unit_and_year"]
    assert both.status == "fail" and "审计局" in both.message and "另有1处" in both.message
    details = {f["detail"] for f in both.evidence["findings"]}
    assert any("2023" in d for d in details) and any("审计局" in d for d in details), details
    assert dq08_units["no_name_no_year"].status == "not_applicable"


def test_dq08_single_file_compares_only_the_year():
    """``juesuan check FILE``: no registry entry, so a stated name cannot be wrong (only the year part
    applies, and a single file is checked against the year it states)."""
    from tests.expectations.helpers import check

    assert check(fig("income_total", "1.00"), unit_name="重庆市江津区审计局")["DQ-08"].status == "pass"
    assert check(fig("income_total", "1.00"), unit_name="重庆市江津区审计局", year=None)["DQ-08"].status \
        == "not_applicable"


@pytest.mark.parametrize(
    ("required", "expected_status"),
    [([], "not_applicable"), (["T01"], "pass"), (["T01", "T02", "T09"], "fail")],
)
def test_dq01_judges_against_the_campaigns_required_tables(required, expected_status):
    from datetime import date

    from expectations import run_checks
    from tests.expectations.helpers import add_unit
    from warehouse.db import memory, run

    con = memory()
    run(con, "insert into meta.campaign values (2024, ?, ?, ?, ?)",
        [date(2025, 6, 1), date(2025, 9, 30), date(2025, 10, 31), required])
    add_unit(con, "U1", 2024, doc(fig("income_total", "1.00"), tables=("T01",)))
    results = {r.rule_id: r for r in run_checks(con, year=2024, run_id="t", engine="sql").results}
    dq01 = results["DQ-01"]
    assert dq01.status == expected_status
    if expected_status == "fail":
        assert dq01.severity == "error" and "T02" in dq01.message and "T09" in dq01.message
