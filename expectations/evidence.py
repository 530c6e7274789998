"""Provenance for results, and the document's own explanations for warnings.

Evidence is the figures a result is about, as the document stated them (value, snippet, span,
source), so feedback quotes the unit's own sentence. An explanation is a reason clause
("主要原因…", "原因是…", "由于…") in the figure's own clause or the sentence right after it, or, for
a change against 上年 / 预算, a reason paragraph just below that names the same comparison
(:func:`explanation`); the text comes from ``staging.document_text``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import duckdb

from expectations.facts import rewrite
from expectations.results import Finding, num
from warehouse.sql import statement

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


# A document's statements by token ("income_total", "income_total@change"), in document order.
ByToken = dict[str, list[Stated]]


def load_figures(
    con: duckdb.DuckDBPyConnection, year: int, wanted: Iterable[tuple[str, str]] | None = None,
    units: tuple[str, str] | None = None,
) -> dict[str, ByToken]:
    """The figures of the year's current submissions (only the (sha256, token) pairs ``wanted``
    of the units ``units[0]``..``units[1]`` when given): by document, then by token, in document
    order, at most a few per token (evidence shows no more); inside
    ``facts.materialised``."""
    where = "" if units is None else " and unit_code between $lo and $hi"
    query = rewrite(
        "select sha256, key, kind, value, measure, snippet, span_start, span_end, source, reason_text(snippet) "
        "from (select *, case when kind = 'value' then key else key || '@' || kind end as token "
        f"      from staging.rule_figure where year = $year{where}) "
        + ("semi join incoming_wanted using (sha256, token) " if wanted is not None else "")
        + "qualify row_number() over (partition by sha256, token order by span_start, seq) <= $per_token "
        "order by sha256, span_start, seq"
    )
    params: dict[str, Any] = {"year": year, "per_token": _MAX_PER_KEY}
    if units is not None:
        params.update(lo=units[0], hi=units[1])
    if wanted is None:
        rows = con.execute(query, params).fetchall()
    else:
        # here, not at the top: the feedback's worker processes quote sentences and never load figures
        import polars as pl

        con.register("incoming_wanted", pl.DataFrame(list(wanted), schema={"sha256": pl.String, "token": pl.String},
                                                     orient="row"))
        try:
            rows = con.execute(query, params).fetchall()
        finally:
            con.unregister("incoming_wanted")
    out: dict[str, ByToken] = defaultdict(lambda: defaultdict(list))
    for sha, key, kind, value, measure, snippet, start, end, source, reason in rows:
        s = Stated(key, kind, value, measure, snippet, (start, end), source, reason)
        out[sha][s.token].append(s)
    return {sha: dict(by_token) for sha, by_token in out.items()}


def tokens_of(findings: list[Finding]) -> list[str]:
    seen: dict[str, None] = {}
    for f in findings:
        for token in f.figure_keys.split(","):
            if token.strip():
                seen.setdefault(token.strip(), None)
    return list(seen)


def figures_for(stated: ByToken, tokens: list[str]) -> list[Stated]:
    """All statements of each token (DQ-38 needs every one), a few per key at most."""
    out: list[Stated] = []
    for token in tokens:
        out += stated.get(token, ())
    return out


def build(stated: ByToken, tokens: list[str], findings: list[Finding]) -> dict[str, Any]:
    evidence: dict[str, Any] = {"figures": [s.as_json() for s in figures_for(stated, tokens)]}
    if findings:
        evidence["findings"] = [f.as_json() for f in findings]
    return evidence


def document_texts(con: duckdb.DuckDBPyConnection, shas: Iterable[str]) -> dict[str, str]:
    """sha256 → text of these documents (``staging.document_text``)."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    return dict(con.execute(statement("document_texts"), {"shas": wanted}).fetchall())


# Rules whose warning is about one comparison (vs 上年 or vs 预算) in one direction: a reason
# paragraph after the figures must name the same comparison and not the opposite direction.
COMPARISON_RULES = frozenset({"DQ-30", "DQ-42"})
_CLAUSE_END = "。；;\n"
# How many paragraphs after the figure's own may hold its reason ("…小于上年决算数的主要情况:…").
_REASON_PARAGRAPHS = 3
# How far into the sentence after the figure's a reason may start ("。主要原因是…", "。增加的主要原因是…").
_NEXT_SENTENCE_LEAD = 12
_DOWN = re.compile(r"小于|少于|低于|减少|下降|节约|节支|未超")
_UP = re.compile(r"大于|多于|高于|增加|增长|上升|超过|超支|超出")


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a warning is about: ``base`` "prev" (上年) or "budget" (预算), ``direction`` +1 / −1."""

    base: str
    direction: int | None = None


def comparison_of(rule_id: str, finding: Finding) -> Comparison | None:
    if rule_id not in COMPARISON_RULES:
        return None
    base = "budget" if "预算" in finding.detail else "prev"
    value = finding.difference if finding.difference is not None else finding.observed
    direction = None if value is None or value == 0 else (1 if value > 0 else -1)
    return Comparison(base, direction)


def explanation(stated: ByToken, tokens: list[str], text: str | None = None,
                comparison: Comparison | None = None) -> str | None:
    """The document's own reason for the figures involved, or None.

    With the document text: a reason clause in the figure's own clause (up to the next 。/；), or
    at the start of the sentence right after it; or, for a comparison warning (``comparison``), a
    reason paragraph among the few that follow the figure's paragraph whose lead names the same
    comparison (上年 / 预算) and not the opposite direction ("…小于上年决算数的主要情况:…").
    Without the text (a warehouse loaded before document texts were kept): a reason clause in the
    figure's own snippet."""
    involved = figures_for(stated, tokens)
    if not involved:
        return None
    if text:
        for s in involved:
            found = _reason_in_text(text, s.span, comparison)
            if found:
                return found
        return None
    for s in involved:
        if s.reason:
            return s.snippet
    return None


