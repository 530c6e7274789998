"""Unit feedback (XLSX + HTML) and the bureau check report."""

from __future__ import annotations

import csv
import zipfile
from datetime import datetime

import openpyxl
import pytest

from expectations import run_checks, write_check_report, write_unit_feedback
from expectations.evidence import sentence_at
from expectations.feedback import Writer, chunks, safe_name
from tests.expectations.helpers import add_unit, doc, fig
from warehouse import db
from warehouse.db import memory

HOSTILE = '=HYPERLINK("http://x")<script>'

FAULTY = ("2024年度本年支出合计6374.17万元，其中：基本支出3698.29万元，占58.02%。"
          "其中：人员经费2940.41万元，主要用于保障在职人员工资福利。公用经费729.68万元，主要用于单位运转。")
CLEAN = "2024年度基本支出100.00万元。其中：人员经费60.00万元，公用经费40.00万元。"


def basic_doc(text: str, basic: str, personnel: str, public: str):
    def stated(key: str, label: str, value: str):
        snippet = f"{label}{value}万元"
        return fig(key, value, snippet=snippet, at=text.index(snippet))

    return doc(stated("basic_expenditure", "基本支出", basic), stated("personnel_expense", "人员经费", personnel),
               stated("public_expense", "公用经费", public), text=text,
               tables=tuple(f"T0{i}" for i in range(1, 10)))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    con = memory()
    add_unit(con, "JJ001", 2024, basic_doc(FAULTY, "3698.29", "2940.41", "729.68"), unit_type="行政")
    add_unit(con, "JJ002", 2024, basic_doc(CLEAN, "100.00", "60.00", "40.00"))
    db.run(con, "update core.unit set unit_name = $name where unit_code = 'JJ001'", {"name": HOSTILE})
    run_checks(con, year=2024, run_id="t", engine="sql")
    (out / "units").mkdir()
    for stale in ("JJ002.html", "JJ002.xlsx"):  # left by a run when JJ002 still had errors
        (out / "units" / stale).write_bytes(b"DQ-25 error")
    files = write_unit_feedback(con, 2024, out / "units")
    report = write_check_report(con, 2024, out)
    writer = Writer(out / "units", datetime.now())
    yield {"out": out, "files": files, "report": report,
           "units": [unit for chunk in chunks(con, 2024) for unit in writer.feedback(chunk)]}
    con.close()


def test_files_per_unit(reports):
    names = sorted(p.name for p in reports["files"])
    # a unit with something to act on gets its page and workbook; the clean unit is listed among
    # those that passed, and the page an earlier run gave it now says it passed
    assert names == ["JJ001.html", "JJ001.xlsx", "JJ002.html", "all-clear.list.html"]
    assert all(p.parent == reports["out"] / "units" for p in reports["files"])
    # a workbook of problems the unit no longer has is not left behind
    assert not (reports["out"] / "units" / "JJ002.xlsx").exists()


def test_clean_units_listed_as_all_clear(reports):
    listing = (reports["out"] / "units" / "all-clear.list.html").read_text(encoding="utf-8")
    assert 'id="all-clear"' in listing
    assert '<tr id="JJ002"><td>JJ002</td><td>JJ002</td><td class="p">全部通过</td>' in listing
    assert "JJ001" not in listing


def test_xlsx_has_rule_message_quote_numbers(reports):
    path = reports["out"] / "units" / "JJ001.xlsx"
    assert zipfile.ZipFile(path).testzip() is None
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["问题清单", "全部规则"]
    ws = book["问题清单"]
    rows = [[c for c in row] for row in ws.iter_rows(min_row=5, values_only=True)]
    dq25 = [r for r in rows if r[0] == "DQ-25"]
    assert dq25, rows
    quotes = {r[5] for r in dq25}
    assert "其中：人员经费2940.41万元，主要用于保障在职人员工资福利。" in quotes
    assert any("基本支出3698.29万元" in q for q in quotes)
    first = dq25[0]
    assert "基本支出" in first[4]
    assert (first[7], first[8], first[9]) == (3698.29, 3670.09, pytest.approx(28.2))
    assert "3670.09" in first[11] and first[12]  # how to pass, and the catalogue's fix hint
    # the hostile unit name stays text, never a formula
    assert ws["A1"].data_type == "s" and ws["A1"].value.startswith("=HYPERLINK")
    assert {r[0] for r in book["全部规则"].iter_rows(min_row=2, values_only=True)} >= {"DQ-25", "DQ-09"}
    assert ws["A4"].font.b and ws["E5"].alignment.wrap_text and ws["H5"].number_format == "0.00##"
    assert ws.freeze_panes == "A5" and ws.column_dimensions["F"].width > 60


