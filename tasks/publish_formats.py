"""The published tables and the file formats they are written in.

``TABLES`` is the catalogue of marts a publication carries (name, Chinese title, sort order);
``LABELS`` gives every column its Chinese header (DESIGN.md §3 names). The writers turn one mart
frame into CSV (UTF-8 with BOM, Chinese headers), Parquet (machine names, DECIMAL kept), one XLSX
workbook, and the Fiscal Data Package descriptor.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter


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


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    # Excel opens UTF-8 CSV as GBK unless it starts with a BOM; the BOM keeps 中文 readable there.
    frame.rename({c: label(c) for c in frame.columns}).write_csv(path, include_bom=True)


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    frame.write_parquet(path, statistics=True)


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(frames: dict[str, pl.DataFrame], path: Path, *, cover: list[tuple[str, str]]) -> None:
    """One workbook: a 说明 sheet, then a sheet per table with Chinese headers and 万元 formats."""
    with xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False}) as book:
        bold = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True,
                                "valign": "vcenter"})
        money = book.add_format({"num_format": "#,##0.00"})
        pct = book.add_format({"num_format": "0.00"})
        whole = book.add_format({"num_format": "0"})
        sheet = book.add_worksheet("说明")
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 70)
        for r, (k, v) in enumerate(cover):
            sheet.write_string(r, 0, k, bold)
            sheet.write_string(r, 1, v)
        titles = {t.name: t.title for t in TABLES}
        for name, frame in frames.items():
            ws = book.add_worksheet(titles.get(name, name)[:31])
            for c, (column, dtype) in enumerate(frame.schema.items()):
                header = label(column)
                ws.write_string(0, c, header, bold)
                values = frame.get_column(column).to_list()
                width = max([_display_width(header)] + [_display_width(v) for v in values[:500]])
                fmt = None
                if is_money(column, dtype):
                    fmt, width = money, width + 3  # room for the thousands separators
                elif isinstance(dtype, pl.Decimal):
                    fmt = pct
                elif dtype.is_integer():
                    fmt = whole
                ws.set_column(c, c, min(max(width + 2, 8), 60), fmt)
                for r, value in enumerate(values, start=1):
                    _write_cell(ws, r, c, value)
            ws.freeze_panes(1, 0)
            if frame.width:
                ws.autofilter(0, 0, max(frame.height, 1), frame.width - 1)


def _write_cell(ws: Any, row: int, col: int, value: object) -> None:
    if value is None:
        ws.write_blank(row, col, None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, Decimal | int):
        # An XLSX number is an IEEE double whatever we do; DECIMAL(18,2) amounts stay exact to the cent.
        ws.write_number(row, col, float(value))
    else:
        ws.write_string(row, col, str(value))


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


def datapackage(year: int, version: int, frames: dict[str, pl.DataFrame], created_at: str) -> dict[str, Any]:
    """A Fiscal Data Package descriptor: tabular resources, money as 万元 (factor 10000) CNY, executed."""
    resources = []
    measures: dict[str, Any] = {}
    titles = {t.name: t for t in TABLES}
    for name, frame in frames.items():
        fields = []
        for column, dtype in frame.schema.items():
            direction = _direction(column) if is_money(column, dtype) else None
            fields.append(_field(column, dtype, direction))
            if direction:
                measures[f"{name}.{column}"] = {
                    "resource": name, "source": label(column), "x-column": column, "currency": "CNY",
                    "factor": 10000, "direction": direction, "phase": "executed",
                }
        resources.append({
            "name": name, "title": titles[name].title, "description": titles[name].description,
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


def write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