def _reason_in_text(text: str, span: tuple[int, int], comparison: Comparison | None) -> str | None:
    start, end = span
    if not (0 <= start < end <= len(text)):
        return None
    c0, c1 = _stretch(text, start, end, _CLAUSE_END)
    m = REASON.search(text, c0, c1 + 1)
    if m:
        return _sentence(text, m.start(), m.end())
    if c1 < len(text) and text[c1] != "\n":
        # the next sentence, when it opens with the reason ("。主要原因是…")
        m = REASON.search(text, c1 + 1, min(len(text), c1 + 1 + _NEXT_SENTENCE_LEAD + 8))
        if m and m.start() - (c1 + 1) <= _NEXT_SENTENCE_LEAD and "\n" not in text[c1:m.start()]:
            return _sentence(text, m.start(), m.end())
    if comparison is None:
        return None
    para_end = text.find("\n", end)
    for _ in range(_REASON_PARAGRAPHS):
        if para_end < 0:
            return None
        nxt = text.find("\n", para_end + 1)
        paragraph = text[para_end + 1 : len(text) if nxt < 0 else nxt]
        para_end = nxt
        m = REASON.search(paragraph)
        if not m:
            return None  # reasons stand right after the figures, not anywhere below
        lead = paragraph[: m.start()]
        if _about(lead, comparison):
            return paragraph[: paragraph.find("。", m.end()) + 1 or len(paragraph)].strip()
    return None


def _about(lead: str, comparison: Comparison) -> bool:
    """Whether a reason paragraph's lead ("2024年度“三公”经费支出决算小于上年决算数的") is about
    the same comparison, in a direction that does not contradict the figure's."""
    names_prev, names_budget = "上年" in lead, "预算" in lead
    if (comparison.base == "prev" and not names_prev) or (comparison.base == "budget" and not names_budget):
        return False
    if comparison.direction is not None:
        down, up = bool(_DOWN.search(lead)), bool(_UP.search(lead))
        if (comparison.direction > 0 and down and not up) or (comparison.direction < 0 and up and not down):
            return False
    return True


def _sentence(text: str, start: int, end: int) -> str:
    """The whole sentence holding text[start:end]."""
    s0, s1 = _stretch(text, start, end, "。\n")
    return text[s0 : s1 + 1].strip()


_LOOK_BACK = 64


@cache
def _any_of(chars: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(chars)}]")


def _stretch(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    """The stretch of ``text`` around [start, end) between stop characters: from just after the
    last stop before ``start`` (or 0) to the first stop at or after ``end`` (or ``len(text)``).

    A ``find`` per stop character scans the whole rest of the text for each one that is absent,
    which made quoting quadratic in long documents; these look only as far as the nearest stop."""
    m = _any_of(stops).search(text, end)
    s1 = m.start() if m else len(text)
    lo, width = start, _LOOK_BACK
    while lo > 0:
        lo = max(0, lo - width)
        found = max(text.rfind(c, lo, start) for c in stops)
        if found >= 0:
            return found + 1, s1
        width *= 4
    return 0, s1


# Where a quoted sentence ends: Chinese full stops, question/exclamation marks, and line breaks.
_SENTENCE_END = "。！？!?\n"
_QUOTE_LIMIT = 240


def sentence_at(text: str, span: tuple[int, int], *, limit: int = _QUOTE_LIMIT) -> tuple[str, str, str] | None:
    """The sentence of ``text`` holding ``span``, as (before, figure, after), or None when the span
    does not fit the text. A sentence longer than ``limit`` characters is cut around the figure."""
    start, end = span
    if not (0 <= start < end <= len(text)):
        return None
    s0, s1 = _stretch(text, start, end, _SENTENCE_END)
    s1 = min(s1 + 1, len(text))
    before, hit, after = text[s0:start], text[start:end], text[end:s1].rstrip("\n")
    room = max(0, limit - len(hit)) // 2
    if len(before) > room:
        before = "…" + before[len(before) - room:]
    if len(after) > room:
        after = after[:room] + "…"
    return before.lstrip(), hit, after.rstrip()