def test_html_quotes_the_units_sentence(reports):
    html = (reports["out"] / "units" / "JJ001.html").read_text(encoding="utf-8")
    assert "JJ001" in html and "DQ-25" in html
    assert "其中：<mark>人员经费2940.41万元</mark>，主要用于保障在职人员工资福利。" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    clean = (reports["out"] / "units" / "JJ002.html").read_text(encoding="utf-8")
    assert 'id="all-clear"' in clean and 'id="all-clear"' not in html
    # every rule is listed on both pages, the clean unit's as passed or not applicable
    assert clean.count("<tr><td>DQ-") == html.count("<tr><td>DQ-") > 40
    assert "<td>未通过</td>" not in clean and "<td>未通过</td>" in html


def test_check_report_matrix_and_links(reports):
    html = reports["report"].read_text(encoding="utf-8")
    assert reports["report"].name == "check_report.html"
    for needle in ("JJ001", "JJ002", "DQ-25", "DQ-01", 'href="units/JJ001.html"', 'href="units/JJ001.xlsx"',
                   'href="units/all-clear.list.html#JJ002"', 'id="matrix"', 'id="n-errors">1<'):
        assert needle in html, needle
    assert "<script>" not in html
    # worst unit first in the matrix; a district's units are all there, so no "more units" note
    matrix = html.split('id="matrix"')[1]
    assert matrix.index("JJ001") < matrix.index("JJ002")
    assert 'id="matrix-more"' not in html and 'href="check_units.csv"' in html


def test_units_csv_lists_every_unit_with_its_conclusion(reports):
    with (reports["out"] / "check_units.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["单位代码"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"JJ001", "JJ002"}
    assert rows["JJ002"]["结论"] == "全部通过" and rows["JJ002"]["反馈表格"] == ""
    assert rows["JJ002"]["反馈网页"] == "units/all-clear.list.html#JJ002"
    assert rows["JJ001"]["结论"] == "有错误" and "DQ-25" in rows["JJ001"]["未通过规则"].split()
    # the hostile name cannot run as a formula when Excel opens the CSV
    assert rows["JJ001"]["单位名称"] == "'" + HOSTILE


def test_feedback_orders_errors_first(reports):
    unit = next(u for u in reports["units"] if u.unit_code == "JJ001")
    assert unit.errors == 1 and unit.issues[0].rule_id == "DQ-25"
    assert [v[0] for v in unit.verdicts] == sorted(v[0] for v in unit.verdicts)
    assert next(v for v in unit.verdicts if v[0] == "DQ-25")[2:] == ("error", "fail")


@pytest.mark.parametrize("code", ["../evil", "a/b", "", "CON", "单位", "x" * 200, ".hidden"])
def test_safe_name(code):
    name = safe_name(code)
    assert name and len(name) <= 80 and all(c.isalnum() and c.isascii() or c in "_-" for c in name)
    assert name.upper() != "CON"


def test_safe_name_keeps_plain_codes_and_separates_odd_ones():
    assert safe_name("JJ-001_a") == "JJ-001_a"
    assert safe_name("a/b") != safe_name("a_b") and safe_name("a/b") != safe_name("a?b")


def test_sentence_at_cuts_long_sentences():
    text = "前言。" + "甲" * 500 + "人员经费1万元" + "乙" * 500 + "。后记"
    start = text.index("人员经费")
    before, hit, after = sentence_at(text, (start, start + 7), limit=40)
    assert hit == "人员经费1万元" and before.startswith("…") and after.endswith("…")
    assert len(before) + len(after) <= 40
    assert sentence_at(text, (5, 10_000)) is None
