"""The compact view (normalise.build_compact) equals its plain definition, character by character.

``build_compact`` is built for speed (one split, list operations, a per-run cache, a fast path for
line breaks); the oracle below states the view character by character, with the separator rule
written without the fast path. Same text, and every offset maps the same way both ways.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.parse.normalise import (
    _PAGE_NO,
    _SENT_END,
    BOUNDARY,
    MARKER,
    Compact,
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


# the whitespace the view squeezes out (the class of normalise._WS_ANY)
_WS = frozenset(" \t\n\u3000\xa0\r\f\v")


def oracle(text: str) -> tuple[str, list[int]]:
    """The compact view by its definition, one character at a time: each output character with the
    offset in ``text`` it stands for. A chunk (a maximal stretch without whitespace) is kept,
    folded, unless it is a page number "—3—" with whitespace after it (the text's last chunk is
    always kept); a whitespace run after some output becomes its separator, never a second
    boundary in a row."""
    folded = fold(text)
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        is_ws = text[i] in _WS
        j = i
        while j < len(text) and (text[j] in _WS) == is_ws:
            j += 1
        if not is_ws:
            if j == len(text) or not _PAGE_NO.match(folded[i:j]):
                out.extend((folded[k], k) for k in range(i, j))
        elif out:
            sep = _oracle_separator(text, i, j, text[i:j])
            if sep and out[-1][0] != BOUNDARY:
                out.append((sep, i))
        i = j
    return "".join(ch for ch, _ in out), [o for _, o in out]


def assert_matches_oracle(text: str) -> Compact:
    """Same characters, each mapped to the same original offset, and every original offset mapped
    back to the first compact character at or after it."""
    c = build_compact(text)
    chars, offsets = oracle(text)
    assert c.text == chars
    assert [c.to_orig(i) for i in range(len(chars))] == offsets
    assert [c.to_compact(o) for o in range(len(text) + 1)] == [
        bisect_left(offsets, o) for o in range(len(text) + 1)
    ]
    return c


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
    assert_matches_oracle("".join(tokens))


def test_headings_and_page_numbers():
    text = "  一、收入支出情况  \n本年收入\n合计5万元\n—2—\n  （一）说明\n1.收入。2024年\n\t表\n\n段"
    c = assert_matches_oracle(text)
    assert c.text == "一、收入支出情况\n本年收入合计5万元\n(一)说明\n1.收入。2024年\n表\n段"
    for m in re.finditer(r"\d+万元", c.text):
        a, b = c.span(*m.span())
        assert text[a:b] == "5万元"
