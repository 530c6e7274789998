"""The marts over the generated district (conftest.py), asserted to the cent with Decimals."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from tests.publish.conftest import FIGURES_2023, FIGURES_2024, UNITS, District, build_district
from warehouse import db

D = Decimal
CENT = D("0.01")
PUBLISHED_2024 = ["EDU", "EDU1", "EDU2", "EDU21", "HLT"]


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    rel = con.sql(sql, params=params or [])
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_sum(key: str, units: list[str], figures: dict = FIGURES_2024) -> Decimal:
    return sum((cents(figures[u][key]) for u in units if key in figures[u]), D(0))


def pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def test_every_mart_builds_and_has_a_year_column(con):
    names = [r[0] for r in con.sql("select view_name from duckdb_views() where schema_name = 'marts'").fetchall()]
    for name in ("unit_status", "unit_figures", "rank_expenditure", "rank_three_public", "rank_yoy_change",
                 "district_summary", "parent_rollup", "yoy_comparison", "perf_overview", "exclusions"):
        assert name in names
        assert "year" in con.sql(f"select * from marts.{name}").columns


def test_unit_status_classifies_every_registered_unit(district: District):
    status = {r["unit_code"]: r for r in rows(district.con, "select * from marts.unit_status where year = 2024")}
    assert set(status) == {code for code, *_ in UNITS}
    assert status["CUL"]["status"] == "missing"
    assert status["AGR"]["status"] == "parse_failed"
    assert status["HLT1"]["status"] == "submitted"
    assert (status["HLT1"]["errors"], status["HLT1"]["failed_rules"]) == (2, "DQ-03, DQ-07")
    assert status["HLT"]["warnings"] == 1 and not status["HLT"]["excluded"]
    assert status["EDU"]["waived"] == 1 and not status["EDU"]["excluded"]
    assert sorted(c for c, r in status.items() if not r["excluded"]) == PUBLISHED_2024
    assert {c: r["reason_code"] for c, r in status.items() if r["excluded"]} == {
        "CUL": "missing", "AGR": "parse_failed", "HLT1": "dq_error"}


def test_exclusions_list_the_reason_and_failed_rules(district: District):
    excl = {r["unit_code"]: r for r in rows(district.con, "select * from marts.exclusions where year = 2024")}
    assert set(excl) == {"CUL", "AGR", "HLT1"}
    assert "DQ-03" in excl["HLT1"]["reason"] and "支出总计≠基本支出+项目支出" in excl["HLT1"]["reason"]
    assert excl["HLT1"]["failed_rules"] == "DQ-03, DQ-07"
    assert excl["AGR"]["reason"] == "文件无法解析：无法识别的文件格式"
    assert excl["CUL"]["reason"] == "未提交决算公开文件"


def test_district_summary_totals_to_the_cent_without_excluded_units(district: District):
    (s,) = rows(district.con, "select * from marts.district_summary where year = 2024")
    assert (s["units_registered"], s["units_submitted"], s["units_published"], s["units_excluded"]) == (8, 7, 5, 3)
    assert s["expenditure_total"] == D("4810.97")  # 1200.50 + 530.10 + 480.37 + 100.00 (99.999) + 2500.00
    assert s["three_public_total"] == D("55.85")
    for key in ("income_total", "expenditure_total", "basic_expenditure", "project_expenditure",
                "three_public_total", "outbound_travel", "vehicle_purchase", "vehicle_operation",
                "official_reception", "meeting_fee", "training_fee", "operating_expense", "procurement_total",
                "procurement_goods", "procurement_works", "procurement_services", "sme_contract_amount",
                "fiscal_appropriation_income", "general_budget_income", "gov_fund_income", "carry_over_end"):
        assert s[key] == expected_sum(key, PUBLISHED_2024), key
        assert isinstance(s[key], Decimal)
    # HLT1 (excluded, 9999.99) is nowhere in the totals
    with_hlt1 = expected_sum("expenditure_total", [*PUBLISHED_2024, "HLT1"])
    assert s["expenditure_total"] != with_hlt1
    assert s["basic_share_pct"] == pct(s["basic_expenditure"], s["basic_expenditure"] + s["project_expenditure"])
    assert s["basic_share_pct"] + s["project_share_pct"] == D("100.00")
    assert s["sme_share_pct"] == D("75.00")
    assert s["state_capital_income"] is None  # nobody states it: unknown, not zero


def test_unit_figures_hold_only_published_units_rounded_to_the_cent(district: District):
    figs = {r["unit_code"]: r for r in rows(district.con, "select * from marts.unit_figures where year = 2024")}
    assert sorted(figs) == PUBLISHED_2024
    assert figs["EDU21"]["expenditure_total"] == D("100.00")  # stated 99.999
    assert figs["EDU21"]["project_expenditure"] == D("10.00")  # stated 9.995: half away from zero
    assert figs["EDU2"]["parent_code"] == "EDU" and figs["EDU2"]["unit_type"] == "事业单位"
    types = dict(zip(district.con.sql("select * from marts.unit_figures").columns,
                     [str(t) for t in district.con.sql("select * from marts.unit_figures").types], strict=True))
    assert types["expenditure_total"] == "DECIMAL(18,2)"


def test_rankings(district: District):
    exp = rows(district.con, "select * from marts.rank_expenditure where year = 2024 order by rank")
    assert [r["unit_code"] for r in exp] == ["HLT", "EDU", "EDU1", "EDU2", "EDU21"]
    assert exp[0]["share_pct"] == pct(D("2500.00"), D("4810.97"))
    three = rows(district.con, "select * from marts.rank_three_public where year = 2024 order by rank")
    assert [r["unit_code"] for r in three][:2] == ["HLT", "EDU"]
    assert three[0]["three_public_total"] == D("49.00")
    for r in three:  # each share rounded on its own, so they need not add to exactly 100.00
        assert r["share_pct"] == pct(r["three_public_total"], D("55.85"))
    yoy = rows(district.con, "select * from marts.rank_yoy_change where year = 2024 order by rank")
    assert [(r["unit_code"], r["change"]) for r in yoy] == [
        ("EDU", D("100.50")), ("HLT", D("100.00")), ("EDU2", D("-39.63")), ("EDU1", D("30.10"))]
    assert yoy[2]["change_pct"] == D("-7.62")  # -39.63 / 520.00


def test_parent_rollup_includes_self_and_all_descendants(district: District):
    roll = {r["unit_code"]: r for r in rows(district.con, "select * from marts.parent_rollup where year = 2024")}
    edu = roll["EDU"]
    assert (edu["depth"], edu["descendants"], edu["units_in_scope"], edu["units_published"]) == (0, 3, 4, 4)
    assert edu["expenditure_total"] == expected_sum("expenditure_total", ["EDU", "EDU1", "EDU2", "EDU21"])
    assert edu["expenditure_total"] == D("2310.97")
    assert roll["EDU2"]["expenditure_total"] == D("580.37")  # itself + its branch school (grandchild of EDU)
    assert roll["EDU21"]["depth"] == 2
    hlt = roll["HLT"]
    assert (hlt["units_published"], hlt["units_excluded"], hlt["expenditure_total"]) == (1, 1, D("2500.00"))
    assert roll["HLT1"]["expenditure_total"] is None
    roots = [r for r in roll.values() if r["parent_code"] is None]
    (s,) = rows(district.con, "select expenditure_total from marts.district_summary where year = 2024")
    assert sum((r["expenditure_total"] or D(0)) for r in roots) == s["expenditure_total"]


def test_parent_rollup_survives_a_cycle_in_the_registry(con):
    d = District(con)
    d.unit("A", "甲", "B")
    d.unit("B", "乙", "A")
    d.submit("A", 2024, {"expenditure_total": D("1.00")})
    d.submit("B", 2024, {"expenditure_total": D("2.00")})
    roll = {r["unit_code"]: r for r in rows(con, "select * from marts.parent_rollup")}
    assert roll["A"]["expenditure_total"] == roll["B"]["expenditure_total"] == D("3.00")


def test_yoy_per_unit_and_over_comparable_units(district: District):
    unit = {(r["unit_code"], r["metric"]): r for r in rows(
        district.con, "select * from marts.yoy_comparison where year = 2024 and scope = 'unit'")}
    edu = unit[("EDU", "expenditure_total")]
    assert (edu["prev_amount"], edu["amount"], edu["change"], edu["change_pct"]) == (
        D("1100.00"), D("1200.50"), D("100.50"), D("9.14"))
    # no baseline: EDU21 was missing in 2023, HLT1 excluded in 2024, CUL missing in 2024
    assert {c for c, _ in unit} == {"EDU", "EDU1", "EDU2", "HLT"}
    (dist,) = rows(district.con, "select * from marts.yoy_comparison "
                                 "where year = 2024 and scope = 'district' and metric = 'expenditure_total'")
    comparable = ["EDU", "EDU1", "EDU2", "HLT"]
    assert dist["prev_amount"] == expected_sum("expenditure_total", comparable, FIGURES_2023) == D("4520.00")
    assert dist["amount"] == expected_sum("expenditure_total", comparable) == D("4710.97")
    assert dist["units_compared"] == 4
    # 190.97 / 4520 is exactly 4.225 %: exact DECIMAL rounds it up, a double would give 4.22
    assert dist["change_pct"] == D("4.23")


def test_yoy_is_empty_with_one_year(con):
    build_district(con, years=(2024,))
    assert rows(con, "select * from marts.yoy_comparison") == []
    assert rows(con, "select * from marts.rank_yoy_change") == []


def test_perf_overview_counts_published_units_and_grades_by_score_band(district: District):
    (p,) = rows(district.con, "select * from marts.perf_overview where year = 2024")
    assert (p["units_with_projects"], p["projects"]) == (2, 5)  # HLT1's project is excluded with HLT1
    assert p["adjusted_budget"] == D("98.47") and p["executed"] == D("92.00")
    assert p["exec_rate_pct"] == pct(D("92.00"), D("98.47")) == D("93.43")
    assert p["avg_score"] == D("81.48")  # 407.39 / 5 = 81.478
    assert (p["grade_excellent"], p["grade_good"], p["grade_fair"], p["grade_poor"]) == (2, 1, 1, 1)
    assert (p["min_score"], p["max_score"]) == (D("59.90"), D("95.50"))


def test_a_corrected_resubmission_clears_old_errors(district: District):
    values = dict(FIGURES_2024["HLT1"], expenditure_total=D("9999.99"))
    district.submit("HLT1", 2024, values, version=2)
    (s,) = rows(district.con, "select * from marts.unit_status where year = 2024 and unit_code = 'HLT1'")
    assert (s["errors"], s["excluded"], s["submission_version"]) == (0, False, 2)


def test_an_unchecked_document_is_held_back(con):
    d = District(con)
    d.unit("X", "某单位")
    d.submit("X", 2024, {"expenditure_total": D("5.00")}, checked=False)
    (s,) = rows(con, "select * from marts.unit_status")
    assert (s["excluded"], s["reason_code"]) == (True, "not_validated")
    assert rows(con, "select * from marts.unit_figures") == []


def test_marts_refresh_on_reopen(tmp_path):
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    con = db.connect(path)
    build_district(con)
    assert rows(con, "select count(*) as n from marts.unit_figures")[0]["n"] == 5
    con.close()


def scanned(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """The warehouse tables a query's plan reads."""
    (_, plan), = con.execute(f"explain (format json) {sql}").fetchall()
    found: set[str] = set()

    def walk(node: dict) -> None:
        table = node.get("extra_info", {}).get("Table")
        if table:
            found.add(table.split(".", 1)[1])  # drop the catalog
        for child in node.get("children", []):
            walk(child)

    for node in json.loads(plan):
        walk(node)
    return found


