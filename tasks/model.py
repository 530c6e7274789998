"""The canonical shapes that pass between stages.

A parser turns document bytes into a :class:`ParsedDocument`; the loader writes it to
``staging.*``; the rules read it back through views. Keys are the stable names of
DESIGN.md §3. Money is :class:`~decimal.Decimal` in 万元 from the moment it is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

# amount: 万元; yuan: 元 (per-capita figures the documents state in 元); pct: percent as stated;
# count: integers (vehicles, people, batches, projects).
Measure = Literal["amount", "yuan", "pct", "count"]

# value: the figure itself; change / change_pct: the stated year-over-year change (signed, so
# "减少15.2万元" is -15.2); prev: a stated last-year value; budget / budget_pct: a stated budget
# and completion rate.
Kind = Literal["value", "change", "change_pct", "prev", "budget", "budget_pct"]


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    value: Decimal
    measure: Measure
    # One unit of the last digit the document wrote, in the normalised unit: "0.498万元" → 0.001,
    # "18.9%" → 0.1, "1.2亿元" → 1000. Tolerances derive from it (half of it is the rounding error).
    precision: Decimal
    snippet: str
    span: tuple[int, int]
    kind: Kind = "value"
    # "text" for narrative, "table:<table id>:<row label>:<column label>" for a table cell.
    source: str = "text"


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    level: int
    span_start: int
    # canonical section id (e.g. "sangong", "procurement") when the title is recognised
    section_id: str | None = None


@dataclass(frozen=True, slots=True)
class PerfIndicator:
    name: str
    measure_unit: str | None
    operator: str | None  # ≥ ≤ = or None for qualitative
    target: Decimal | None
    actual: Decimal | None
    deviation_pct: Decimal | None
    weight: Decimal | None
    score: Decimal | None
    note: str | None
    level1: str | None = None
    level2: str | None = None
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class PerfProject:
    name: str
    total_score: Decimal | None
    initial_budget: Decimal | None  # 年初预算数 (万元)
    adjusted_budget: Decimal | None  # 全年(调整)预算数 A
    executed: Decimal | None  # 全年执行数 B
    exec_rate_pct: Decimal | None
    exec_weight: Decimal | None
    exec_score: Decimal | None
    grade: str | None
    indicators: tuple[PerfIndicator, ...] = ()
    # fund rows as stated: {"total": (initial, A, B), "fiscal": (...), ...}
    funds: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]] = field(default_factory=dict)
    snippet: str = ""


@dataclass(slots=True)
class ParsedDocument:
    format: str  # text | html | docx | pdf | xlsx | csv
    encoding: str | None
    parser_version: str
    text: str
    unit_name: str | None = None
    year: int | None = None
    figures: list[Figure] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    perf_projects: list[PerfProject] = field(default_factory=list)
    # standard tables found in the document (T01 … T09), for the completeness rules
    tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def values(self, kind: Kind = "value") -> dict[str, Decimal]:
        """First stated value per key; later disagreeing statements are kept in ``figures``."""
        out: dict[str, Decimal] = {}
        for f in self.figures:
            if f.kind == kind and f.key not in out:
                out[f.key] = f.value
        return out

    def conflicts(self) -> dict[str, list[Figure]]:
        """Keys stated more than once with different values (reported by DQ-38, never resolved here)."""
        seen: dict[tuple[str, str], list[Figure]] = {}
        for f in self.figures:
            seen.setdefault((f.key, f.kind), []).append(f)
        return {
            key if kind == "value" else f"{key}.{kind}": figs
            for (key, kind), figs in seen.items()
            if len({fig.value for fig in figs}) > 1
        }


class ParseError(Exception):
    """The document cannot be read at all (empty, binary junk, encrypted, no text layer)."""
