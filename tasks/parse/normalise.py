"""Text clean-up shared by every format, and the *compact view* the extractors match on.

``doc.text`` keeps the document's own characters (so feedback can quote the unit verbatim); the
extractors instead run on a compact view in which full-width punctuation is folded to ASCII and
whitespace is removed, because PDF and web renderings break numbers and words with spaces and
hard line breaks ("0.00 万", "公务用车购\\n置"). :class:`Compact` maps compact offsets back to
``doc.text`` so every figure's span points into the original.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# One character in, one character out: offsets stay valid between the raw and folded text.
_FOLD_PAIRS = tuple(
    zip("（）［］，：；％．！？＝＞＜０１２３４５６７８９﹪＋－", "()[],:;%.!?=><0123456789%+-", strict=True)
)

_ANNOTATION = re.compile(r"\A(?:[ \t]*#[ \t]*(?:source|retrieved-excerpt)[ \t]*:[^\n]*(?:\n|\Z))+")

# A line that opens a new numbered block: it must not be glued to the previous line.
MARKER = re.compile(
    r"(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|[(（]\d{1,2}[)）]"
    r"|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+部分|附件|目\s*录)"
)
_HEADINGISH = re.compile(r"[^,，;；]{1,40}")
_PAGE_NO = re.compile(r"^[—\-－–]+\s*\d{1,4}\s*[—\-－–]+$")
_SENT_END = frozenset("。！？!?；;:：")
BOUNDARY = "\n"


def strip_annotations(text: str) -> str:
    """Drop the corpus's ``# source:`` / ``# retrieved-excerpt:`` header lines (never document text)."""
    text = text.lstrip("\ufeff")
    return _ANNOTATION.sub("", text, count=1)


def clean_text(text: str) -> str:
    """Unify line endings and drop NULs; the result becomes ``doc.text``."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return strip_annotations(text)


def fold(s: str) -> str:
    # replace() per present character is ~10x faster than str.translate on CJK text
    for a, b in _FOLD_PAIRS:
        if a in s:
            s = s.replace(a, b)
    return s


@dataclass(slots=True)
class Compact:
    text: str  # folded, whitespace-free; BOUNDARY marks paragraph / heading / cell edges
    _cstarts: list[int]
    _ostarts: list[int]

    def to_orig(self, i: int) -> int:
        k = bisect_right(self._cstarts, i) - 1
        return self._ostarts[k] + (i - self._cstarts[k])

    def to_compact(self, o: int) -> int:
        k = bisect_right(self._ostarts, o) - 1
        if k < 0:
            return 0
        nxt = self._cstarts[k + 1] if k + 1 < len(self._cstarts) else len(self.text)
        return min(self._cstarts[k] + (o - self._ostarts[k]), nxt)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Compact [start, end) → original [start, end)."""
        if end <= start:
            o = self.to_orig(start)
            return o, o
        return self.to_orig(start), self.to_orig(end - 1) + 1


def is_heading_line(stripped: str) -> bool:
    return bool(MARKER.match(stripped)) and _HEADINGISH.fullmatch(stripped) is not None


_WS_ANY = re.compile(r"[ \t\n\u3000\xa0\r\f\v]+")


def _line_around(text: str, s: int, e: int) -> tuple[str, str]:
    """The (stripped) line ending at ``s`` and the one starting at ``e``."""
    prev = text[text.rfind("\n", 0, s) + 1 : s].strip()
    nxt_end = text.find("\n", e)
    nxt = text[e : nxt_end if nxt_end >= 0 else len(text)].strip()
    return prev, nxt


def _separator(text: str, s: int, e: int, ws: str) -> str:
    if "\t" in ws:
        return BOUNDARY
    if "\n" not in ws:
        return " " if text[s - 1].isdigit() and e < len(text) and text[e].isdigit() else ""
    if ws.count("\n") > 1 or fold(text[s - 1]) in _SENT_END:
        return BOUNDARY
    prev, nxt = _line_around(text, s, e)
    if is_heading_line(prev) or MARKER.match(nxt) or _PAGE_NO.match(prev) or _PAGE_NO.match(nxt):
        return BOUNDARY
    return ""


def build_compact(text: str, folded: str | None = None) -> Compact:
    """Fold and squeeze ``text``; a newline is joined unless a paragraph, heading or cell edge is there.

    ``folded`` is ``fold(text)`` when the caller already has it (folding is 1:1, so slices agree).
    """
    if folded is None:
        folded = fold(text)
    pieces: list[str] = []
    cst: list[int] = []
    ost: list[int] = []
    clen = 0
    pos = 0
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
            sep = _separator(text, s, e, m.group())
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
    return Compact("".join(pieces), cst, ost)
