"""Project performance self-evaluation tables (项目支出绩效自评表) flattened into text.

Web pages and our own DOCX/HTML front-ends flatten a table to a *cell stream*: one cell after
each tab (merged cells leave empty cells, and a cell's text may span lines: "自评\\n\\n总分"),
or one cell per line ending in "|". Row boundaries are not recoverable, so the table is read by
its header words: the fund block by the 年初预算数 … header and its row labels (总额, 其中:财政
拨款, …), the indicators by the column headers and one operator cell (≥ ≤ =) per row.
"""

from __future__ import annotations

import re
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from tasks.model import PerfIndicator, PerfProject

_WS = re.compile(r"\s+")
_PARENS = re.compile(r"\([^()]*\)")
_NUMBER = re.compile(r"^[+-]?\d+(?:,\d{3})*(?:\.\d+)?%?$")
_SPACED_PROJECT = re.compile(r"项\s*目\s*名\s*称")  # "项目\n\n名称" as a wrapped header cell
# Header cells are recognised by their key (the cell without parenthesised notes, see _key):
_PROJECT = ("项目名称",)
_SCORE = ("总分", "自评总分", "自评得分")
_GRADE = ("等级", "评价等级", "自评等级", "评价结果")
_FUND_HEAD = ("年初", "年初预算", "年初数", "年初预算数")
_FUND_END = re.compile(r"绩效目标|绩效指标|年度目标|总体目标|项目基本情况")
_FUND_ROWS = (
    ("total", re.compile(r"总额|总金额|资金总额|合计")),
    ("fiscal", re.compile(r"财政拨款|财政资金")),
    ("carryover", re.compile(r"上年结转|结转资金")),
    ("special_account", re.compile(r"财政专户")),
    ("unit_funds", re.compile(r"单位资金|自有资金")),
    ("other", re.compile(r"其他资金|社会资金|其他")),
)
_IND_COLS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "指标名称": "name",
    "计量单位": "unit",
    "度量单位": "unit",
    "指标性质": "op",
    "指标值": "target",
    "年度指标值": "target",
    "全年完成值": "actual",
    "完成值": "actual",
    "实际完成值": "actual",
    "偏离度": "deviation",
    "得分系数": "coef",
    "指标权重": "weight",
    "权重": "weight",
    "分值": "weight",
    "指标得分": "score",
    "得分": "score",
    "说明": "note",
    "未完成原因分析": "note",
    "偏差原因分析及改进措施": "note",
}
_IND_FIRST = tuple(
    k for k, role in _IND_COLS.items() if role in ("name", "level1")
)  # where the header starts
_OPS = {"≥": "≥", ">=": "≥", "≧": "≥", "≤": "≤", "<=": "≤", "≦": "≤", "=": "=", "＝": "=", ">": ">", "<": "<"}
_QUALITATIVE = {"定性"}


_NON_TAB_WS = re.compile(r"[^\S\t]+")
_PIPED = re.compile(r"^[^\n]*\|[ \t]*$", re.MULTILINE)


def _cells(text: str) -> list[str]:
    """``text`` is already folded (see :func:`normalise.fold`)."""
    if text.count("\t") >= 8:
        first = text.index("\t")
        last = text.rfind("\t")
        end = text.find("\n", last)
        block = text[first + 1 : end if end >= 0 else len(text)]
        if "\x00" in block:
            return _NON_TAB_WS.sub("", block).split("\t")
        # drop every whitespace but the tabs: park the tabs on NUL, squeeze, split on NUL
        return "".join(block.replace("\t", "\x00").split()).split("\x00")
    piped = _PIPED.findall(text)
    if len(piped) >= 8:
        out: list[str] = []
        for ln in piped:
            out.extend(_WS.sub("", c) for c in ln.rstrip()[:-1].split("|"))
        return out
    return []


@lru_cache(maxsize=4096)
def _dec(cell: str | None) -> Decimal | None:
    if not cell or not _NUMBER.match(cell):
        return None
    try:
        return Decimal(cell.rstrip("%").replace(",", ""))
    except InvalidOperation:
        return None


def _key(cell: str) -> str:
    return _unparen(cell) if "(" in cell else cell


@lru_cache(maxsize=4096)
def _unparen(cell: str) -> str:
    return _PARENS.sub("", cell)


def _first(keys: list[str], names: tuple[str, ...], lo: int = 0) -> int | None:
    """Index of the first key (at or after ``lo``) that is one of ``names``."""
    best = len(keys)
    for name in names:
        with suppress(ValueError):
            best = keys.index(name, lo, best)
    return best if best < len(keys) else None


def _after(cells: list[str], keys: list[str], names: tuple[str, ...]) -> str | None:
    """The first non-empty cell of the two after a cell whose key is one of ``names``."""
    i = _first(keys, names)
    while i is not None:
        for nxt in cells[i + 1 : i + 3]:
            if nxt:
                return nxt
        i = _first(keys, names, i + 1)
    return None