def test_the_publication_inputs_digest_reads_every_table_the_marts_read(district: District):
    district.con.execute("insert into dq.waiver values ('HLT', 2024, 'DQ-20', '已说明', 'bureau', current_timestamp)")
    marts = [r[0] for r in district.con.sql(
        "select view_name from duckdb_views() where schema_name = 'marts' and view_name <> 'publication_inputs'"
    ).fetchall()]
    read = set().union(*(scanned(district.con, f"select * from marts.{m} where year = 2024") for m in marts))
    assert {"core.unit", "staging.document_value", "dq.result", "dq.waiver"} <= read
    assert read <= scanned(district.con, "select * from marts.publication_inputs")


def test_the_publication_inputs_digest_ignores_what_a_rerun_rewrites(district: District):
    digest = "select digest from marts.publication_inputs"
    before = district.con.sql(digest).fetchall()
    district.con.execute("update dq.result set run_id = 'another run'")
    district.con.execute("insert into raw.fetch_attempt (run_id, unit_code, year, url, started_at, outcome) "
                         "values ('r2', 'EDU', 2024, 'u', current_timestamp, 'not_modified')")
    assert district.con.sql(digest).fetchall() == before
    district.con.execute("update staging.document_value set meeting_fee = meeting_fee + 1")
    assert district.con.sql(digest).fetchall() != before
