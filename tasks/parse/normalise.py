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
from itertools import accumulate, compress

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
        cst, ost = self._cstarts, self._ostarts
        k = bisect_right(cst, start) - 1
        a = ost[k] + (start - cst[k])
        if end <= start:
            return a, a
        end -= 1
        k = bisect_right(cst, end, k) - 1  # the end is never before the start
        return a, ost[k] + (end - cst[k]) + 1


def is_heading_line(stripped: str) -> bool:
    return bool(MARKER.match(stripped)) and _HEADINGISH.fullmatch(stripped) is not None


_WS_ANY = re.compile(r"[ \t\n\u3000\xa0\r\f\v]+")  # see _WS_CLASS


def _line_around(text: str, s: int, e: int) -> tuple[str, str]:
    """The (stripped) line ending at ``s`` and the one starting at ``e``."""
    prev = text[text.rfind("\n", 0, s) + 1 : s].strip()
    nxt_end = text.find("\n", e)
    nxt = text[e : nxt_end if nxt_end >= 0 else len(text)].strip()
    return prev, nxt


_DASHES = frozenset("—-－–")  # a page-number line "—3—" starts and ends with one


def _separator(text: str, s: int, e: int, ws: str) -> str:
    if "\t" in ws:
        return BOUNDARY
    if "\n" not in ws:
        return " " if text[s - 1].isdigit() and e < len(text) and text[e].isdigit() else ""
    if ws.count("\n") > 1 or text[s - 1] in _SENT_END:  # holds both widths, so no fold needed
        return BOUNDARY
    last = text[s - 1]
    first = text[e] if e < len(text) else " "
    if not (last.isspace() or first.isspace() or last in _DASHES or first in _DASHES):
        # Fast path, same answer: the line before ends at s and the line after starts at e (no
        # other whitespace to strip there), neither is a page number, and a heading is at most
        # 40 characters long once stripped.
        start = text.rfind("\n", 0, s) + 1
        if (s - start <= 40 or text[start].isspace()) and is_heading_line(text[start:s].strip()):
            return BOUNDARY
        end = text.find("\n", e)
        return BOUNDARY if MARKER.match(text, e, end if end >= 0 else len(text)) else ""
    prev, nxt = _line_around(text, s, e)
    if is_heading_line(prev) or MARKER.match(nxt) or _PAGE_NO.match(prev) or _PAGE_NO.match(nxt):
        return BOUNDARY
    return ""


# whitespace runs (captured, so ``split`` alternates chunk, run, chunk, …, chunk); same class as _WS_ANY
_WS_CLASS = r" \t\n\u3000\xa0\r\f\v"
_WS_SPLIT = re.compile(rf"([{_WS_CLASS}]+)")
# a chunk (text between two whitespace runs) that is a page number "—3—": dropped from the view.
# The chunk-start test comes after the first dash so the scan only stops at dashes.
_PAGE_CHUNK = re.compile(
    rf"[—\-－–](?<![^{_WS_CLASS}].)[—\-－–]*[^\S{_WS_CLASS}]*\d{{1,4}}[^\S{_WS_CLASS}]*[—\-－–]+(?![^{_WS_CLASS}])"
)


class _RunSeparators(dict[str, str | None]):
    """Whitespace run → its separator when the run alone decides it, else None (see _separator)."""

    def __missing__(self, run: str) -> str | None:
        sep = BOUNDARY if "\t" in run or run.count("\n") > 1 else None
        if len(self) < 4096:
            self[run] = sep
        return sep


_RUN_SEPARATOR = _RunSeparators()


def build_compact(text: str, folded: str | None = None) -> Compact:
    """Fold and squeeze ``text``; a newline is joined unless a paragraph, heading or cell edge is there.

    ``folded`` is ``fold(text)`` when the caller already has it (folding is 1:1, so slices agree).
    The view is built with one ``split`` and list operations; only newline runs that are neither a
    cell edge (tab) nor a paragraph break (blank line) are looked at one by one.
    """
    if folded is None:
        folded = fold(text)
    if _PAGE_CHUNK.search(folded):
        return _build_compact_loop(text, folded)
    parts = _WS_SPLIT.split(folded)  # chunk, run, chunk, …: fold leaves whitespace alone, offsets agree
    starts = list(accumulate(map(len, parts), initial=0))
    # most runs decide alone (a tab: cell edge; a blank line: paragraph); the rest need their place
    seps: list[str | None] = list(map(_RUN_SEPARATOR.__getitem__, parts[1::2]))
    k = -1
    try:
        while True:
            k = seps.index(None, k + 1)
            s = starts[2 * k + 1]
            seps[k] = _separator(text, s, s + len(parts[2 * k + 1]), parts[2 * k + 1])
    except ValueError:
        pass
    if seps and not parts[0]:
        seps[0] = ""  # leading whitespace: nothing to separate yet
    parts[1::2] = seps  # every None was filled above
    lens = list(map(len, parts))
    ost = list(compress(starts, lens))
    cst = list(accumulate(compress(lens, lens), initial=0))
    cst.pop()
    if not cst:
        cst, ost = [0], [0]
    return Compact("".join(parts), cst, ost)


def _build_compact_loop(text: str, folded: str) -> Compact:
    """The same view, one run at a time: used when a page-number chunk must be dropped."""
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
