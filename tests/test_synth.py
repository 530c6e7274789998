"""The synthetic district: deterministic, internally consistent, faults break exactly their rule."""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tasks import synth
from tasks.synth import FAULT_FAMILIES, SyntheticUnit, make_district, render, render_text, write_district
from tasks.synth.names import plan_units

YEAR = 2024
CORPUS = Path(__file__).parent / "corpus"
SAMPLE = CORPUS / "00_cq_jiangjin_dsj_2024_full.txt"
CENT = Decimal("0.01")


def _q(x: Decimal, like: Decimal) -> Decimal:
    exponent = like.as_tuple().exponent
    assert isinstance(exponent, int)
    return x.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _gaps(u: SyntheticUnit) -> dict[str, Decimal]:
    """Per rule id, how far the stated figures miss the identity (0 when it holds)."""
    f = u.figures
    out: dict[str, Decimal] = {}
    out["DQ-10"] = max(
        abs(f["income_total"] - f["expenditure_total"]),
        abs(
            f["income_total"] - f["income_this_year"] - f["use_of_non_fiscal_balance"] - f["carry_over_begin"]
        ),
    )
    out["DQ-11"] = abs(f["expenditure_total"] - f["expenditure_this_year"] - f["carry_over_end"])
    out["DQ-09"] = abs(
        f["income_this_year"]
        - sum(
            (
                f[k]
                for k in (
                    "general_budget_income",
                    "gov_fund_income",
                    "state_capital_income",
                    "business_income",
                    "operating_income",
                    "other_income",
                )
            ),
            Decimal(0),
        )
    )
    out["fiscal"] = abs(
        f["fiscal_appropriation_income"]
        - f["general_budget_income"]
        - f["gov_fund_income"]
        - f["state_capital_income"]
    )
    out["DQ-16"] = abs(f["expenditure_this_year"] - f["basic_expenditure"] - f["project_expenditure"])
    out["DQ-25"] = abs(f["basic_expenditure"] - f["personnel_expense"] - f["public_expense"])
    out["DQ-29"] = abs(
        f["three_public_total"]
        - f["outbound_travel"]
        - f["vehicle_purchase"]
        - f["vehicle_operation"]
        - f["official_reception"]
    )
    out["DQ-34"] = max(Decimal(0), abs(f["basic_share_pct"] + f["project_share_pct"] - 100) - CENT)
    out["DQ-39"] = max(
        abs(f["basic_share_pct"] - _pct(f["basic_expenditure"], f["expenditure_this_year"])),
        abs(f["project_share_pct"] - _pct(f["project_expenditure"], f["expenditure_this_year"])),
    )
    dq35 = Decimal(0)
    if f["procurement_total"]:
        dq35 = abs(
            f["procurement_total"]
            - f["procurement_goods"]
            - f["procurement_works"]
            - f["procurement_services"]
        )
        dq35 = max(
            dq35,
            abs(f["sme_share_pct"] - _pct(f["sme_contract_amount"], f["procurement_total"])),
            abs(f["small_micro_share_pct"] - _pct(f["small_micro_contract_amount"], f["procurement_total"])),
        )
        assert f["small_micro_contract_amount"] <= f["sme_contract_amount"] <= f["procurement_total"]
    out["DQ-35"] = dq35
    bad31 = 0
    for amount, counts in (
        ("official_reception", ("reception_batches", "reception_people")),
        ("outbound_travel", ("outbound_groups", "outbound_people")),
        ("vehicle_purchase", ("vehicles_purchased",)),
        ("vehicle_operation", ("vehicles_held",)),
    ):
        c = [f[k] for k in counts]
        if f[amount] > 0:
            bad31 += c[0] < 1 or (len(c) == 2 and c[1] < c[0])
        else:
            bad31 += any(c)
    out["DQ-31"] = Decimal(bad31)
    people = f["reception_people"]
    out["DQ-32"] = (
        abs(f["reception_per_capita_yuan"] - _pct(f["official_reception"] * 100, people))
        if people
        else Decimal(0)
    )
    out["DQ-33"] = max(Decimal(0), f.get("operating_expense", Decimal(0)) - f["public_expense"])
    out["DQ-37"] = max(Decimal(0), f["vehicles_held"] - f["vehicles_count"])
    dq40 = Decimal(0)
    for key, (change, pct) in u.changes.items():
        prev = f[key] - change
        if prev == 0:
            dq40 = max(dq40, Decimal(pct is not None))
        else:
            assert pct is not None, key
            dq40 = max(dq40, abs(pct - _q(change * 100 / prev, pct)))
    out["DQ-40"] = dq40
    return out


@pytest.fixture(scope="module")
def district() -> list[SyntheticUnit]:
    # docx is slow to build (python-docx), so it has its own small test
    return make_district(
        120, seed=7, real_documents=[SAMPLE], formats=("text", "html"), encodings=synth.ENCODINGS
    )


@pytest.fixture(scope="module")
def faulty() -> list[SyntheticUnit]:
    return make_district(80, seed=3, fault_rate=1.0, missing_rate=0.0)


