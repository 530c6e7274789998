"""publish() and diff_publications() over the generated district: versions, files, hashes, round trips."""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tasks import publish as publish_module
from tasks import publish_formats as fmt
from tasks import report_html
from tasks.publish import PublishError, diff_publications, publish, verify, workbook_name
from tests.publish.conftest import FIGURES_2024, District

D = Decimal


def run(district: District, out_root: Path, year: int = 2024):
    return publish(district.con, year, out_root, rules_version="rules-7", parser_version="parser-3")


def mart(district: District, name: str, year: int = 2024) -> pl.DataFrame:
    table = next(t for t in fmt.TABLES if t.name == name)
    return district.con.sql(f"select * from marts.{name} where year = ? order by {table.order_by}",
                            params=[year]).pl()


def test_publication_layout_and_record(district: District, out_root: Path):
    pub = run(district, out_root)
    assert (pub.year, pub.version, pub.path) == (2024, 1, out_root / "2024" / "1")
    assert (pub.units_published, pub.units_excluded) == (5, 3)
    for t in fmt.TABLES:
        assert (pub.path / f"{t.name}.csv").is_file() and (pub.path / f"{t.name}.parquet").is_file()
    for name in (workbook_name(2024, 1), "report.html", "datapackage.json", "manifest.json"):
        assert (pub.path / name).is_file()
    assert sorted(p.name for p in pub.path.iterdir()) == sorted(pub.files)
    assert not [p for p in (out_root / "2024").iterdir() if p.name.startswith(".")]  # no build leftovers
    row = district.con.sql("select * from meta.publication").fetchall()
    assert len(row) == 1
    year, version, path, _created, manifest_sha, published, excluded = row[0]
    assert (year, version, Path(path), published, excluded) == (2024, 1, pub.path.resolve(), 5, 3)
    assert manifest_sha == hashlib.sha256(pub.manifest_path.read_bytes()).hexdigest()


def test_second_publish_is_version_2_and_leaves_version_1_untouched(district: District, out_root: Path):
    first = run(district, out_root)
    before = {p.name: p.read_bytes() for p in first.path.iterdir()}
    second = publish(district.con, 2024, out_root, rules_version="rules-8", parser_version="parser-3")
    assert second.version == 2 and second.path == out_root / "2024" / "2" and second.new
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == before
    assert verify(first.path) == [] and verify(second.path) == []
    assert [v for (v,) in district.con.sql("select version from meta.publication order by 1").fetchall()] == [1, 2]


def test_an_unchanged_publication_is_not_written_again(district: District, out_root: Path):
    first = run(district, out_root)
    again = run(district, out_root)
    assert (again.version, again.path, again.new) == (1, first.path, False)
    assert sorted(p.name for p in (out_root / "2024").iterdir()) == ["1"]
    assert district.con.sql("select count(*) from meta.publication").fetchall() == [(1,)]


def test_a_stray_folder_is_never_overwritten(district: District, out_root: Path):
    stray = out_root / "2024" / "1"
    stray.mkdir(parents=True)
    (stray / "keep.txt").write_text("earlier work")
    pub = run(district, out_root)
    assert pub.version == 2
    assert (stray / "keep.txt").read_text() == "earlier work"


def test_nothing_to_publish_is_an_error(con, out_root: Path):
    with pytest.raises(PublishError, match="nothing to publish for 2030"):
        publish(con, 2030, out_root, rules_version="r", parser_version="p")


def test_a_year_with_every_unit_excluded_still_publishes_its_exclusions(con, out_root: Path):
    d = District(con)
    d.unit("X", "某单位")
    d.submit("X", 2024, FIGURES_2024["EDU"])
    d.result("X", 2024, "DQ-03", "error", "fail", message="不平衡")
    d.missing("X", 2023)
    pub = publish(con, 2024, out_root, rules_version="r", parser_version="p")
    assert (pub.units_published, pub.units_excluded) == (0, 1)
    assert pl.read_parquet(pub.path / "unit_figures.parquet").height == 0
    html = HTMLParser((pub.path / "report.html").read_text(encoding="utf-8"))
    assert html.css_first("#total-expenditure_total").attributes["data-total"] == ""
    assert "不平衡" in html.css_first("#table-exclusions").text()


