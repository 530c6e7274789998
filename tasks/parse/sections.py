"""Section headings (第X部分 / 一、 / (一)) and the ranges figures must not come from.

Levels: 第X部分 → 0, 一、 → 1, (一) → 2; a bare "专业名词解释" line counts as level 1. A heading is a
short line without clause punctuation, so numbered glossary entries ("(一)财政拨款收入:指…") and
numbered paragraphs ("1.收入支出总体情况。2024年度收入总计…") are not headings. Table-of-contents
lines ("七、政府性基金…说明 7") are not sections; they, and the glossary, are skipped for figures.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tasks.model import Section
from tasks.parse.normalise import fold

_LEVELS = (
    (0, re.compile(r"^第[一二三四五六七八九十]+部分")),
    # "二、2024年度决算情况说明" is a heading; "一.5" is not
    (1, re.compile(r"^[一二三四五六七八九十]+(?:、|\.(?!\d))")),
    (2, re.compile(r"^\([一二三四五六七八九十]+\)")),
)
_STANDALONE = re.compile(r"^(?:专业)?名词解释$|^(?:决算公开)?联系方式$")
_TOC_LINE = re.compile(r"[^\d\s]\s*\.{0,40}\s+\d{1,3}$")
_TOC_HEAD = re.compile(r"^目\s*录$")
_NON_SPACE = re.compile(r"\S")
_NOT_HEADING = re.compile(r"[,;:]指|[,;]|:反映")

SECTION_IDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (sid, re.compile(rx))
    for sid, rx in (
        ("glossary", r"名词解释"),
        ("contact", r"联系方式|信息反馈|联系人"),
        ("tables", r"公开表|决算表|报表"),
        ("sangong", r"三公"),
        ("meeting_training", r"会议费|培训费"),
        ("operating_expense", r"机关运行经费"),
        ("assets", r"国有资产"),
        ("procurement", r"政府采购"),
        ("performance", r"绩效"),
        ("gov_fund", r"政府性基金"),
        ("state_capital", r"国有资本"),
        ("basic_expenditure", r"基本支出"),
        ("general_budget", r"一般公共预算"),
        ("fiscal_appropriation", r"财政拨款收[入]?[、和]?支"),
        ("income_expenditure", r"收[入]?[、和]?支[出]?(?:决算)?总体|收支总体"),
        ("carry_over", r"结转结余|结转和结余"),
        ("income", r"收入(?:决算|情况)"),
        ("expenditure", r"支出(?:决算|情况)"),
        ("other_matters", r"其他需要说明|其他重要事项|其他事项"),
        ("overview", r"基本情况|概况"),
        ("functions", r"职能|职责"),
        ("organisation", r"机构设置|单位构成|人员情况|决算单位构成"),
        ("final_accounts", r"决算情况|决算说明"),
    )
)


@lru_cache(maxsize=4096)  # documents reuse their headings
def section_id(title: str) -> str | None:
    t = fold(title)
    for sid, rx in SECTION_IDS:
        if rx.search(t):
            return sid
    return None


# led by a literal newline so the scan is fast; the text is searched with a "\n" prepended
_CANDIDATE = re.compile(
    r"\n[ \t\u3000]*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]"
    r"|(?:专业)?名词解释|(?:决算公开)?联系方式|目\s*录)[^\n]*"
)


@lru_cache(maxsize=8192)  # documents reuse their headings and numbered lines
def _line_kind(stripped: str) -> tuple[str, int, str | None]:
    """A candidate line (stripped): ("toc_head" | "text" | "toc_line" | "heading", level, section id)."""
    if _TOC_HEAD.match(stripped):
        return "toc_head", -1, None
    if len(stripped) > 40:
        return "text", -1, None
    f = fold(stripped)  # folding is one character for one, so this is the folded line
    level = None
    for lv, rx in _LEVELS:
        if rx.match(f):
            level = lv
            break
    if level is None and _STANDALONE.match(f):
        level = 1
    if level is None or _NOT_HEADING.search(f):
        return "text", -1, None
    if _TOC_LINE.search(stripped):
        return "toc_line", level, None
    return "heading", level, section_id(f)


def find_sections(text: str, folded: str | None = None) -> tuple[list[Section], list[tuple[int, int]]]:
    """Sections in order, plus original-text ranges to skip for figures (目录 lines, glossary).

    ``folded`` is accepted for callers that have it; lines are folded one at a time (and cached).
    """
    sections: list[Section] = []
    skip: list[tuple[int, int]] = []
    in_toc = False
    prev_end = 0
    for m in _CANDIDATE.finditer("\n" + text):
        start, end = m.start(), m.end() - 1  # back to ``text`` offsets, newline excluded
        if _NON_SPACE.search(text, prev_end, start):
            in_toc = False  # ordinary text between two candidate lines ends a 目录
        prev_end = end
        line = m.group()[1:]
        stripped = line.strip()
        kind, level, sid = _line_kind(stripped)
        if kind == "toc_head":
            in_toc = True
            skip.append((start, end))
        elif kind == "text":
            in_toc = False
        elif kind == "toc_line" or (in_toc and level > 0):
            skip.append((start, end))
        else:
            in_toc = False
            lead = start + (len(line) - len(line.lstrip()))
            sections.append(Section(title=stripped, level=level, span_start=lead, section_id=sid))
    for i, sec in enumerate(sections):
        if sec.section_id != "glossary":
            continue
        end = len(text)
        for nxt in sections[i + 1 :]:
            if nxt.level <= sec.level:
                end = nxt.span_start
                break
        skip.append((sec.span_start, end))
    return sections, skip
