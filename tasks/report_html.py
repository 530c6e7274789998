"""report.html: one self-contained page (inline CSS, inline SVG, no script, no network).

The charts are drawn here as SVG strings: spending structure (basic vs project), "三公" by unit
(top N), and the district's year-over-year change over comparable units. Key totals carry
``id="total-<key>"`` and ``data-total="<exact decimal>"`` so a browser test can read them back.
A Content-Security-Policy that allows nothing external makes any accidental fetch fail loudly.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup, escape

from tasks.publish_formats import is_money, label

TOP_N = 10
# Rows of a table on the page: a district shows every unit, a province the first rows in published
# order (the top of a ranking); the page says how many there are and where the rest are.
PAGE_ROWS = 500
BASIC, PROJECT = "#3b6ea5", "#e0913a"
UP, DOWN = "#c0392b", "#2e8b57"  # 增 red, 减 green: the Chinese convention for rises and falls

CARDS = (
    ("expenditure_total", "支出总计"),
    ("income_total", "收入总计"),
    ("basic_expenditure", "基本支出"),
    ("project_expenditure", "项目支出"),
    ("three_public_total", "“三公”经费"),
    ("procurement_total", "政府采购"),
)

# (mart, columns shown on the page); the CSV/XLSX carry every column
PAGE_TABLES = (
    ("rank_expenditure", ["rank", "unit_name", "expenditure_total", "basic_expenditure",
                          "project_expenditure", "share_pct"]),
    ("rank_three_public", ["rank", "unit_name", "three_public_total", "outbound_travel", "vehicle_purchase",
                           "vehicle_operation", "official_reception", "share_pct"]),
    ("rank_yoy_change", ["rank", "unit_name", "prev_expenditure_total", "expenditure_total", "change",
                         "change_pct"]),
    ("parent_rollup", ["unit_name", "descendants", "units_published", "units_excluded", "expenditure_total",
                       "three_public_total"]),
    ("unit_figures", ["unit_code", "unit_name", "income_total", "expenditure_total", "basic_expenditure",
                      "project_expenditure", "three_public_total", "meeting_fee", "training_fee",
                      "operating_expense", "procurement_total"]),
    ("perf_overview", ["projects", "adjusted_budget", "executed", "exec_rate_pct", "avg_score",
                       "grade_excellent", "grade_good", "grade_fair", "grade_poor"]),
    ("exclusions", ["unit_code", "unit_name", "status", "reason"]),
)

SUMMARY_ROWS = (
    "units_registered", "units_submitted", "units_published", "units_excluded", "income_total",
    "expenditure_total", "basic_expenditure", "project_expenditure", "basic_share_pct", "project_share_pct",
    "fiscal_appropriation_income", "general_budget_income", "gov_fund_income", "state_capital_income",
    "three_public_total", "outbound_travel", "vehicle_purchase", "vehicle_operation", "official_reception",
    "meeting_fee", "training_fee", "operating_expense", "procurement_total", "procurement_goods",
    "procurement_works", "procurement_services", "sme_contract_amount", "sme_share_pct",
    "small_micro_contract_amount", "small_micro_share_pct", "carry_over_begin", "carry_over_end",
)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def money(value: Decimal | int | None) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def cell(column: str, value: Any, dtype: pl.DataType) -> tuple[str, bool]:
    """(display text, is numeric) for one table cell."""
    if value is None:
        return "—", False
    if is_money(column, dtype):
        return money(value), True
    if isinstance(value, Decimal):
        return f"{value:.2f}", True
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, int):
        return str(value), True
    return str(value), False


def page_table(frame: pl.DataFrame, columns: list[str]) -> dict[str, Any]:
    columns = [c for c in columns if c in frame.columns]
    schema = frame.schema
    return {
        "headers": [(label(c), is_money(c, schema[c]) or schema[c].is_numeric()) for c in columns],
        "rows": [[cell(c, row[c], schema[c]) for c in columns] for row in frame.select(columns).to_dicts()],
    }


def _bar_rows(items: list[tuple[str, Decimal]], *, width: int = 400, color: str = BASIC) -> Markup:
    """Horizontal bars, the name on its own line so long unit names fit a phone screen."""
    if not items:
        return Markup('<p class="empty">无数据</p>')
    top = max((v for _, v in items), default=Decimal(0)) or Decimal(1)
    row_h, bar_w = 36, width - 90
    parts = []
    for i, (name, value) in enumerate(items):
        y = i * row_h
        w = max(float(value / top) * bar_w, 1.0) if value > 0 else 0.0
        parts.append(
            f'<text x="0" y="{y + 12}" class="lbl">{escape(name)}</text>'
            f'<rect x="0" y="{y + 17}" width="{w:.1f}" height="13" rx="2" fill="{color}"/>'
            f'<text x="{w + 4:.1f}" y="{y + 28}" class="num">{money(value)}</text>'
        )
    h = row_h * len(items)
    return Markup(f'<svg viewBox="0 0 {width} {h}" role="img" preserveAspectRatio="xMinYMin meet">'
                  + "".join(parts) + "</svg>")


def structure_chart(basic: Decimal | None, project: Decimal | None, *, width: int = 400) -> Markup:
    """Basic vs project spending as one stacked bar with a legend."""
    basic, project = basic or Decimal(0), project or Decimal(0)
    total = basic + project
    if total <= 0:
        return Markup('<p class="empty">无数据</p>')
    bw = float(basic / total) * width
    bp = basic * 100 / total
    legend = (
        f'<rect x="0" y="44" width="12" height="12" fill="{BASIC}"/>'
        f'<text x="16" y="54" class="lbl">基本支出 {money(basic)} 万元（{bp:.1f}%）</text>'
        f'<rect x="0" y="64" width="12" height="12" fill="{PROJECT}"/>'
        f'<text x="16" y="74" class="lbl">项目支出 {money(project)} 万元（{100 - bp:.1f}%）</text>'
    )
    return Markup(
        f'<svg viewBox="0 0 {width} 80" role="img" preserveAspectRatio="xMinYMin meet">'
        f'<rect x="0" y="0" width="{bw:.1f}" height="32" fill="{BASIC}"/>'
        f'<rect x="{bw:.1f}" y="0" width="{width - bw:.1f}" height="32" fill="{PROJECT}"/>'
        f"{legend}</svg>"
    )


def yoy_chart(rows: list[dict[str, Any]], *, width: int = 400) -> Markup:
    """Diverging bars of the district's change_pct per figure (comparable units only)."""
    rows = [r for r in rows if r["change_pct"] is not None]
    if not rows:
        return Markup('<p class="empty">仓库中没有可比的上年数据</p>')
    top = max(abs(r["change_pct"]) for r in rows) or Decimal(1)
    mid, half, row_h = width / 2, width / 2 - 60, 36
    parts = [f'<line x1="{mid}" y1="0" x2="{mid}" y2="{row_h * len(rows)}" stroke="#999"/>']
    for i, r in enumerate(rows):
        y, pct = i * row_h, r["change_pct"]
        w = float(abs(pct) / top) * half
        x = mid if pct >= 0 else mid - w
        tx, anchor = (mid + w + 4, "start") if pct >= 0 else (mid - w - 4, "end")
        parts.append(
            f'<text x="0" y="{y + 12}" class="lbl">{escape(r["metric_name"])}</text>'
            f'<rect x="{x:.1f}" y="{y + 17}" width="{w:.1f}" height="13" fill="{UP if pct >= 0 else DOWN}"/>'
            f'<text x="{tx:.1f}" y="{y + 28}" class="num" text-anchor="{anchor}">{pct:+.2f}%</text>'
        )
    return Markup(f'<svg viewBox="0 0 {width} {row_h * len(rows)}" role="img" preserveAspectRatio="xMinYMin meet">'
                  + "".join(parts) + "</svg>")


