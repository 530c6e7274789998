"""Provenance for results, and the document's own explanations for warnings.

Evidence is the figures a result is about, as the document stated them (value, snippet, span,
source), so feedback quotes the unit's own sentence. An explanation is a reason clause
("主要原因…", "原因是…", "由于…") in the same sentence or paragraph as those figures; the warehouse
keeps snippets, not whole documents, so "paragraph" means the snippets of figures stated within
a few hundred characters.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from expectations.results import Finding, num

# How far around the figures a reason may stand and still explain them (characters).
_BEFORE, _AFTER = 200, 400
_MAX_PER_KEY = 5
# Same pattern as the reason_text() macro in warehouse/views/30_rules_facts.sql.
REASON = re.compile(r"(主要原因|原因是|原因为|原因[:：]|由于|的主要情况[:：])[是为:：,，\s]*([^。；;\n]{4,})")


@dataclass(frozen=True, slots=True)
class Stated:
    key: str
    kind: str
    value: Decimal
    measure: str
    snippet: str
    span: tuple[int, int]
    source: str
    reason: str | None

    @property
    def token(self) -> str:
        return self.key if self.kind == "value" else f"{self.key}@{self.kind}"

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "value": num(self.value), "measure": self.measure,
                "snippet": self.snippet, "span": list(self.span), "source": self.source}


def load_figures(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, list[Stated]]:
    """Every figure of the year's current submissions, by document, in document order."""
    rows = con.execute(
        "select sha256, key, kind, value, measure, snippet, span_start, span_end, source, "
        "reason_text(snippet) from staging.rule_figure where year = $year order by sha256, span_start, seq",
        {"year": year},
    ).fetchall()
    out: dict[str, list[Stated]] = defaultdict(list)
    for sha, key, kind, value, measure, snippet, start, end, source, reason in rows:
        out[sha].append(Stated(key, kind, value, measure, snippet, (start, end), source, reason))
    return out


def tokens_of(findings: list[Finding]) -> list[str]:
    seen: dict[str, None] = {}
    for f in findings:
        for token in f.figure_keys.split(","):
            if token.strip():
                seen.setdefault(token.strip(), None)
    return list(seen)


def figures_for(stated: list[Stated], tokens: list[str]) -> list[Stated]:
    """All statements of each token (DQ-38 needs every one), a few per key at most."""
    out: list[Stated] = []
    for token in tokens:
        out += [s for s in stated if s.token == token][:_MAX_PER_KEY]
    return out


def build(stated: list[Stated], tokens: list[str], findings: list[Finding]) -> dict[str, Any]:
    evidence: dict[str, Any] = {"figures": [s.as_json() for s in figures_for(stated, tokens)]}
    if findings:
        evidence["findings"] = [f.as_json() for f in findings]
    return evidence


def explanation(stated: list[Stated], tokens: list[str], text: str | None = None) -> str | None:
    """The document's own reason for the figures involved, or None.

    With the document text (``check FILE``, or a caller that still holds it): a reason clause in
    the figure's paragraph from its sentence on, or in the next paragraph (templates that put
    "…的主要情况:" on its own line). Without it: reason clauses in the snippets of figures
    stated nearby, since snippets are all the warehouse keeps."""
    involved = figures_for(stated, tokens)
    if not involved:
        return None
    if text:
        for s in involved:
            found = _reason_in_text(text, s.span)
            if found:
                return found
        return None
    for s in involved:
        if s.reason:
            return s.snippet
    lo = min(s.span[0] for s in involved) - _BEFORE
    hi = max(s.span[1] for s in involved) + _AFTER
    anchor = involved[0].span[0]
    near = [s for s in stated if s.reason and lo <= s.span[0] <= hi]
    if not near:
        return None
    return min(near, key=lambda s: abs(s.span[0] - anchor)).snippet


def _reason_in_text(text: str, span: tuple[int, int]) -> str | None:
    start = max(text.rfind("。", 0, span[0]), text.rfind("\n", 0, span[0])) + 1
    end = text.find("\n", span[1])
    end = len(text) if end < 0 else end
    following = text.find("\n", end + 1)
    window = text[start:len(text) if following < 0 else following]
    m = REASON.search(window)
    if not m:
        return None
    # quote the whole sentence the reason stands in
    s0 = max(window.rfind("。", 0, m.start()), window.rfind("\n", 0, m.start())) + 1
    s1 = min([i for i in (window.find("。", m.end()), window.find("\n", m.end())) if i >= 0] or [len(window)])
    return window[s0 : s1 + 1].strip()