def test_csv_round_trips_with_bom_and_chinese_headers(district: District, out_root: Path):
    pub = run(district, out_root)
    for t in fmt.TABLES:
        raw = (pub.path / f"{t.name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), t.name
        expected = mart(district, t.name)
        money = {c: pl.Decimal(18, 2) for c, dt in expected.schema.items() if dt == pl.Decimal(18, 2)}
        back = pl.read_csv(pub.path / f"{t.name}.csv",
                           schema_overrides={fmt.label(c): dt for c, dt in money.items()})
        assert back.columns == [fmt.label(c) for c in expected.columns], t.name
        assert back.height == expected.height
        for c in money:
            assert back.get_column(fmt.label(c)).to_list() == expected.get_column(c).to_list(), (t.name, c)
    figures = pl.read_csv(pub.path / "unit_figures.csv", schema_overrides={"支出总计": pl.Decimal(18, 2)})
    assert "单位名称" in figures.columns and "第二中学分校" in figures.get_column("单位名称").to_list()
    excl = pl.read_csv(pub.path / "exclusions.csv")
    assert "未提交决算公开文件" in excl.get_column("未纳入原因").to_list()


def test_parquet_keeps_machine_names_and_decimals(district: District, out_root: Path):
    pub = run(district, out_root)
    back = pl.read_parquet(pub.path / "district_summary.parquet")
    assert back.schema["expenditure_total"] == pl.Decimal(18, 2)
    assert back.row(0, named=True)["expenditure_total"] == D("4810.97")
    assert back.equals(mart(district, "district_summary"))


def test_xlsx_opens_and_matches_the_marts(district: District, out_root: Path):
    pub = run(district, out_root)
    book = openpyxl.load_workbook(pub.path / workbook_name(2024, 1))
    assert book.sheetnames == ["说明", *(t.title for t in fmt.TABLES)]
    for t in fmt.TABLES:
        ws = book[t.title]
        expected = mart(district, t.name)
        headers = [c.value for c in ws[1]]
        assert headers == [fmt.label(c) for c in expected.columns]
        assert ws.freeze_panes == "A2"
        assert ws.max_row == expected.height + 1
        for r, row in enumerate(expected.iter_rows(named=True), start=2):
            for c, column in enumerate(expected.columns, start=1):
                cell, value = ws.cell(r, c), row[column]
                if isinstance(value, Decimal):
                    assert D(repr(cell.value)).quantize(D("0.01")) == value, (t.name, column)
                    if fmt.is_money(column, expected.schema[column]):
                        assert cell.number_format == "#,##0.00"
                elif value is not None and not isinstance(value, bool | int):
                    assert cell.value == str(value)
    summary = book["全区汇总"]
    col = [c.value for c in summary[1]].index("支出总计") + 1
    assert D(repr(summary.cell(2, col).value)) == D("4810.97")
    assert book["单位决算数"].column_dimensions["B"].width >= 10  # 单位名称 sized for its text


def test_manifest_hashes_inputs_and_exclusions(district: District, out_root: Path):
    pub = run(district, out_root)
    manifest = json.loads(pub.manifest_path.read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(pub.files) - {"manifest.json"}
    for name, entry in listed.items():
        data = (pub.path / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    inputs = manifest["inputs"]
    assert (inputs["parser_version"], inputs["rules_version"]) == ("parser-3", "rules-7")
    import duckdb

    assert inputs["duckdb_version"] == duckdb.__version__
    subs = {s["unit_code"]: s for s in inputs["submissions"]}
    assert subs["HLT1"]["sha256"] == district.shas[("HLT1", 2024)] and subs["HLT1"]["published"] is False
    assert subs["EDU"]["sha256"] == district.shas[("EDU", 2024)] and subs["EDU"]["published"] is True
    assert "CUL" not in subs  # missing: no document
    assert manifest["units_published"] == ["EDU", "EDU1", "EDU2", "EDU21", "HLT"]
    excluded = {e["unit_code"]: e for e in manifest["units_excluded"]}
    assert set(excluded) == {"AGR", "CUL", "HLT1"}
    assert excluded["HLT1"]["failed_rules"] == "DQ-03, DQ-07" and "DQ-03" in excluded["HLT1"]["reason"]
    assert manifest["created_at"].endswith("+00:00")
    # tampering is detected
    (pub.path / "unit_figures.csv").write_bytes(b"\xef\xbb\xbfforged\n")
    assert verify(pub.path) == ["unit_figures.csv"]


def test_datapackage_follows_fiscal_data_package(district: District, out_root: Path):
    pub = run(district, out_root)
    dp = json.loads((pub.path / "datapackage.json").read_text(encoding="utf-8"))
    assert dp["profile"] == "fiscal-data-package" and dp["currency"] == "CNY"
    assert dp["fiscalPeriod"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert [r["name"] for r in dp["resources"]] == [t.name for t in fmt.TABLES]
    summary = next(r for r in dp["resources"] if r["name"] == "district_summary")
    fields = {f["x-column"]: f for f in summary["schema"]["fields"]}
    with (pub.path / "district_summary.csv").open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert [f["name"] for f in summary["schema"]["fields"]] == header  # names match the CSV header
    exp = fields["expenditure_total"]
    assert (exp["currency"], exp["factor"], exp["phase"], exp["direction"]) == ("CNY", 10000, "executed", "expenditure")
    assert fields["income_total"]["direction"] == "revenue"
    assert fields["units_published"]["type"] == "integer" and "currency" not in fields["basic_share_pct"]
    measure = dp["model"]["measures"]["district_summary.expenditure_total"]
    assert (measure["source"], measure["factor"], measure["phase"]) == ("支出总计", 10000, "executed")


def test_report_html_is_self_contained_with_readable_totals(district: District, out_root: Path):
    pub = run(district, out_root)
    html = (pub.path / "report.html").read_text(encoding="utf-8")
    tree = HTMLParser(html)
    assert tree.css_first('meta[name="viewport"]') is not None
    assert "http://" not in html.replace("http-equiv", "") and "https://" not in html
    assert tree.css("script") == [] and tree.css("link") == []
    assert len(tree.css("svg")) == 3
    (s,) = mart(district, "district_summary").to_dicts()
    for key in ("expenditure_total", "income_total", "three_public_total", "basic_expenditure",
                "project_expenditure", "procurement_total", "units_published"):
        node = tree.css_first(f"#total-{key}")
        assert node is not None and D(node.attributes["data-total"]) == D(s[key]), key
    assert tree.css_first("#total-units_excluded").attributes["data-total"] == "3"
    assert tree.css_first("#total-expenditure_total").text(strip=True) == "4,810.97"
    assert "区人民医院" in tree.css_first("#table-exclusions").text()  # excluded, with its reason
    assert "区人民医院" not in tree.css_first("#table-unit_figures").text()


def test_report_escapes_unit_names(con, out_root: Path):
    d = District(con)
    d.unit("X", "<script>alert(1)</script>局")
    d.submit("X", 2024, FIGURES_2024["EDU"])
    pub = publish(con, 2024, out_root, rules_version="r", parser_version="p")
    html = (pub.path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_diff_between_the_latest_two_publications(district: District, out_root: Path):
    run(district, out_root)
    # HLT1 corrects its document; EDU1 revises a figure; EDU2 now fails an error rule
    district.submit("HLT1", 2024, FIGURES_2024["HLT1"], version=2)
    district.submit("EDU1", 2024, dict(FIGURES_2024["EDU1"], expenditure_total=D("531.10")), version=2)
    district.result("EDU2", 2024, "DQ-05", "error", "fail", message="收入总计≠支出总计")
    run(district, out_root)
    diff = diff_publications(district.con, 2024, out_root)
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert diff["units_added"] == ["HLT1"] and diff["units_removed"] == ["EDU2"]
    assert diff["units_no_longer_excluded"] == ["HLT1"]
    assert list(diff["units_newly_excluded"]) == ["EDU2"] and "DQ-05" in diff["units_newly_excluded"]["EDU2"]
    assert diff["figures_changed"] == {"EDU1": {"expenditure_total": {"from": D("530.10"), "to": D("531.10")}}}
    total = diff["totals_changed"]["expenditure_total"]
    assert total["from"] == D("4810.97")
    assert total["to"] == D("4810.97") + D("1.00") - D("480.37") + D("9999.99")
    assert "units_published" not in diff["totals_changed"]  # one in, one out


def test_diff_with_one_publication_lists_everything_as_added(district: District, out_root: Path):
    with pytest.raises(PublishError):
        diff_publications(district.con, 2024, out_root)
    run(district, out_root)
    diff = diff_publications(district.con, 2024, out_root)
    assert diff["from_version"] is None and diff["units_added"] == ["EDU", "EDU1", "EDU2", "EDU21", "HLT"]


def test_every_published_column_has_a_chinese_label_unique_in_its_table(district: District):
    for t in fmt.TABLES:
        columns = mart(district, t.name).columns
        labels = [fmt.label(c) for c in columns]
        assert all(lbl != c for lbl, c in zip(labels, columns, strict=True)), t.name
        assert len(set(labels)) == len(labels), t.name


def test_an_unchanged_rerun_does_not_compute_the_marts(district: District, out_root: Path, monkeypatch):
    first = run(district, out_root)

    def boom(*_a: object) -> None:
        raise AssertionError("the marts were computed for an unchanged warehouse")

    monkeypatch.setattr(publish_module, "_materialise", boom)
    again = run(district, out_root)
    assert (again.version, again.path, again.files, again.new) == (1, first.path, first.files, False)


def test_a_change_the_tables_do_not_show_writes_no_new_version(district: District, out_root: Path):
    run(district, out_root)
    district.con.execute("update core.unit set contact_email = 'office@example.gov.cn'")  # not published
    again = run(district, out_root)
    assert (again.version, again.new) == (1, False)
    assert sorted(p.name for p in (out_root / "2024").iterdir()) == ["1"]  # the trial build is gone
    district.con.execute("update staging.document_value set meeting_fee = meeting_fee + 1")
    assert run(district, out_root).version == 2


def test_publish_leaves_the_connection_as_it_found_it(district: District, out_root: Path):
    def state() -> list:
        return district.con.sql("select current_setting('memory_limit'), (select count(*) from duckdb_tables() "
                                 "where temporary)").fetchall()

    before = state()
    run(district, out_root)
    with pytest.raises(PublishError):
        run(district, out_root, year=2030)
    assert state() == before


def test_csv_keeps_the_iso_timestamps_and_empty_strings_polars_wrote(district: District, out_root: Path):
    pub = run(district, out_root)
    with (pub.path / "unit_status.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    edu = next(r for r in rows if r["单位编码"] == "EDU")
    assert edu["获取时间"] == "2025-06-01T00:00:00.000000"
    assert (edu["是否未纳入"], edu["未纳入原因"]) == ("false", "")  # false; null is an empty field


def test_a_table_longer_than_a_sheet_continues_on_the_next(district: District, out_root: Path, monkeypatch):
    monkeypatch.setattr(fmt, "SHEET_ROWS", 2)
    monkeypatch.setattr(fmt, "CHUNK_CELLS", 1)  # one row a query
    pub = run(district, out_root)
    book = openpyxl.load_workbook(pub.path / workbook_name(2024, 1))
    expected = mart(district, "unit_figures")
    parts = ["单位决算数", "单位决算数（2）", "单位决算数（3）"]
    assert [n for n in book.sheetnames if n.startswith("单位决算数")] == parts
    codes = []
    for name in parts:
        ws = book[name]
        assert [c.value for c in ws[1]] == [fmt.label(c) for c in expected.columns]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:AT{ws.max_row}"
        codes += [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert codes == expected.get_column("unit_code").to_list()
    contents = {k: v for k, v in book["说明"].iter_rows(values_only=True)}
    assert contents["单位决算数"].startswith("工作表“单位决算数”至“单位决算数（3）”")
    assert "共 5 行" in contents["单位决算数"] and "unit_figures.csv" in contents["单位决算数"]
    assert contents["全区汇总"].startswith("工作表“全区汇总”，共 1 行")


def test_an_empty_table_keeps_its_sheet_with_headers(con, out_root: Path):
    d = District(con)
    d.unit("X", "某单位")
    d.submit("X", 2024, FIGURES_2024["EDU"])
    d.result("X", 2024, "DQ-03", "error", "fail", message="不平衡")
    pub = publish(con, 2024, out_root, rules_version="r", parser_version="p")
    ws = openpyxl.load_workbook(pub.path / workbook_name(2024, 1))["单位决算数"]
    assert ws.max_row == 1 and ws["A1"].value == "年度"


def test_xlsx_text_is_escaped_as_excel_reads_it(con, out_root: Path):
    d = District(con)
    d.unit("X", "甲&乙<丙>\x01_x0041_\t尾 ")
    d.submit("X", 2024, FIGURES_2024["EDU"])
    pub = publish(con, 2024, out_root, rules_version="r", parser_version="p")
    ws = openpyxl.load_workbook(pub.path / workbook_name(2024, 1))["单位决算数"]
    # openpyxl leaves Excel's _xHHHH_ escapes as they are; Excel shows \x01 and a literal _x0041_
    assert ws["C2"].value == "甲&乙<丙>_x0001__x005F_x0041_\t尾 "


def test_the_report_lists_the_first_rows_of_a_long_table(district: District, out_root: Path, monkeypatch):
    monkeypatch.setattr(report_html, "PAGE_ROWS", 2)
    pub = run(district, out_root)
    tree = HTMLParser((pub.path / "report.html").read_text(encoding="utf-8"))
    assert [r.css_first("td").text() for r in tree.css("#table-unit_figures tbody tr")] == ["EDU", "EDU1"]
    note = tree.css_first("#more-unit_figures").text()
    assert "共 5 行" in note and "前 2 行" in note and "unit_figures.csv" in note
    assert tree.css_first("#more-perf_overview") is None  # one row: all of it is on the page
    # the cards and charts still cover every unit
    assert tree.css_first("#total-units_excluded").attributes["data-total"] == "3"
    comparable = mart(district, "yoy_comparison").filter(
        (pl.col("scope") == "district") & pl.col("change_pct").is_not_null()).height
    assert comparable > 2 and len(tree.css("svg")[2].css("rect")) == comparable


def test_report_shows_every_row_at_district_scale(district: District, out_root: Path):
    pub = run(district, out_root)
    tree = HTMLParser((pub.path / "report.html").read_text(encoding="utf-8"))
    assert len(tree.css("#table-unit_figures tbody tr")) == 5 and not tree.css("p[id^=more-]")