def test_deterministic_for_a_seed() -> None:
    a = make_district(40, seed=11, formats=("text", "html"), encodings=synth.ENCODINGS)
    b = make_district(40, seed=11, formats=("text", "html"), encodings=synth.ENCODINGS)
    assert a == b
    assert [render(u, YEAR) for u in a if u.fmt == "text"] == [render(u, YEAR) for u in b if u.fmt == "text"]
    c = make_district(40, seed=12)
    assert [u.figures for u in a] != [u.figures for u in c]


def test_default_district_shape() -> None:
    units = make_district()
    assert len(units) >= 30
    assert {u.unit_type for u in units} == {"行政", "参公", "事业"}
    assert any(u.parent_code for u in units)
    assert sum(not u.submits for u in units) >= 1
    assert sum(bool(u.faults) for u in units) >= 3
    assert all(u.unit_code.startswith("JJ") for u in units)
    assert {u.template for u in units} == set(synth.TEMPLATES)


def test_money_is_decimal_with_two_places(district: list[SyntheticUnit]) -> None:
    for u in district:
        for key, v in u.figures.items():
            assert isinstance(v, Decimal), key
            if key.endswith(("_count", "_batches", "_people", "_groups", "_held", "_purchased")):
                assert v == v.to_integral_value() and v >= 0, (u.unit_code, key)
            else:
                assert v.as_tuple().exponent == -2, (u.unit_code, key, v)


def test_identities_hold_on_fault_free_units(district: list[SyntheticUnit]) -> None:
    checked = 0
    for u in district:
        if u.faults or u.real_document is not None:
            continue
        for rule, gap in _gaps(u).items():
            allowed = CENT if rule in u.tails else Decimal(0)
            assert gap <= allowed, (u.unit_code, rule, gap)
        checked += 1
    assert checked > 80


def test_each_fault_family_breaks_exactly_its_rules(faulty: list[SyntheticUnit]) -> None:
    seen = set()
    for u in faulty:
        assert u.faults in FAULT_FAMILIES
        seen.add(u.faults)
        gaps = _gaps(u)
        for rule, gap in gaps.items():
            if rule in u.faults:
                assert gap > CENT, (u.unit_code, rule, gap)
            else:
                assert gap <= (CENT if rule in u.tails else 0), (u.unit_code, u.faults, rule, gap)
    assert seen == set(FAULT_FAMILIES)


def test_fault_sizes_are_clear(faulty: list[SyntheticUnit]) -> None:
    for u in faulty:
        g = _gaps(u)
        minimum = {
            "DQ-10": Decimal(50),
            "DQ-25": Decimal(1),
            "DQ-29": Decimal("0.5"),
            "DQ-34": Decimal("0.4"),
            "DQ-35": Decimal(1),
            "DQ-31": Decimal(1),
        }.get(u.faults[0])
        if minimum is not None:
            assert g[u.faults[0]] >= minimum, (u.unit_code, u.faults, g[u.faults[0]])


def test_fault_shows_in_the_text(faulty: list[SyntheticUnit]) -> None:
    for u in faulty:
        text = render_text(u, YEAR)
        f = u.figures
        if u.faults == ("DQ-10",):
            assert (
                f"收入总计{f['income_total']}万元" in text and f"支出总计{f['expenditure_total']}万元" in text
            )
        elif u.faults == ("DQ-31",):
            assert "国内公务接待0批次" in text
        elif u.faults == ("DQ-40",):
            change, pct = u.changes["expenditure_this_year"]
            assert pct is not None and f"{abs(pct)}%" in text and f"{abs(change)}万元" in text


def test_stated_figures_appear_in_text(district: list[SyntheticUnit]) -> None:
    for u in district[:40]:
        if u.real_document is not None:
            continue
        text = render_text(u, YEAR).translate(str.maketrans("(),:;", "（），：；"))
        for key in (
            "income_total",
            "income_this_year",
            "basic_expenditure",
            "personnel_expense",
            "three_public_total",
            "official_reception",
            "procurement_total",
            "perf_projects_funds",
        ):
            assert f"{u.figures[key]}万元" in text, (u.unit_code, key)
        assert f"{u.figures['basic_share_pct']}%" in text


