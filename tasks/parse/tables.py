"""The nine standard 决算 tables (RULES.md §1.2) as grids: which table, and the canonical cells.

A grid is a list of rows of cell strings, from XLSX, CSV, DOCX or HTML. It is rendered into
``doc.text`` as one line per row, each cell after a tab (the same flattening the perf parser
reads), so a table figure's span points at its cell. Figures carry
``source="table:<id>:<row label>:<column label>"``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tasks.model import Figure, Measure, ParsedDocument, ParseError
from tasks.parse.analyse import analyse_text

TITLES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (tid, re.compile(rx))
    for tid, rx in (
        ("T09", r"三公"),
        ("T06", r"基本支出决算(?:明细)?表"),
        ("T07", r"政府性基金预算财政拨款"),
        ("T08", r"国有资本经营预算财政拨款"),
        ("T05", r"一般公共预算财政拨款支出决算表"),
        ("T04", r"财政拨款收入支出决算总表"),
        ("T01", r"收入支出决算总表"),
        ("T02", r"收入决算表"),
        ("T03", r"支出决算表"),
    )
)
_CODE = re.compile(r"公开0?([1-9])表")
_UNIT = re.compile(r"单位\s*[:：]\s*(亿元|万元|元)")
_NUM = re.compile(r"^-?\d+(?:,\d{3})*(?:\.\d+)?$|^-?\d+(?:\.\d+)?$")
_PREFIX = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\d+[、.])|\((?:含|其中)[^()]*\)|（(?:含|其中)[^（）]*）|\s+"
)
_SCALE = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}

# row-label tables: (label regex, key, first label column only)
_ROW_KEYS: dict[str, tuple[tuple[re.Pattern[str], str, bool], ...]] = {
    "T01": tuple(
        (re.compile(rx), key, False)
        for rx, key in (
            (r"^一般公共预算财政拨款收入$", "general_budget_income"),
            (r"^政府性基金预算财政拨款收入$", "gov_fund_income"),
            (r"^国有资本经营预算财政拨款收入$", "state_capital_income"),
            (r"^事业收入$", "business_income"),
            (r"^经营收入$", "operating_income"),
            (r"^其他收入$", "other_income"),
            (r"^本年收入合计$", "income_this_year"),
            (r"^使用非财政拨款结余", "use_of_non_fiscal_balance"),
            (r"^年初结转和?结余$", "carry_over_begin"),
            (r"^收入总计$", "income_total"),
            (r"^本年支出合计$", "expenditure_this_year"),
            (r"^年末结转和?结余$", "carry_over_end"),
            (r"^支出总计$", "expenditure_total"),
        )
    ),
    "T04": tuple(
        (re.compile(rx), key, True)
        for rx, key in (
            (r"^一般公共预算财政拨款(?:收入)?$", "general_budget_income"),
            (r"^政府性基金预算财政拨款(?:收入)?$", "gov_fund_income"),
            (r"^国有资本经营预算财政拨款(?:收入)?$", "state_capital_income"),
            (r"^本年收入合计$", "fiscal_appropriation_income"),
        )
    ),
    "T06": tuple(
        (re.compile(rx), key, False)
        for rx, key in (
            (r"^人员经费(?:合计)?$", "personnel_expense"),
            (r"^公用经费(?:合计)?$", "public_expense"),
        )
    ),
}
# total-row tables: the 合计 row × these columns
_COL_KEYS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "T02": tuple(
        (re.compile(rx), key)
        for rx, key in (
            (r"本年收入合计", "income_this_year"),
            (r"^财政拨款收入$|财政拨款", "fiscal_appropriation_income"),
            (r"事业收入", "business_income"),
            (r"^经营收入$", "operating_income"),
            (r"其他收入", "other_income"),
        )
    ),
    "T03": tuple(
        (re.compile(rx), key)
        for rx, key in (
            (r"本年支出合计|^合计$", "expenditure_this_year"),
            (r"基本支出", "basic_expenditure"),
            (r"项目支出", "project_expenditure"),
        )
    ),
}
_T09_ITEMS = (
    (re.compile(r"购置及运行|小计"), None),
    (re.compile(r"合计"), "three_public_total"),
    (re.compile(r"因公出国"), "outbound_travel"),
    (re.compile(r"购置"), "vehicle_purchase"),
    (re.compile(r"运行"), "vehicle_operation"),
    (re.compile(r"接待"), "official_reception"),
)


@dataclass(slots=True)
class Rendered:
    text: str
    offsets: list[list[int]]  # start offset of each cell in ``text``


def render(rows: list[list[str]], base: int = 0) -> Rendered:
    parts: list[str] = []
    offsets: list[list[int]] = []
    pos = base
    for row in rows:
        offs = []
        for cell in row:
            pos += 1  # the tab before each cell
            offs.append(pos)
            pos += len(cell)
        offsets.append(offs)
        parts.append("".join("\t" + c for c in row) + "\n")
        pos += 1
    return Rendered("".join(parts), offsets)


def identify(context: str) -> str | None:
    text = re.sub(r"\s+", "", context)
    code = _CODE.search(text)
    if code:
        return f"T0{code.group(1)}"
    for tid, rx in TITLES:
        if rx.search(text):
            return tid
    return None


def _num(cell: str) -> tuple[Decimal, Decimal] | None:
    c = cell.strip().replace("，", ",")
    if not c or not _NUM.match(c):
        return None
    try:
        d = Decimal(c.replace(",", ""))
    except InvalidOperation:
        return None
    exp = d.as_tuple().exponent
    return d, Decimal(1).scaleb(exp if isinstance(exp, int) else 0)


def _label(cell: str) -> str:
    return _PREFIX.sub("", cell.replace("（", "(").replace("）", ")"))


def _header(rows: list[list[str]]) -> tuple[int, list[str]]:
    """Index of the first data row and a label per column (header rows stacked, merged cells carried)."""
    first_data = next(
        (i for i, r in enumerate(rows) if sum(1 for c in r if _num(c)) >= 1 and i > 0), len(rows)
    )
    width = max((len(r) for r in rows), default=0)
    labels = [""] * width
    for r in rows[:first_data]:
        if sum(1 for c in r if c.strip()) <= 1 and width > 2:
            continue  # a title or "单位:万元" line above the header
        carry = ""
        for j in range(width):
            c = r[j].strip() if j < len(r) else ""
            if c and (_UNIT.search(c) or len(c) > 30):
                c = ""
            carry = c or carry
            labels[j] += c or (carry if r is not rows[first_data - 1] else "")
    return first_data, labels


class _Out:
    def __init__(self, tid: str, rendered: Rendered, rows: list[list[str]], scale: Decimal) -> None:
        self.tid, self.r, self.rows, self.scale = tid, rendered, rows, scale
        self.figs: list[Figure] = []

    def add(self, key: str, i: int, j: int, row_label: str, col_label: str, kind: str = "value") -> None:
        parsed = _num(self.rows[i][j])
        if parsed is None:
            return
        value, prec = parsed
        measure: Measure = "amount"
        if self.scale != 1:
            value, prec = value * self.scale, prec * self.scale
        start = self.r.offsets[i][j]
        line = self.r.text.split("\n")[i].strip("\t")
        self.figs.append(
            Figure(
                key=key,
                value=value,
                measure=measure,
                precision=prec,
                snippet=line.replace("\t", " | "),
                span=(start, start + len(self.rows[i][j])),
                kind=kind,  # type: ignore[arg-type]
                source=f"table:{self.tid}:{row_label}:{col_label}",
            )
        )


def table_figures(tid: str, rows: list[list[str]], rendered: Rendered, context: str = "") -> list[Figure]:
    unit = _UNIT.search(context + "".join("".join(r) for r in rows[:4]))
    out = _Out(tid, rendered, rows, _SCALE[unit.group(1)] if unit else Decimal(1))
    first, labels = _header(rows)
    skip_cols = {j for j, lab in enumerate(labels) if "行次" in lab or "编码" in lab or "代码" in lab}
    if tid in _ROW_KEYS:
        label_cols = [j for j, lab in enumerate(labels) if re.search(r"项目|科目|名称", lab)] or [0]
        for i in range(first, len(rows)):
            row = rows[i]
            for j, cell in enumerate(row):
                lab = _label(cell)
                if not lab or _num(cell) or j in skip_cols:
                    continue
                for rx, key, first_side in _ROW_KEYS[tid]:
                    if rx.search(lab) and (not first_side or j <= label_cols[0]):
                        k = next(
                            (q for q in range(j + 1, len(row)) if q not in skip_cols and _num(row[q])), None
                        )
                        if k is not None:
                            out.add(key, i, k, lab, labels[k] if k < len(labels) else "")
                        break
    elif tid in _COL_KEYS:
        total = next(
            (i for i in range(first, len(rows)) if any(_label(c) in ("合计", "总计") for c in rows[i])), None
        )
        if total is not None:
            used: set[str] = set()
            for j, lab in enumerate(labels):
                for rx, key in _COL_KEYS[tid]:
                    if key not in used and rx.search(_label(lab)) and j < len(rows[total]):
                        used.add(key)
                        out.add(key, total, j, "合计", lab)
                        break
    elif tid == "T09":
        data = next((i for i in range(first, len(rows)) if sum(1 for c in rows[i] if _num(c)) >= 3), None)
        if data is not None:
            for j, lab in enumerate(labels):
                kind = "budget" if "预算" in lab else "value"
                for rx, item in _T09_ITEMS:
                    if rx.search(lab):
                        if item:
                            out.add(item, data, j, _label(rows[data][0]) or "决算", lab, kind)
                        break
    return out.figs


Grid = list[list[str]]


def grids_to_document(
    blocks: list[str | tuple[str, Grid]], *, fmt: str, encoding: str | None
) -> ParsedDocument:
    """``blocks`` in document order: prose strings, or (context, rows) tables whose context is the
    sheet name / caption; the last prose lines before a table also count as its title."""
    parts: list[str] = []
    pos = 0
    figures: list[Figure] = []
    found: list[str] = []
    recent = ""
    for block in blocks:
        if isinstance(block, str):
            text = _CR.sub("\n", block).rstrip("\n") + "\n"
            parts.append(text)
            pos += len(text)
            recent = "\n".join(text.strip().split("\n")[-3:])
            continue
        context, grid = block
        rows = [[_clean_cell(c) for c in r] for r in grid if any(str(c or "").strip() for c in r)]
        if context:
            head = _clean_cell(context) + "\n"
            parts.append(head)
            pos += len(head)
        if not rows:
            continue
        rendered = render(rows, pos)
        parts.append(rendered.text)
        pos += len(rendered.text)
        ctx = f"{recent}\n{context}"
        recent = ""
        tid = identify(ctx + " " + " ".join(" ".join(r) for r in rows[:3]))
        if tid is None:
            continue
        if tid not in found:
            found.append(tid)
        figures.extend(table_figures(tid, rows, rendered, ctx))
    text = "".join(parts)
    return analyse_text(
        text, fmt=fmt, encoding=encoding, table_figures=figures, tables=sorted(found), raw=True
    )


_CR = re.compile(r"\r\n?")


def _clean_cell(c: object) -> str:
    # a cell must stay on its row's line: line breaks inside CJK cells are layout, tabs are separators
    s = "" if c is None else str(c)
    if "\n" in s:
        s = _CELL_BREAK.sub("", s)
    if "\t" in s:
        s = s.replace("\t", " ")
    if "\r" in s:
        s = s.replace("\r", "")
    return s.strip()


_CELL_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")


def _cell_str(cell: object) -> str:
    value = getattr(cell, "value", cell)
    if value is None:
        return ""
    if isinstance(value, float):
        # openpyxl hands numbers over as float; the displayed decimals come from the number format,
        # so the Decimal we keep is the number the sheet shows, not the binary float
        fmt = getattr(cell, "number_format", "") or ""
        m = re.search(r"0\.(0+)", fmt)
        return f"{value:.{len(m.group(1))}f}" if m else repr(value).removesuffix(".0")
    return str(value)


def parse_xlsx(data: bytes) -> ParsedDocument:
    from tasks.parse.sniff import check_zip

    check_zip(data)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for broken files
        raise ParseError(f"unreadable XLSX: {e}") from e
    try:
        grids = [(ws.title, [[_cell_str(c) for c in row] for row in ws.iter_rows()]) for ws in wb.worksheets]
    finally:
        wb.close()
    return grids_to_document(list(grids), fmt="xlsx", encoding=None)


def parse_csv(text: str, *, delimiter: str = ",", encoding: str | None) -> ParsedDocument:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    return grids_to_document([("", rows)], fmt="csv", encoding=encoding)
