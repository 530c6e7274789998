"""The hand-written XLSX of tasks/xlsx.py, read back with openpyxl: strings as xlsxwriter writes
them, whether a cell is made in Python or in DuckDB's SQL, and a streamed workbook's layout."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import xlsxwriter

from tasks import xlsx

TRICKY = ["=HYPERLINK(\"http://x\")", "+1", " leading", "trailing ", "bell\x07", "_x0041_", "<b>&amp;</b>",
          "tab\there\nnewline", "\ufffe", "x" * 40000]
# beyond the Basic Multilingual Plane a character takes two of a cell's 32 767 UTF-16 units
MORE = ["😀" * 16384, "a" + "😀" * 16383, "CR\r", "\x00\x1f" + "甲" * 11000, "''; drop table t; --", "\u3000全角",
        "尾\xa0", "\n", "_X00e9_"]
_SHEET = xlsx.Sheet("甲", (xlsx.Column(), xlsx.Column()))


def _xlsxwriter_column(path: Path, values: list[str], *, inline: bool) -> list[object]:
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
               "constant_memory": inline}  # constant_memory: inline strings, as the rules sheet holds them
    with xlsxwriter.Workbook(str(path), options) as book:
        ws = book.add_worksheet()
        for r, value in enumerate(values):
            ws.write_string(r, 0, value)
    return [row[0] for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]


def test_strings_read_back_as_xlsxwriter_wrote_them(tmp_path):
    """The hand-made workbook holds every string as xlsxwriter would: text, escaped the same way, cut
    at Excel's cell limit; shared strings in one column, inline ones in the other."""
    values = [*TRICKY, *MORE]
    strings = xlsx.SharedStrings(())
    rows = [xlsx.row(r, [*strings.cells([value]), *xlsx.inline_strings([value])]) for r, value in enumerate(values, 1)]
    ours = tmp_path / "ours.xlsx"
    ours.write_bytes(xlsx.zip_bytes((*xlsx.package([_SHEET], [], datetime.now(), shared_strings=True),
                                     xlsx.sheet_part(1, _SHEET, rows, len(values), deflate=False), strings.part())))
    assert zipfile.ZipFile(ours).testzip() is None
    got = openpyxl.load_workbook(ours)["甲"]
    assert all(c.data_type == "s" for r in got.iter_rows() for c in r)
    shared, inline = zip(*got.iter_rows(values_only=True), strict=True)
    assert list(shared) == _xlsxwriter_column(tmp_path / "shared.xlsx", values, inline=False)
    assert list(inline) == _xlsxwriter_column(tmp_path / "inline.xlsx", values, inline=True)


def test_a_workbook_on_a_zipped_base_is_the_workbook_zipped_at_once():
    """The parts feedback workbooks share are zipped once and each workbook's own are added to that
    base: the file must be the same, byte for byte, as zipping every part together."""
    shared = xlsx.package([_SHEET], [], datetime(2025, 3, 1, 8, 0), shared_strings=True)
    strings = xlsx.SharedStrings(())
    own = (xlsx.sheet_part(1, _SHEET, [xlsx.row(1, strings.cells(["甲单位"]))], 1, deflate=False), strings.part())
    on_base = xlsx.zip_bytes(own, base=xlsx.zip_bytes(shared))
    assert on_base == xlsx.zip_bytes((*shared, *own))
    assert zipfile.ZipFile(io.BytesIO(on_base)).namelist() == [p.name for p in (*shared, *own)]


def test_text_is_xlsxwriters_to_the_byte(tmp_path):
    values = [*TRICKY, *MORE]
    theirs = tmp_path / "theirs.xlsx"
    with xlsxwriter.Workbook(str(theirs), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False}) as book:
        ws = book.add_worksheet()
        for r, value in enumerate(values):
            ws.write_string(r, 0, value)
    shared = zipfile.ZipFile(theirs).read("xl/sharedStrings.xml").decode()
    assert re.findall("<si>(.*?)</si>", shared, re.DOTALL) == [xlsx.text(v) for v in values]


def test_sql_makes_the_cells_python_makes():
    con = duckdb.connect()
    con.execute("create table t (n integer, s varchar)")
    con.executemany("insert into t values (?, ?)", [*enumerate([*TRICKY, *MORE], 1), (0, None)])
    sql = xlsx.row_sql("n::varchar", [xlsx.cell_sql("text", "s"), xlsx.cell_sql("text", "s", 2)])
    with xlsx.sql_text(con):
        made = con.execute(f"select n, s, {sql} from t order by n").fetchall()
    assert [xml for _, _, xml in made] == [xlsx.row(n, [None, None] if s is None else
                                                    [*xlsx.inline_strings([s]), *xlsx.inline_strings([s], 2)])
                                           for n, s, _ in made]
    assert "xlsx_text" not in {f for (f,) in con.execute("select function_name from duckdb_functions()").fetchall()}


def test_a_streamed_workbook_reads_back_with_its_layout(tmp_path):
    con = duckdb.connect()
    con.execute("create table t as select * from (values (1, 1234.5::decimal(18, 2), true, 'a&b'), "
                "(2, null, false, null)) v(n, amount, flag, name)")
    styles = [xlsx.Style(bold=True, fill="FFE8EEF5", border=True, vertical="center", wrap=True),
              xlsx.Style(number_format=4), xlsx.Style(number_format="0.00##", vertical="top")]
    table = xlsx.Sheet("表（2）", (xlsx.Column(8), xlsx.Column(12, 2), xlsx.Column(), xlsx.Column(30)),
                       frozen_rows=1, filter_to=3)
    cells = [xlsx.cell_sql("number", "n"), xlsx.cell_sql("number", "amount", 2), xlsx.cell_sql("boolean", "flag"),
             xlsx.cell_sql("text", "name")]
    sql = f"select string_agg({xlsx.row_sql('(n + 1)::varchar', cells)}, '' order by n) from t"
    header = xlsx.row(1, xlsx.inline_strings(["编号", "金额", "是否", "名称"], 1))
    cover = [xlsx.row(1, [*xlsx.inline_strings(["年度"], 1), *xlsx.numbers([2024.0], 3)])]
    path = tmp_path / "book.xlsx"
    with xlsx.sql_text(con):
        xlsx.write(path, [(xlsx.Sheet("说明", (xlsx.Column(16), xlsx.Column(68))), 1, cover),
                          (table, 3, [header, con.execute(sql).fetchall()[0][0]])], styles, datetime.now())
    assert zipfile.ZipFile(path).testzip() is None
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "表（2）"] and book.active.title == "说明"
    assert book["说明"]["B1"].value == 2024 and book["说明"]["B1"].number_format == "0.00##"
    ws = book["表（2）"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["编号", "金额", "是否", "名称"], [1, 1234.5, True, "a&b"], [2, None, False, None]]
    assert ws["A1"].font.b and ws["A1"].alignment.wrap_text and ws["A1"].fill.fgColor.rgb == "FFE8EEF5"
    assert ws["B2"].number_format == "#,##0.00" and ws.column_dimensions["B"].width > 12
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3" and ws.dimensions == "A1:D3"
