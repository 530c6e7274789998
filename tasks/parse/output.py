"""The stable ``juesuan parse FILE --json`` shape (numbers become JSON numbers only here)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from tasks.model import ParsedDocument


def _num(d: Decimal | None) -> int | float | None:
    if d is None:
        return None
    exp = d.as_tuple().exponent
    if d == d.to_integral_value() and isinstance(exp, int) and exp >= 0:
        return int(d)
    return float(d)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return _num(obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def to_json(doc: ParsedDocument) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    changes: dict[str, dict[str, Any]] = {}
    for f in doc.figures:
        if f.kind == "value":
            if f.key not in figures:
                figures[f.key] = _num(f.value)
                provenance[f.key] = {"snippet": f.snippet, "span": list(f.span), "source": f.source}
        elif f.kind in ("change", "change_pct"):
            changes.setdefault(f.key, {}).setdefault(f.kind, _num(f.value))
    conflicts = {key: [_num(f.value) for f in figs] for key, figs in doc.conflicts().items()}
    return {
        "figures": figures,
        "provenance": provenance,
        "changes": changes,
        "conflicts": conflicts,
        "unit_name": doc.unit_name,
        "year": doc.year,
        "format": doc.format,
        "encoding": doc.encoding,
        "parser_version": doc.parser_version,
        "sections": [
            {"title": s.title, "level": s.level, "span_start": s.span_start, "section_id": s.section_id}
            for s in doc.sections
        ],
        "perf_projects": [_plain(asdict(p)) for p in doc.perf_projects],
        "tables": list(doc.tables),
        "warnings": list(doc.warnings),
    }