def test_registry_files_and_truth(tmp_path: Path, district: list[SyntheticUnit]) -> None:
    csv_path = write_district(
        tmp_path, district, YEAR, source_template="http://127.0.0.1:8765/{year}/{unit_code}.{ext}"
    )
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["unit_code", "unit_name", "parent_code", "unit_type", "source", "contact_email"]
    codes = [r["unit_code"] for r in rows]
    assert len(set(codes)) == len(codes) == len(district)
    assert len({r["unit_name"] for r in rows}) == len(rows)
    seen: set[str] = set()
    for r in rows:
        assert not r["parent_code"] or r["parent_code"] in seen  # parents are listed first
        seen.add(r["unit_code"])
        assert r["unit_type"] in ("行政", "参公", "事业")
        assert "{year}" in r["source"] and "{unit_code}" in r["source"] and "{ext}" not in r["source"]
        assert "@" in r["contact_email"]
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))["units"]
    source = {r["unit_code"]: r["source"] for r in rows}
    for u in district:
        ext = source[u.unit_code].rsplit(".", 1)[1]
        path = tmp_path / "files" / str(YEAR) / f"{u.unit_code}.{ext}"
        assert path.exists() == u.submits, u.unit_code
        assert truth[u.unit_code]["submits"] == u.submits
        assert truth[u.unit_code]["faults"] == list(u.faults)
        assert {k: Decimal(v) for k, v in truth[u.unit_code]["figures"].items()} == u.figures
    real = [u for u in district if u.real_document is not None]
    assert len(real) == 1 and real[0].unit_name == "重庆市江津区大数据应用发展管理局"
    assert (tmp_path / "files" / str(YEAR) / f"{real[0].unit_code}.txt").read_bytes() == SAMPLE.read_bytes()


def test_fixed_extension_template(tmp_path: Path) -> None:
    units = make_district(12, seed=2, formats=("text", "html"), missing_rate=0)
    write_district(
        tmp_path, units, YEAR, source_template=str(tmp_path / "files" / "{year}" / "{unit_code}.txt")
    )
    assert sorted(p.name for p in (tmp_path / "files" / str(YEAR)).iterdir()) == sorted(
        f"{u.unit_code}.txt" for u in units
    )


@pytest.mark.parametrize("encoding", synth.ENCODINGS)
def test_encodings_round_trip(encoding: str) -> None:
    for u in make_district(12, seed=5, encodings=(encoding,)):
        assert u.encoding == encoding
        data = render(u, YEAR)
        assert data.decode(encoding) == render_text(u, YEAR)
        if encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        if encoding == "utf-16":
            assert data[:2] in (b"\xff\xfe", b"\xfe\xff")


def test_html_page(district: list[SyntheticUnit]) -> None:
    u = next(x for x in district if x.fmt == "html" and x.perf_projects)
    page = render(u, YEAR).decode(u.encoding)
    assert page.startswith("<!DOCTYPE html>")
    for chrome in ("当前位置", "发布日期", "【打印】", "【关闭】", "<table"):
        assert chrome in page
    assert f"{u.figures['income_total']}万元" in page.replace("(", "（")


def test_docx_document() -> None:
    import docx

    u = next(
        x for x in make_district(30, seed=4, formats=("docx",), encodings=("gb18030",)) if x.perf_projects
    )
    assert u.encoding == "utf-8"
    doc = docx.Document(io.BytesIO(render(u, YEAR)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert u.unit_name in text and f"{u.figures['expenditure_this_year']}万元" in text.replace("(", "（")
    assert doc.tables and doc.tables[0].cell(0, 1).text == u.perf_projects[0].name


def test_perf_tables_are_consistent(district: list[SyntheticUnit]) -> None:
    units = [u for u in district if u.perf_projects]
    assert units
    for u in units:
        assert sum((p.executed for p in u.perf_projects), Decimal(0)) == u.figures["perf_projects_funds"]
        assert len(u.perf_projects) == u.figures["perf_projects_count"]
        for p in u.perf_projects:
            assert p.exec_rate_pct == _pct(p.executed, p.adjusted_budget)
            assert p.total_score == p.exec_score + sum(i.score for i in p.indicators)
            assert p.exec_weight + sum(i.weight for i in p.indicators) == 100
        text = render_text(u, YEAR)
        assert "\t" + u.perf_projects[0].name in text


def test_missing_and_sizes() -> None:
    units = make_district(50, seed=1, missing_rate=0.2, fault_rate=0.0)
    assert sum(not u.submits for u in units) == 10
    assert not any(u.faults for u in units)
    assert make_district(1)[0].parent_code is None
    assert make_district(0) == []


def test_names_stay_unique_at_scale() -> None:
    plan = list(plan_units(20000))
    names = [p[0] for p in plan]
    assert len(set(names)) == len(names)
    assert all(parent is None or parent < i for i, (_, parent, _, _) in enumerate(plan))


def test_rejects_unknown_format() -> None:
    with pytest.raises(ValueError):
        make_district(3, formats=("rtf",))


def test_real_document_takes_over_a_planned_unit() -> None:
    xihu = CORPUS / "01_cq_jiangjin_xihuzhen_2024.txt"
    units = make_district(80, real_documents=[xihu, SAMPLE])
    assert len(units) == 81  # 西湖镇 is in the plan; the 大数据局 is not
    real = {u.unit_name: u for u in units if u.real_document is not None}
    assert set(real) == {"重庆市江津区西湖镇人民政府", "重庆市江津区大数据应用发展管理局"}
    assert render(real["重庆市江津区西湖镇人民政府"], YEAR) == xihu.read_bytes()
    assert all(u.submits and not u.faults and not u.figures for u in real.values())
    assert len({u.unit_name for u in units}) == len(units)
