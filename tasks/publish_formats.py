"""The published tables and the file formats they are written in.

``TABLES`` is the catalogue of marts a publication carries (name, Chinese title, sort order);
``LABELS`` gives every column its Chinese header (DESIGN.md §3 names). The writers turn a mart, held
in a DuckDB table while a publication is written, into CSV (UTF-8 with BOM, Chinese headers) and
Parquet (machine names, DECIMAL kept) by DuckDB's COPY, one XLSX workbook for all of them, and the
Fiscal Data Package descriptor.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tasks import xlsx
from warehouse import db


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # the mart, and the file stem
    title: str  # Chinese title: sheet name, HTML heading, datapackage title
    order_by: str
    description: str


TABLES: tuple[Table, ...] = (
    Table("district_summary", "全区汇总", "year", "全区决算汇总（仅含无错误单位），万元"),
    Table("unit_figures", "单位决算数", "unit_code", "各单位主要决算数，万元"),
    Table("unit_status", "单位报送状态", "unit_code", "各单位报送、解析、校验状态"),
    Table("exclusions", "未纳入单位", "unit_code", "未纳入汇总的单位及原因"),
    Table("rank_expenditure", "支出总计排名", "rank, unit_code", "按支出总计排名，万元"),
    Table("rank_three_public", "三公经费排名", "rank, unit_code", "按“三公”经费合计排名，万元"),
    Table("rank_yoy_change", "支出变动排名", "rank, unit_code", "按支出总计同比变动额排名，万元"),
    Table("yoy_comparison", "同比比较", "scope, unit_code nulls first, metric_order", "主要指标同比，万元"),
    Table("parent_rollup", "按隶属关系汇总", "unit_code", "按主管单位（含全部下属单位）汇总，万元"),
    Table("perf_overview", "绩效自评概况", "year", "项目支出绩效自评概况"),
)

LABELS: dict[str, str] = {
    "year": "年度", "unit_code": "单位编码", "unit_name": "单位名称", "parent_code": "上级单位编码",
    "unit_type": "单位类型", "status": "报送状态", "submission_version": "报送版本", "sha256": "文件SHA256",
    "fetched_at": "获取时间", "rules_run": "已运行规则数", "errors": "错误数", "warnings": "警告数",
    "waived": "已说明警告数", "excluded": "是否未纳入", "reason_code": "原因代码", "reason": "未纳入原因",
    "failed_rules": "未通过的错误规则", "published": "是否纳入",
    "units_registered": "登记单位数", "units_submitted": "已报送单位数", "units_published": "纳入单位数",
    "units_excluded": "未纳入单位数", "units_in_scope": "范围内单位数", "units_compared": "可比单位数",
    "depth": "层级", "descendants": "下属单位数", "rank": "排名", "scope": "范围",
    "income_total": "收入总计", "expenditure_total": "支出总计", "income_this_year": "本年收入合计",
    "expenditure_this_year": "本年支出合计", "fiscal_appropriation_income": "财政拨款收入",
    "general_budget_income": "一般公共预算财政拨款收入", "gov_fund_income": "政府性基金预算财政拨款收入",
    "state_capital_income": "国有资本经营预算财政拨款收入", "business_income": "事业收入",
    "operating_income": "经营收入", "other_income": "其他收入", "use_of_non_fiscal_balance": "使用非财政拨款结余",
    "carry_over_begin": "年初结转和结余", "carry_over_end": "年末结转和结余", "basic_expenditure": "基本支出",
    "project_expenditure": "项目支出", "basic_share_pct": "基本支出占比(%)", "project_share_pct": "项目支出占比(%)",
    "personnel_expense": "人员经费", "public_expense": "公用经费", "three_public_total": "“三公”经费合计",
    "outbound_travel": "因公出国(境)费", "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费", "official_reception": "公务接待费", "meeting_fee": "会议费",
    "training_fee": "培训费", "travel_fee": "差旅费", "operating_expense": "机关运行经费",
    "procurement_total": "政府采购支出总额", "procurement_goods": "政府采购货物", "procurement_works": "政府采购工程",
    "procurement_services": "政府采购服务", "sme_contract_amount": "授予中小企业合同金额",
    "sme_share_pct": "中小企业合同占比(%)", "small_micro_contract_amount": "授予小微企业合同金额",
    "small_micro_share_pct": "小微企业合同占比(%)", "perf_projects_count": "绩效自评项目数",
    "perf_projects_funds": "自评涉及资金", "vehicles_held": "保有车辆", "reception_batches": "接待批次",
    "reception_people": "接待人次", "outbound_groups": "出国团组", "outbound_people": "出国人次",
    "share_pct": "占全区比重(%)", "prev_expenditure_total": "上年支出总计", "metric_order": "指标序号",
    "metric": "指标代码", "metric_name": "指标", "prev_amount": "上年数", "amount": "本年数", "change": "增减额",
    "change_pct": "增减率(%)", "stated_projects": "文中所述自评项目数", "stated_funds": "文中所述自评资金",
    "units_with_projects": "有自评表的单位数", "projects": "自评表项目数", "initial_budget": "年初预算数",
    "adjusted_budget": "全年预算数", "executed": "全年执行数", "exec_rate_pct": "执行率(%)",
    "avg_score": "平均得分", "min_score": "最低得分", "max_score": "最高得分", "grade_excellent": "优(90-100)",
    "grade_good": "良[80,90)", "grade_fair": "中[60,80)", "grade_poor": "差[0,60)", "ungraded": "无得分",
}

# Columns whose DECIMAL is not money: scores and percentages keep the "0.00" display, no 万元.
_NOT_MONEY = {"avg_score", "min_score", "max_score"}


def is_pct(column: str) -> bool:
    return column.endswith("_pct")


def is_money(column: str, dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.Decimal) and not is_pct(column) and column not in _NOT_MONEY


def label(column: str) -> str:
    return LABELS.get(column, column)


@dataclass(frozen=True, slots=True)
class Mart:
    """One table of a publication while it is written: its rows in a DuckDB table, in published order."""

    table: Table
    relation: str  # the DuckDB table holding the rows
    schema: pl.Schema
    rows: int


BOM = "\ufeff"
# ISO 8601 with microseconds, as the CSV files had them when Polars wrote them: readers keep working
CSV_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%f"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_csv(con: duckdb.DuckDBPyConnection, mart: Mart, path: Path) -> None:
    # Excel opens UTF-8 CSV as GBK unless it starts with a BOM. DuckDB writes none, so the first
    # header carries it: U+FEFF is neither delimiter nor quote, the header stays unquoted, and the
    # file starts with EF BB BF.
    columns = ", ".join(
        f"{ident(c)} as {ident((BOM if i == 0 else '') + label(c))}" for i, c in enumerate(mart.schema)
    )
    db.run(con, f"copy (select {columns} from {mart.relation}) to {literal(str(path))} "
                f"(format csv, header true, timestampformat {literal(CSV_TIMESTAMP)})")


def write_parquet(con: duckdb.DuckDBPyConnection, mart: Mart, path: Path) -> None:
    db.run(con, f"copy {mart.relation} to {literal(str(path))} (format parquet, compression zstd)")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- XLSX ---------------------------------------------------------------------------------------
# Each sheet's rows are built as XML by DuckDB queries and streamed into the workbook in chunks, so
# a province's 100 000-row tables cost neither a Python call per cell nor their size in memory.

SHEET_ROWS = xlsx.MAX_ROWS - 1  # less the header row
CHUNK_CELLS = 250_000  # cells built into XML by one query (~8 MB of it)
WIDTH_SAMPLE = 500  # rows a column's width is fitted to
_STYLES = (
    xlsx.Style(bold=True, fill="FFE8EEF5", border=True, vertical="center", wrap=True),
    # built-in number formats: 4 = #,##0.00 (万元), 2 = 0.00, 1 = 0
    xlsx.Style(number_format=4), xlsx.Style(number_format=2), xlsx.Style(number_format=1),
)
HEADER, MONEY, PCT, WHOLE = 1, 2, 3, 4  # _STYLES
_COVER = xlsx.Sheet("说明", (xlsx.Column(16), xlsx.Column(68)))


@dataclass(frozen=True, slots=True)
class _Sheet:
    """A table's sheet: the whole mart, or one part of a mart longer than a sheet."""

    name: str
    mart: Mart
    first: int  # the rowid of the mart's first row on this sheet
    rows: int

    def layout(self, columns: tuple[xlsx.Column, ...]) -> xlsx.Sheet:
        # one row at least under the header, so an empty table's filter has a range
        return xlsx.Sheet(self.name, columns, frozen_rows=1, filter_to=max(self.rows, 1) + 1)


