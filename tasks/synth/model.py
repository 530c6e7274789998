"""The synthetic unit and the vocabularies (templates, fault families, formats, encodings)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

# jiangjin: the sample's own wording; halfwidth: 西湖镇 / 洪湖镇 family; zongji: 珙县 family
TEMPLATES: tuple[str, ...] = ("jiangjin", "halfwidth", "zongji")
# One entry per fault family; a family may break two rule ids at once (a wrong share breaks both
# the 100 % sum and its recomputation).
FAULT_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("DQ-10",), ("DQ-25",), ("DQ-29",), ("DQ-34", "DQ-39"), ("DQ-35",), ("DQ-40",), ("DQ-31",),
)
FORMATS: tuple[str, ...] = ("text", "html", "docx")
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "gb18030", "utf-16")
EXTENSIONS = {"text": "txt", "html": "html", "docx": "docx", "xlsx": "xlsx", "pdf": "pdf"}


@dataclass(frozen=True, slots=True)
class SynthIndicator:
    name: str
    measure_unit: str
    operator: str
    target: Decimal
    actual: Decimal
    deviation_pct: Decimal
    weight: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class SynthProject:
    """One 项目支出绩效自评表 as the document shows it (internally consistent, DQ-43 … DQ-50)."""

    name: str
    initial_budget: Decimal
    adjusted_budget: Decimal
    executed: Decimal
    exec_rate_pct: Decimal
    exec_weight: Decimal
    exec_score: Decimal
    total_score: Decimal
    indicators: tuple[SynthIndicator, ...]


@dataclass(frozen=True)
class SyntheticUnit:
    unit_code: str
    unit_name: str
    parent_code: str | None
    unit_type: str  # 行政 | 参公 | 事业
    contact_email: str
    figures: dict[str, Decimal]
    changes: dict[str, tuple[Decimal, Decimal | None]]
    faults: tuple[str, ...]
    submits: bool
    template: str
    fmt: str
    encoding: str
    real_document: Path | None = None
    # rule ids whose identity carries a deliberate 0.01 rounding tail (not a fault)
    tails: tuple[str, ...] = ()
    # the 绩效自评表 the document shows (only some jiangjin / zongji units show tables)
    perf_projects: tuple[SynthProject, ...] = ()
    # the unit's place in the district: dept | town | school | hospital | center | real
    kind: str = "dept"

    # The dict fields would make the generated hash fail; a unit is identified by its code.
    def __hash__(self) -> int:
        return hash(self.unit_code)