def render(*, year: int, version: int, created_at: str, heads: dict[str, pl.DataFrame], rows: dict[str, int],
           district_yoy: pl.DataFrame) -> str:
    """The page from each mart's first PAGE_ROWS rows (``heads``, in published order), each mart's row
    count, and the district rows of yoy_comparison (the year-over-year chart)."""
    from tasks.publish_formats import TABLES

    summary_frame = heads["district_summary"]
    summary = summary_frame.to_dicts()[0] if summary_frame.height else {}
    cards = [(key, name, summary.get(key)) for key, name in CARDS]
    summary_rows = [
        (key, label(key), *cell(key, summary.get(key), summary_frame.schema[key]))
        for key in SUMMARY_ROWS if key in summary_frame.columns
    ]
    three = heads["rank_three_public"].head(TOP_N).to_dicts()
    yoy = district_yoy.sort("metric_order").to_dicts()
    titles = {t.name: t.title for t in TABLES}
    tables = [(name, titles[name], page_table(heads[name], cols), rows[name]) for name, cols in PAGE_TABLES]
    return _env.get_template("report.html.j2").render(
        year=year,
        version=version,
        created_at=created_at,
        summary=summary,
        cards=cards,
        summary_rows=summary_rows,
        money=money,
        structure_svg=structure_chart(summary.get("basic_expenditure"), summary.get("project_expenditure")),
        three_svg=_bar_rows([(r["unit_name"], r["three_public_total"]) for r in three], color=PROJECT),
        yoy_svg=yoy_chart(yoy),
        top_n=TOP_N,
        tables=tables,
        n_excluded=rows["exclusions"],
    )


def write_report(path: Path, *, year: int, version: int, created_at: str, heads: dict[str, pl.DataFrame],
                 rows: dict[str, int], district_yoy: pl.DataFrame) -> None:
    page = render(year=year, version=version, created_at=created_at, heads=heads, rows=rows,
                  district_yoy=district_yoy)
    path.write_text(page, encoding="utf-8")