def _style(column: str, dtype: pl.DataType) -> int:
    if is_money(column, dtype):
        return MONEY
    if isinstance(dtype, pl.Decimal):
        return PCT
    return WHOLE if dtype.is_integer() else 0


def _kind(dtype: pl.DataType) -> xlsx.Kind:
    # an XLSX number is an IEEE double whatever we do; DECIMAL(18,2) amounts stay exact to the cent
    return "boolean" if dtype == pl.Boolean else "number" if dtype.is_numeric() else "text"


def _rows_sql(mart: Mart) -> str:
    """The sheet XML of the mart's rows $lo ≤ rowid < $hi, numbered from row 2 at rowid $first."""
    cells = [xlsx.cell_sql(_kind(dt), ident(c), _style(c, dt)) for c, dt in mart.schema.items()]
    return (
        f"select string_agg({xlsx.row_sql('r_', cells)}, '' order by rowid_) from (select *, rowid as rowid_, "
        f"(rowid - $first + 2)::varchar as r_ from {mart.relation} where rowid >= $lo and rowid < $hi)"
    )


def _table_rows(con: duckdb.DuckDBPyConnection, sheet: _Sheet) -> Iterator[str]:
    mart = sheet.mart
    yield xlsx.row(1, xlsx.inline_strings([label(c) for c in mart.schema], HEADER))
    sql = _rows_sql(mart)
    end = sheet.first + sheet.rows
    chunk = max(CHUNK_CELLS // len(mart.schema), 1)
    for lo in range(sheet.first, end, chunk):
        ((xml,),) = con.execute(sql, {"first": sheet.first, "lo": lo, "hi": min(lo + chunk, end)}).fetchall()
        yield xml


def _column_formats(con: duckdb.DuckDBPyConnection, mart: Mart) -> tuple[xlsx.Column, ...]:
    """Each column's width in characters, fitted to the header and the first rows, and its cells'
    format. A value's display width is taken as (UTF-8 bytes + characters) / 2: 1 a character for
    ASCII, 2 for CJK, whose characters take three bytes."""
    widths = ", ".join(f"max((strlen({ident(c)}::varchar) + length({ident(c)}::varchar)) // 2)" for c in mart.schema)
    (seen,) = con.execute(f"select {widths} from (select * from {mart.relation} limit {WIDTH_SAMPLE})").fetchall()
    formats = []
    for (column, dtype), width in zip(mart.schema.items(), seen, strict=True):
        width = max(_display_width(label(column)), width or 0)
        if is_money(column, dtype):
            width += 3  # room for the thousands separators
        formats.append(xlsx.Column(min(max(width + 2, 8), 60), _style(column, dtype)))
    return tuple(formats)


def _sheet_name(title: str, part: int) -> str:
    return (title if part == 0 else f"{title}（{part + 1}）")[:31]


def write_xlsx(con: duckdb.DuckDBPyConnection, marts: list[Mart], path: Path, *,
               cover: list[tuple[str, str]], created: datetime) -> None:
    """One workbook: a 说明 sheet (the cover, then where each table is), then a sheet per table with
    Chinese headers and 万元 formats. A table longer than a sheet continues on the next sheets, so
    the workbook holds every row; the 说明 sheet says which sheets and how many rows."""
    sheets: list[tuple[xlsx.Sheet, int, Iterable[str]]] = []
    contents = [("各表位置", "完整数据另见同名 CSV、Parquet 文件")]
    for mart in marts:
        parts = [
            _Sheet(_sheet_name(mart.table.title, k), mart, first, min(SHEET_ROWS, mart.rows - first))
            for k, first in enumerate(range(0, max(mart.rows, 1), SHEET_ROWS))
        ]
        columns = _column_formats(con, mart)
        sheets += [(part.layout(columns), part.rows + 1, _table_rows(con, part)) for part in parts]
        where = f"工作表“{parts[0].name}”" if len(parts) == 1 else (
            f"工作表“{parts[0].name}”至“{parts[-1].name}”（每表至多 {SHEET_ROWS:,} 行）")
        contents.append((mart.table.title, f"{where}，共 {mart.rows:,} 行；{mart.table.name}.csv、"
                                           f"{mart.table.name}.parquet"))
    lines = [*cover, *contents]
    cover_rows = [xlsx.row(r, [*xlsx.inline_strings([k], HEADER), *xlsx.inline_strings([v])])
                  for r, (k, v) in enumerate(lines, start=1)]
    with xlsx.sql_text(con):
        xlsx.write(path, [(_COVER, len(lines), cover_rows), *sheets], _STYLES, created)


def _field(column: str, dtype: pl.DataType, direction: str | None) -> dict[str, Any]:
    # name = the CSV header (Chinese), so a Frictionless reader matches fields to columns;
    # x-column is the machine name the Parquet twin and the marts use.
    field: dict[str, Any] = {"name": label(column), "title": label(column), "x-column": column}
    if is_money(column, dtype):
        field.update(type="number", decimalChar=".", columnType="value", currency="CNY", factor=10000,
                     unit="万元", phase="executed", direction=direction)
    elif isinstance(dtype, pl.Decimal) or dtype.is_float():
        field.update(type="number")
    elif dtype.is_integer():
        field.update(type="integer")
        if column == "year":
            field.update(type="year", columnType="date:fiscal-year")
    elif dtype == pl.Boolean:
        field.update(type="boolean")
    elif isinstance(dtype, pl.Datetime):
        field.update(type="datetime")
    else:
        field.update(type="string")
        if column == "unit_code":
            field.update(columnType="administrative-classification:generic:code")
        elif column == "unit_name":
            field.update(columnType="administrative-classification:generic:label")
    return field


def _direction(column: str) -> str:
    return "revenue" if "income" in column or column.startswith("carry_over_begin") else "expenditure"


def datapackage(year: int, version: int, marts: list[Mart], created_at: str) -> dict[str, Any]:
    """A Fiscal Data Package descriptor: tabular resources, money as 万元 (factor 10000) CNY, executed."""
    resources = []
    measures: dict[str, Any] = {}
    for mart in marts:
        name = mart.table.name
        fields = []
        for column, dtype in mart.schema.items():
            direction = _direction(column) if is_money(column, dtype) else None
            fields.append(_field(column, dtype, direction))
            if direction:
                measures[f"{name}.{column}"] = {
                    "resource": name, "source": label(column), "x-column": column, "currency": "CNY",
                    "factor": 10000, "direction": direction, "phase": "executed",
                }
        resources.append({
            "name": name, "title": mart.table.title, "description": mart.table.description,
            "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
            "profile": "tabular-data-resource",
            "dialect": {"delimiter": ",", "header": True},
            "schema": {"fields": fields},
            "alternates": [{"path": f"{name}.parquet", "format": "parquet"}],
        })
    return {
        "profile": "fiscal-data-package",
        "name": f"juesuan-district-final-accounts-{year}-v{version}",
        "title": f"{year}年度部门决算公开汇总（第{version}版）",
        "version": str(version),
        "created": created_at,
        "countryCode": "CN",
        "currency": "CNY",
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "granularity": "aggregated",
        "resources": resources,
        "model": {
            "measures": measures,
            "dimensions": {
                "unit": {"attributes": {"code": {"source": label("unit_code")},
                                        "name": {"source": label("unit_name")}},
                         "primaryKey": "code", "dimensionType": "classification"},
                "year": {"attributes": {"year": {"source": label("year")}}, "primaryKey": "year",
                         "dimensionType": "datetime"},
            },
        },
    }


_compact = json.JSONEncoder(ensure_ascii=False, default=str).encode


def write_json(obj: Any, path: Path) -> None:
    """Indented JSON with each flat record (a dict of scalars) on one line: a province's manifest
    lists 100 000 units, and json's indenting encoder is pure Python, ten times slower."""
    path.write_text(_json(obj, "") + "\n", encoding="utf-8")


def _flat(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(isinstance(v, dict | list) for v in value.values())
    return not isinstance(value, list)


def _json(value: Any, indent: str) -> str:
    if _flat(value) or not value:
        return _compact(value)
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{_compact(str(k))}: {_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return "[\n" + ",\n".join(inner + _json(v, inner) for v in value) + f"\n{indent}]"
