"""Every labelled figure of every corpus file, exactly, and nothing the text does not state."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tasks.parse import parse_bytes, parse_text, to_json
from tests.parse.corpus import (
    BY_FILE,
    LABEL_DEFECTS,
    LABELS,
    SAMPLE,
    STATED_UNLABELLED,
    UNIT_NOT_EXTRACTED,
    label_values,
    read,
)

FILES = [entry["file"] for entry in LABELS]


@pytest.fixture(scope="module")
def docs():
    return {name: parse_text(read(name)) for name in FILES}


@pytest.mark.parametrize("name", FILES)
def test_every_label_exactly(docs, name):
    got = docs[name].values()
    expected = label_values(name)
    defects = LABEL_DEFECTS.get(name, {})
    for key, value in expected.items():
        if key in defects:
            continue
        assert key in got, f"{name}: {key} not extracted"
        assert got[key] == value, f"{name}: {key} = {got[key]}, label {value}"
        assert isinstance(got[key], Decimal)


@pytest.mark.parametrize("name", FILES)
def test_nothing_unstated(docs, name):
    doc = docs[name]
    supplement = STATED_UNLABELLED.get(name, {})
    allowed = (set(label_values(name)) - set(LABEL_DEFECTS.get(name, {}))) | set(supplement)
    assert set(doc.values()) == allowed
    first = {f.key: f for f in doc.figures if f.kind == "value"}
    for key, (value, words) in supplement.items():
        assert first[key].value == Decimal(value)
        assert words in first[key].snippet, (key, first[key].snippet)


@pytest.mark.parametrize("name", FILES)
def test_provenance_points_into_text(docs, name):
    doc = docs[name]
    for f in doc.figures:
        start, end = f.span
        assert 0 <= start < end <= len(doc.text)
        assert doc.text[start:end] == f.snippet
        assert f.source == "text"
        assert f.precision > 0


@pytest.mark.parametrize("name", FILES)
def test_unit_and_year(docs, name):
    doc, entry = docs[name], BY_FILE[name]
    assert doc.year == entry["year"]
    if entry["unit"] is None:
        return
    if name in UNIT_NOT_EXTRACTED:
        assert doc.unit_name is None
        return

    def core(s: str) -> str:
        return re.sub(r"\([^()]*\)|本级", "", s.replace("（", "(").replace("）", ")"))

    assert doc.unit_name is not None
    assert core(doc.unit_name) == core(entry["unit"])


def test_corpus_annotations_are_not_text(docs):
    for name in FILES:
        assert "# source:" not in docs[name].text
        assert "retrieved-excerpt" not in docs[name].text


def test_label_defects_are_really_absent(docs):
    for name, keys in LABEL_DEFECTS.items():
        for key in keys:
            assert key not in docs[name].values()


def test_sample_precision_and_measures(docs):
    figs = {f.key: f for f in docs[SAMPLE].figures if f.kind == "value"}
    assert figs["basic_share_pct"].precision == Decimal("0.01")
    assert figs["basic_share_pct"].measure == "pct"
    assert figs["income_total"].precision == Decimal("0.01")
    assert figs["reception_people"].precision == 1
    assert figs["reception_people"].measure == "count"
    assert figs["reception_per_capita_yuan"].measure == "yuan"
    assert figs["reception_per_capita_yuan"].value == Decimal("100.00")
    assert figs["reception_per_capita_yuan"].precision == Decimal("0.01")
    assert figs["official_reception"].snippet == "公务接待费0.17万元"
    assert figs["income_total"].snippet == "2024年度收入总计492.46万元"
    fig25 = {f.key: f for f in docs["25_sc_daying_wenlian_sangong_2015.txt"].figures if f.kind == "value"}
    assert fig25["official_reception"].precision == Decimal("0.001")
    fig29 = {f.key: f for f in docs["29_xx_hlx_unnamed_unit_sangong_2018.txt"].figures if f.kind == "value"}
    assert fig29["outbound_travel"].value == 0
    assert fig29["outbound_travel"].precision == 1


def test_sample_sections(docs):
    doc = docs[SAMPLE]
    ids = [s.section_id for s in doc.sections]
    for sid in (
        "overview",
        "income_expenditure",
        "fiscal_appropriation",
        "general_budget",
        "basic_expenditure",
        "gov_fund",
        "state_capital",
        "sangong",
        "meeting_training",
        "operating_expense",
        "assets",
        "procurement",
        "performance",
        "glossary",
        "contact",
    ):
        assert sid in ids, sid
    top = [s.title for s in doc.sections if s.level == 1]
    # the document's own numbering skips 六: reported as written, not repaired
    assert top == [
        "一、单位基本情况",
        "二、部门决算情况",
        "三、“三公”经费情况",
        "四、其他需要说明的事项",
        "五、预算绩效管理情况",
        "专业名词解释",
        "七、决算公开联系方式",
    ]
    for s in doc.sections:
        assert doc.text.startswith(s.title, s.span_start)


def test_glossary_and_toc_yield_no_figures(docs):
    doc = docs[SAMPLE]
    gloss = next(s for s in doc.sections if s.section_id == "glossary")
    contact = next(s for s in doc.sections if s.section_id == "contact")
    assert not [f for f in doc.figures if gloss.span_start <= f.span[0] < contact.span_start]
    toc = docs["11_hi_danzhou_shishi_shiyan_youeryuan_2024.txt"]
    assert not any(s.title.endswith(" 7") for s in toc.sections)


def test_narrative_only_documents_list_no_tables(docs):
    assert all(docs[name].tables == [] for name in FILES)


def test_sample_perf_project(docs):
    (p,) = docs[SAMPLE].perf_projects
    assert p.name == "推进数字重庆建设工作经费"
    assert p.total_score == Decimal("100.00")
    assert (p.initial_budget, p.adjusted_budget, p.executed) == (
        Decimal("0.00"),
        Decimal("60.47"),
        Decimal("60.47"),
    )
    assert (p.exec_rate_pct, p.exec_weight, p.exec_score) == (
        Decimal(100),
        Decimal("10.00"),
        Decimal("10.00"),
    )
    assert set(p.funds) == {"total", "fiscal"}
    assert len(p.indicators) == 7
    first = p.indicators[0]
    assert first.name == "参与数字重庆建设业务骨干培训人数"
    assert (first.measure_unit, first.operator, first.target, first.actual) == ("人次", "≥", 400, 420)
    assert (first.deviation_pct, first.weight, first.score) == (5, 10, 10)
    assert p.indicators[1].deviation_pct == Decimal("5.56")
    assert sum(i.score for i in p.indicators if i.score is not None) + p.exec_score == p.total_score


def test_pipe_flattened_perf_table():
    doc = parse_text(read("27_sc_qingshen_fagaiju_perf_table_2023.txt"))
    (p,) = doc.perf_projects
    assert p.name.endswith("工资性支出")
    assert p.funds["total"] == (Decimal("238.93"), Decimal("251.89"), Decimal("251.89"))
    assert p.funds["fiscal"] == (Decimal("238.93"), Decimal("251.89"), Decimal("251.89"))
    assert p.funds["other"] == (None, None, None)
    assert p.exec_rate_pct == Decimal("100.00")
    assert p.exec_weight == 10
    names = [
        (i.level1, i.level2, i.name, i.operator, i.target, i.measure_unit, i.weight) for i in p.indicators
    ]
    assert names == [
        ("产出指标", "数量指标", "发放(缴纳)覆盖率", "=", 100, "%", 60),
        ("效益指标", "社会效益指标", "足额保障率(参保率)", "=", 100, "%", 30),
    ]
    assert doc.values() == {}


def test_to_json_shape(docs):
    out = to_json(docs[SAMPLE])
    assert set(out) >= {
        "figures", "provenance", "changes", "conflicts", "unit_name", "year", "format", "encoding",
        "parser_version", "sections", "perf_projects", "tables", "warnings",
    }  # fmt: skip
    assert out["figures"]["income_total"] == 492.46
    assert out["figures"]["reception_people"] == 17
    prov = out["provenance"]["income_total"]
    assert prov["source"] == "text" and prov["snippet"] == "2024年度收入总计492.46万元"
    assert out["format"] == "text" and out["encoding"] is None
    assert out["perf_projects"][0]["indicators"][0]["target"] == 400
    out15 = to_json(docs["15_hi_danzhou_xunchaban_2024.txt"])
    assert out15["changes"]["income_total"] == {"change": -15.2, "change_pct": -0.16}
    import json

    json.dumps(out, ensure_ascii=False)


def test_parse_bytes_matches_parse_text():
    raw = read(SAMPLE)
    a, b = parse_text(raw), parse_bytes(raw.encode("utf-8"))
    assert a.values() == b.values()
    assert b.format == "text" and b.encoding == "utf-8"
