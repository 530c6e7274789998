"""What a check run produces: one :class:`RuleResult` per unit × rule, and the ``check --json`` shape."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Status = Literal["pass", "fail", "not_applicable", "waived"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One row a rule's SQL returned: a failure, or a rounding tail within tolerance."""

    unit_code: str
    year: int
    sha256: str
    observed: Decimal | None
    expected: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    detail: str
    figure_keys: str

    @property
    def is_failure(self) -> bool:
        # Same predicate as engines.FAILURE_SQL: a row without a difference is a logic failure.
        if self.difference is None:
            return True
        return abs(self.difference) > (self.tolerance or Decimal(0))

    def as_json(self) -> dict[str, Any]:
        return {
            "observed": num(self.observed), "expected": num(self.expected),
            "difference": num(self.difference), "tolerance": num(self.tolerance), "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class RuleResult:
    unit_code: str
    year: int
    sha256: str
    rule_id: str
    severity: str
    status: Status
    title: str
    message: str
    observed: Decimal | None = None
    expected: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    explanation: str | None = None
    fix: str = ""

    @property
    def is_error(self) -> bool:
        return self.status == "fail" and self.severity == "error"

    @property
    def is_warning(self) -> bool:
        return self.status == "fail" and self.severity == "warning"

    def evidence_json(self) -> str:
        return json.dumps(self.evidence, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class CheckRunSummary:
    """One run of ``run_checks``. ``results`` holds what the caller asked to keep (every row, only
    the fail / waived ones, or none: see ``run_checks(keep=…)``); the counts (``rows``,
    ``errors``, ``warnings``, :meth:`by_status`) always cover every row written to ``dq.result``."""

    run_id: str
    year: int
    engine: str
    rules_version: str
    units: int
    results: Sequence[RuleResult]
    seconds: float
    data_docs: str | None = None
    # (status, severity) → rows written; None: count ``results``
    tally: Mapping[tuple[str, str], int] | None = None

    def _tally(self) -> Mapping[tuple[str, str], int]:
        if self.tally is not None:
            return self.tally
        out: dict[tuple[str, str], int] = {}
        for r in self.results:
            out[(r.status, r.severity)] = out.get((r.status, r.severity), 0) + 1
        return out

    @property
    def rows(self) -> int:
        return sum(self._tally().values())

    @property
    def errors(self) -> int:
        return self._tally().get(("fail", "error"), 0)

    @property
    def warnings(self) -> int:
        return self._tally().get(("fail", "warning"), 0)

    def by_status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (status, _), n in self._tally().items():
            out[status] = out.get(status, 0) + n
        return out


def num(value: Decimal | None) -> float | int | None:
    """A JSON number for display; the exact Decimal stays in the warehouse."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def fmt(value: Decimal | None) -> str:
    """Decimal for messages without trailing zeros beyond two places (0.010000 → 0.01)."""
    if value is None:
        return "—"
    q = value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value.normalize()
    return format(q, "f")


def results_json(results: Iterable[RuleResult]) -> dict[str, Any]:
    """DESIGN.md §5: the ``juesuan check --json`` document."""
    rows = list(results)
    return {
        "results": [
            {
                "rule_id": r.rule_id, "severity": r.severity, "status": r.status, "message": r.message,
                "observed": num(r.observed), "expected": num(r.expected), "evidence": r.evidence,
            }
            for r in rows
        ],
        "errors": sum(r.is_error for r in rows),
        "warnings": sum(r.is_warning for r in rows),
    }
