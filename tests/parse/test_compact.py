"""The compact view (normalise.build_compact) equals its plain definition, run by run.

``build_compact`` is built for speed (one split, list operations, a per-run cache, a fast path for
line breaks); the oracle below is the straightforward loop it replaced. Same text, same offsets.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.parse.normalise import (
    _PAGE_NO,
    _SENT_END,
    _WS_ANY,
    BOUNDARY,
    MARKER,
    build_compact,
    fold,
    is_heading_line,
)


def _oracle_separator(text: str, s: int, e: int, ws: str) -> str:
    if "\t" in ws:
        return BOUNDARY
    if "\n" not in ws:
        return " " if text[s - 1].isdigit() and e < len(text) and text[e].isdigit() else ""
    if ws.count("\n") > 1 or fold(text[s - 1]) in _SENT_END:
        return BOUNDARY
    prev = text[text.rfind("\n", 0, s) + 1 : s].strip()
    nxt_end = text.find("\n", e)
    nxt = text[e : nxt_end if nxt_end >= 0 else len(text)].strip()
    if is_heading_line(prev) or MARKER.match(nxt) or _PAGE_NO.match(prev) or _PAGE_NO.match(nxt):
        return BOUNDARY
    return ""


def oracle(text: str) -> tuple[str, list[int], list[int]]:
    folded = fold(text)
    pieces: list[str] = []
    cst: list[int] = []
    ost: list[int] = []
    clen = pos = 0
    for m in _WS_ANY.finditer(text):
        s, e = m.span()
        if s > pos:
            chunk = folded[pos:s]
            if not _PAGE_NO.match(chunk):
                pieces.append(chunk)
                cst.append(clen)
                ost.append(pos)
                clen += len(chunk)
        if clen and s > 0:
            sep = _oracle_separator(text, s, e, m.group())
            if sep and pieces[-1] != BOUNDARY:
                pieces.append(sep)
                cst.append(clen)
                ost.append(s)
                clen += 1
        pos = e
    if pos < len(text):
        pieces.append(folded[pos:])
        cst.append(clen)
        ost.append(pos)
    if not cst:
        cst, ost = [0], [0]
    return "".join(pieces), cst, ost


TOKENS = [
    *" \t\n\u3000\xa0\r\f\v\u2003",
    "\n\n",
    "   ",
    *"0123456789０１",
    *"—-－–。！？!?；;:：,，",
    "一、",
    "（一）",
    "(2)",
    "1.",
    "12、",
    "第一部分",
    "目 录",
    "附件",
    "收入",
    "万元",
    "公务接待费",
    "\n—3—\n",
    " -12- ",
    "一、收入支出情况",
    "（二）" + "项" * 38,
    "abc",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_build_compact_matches_its_definition(tokens):
    text = "".join(tokens)
    c = build_compact(text)
    assert (c.text, c._cstarts, c._ostarts) == oracle(text)


def test_headings_and_page_numbers():
    text = "  一、收入支出情况  \n本年收入\n合计5万元\n—2—\n  （一）说明\n1.收入。2024年\n\t表\n\n段"
    c = build_compact(text)
    assert (c.text, c._cstarts, c._ostarts) == oracle(text)
    assert c.text == "一、收入支出情况\n本年收入合计5万元\n(一)说明\n1.收入。2024年\n表\n段"
    for m in re.finditer(r"\d+万元", c.text):
        a, b = c.span(*m.span())
        assert text[a:b] == "5万元"