def extract_perf_projects(text: str) -> list[PerfProject]:
    """``text`` is the folded document text."""
    if "指标" not in text or (
        "项目名称" not in text[:200000] and not _SPACED_PROJECT.search(text, 0, 200000)
    ):
        return []
    cells = _cells(text)
    keys = list(map(_key, cells))
    starts = [i for i, k in enumerate(keys) if k == _PROJECT[0]]
    projects = []
    for n, s in enumerate(starts):
        e = starts[n + 1] if n + 1 < len(starts) else len(cells)
        p = _project(cells[s:e], keys[s:e])
        if p:
            projects.append(p)
    return projects


def _project(cells: list[str], keys: list[str]) -> PerfProject | None:
    name = next((c for c in cells[1:4] if c), None)
    if not name:
        return None
    funds, exec_cols = _funds(cells, keys)
    total = funds.get("total") or next(iter(funds.values()), (None, None, None))
    score = _after(cells, keys, _SCORE)
    return PerfProject(
        name=name,
        total_score=_dec(score),
        initial_budget=total[0],
        adjusted_budget=total[1],
        executed=total[2],
        exec_rate_pct=exec_cols.get("rate"),
        exec_weight=exec_cols.get("weight"),
        exec_score=exec_cols.get("score"),
        grade=_after(cells, keys, _GRADE),
        indicators=tuple(_indicators(cells, keys)),
        funds=funds,
        snippet=f"项目名称 {name}",
    )


def _fund_roles(header: list[str]) -> list[str]:
    """``header``: the header cells' keys."""
    roles = []
    for k in header:
        if "原因" in k or "说明" in k:
            roles.append("note")
        elif "得分" in k:
            roles.append("score")
        elif "权重" in k or "分值" in k:
            roles.append("weight")
        elif "执行率" in k:
            roles.append("rate")
        elif "年初" in k:
            roles.append("initial")
        elif "执行数" in k:
            roles.append("executed")
        else:
            roles.append("adjusted")
    return roles


def _funds(
    cells: list[str], keys: list[str]
) -> tuple[dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]], dict[str, Decimal | None]]:
    h = _first(keys, _FUND_HEAD)
    if h is None:
        return {}, {}
    j = h
    while j < len(cells) and cells[j] and _dec(cells[j]) is None and not _row_label(cells[j]):
        j += 1
    roles = _fund_roles(keys[h:j])
    ncols = len(roles)
    rows: list[tuple[str, list[str]]] = []
    label = "total"
    current: list[str] = []
    for c in cells[j:]:
        if _FUND_END.search(c):
            break
        lab = _row_label(c)
        if lab and len(c) <= 12:
            if current or rows:
                rows.append((label, current))
            label, current = lab, []
            continue
        current.append(c)
    rows.append((label, current))
    funds: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]] = {}
    exec_cols: dict[str, Decimal | None] = {}
    for label, vals in rows:
        while len(vals) > ncols and not vals[0]:
            vals = vals[1:]
        vals = (vals + [""] * ncols)[:ncols]
        by_role = dict(zip(roles, vals, strict=True))
        if label in funds:
            continue
        funds[label] = (
            _dec(by_role.get("initial")),
            _dec(by_role.get("adjusted")),
            _dec(by_role.get("executed")),
        )
        if not exec_cols:
            exec_cols = {r: _dec(by_role.get(r)) for r in ("rate", "weight", "score")}
    return funds, exec_cols


@lru_cache(maxsize=4096)
def _row_label(cell: str) -> str | None:
    if not cell or _dec(cell) is not None:
        return None
    for key, rx in _FUND_ROWS:
        if rx.search(cell):
            return key
    return None


def _indicators(cells: list[str], keys: list[str]) -> list[PerfIndicator]:
    h = _first(keys, _IND_FIRST)
    if h is None:
        return []
    header: list[str] = []
    j = h
    while j < len(cells) and keys[j] in _IND_COLS:
        header.append(_IND_COLS[keys[j]])
        j += 1
    if "op" not in header or "name" not in header:
        return []
    op_col = header.index("op")
    # each role's column relative to the operator cell (a repeated role: its first column)
    offset = {role: k - op_col for k, role in reversed(list(enumerate(header)))}
    n = len(cells)
    out = []
    level1 = level2 = None
    for p in range(j, n):
        op = cells[p]
        if op not in _OPS and op not in _QUALITATIVE:
            continue

        def col(role: str, _p: int = p) -> str | None:
            off = offset.get(role)
            if off is None:
                return None
            q = _p + off
            return cells[q] if j <= q < n else None

        name = col("name")
        if not name or _dec(name) is not None:
            continue
        level1 = col("level1") or level1
        level2 = col("level2") or level2
        unit = col("unit")
        out.append(
            PerfIndicator(
                name=name,
                measure_unit=unit or None,
                operator=_OPS.get(op),
                target=_dec(col("target")),
                actual=_dec(col("actual")),
                deviation_pct=_dec(col("deviation")),
                weight=_dec(col("weight")),
                score=_dec(col("score")),
                note=col("note") or None,
                level1=level1 if "level1" in header else None,
                level2=level2 if "level2" in header else None,
                snippet=" ".join(c for c in cells[p - op_col : p - op_col + len(header)] if c),
            )
        )
    return out
