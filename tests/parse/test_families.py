"""Wording families the documents use for the same figure, and year-over-year statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tasks.parse import parse_text, to_json
from tests.parse.corpus import read

D = Decimal


def kinds(text: str, key: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for f in parse_text(text).figures:
        if f.key == key:
            out.setdefault(f.kind, f.value)
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年度收入总计100.5万元,支出总计100.5万元。", {"income_total": D("100.5"), "expenditure_total": D("100.5")}),
        ("2024年度收入、支出总计均为241.78万元。", {"income_total": D("241.78"), "expenditure_total": D("241.78")}),
        ("2024年度收、支总计3.5万元。", {"income_total": D("3.5"), "expenditure_total": D("3.5")}),
        ("本单位2023年度总支出 125.08 万元,其中本年\n支出 116.12 万元。", {"expenditure_total": D("125.08")}),
        ("2024年度本年收入合计80万元。", {"income_this_year": D(80)}),
        ("2024年度本年支出合计80万元。", {"expenditure_this_year": D(80)}),
        ("因公出国(境)费0.94万元。", {"outbound_travel": D("0.94")}),
        ("因公出国（境）费用1.00万元。", {"outbound_travel": D("1.00")}),
        ("因公出国(境)经费2万元。", {"outbound_travel": D(2)}),
        ("其中:因公出国(境)支出0万元;公务用车购置支出0万元。", {"outbound_travel": D(0), "vehicle_purchase": D(0)}),
        ("公务车运行维护费3万元,公务用车运行费4万元。", {"vehicle_operation": D(3)}),
        ("公务用车购置及运行费支出决算3.98万元。", {}),
        ("公务用车购置及运行维护费33.13万元。", {}),
        ("公务接待费支出决算为12,345元。", {"official_reception": D("1.2345")}),
        ("“三公”经费支出1.2亿元。", {"three_public_total": D(12000)}),
        ("人均接待费85.5元。", {"reception_per_capita_yuan": D("85.5")}),
        ("2024年度财政拨款收入918.16万元,支出918.16万元。", {"fiscal_appropriation_income": D("918.16")}),
        ("2024年度财政拨款收入总计492.46万元，支出总计492.46万元。", {"fiscal_appropriation_income": D("492.46")}),
        ("车均购置费0.00万元,车均维护费0.00万元。", {}),
        ("会议费、培训费合计3万元。", {}),
        ("2024年度年末一般公共预算财政拨款结转和结余0.00万元。", {}),
        ("年末结转和结余5.00万元。", {"carry_over_end": D("5.00")}),
        ("截至2024年12月31日,本单位共有车辆3辆,单价100万元(含)以上设备2台。", {"vehicles_count": D(3), "large_equipment_count": D(2)}),
        ("因公出国(境)共计3个团组,12人;公务用车购置1辆,公务用车保有量为4辆;国内公务接待20批次150人,其中:国(境)外公务接待2批次,9人。",
         {"outbound_groups": D(3), "outbound_people": D(12), "vehicles_purchased": D(1), "vehicles_held": D(4),
          "reception_batches": D(20), "reception_people": D(150)}),
    ],
)  # fmt: skip
def test_wording_family(text, expected):
    assert parse_text(text).values() == expected


def test_amount_units_keep_precision():
    (f,) = parse_text("公务接待费支出决算为12,345元。").figures
    assert f.value == D("1.2345") and f.precision == D("0.0001")
    (g,) = parse_text("“三公”经费支出1.2亿元。").figures
    assert g.value == D(12000) and g.precision == D(1000)


def test_full_width_and_spaced_pdf_text():
    text = "（二）本单位 2023 年度总支出 125.08 万元，较 2022 年度决算数增\n加 19.68 万元，增长\n 18.7％。"
    got = kinds(text, "expenditure_total")
    assert got == {"value": D("125.08"), "change": D("19.68"), "change_pct": D("18.7")}


def test_line_break_inside_label_and_unit():
    doc = parse_text("公务用车购\n置支出0万元。\n公务接待费支出决算 1.5万\n元。")
    assert doc.values() == {"vehicle_purchase": D(0), "official_reception": D("1.5")}


def test_year_over_year_both_totals():
    text = read("03_cq_changshou_honghuzhen_2024.txt")
    for key in ("income_total", "expenditure_total"):
        got = kinds(text, key)
        assert got["change"] == D("-419.79") and got["change_pct"] == D("-10.6")


def test_each_decreased_applies_to_both():
    text = read("15_hi_danzhou_xunchaban_2024.txt")
    for key in ("income_total", "expenditure_total"):
        got = kinds(text, key)
        assert (got["change"], got["change_pct"]) == (D("-15.2"), D("-0.16"))
    assert kinds(text, "fiscal_appropriation_income")["change"] == D("-15.2")


def test_base_zero_gives_no_change_pct_and_budget_completion():
    text = read("07_sz_luohu_qingshuihe_sangong_2024.txt")
    out = kinds(text, "outbound_travel")
    assert out["change"] == D("0.94") and "change_pct" not in out
    tot = kinds(text, "three_public_total")
    assert (tot["budget"], tot["budget_pct"]) == (D("50.74"), D("67.2"))
    assert (tot["change"], tot["change_pct"]) == (D("-1.55"), D("-4.4"))


def test_only_last_year_is_year_over_year():
    text = read("13_gd_caizhengting_sangong_2023.txt")
    changes = [
        f for f in parse_text(text).figures if f.key == "three_public_total" and f.kind.startswith("change")
    ]
    assert [f.value for f in changes] == [D("38.97"), D("168.7")]  # not "比2019年…减少24.87万元"
    assert kinds(text, "official_reception")["change_pct"] == D("1055.4")
    assert parse_text("公务接待费10万元,比预算增加2万元。").values() == {"official_reception": D(10)}
    assert "change" not in kinds("公务接待费10万元,比预算增加2万元。", "official_reception")


def test_stated_previous_value():
    got = kinds(read("29_xx_hlx_unnamed_unit_sangong_2018.txt"), "three_public_total")
    assert (got["prev"], got["change"], got["change_pct"]) == (D("2.08"), D("-0.03"), D("-1.44"))
    assert got["budget"] == D("2.95")


def test_change_in_the_next_sentence_continues_its_subject():
    got = kinds(
        "年初结转和结余8.02万元,为以前年度结转资金。较上年增加0.78万元,增长10.8%。", "carry_over_begin"
    )
    assert got == {"value": D("8.02"), "change": D("0.78"), "change_pct": D("10.8")}


def test_ambiguous_direction_is_not_guessed():
    assert "change" not in kinds("结余5万元,较上年增加(减少)3万元。", "carry_over_end")
    assert kinds("年末结转结余0.00万元,较2023年度决算数增加(减少)0万元。", "carry_over_end")["change"] == 0


def test_conflicting_statements_are_both_kept():
    doc = parse_text("2024年度基本支出881300.39元。\n四、基本支出\n2024年度基本支出91.10万元。")
    values = [f.value for f in doc.figures if f.key == "basic_expenditure"]
    assert values == [D("88.130039"), D("91.10")]
    assert doc.values()["basic_expenditure"] == D("88.130039")
    assert [f.value for f in doc.conflicts()["basic_expenditure"]] == values
    assert to_json(doc)["conflicts"] == {"basic_expenditure": [88.130039, 91.1]}


def test_repeated_equal_statements_are_no_conflict():
    assert parse_text(read("07_sz_luohu_qingshuihe_sangong_2024.txt")).conflicts() == {}


def test_glossary_definitions_are_not_figures():
    text = "专业名词解释\n(一)基本支出:指为保障机构正常运转发生的支出,标准为3万元。\n七、联系方式\n"
    assert parse_text(text).values() == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a sentence opened by one fund's figure states that fund's balance, not the unit's
        ("2024年度一般公共预算财政拨款收入120.00万元，支出118.00万元，年末结转和结余2.00万元。", {}),
        ("2024年度政府性基金预算财政拨款收入5.00万元，支出5.00万元，年末结转和结余0.00万元。", {}),
        ("2024年度财政拨款收入、支出总计均为130.00万元，年初结转和结余10.00万元。", {}),
        # the unit's own balances, also after a fund's figure inside a unit-wide sentence
        ("年末结转和结余3.00万元。", {"carry_over_end": D("3.00")}),
        (
            "2024年度收入总计130.00万元，其中：一般公共预算财政拨款收入120.00万元，年初结转和结余10.00万元。",
            {"carry_over_begin": D("10.00")},
        ),
    ],
)
def test_carry_over_of_one_fund_is_not_the_units(text, expected):
    got = {k: v for k, v in parse_text(text).values().items() if k.startswith("carry_over")}
    assert got == expected
