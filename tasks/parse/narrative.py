"""Figures stated in narrative text ("label … number unit"), with their year-over-year companions.

Per sentence of the compact view we walk the number+unit *mentions* left to right. The text
between the previous mention and this one (the *segment*) decides what the number is:

- a label then only filler ("公务接待费支出决算为") → the label's value; the label becomes the
  sentence *subject*;
- a change word at the end ("比上年决算数减少", "下降") → change / change_pct of the subject
  (or of a label inside the segment: "收入、支出总计各增加"), but only when the comparison base
  is last year (上年/去年/同比/year−1): "比2019年…减少" and "比预算增加" are not year-over-year;
- "完成全年预算" → budget, then "的X%" → budget_pct; "占…X%" → the subject's share key;
- anything else resets the subject, so a number is never attached to a label it does not follow.

A number must carry its unit (万元/元/亿元/万/%), which is also what keeps a number cut off at
the end of a truncated document from being reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tasks.model import Figure, Kind
from tasks.parse.lexicon import (
    FILLER,
    FUND_DOMAINS,
    LABEL_BY_INDEX,
    LABEL_RE,
    LABELS,
    MEASURE,
    SHARE_OF,
    Label,
    measure_of,
)
from tasks.parse.normalise import Compact

SENTENCE = re.compile(r"[^。!?\n\t]+")
_SENT_END = re.compile(r"[。!?\n\t]")
# Found loosely (a literal-led pattern scans fast), then checked strictly by VALID_NUMBER.
# The number runs to the end of its digits-and-separators (possessive: no backtracking, which is
# the same thing here, as a unit never starts with a digit, comma or point) and must end in a digit.
# It never starts inside such a run (after a digit, a point, or a digit and a comma): a start there
# ends where the run's first start ended, so it fails exactly when that one did, and retrying at
# every digit of a long run ending in a separator ("1.1.1.…1.万元") was quadratic. Those start
# conditions are looked behind from the first digit rather than before it: a pattern that opens
# with a digit lets the regex engine skip to the next digit, one that opens with a look-behind
# tries every position (2.7 times slower over a document).
MENTION = re.compile(r"(?P<num>\d(?<![\d.]\d)(?<!\d,\d)[\d,.]*+)(?<=\d)(?P<unit>亿元|万元|万(?![\u4e00-\u9fff])|元|%)")
VALID_NUMBER = re.compile(r"(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d+)?")
BASE = re.compile(
    r"(?=[同较比与对])(?:同口径同比|同比|(?:较|比|与|对比)(?:(?P<prev>上年度?|去年|上一年度?|上年同期)|(?P<y>\d{4})年|"
    r"(?P<budget>(?:全年|年初|调整后)?预算)))"
)
DIRECTION = re.compile(
    r"(?P<dir>增加|减少|增长|下降|降低|上升|节约|减|增)了?(?P<alt>\((?:减少|下降|增加|增长)\))?"
    r"(?:额|幅度?|率)?(?:为|是|达)?$"
)
BUDGET_END = re.compile(r"(?:完成)?(?:全年|年初|调整后)?预算(?:数)?(?:为|是)?$")
BUDGET_PCT_END = re.compile(r"(?:完成(?:全年|年初)?预算(?:数)?)?的$")
PREV_END = re.compile(r"上年(?:度)?(?:决算)?(?:数)?(?:为|是)$")
PREV_INLINE = re.compile(
    r"(?:较|比)(?:上年度?|去年)(?:决算数?)?的?(?P<p>\d+(?:\.\d+)?)(?:增加|减少|增长|下降|降低)"
)
OPENS_WITH_BASE = re.compile(r"(?:[,:]?)(?:较|比|与)(?:上年|去年|\d{4}年)")
LEAD = re.compile(r"[,;:、]*(?:其中)?[,;:、]*")
LIST_JOIN = re.compile(r"(?:费|经费|支出|收入)[、和及与]$")
NEGATIVE = frozenset(("减少", "下降", "降低", "节约", "减"))
_ONE = Decimal(1)
UNIT_SCALE = {"亿元": Decimal(10000), "万元": _ONE, "万": _ONE, "元": Decimal("0.0001")}
# to 元 for per-capita figures; a scale of one is the very _ONE, so emit can skip multiplying by it
YUAN_SCALE = {unit: _ONE if scale * 10000 == 1 else scale * 10000 for unit, scale in UNIT_SCALE.items()}


@dataclass(slots=True)
class _State:
    subject: tuple[str, ...] | None = None
    subject_start: int = 0  # where the subject's own clause starts (snippets of its companions)
    domain: str = "all"
    opening: str | None = None  # the domain of the sentence's first domain-bearing label
    base: str | None = None  # prev | budget | other
    last_kind: str | None = None


_PRECISION = tuple(_ONE.scaleb(-k) for k in range(20))  # one unit of the k-th decimal place


@lru_cache(maxsize=8192)
def decimal_of(num: str) -> tuple[Decimal, Decimal]:
    """'1,055.4' → (1055.4, 0.1): the value and one unit of its last written digit."""
    d = Decimal(num.replace(",", "") if "," in num else num)
    dot = num.find(".")
    places = len(num) - dot - 1 if dot >= 0 else 0
    if places < len(_PRECISION):
        return d, _PRECISION[places]
    exp = d.as_tuple().exponent
    assert isinstance(exp, int)
    return d, _ONE.scaleb(exp)


_WINDOW = 48
_TAIL = 24
# words a label may require of its sentence (Label.requires), looked up once per sentence
_REQUIRES: tuple[str, ...] = tuple(sorted({lab.requires for lab in LABELS if lab.requires}))


def _present(sentence: str) -> frozenset[str]:
    return frozenset(w for w in _REQUIRES if w in sentence)


def _last_label(seg: str, present: frozenset[str]) -> tuple[int, Label, int, bool] | None:
    """The label nearest before the number, looked for only in the segment's last clauses:
    (start, label, end of its filler, whether it closes a list "会议费、培训费")."""
    best = None
    fill_end = -1
    lo = 0
    if len(seg) > _WINDOW:
        lo = max(seg.rfind(",", 0, len(seg) - _WINDOW), seg.rfind(";", 0, len(seg) - _WINDOW)) + 1
    for m in LABEL_RE.finditer(seg, lo):
        end = m.end()
        if end <= fill_end:  # a word swallowed by the previous label's filler ("…费支出")
            continue
        lab = LABEL_BY_INDEX[m.lastindex or 0]
        assert lab is not None
        if lab.requires and lab.requires not in present:
            continue
        fe = FILLER.match(seg, end)
        fill_end = fe.end() if fe else end
        best = (m.start(), lab, fill_end)
    if best is None:
        return None
    start = best[0]
    joined = LIST_JOIN.search(seg, max(0, start - 6), start) is not None
    return start, best[1], best[2], joined


# What a segment says is a pure function of its text (and of which required words its sentence
# has, and the year), and documents repeat their wordings ("，公务接待费", "2024年度收入总计"), so
# it is cached.
@lru_cache(maxsize=16384)
def _seg_info(
    seg: str, present: frozenset[str], year: int | None
) -> tuple[int, tuple[int, Label, int, bool] | None, str | None, str | None, str | None]:
    """What the text before a number says, independent of the sentence state (so it is cached):
    the length of its lead ("，其中："), its label, its comparison base, and its change word
    (direction, and the "(减少)" alternative) when it ends in one."""
    lead = LEAD.match(seg)
    d = DIRECTION.search(seg, max(0, len(seg) - _TAIL))
    return (
        lead.end() if lead else 0,
        _last_label(seg, present),
        _base_of(seg, year),
        d.group("dir") if d else None,
        d.group("alt") if d else None,
    )


def _resolve(lab: Label, state: _State, joined: bool) -> tuple[str, ...] | None:
    if joined:
        return None  # "会议费、培训费合计X": a combined figure, not either part
    if lab.by_domain:
        return lab.by_domain.get(state.domain)
    if lab.fund_scoped and state.opening in FUND_DOMAINS:
        return None
    if lab.domain:
        state.domain = lab.domain
        if state.opening is None:
            state.opening = lab.domain
    return lab.keys


def _base_of(seg: str, year: int | None) -> str | None:
    found = None
    for b in BASE.finditer(seg):
        found = b
    if found is None:
        return None
    if found.group("budget"):
        return "budget"
    y = found.group("y")
    if y and year is not None and int(y) != year - 1:
        return "other"
    return "prev"


class _Emitter:
    def __init__(self, compact: Compact, text: str) -> None:
        self.compact = compact
        self.text = text
        self.out: list[Figure] = []

    def emit(
        self,
        keys: tuple[str, ...] | None,
        kind: Kind,
        num: str,
        unit: str,
        cstart: int,
        cend: int,
        sign: int = 1,
        measure_for: str | None = None,
    ) -> None:
        if not keys:
            return
        value, prec = decimal_of(num)
        if sign < 0:
            value = -value
        span = self.compact.span(cstart, cend)
        snippet = self.text[span[0] : span[1]]
        rate = kind in ("change_pct", "budget_pct")
        for key in keys:
            measure = MEASURE.get(measure_for or key, "amount")
            v, p = value, prec
            if unit != "%":
                if measure == "amount":
                    scale = UNIT_SCALE[unit]
                elif measure == "yuan":
                    scale = YUAN_SCALE[unit]
                else:
                    continue  # an amount can't be a count or a percentage
                if scale is not _ONE:
                    v, p = v * scale, p * scale
            elif measure != "pct" and not rate:
                continue
            if rate:
                measure = "pct"
            self.out.append(
                Figure(key=key, value=v, measure=measure, precision=p, snippet=snippet, span=span, kind=kind)  # type: ignore[arg-type]
            )


def mentions(text: str) -> list[re.Match[str]]:
    out = []
    for mm in MENTION.finditer(text):
        s = mm.start()
        if s:
            c = text[s - 1]
            if c in ".-" or "a" <= c <= "z" or "A" <= c <= "Z":
                continue
        num = mm.group(1)
        # digits with at most one point are always valid; separators need the full check
        if ("," in num or num.count(".") > 1) and not VALID_NUMBER.fullmatch(num):
            continue
        out.append(mm)
    return out


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``pos`` starts: after the last 。 ! ? newline or tab before it."""
    start = max(text.rfind("。", 0, pos), text.rfind("\n", 0, pos))
    lo = start + 1  # tabs, "!" and "?" are rare: look for them only after the nearest 。 or newline
    return max(start, text.rfind("\t", lo, pos), text.rfind("!", lo, pos), text.rfind("?", lo, pos)) + 1


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = sentence_start(text, pos)
    m = _SENT_END.search(text, pos)
    return start, m.start() if m else len(text)


def extract_figures(
    compact: Compact, original: str, year: int | None, skip: list[tuple[int, int]]
) -> list[Figure]:
    """All narrative figures in document order; ``skip`` holds compact ranges (glossary, 目录)."""
    text = compact.text
    em = _Emitter(compact, original)
    carried: tuple[str, ...] | None = None
    sent: tuple[int, int] = (-2, -2)
    st = _State()
    seg_start = 0
    present: frozenset[str] = frozenset()
    skip_starts, skip_ends = _merged(skip)
    for mm in mentions(text):
        pos = mm.start()
        if skip_starts:
            k = bisect_right(skip_starts, pos) - 1
            if k >= 0 and pos < skip_ends[k]:
                continue
        if not sent[0] <= pos < sent[1]:
            prev_end = sent[1]
            carried = st.subject if prev_end >= 0 else None
            sent = sentence_bounds(text, pos)
            st = _State(subject_start=sent[0])
            if prev_end + 1 == sent[0] and OPENS_WITH_BASE.match(text, sent[0]):
                st.subject = carried  # "…0.00万元。较上年增加0万元" continues the previous sentence
            seg_start = sent[0]
            present = _present(text[sent[0] : sent[1]])
        seg = text[seg_start:pos]
        _classify(em, st, seg, seg_start, present, mm, year)
        seg_start = mm.end()
    return em.out


def _merged(ranges: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The union of half-open ranges as sorted, disjoint (starts, ends)."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(r for r in ranges if r[0] < r[1]):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _classify(
    em: _Emitter,
    st: _State,
    seg: str,
    seg_abs: int,
    present: frozenset[str],
    mm: re.Match[str],
    year: int | None,
) -> None:
    lead_len, found, base, d_dir, d_alt = _seg_info(seg, present, year)
    own = seg_abs + lead_len  # this number's own clause, minus "，其中："
    num, unit = mm.group(1, 2)
    cend = mm.end()
    if base:
        st.base = base
    tail = max(0, len(seg) - _TAIL)  # the end-anchored patterns only need the segment's tail
    d = d_dir is not None
    lab_keys: tuple[str, ...] | None = None
    has_lab = False
    if found:
        lab_start, lab, fill_end, joined = found
        has_lab = True
        lab_keys = _resolve(lab, st, joined)
        if fill_end == len(seg) and not d:
            if unit == "%":
                keys = tuple(k for k in lab_keys or () if measure_of(k) == "pct")
                em.emit(keys, "value", num, unit, own, cend)
                return
            em.emit(lab_keys, "value", num, unit, own, cend)
            st.subject, st.last_kind, st.subject_start = lab_keys, "value", own
            return
    target = lab_keys if has_lab else st.subject
    start = st.subject_start
    if found:
        # a label inside a change clause: quote from the comma before it
        cut = max(seg.rfind(",", 0, found[0]), seg.rfind(";", 0, found[0]))
        start = seg_abs + cut + 1 if cut >= 0 else own
    if d:
        if st.base != "prev" or (d_alt and decimal_of(num)[0] != 0):
            st.last_kind = "skip"
            return
        sign = -1 if d_dir in NEGATIVE else 1
        if unit == "%":
            em.emit(target, "change_pct", num, unit, start, cend, sign)
        else:
            em.emit(target, "change", num, unit, start, cend, sign)
            p = PREV_INLINE.search(seg)
            if p:
                em.emit(target, "prev", p.group("p"), unit, start, cend)
        st.subject, st.last_kind, st.subject_start = target, "change", start
        return
    if unit == "%":
        if BUDGET_PCT_END.search(seg, tail) and (st.last_kind == "budget" or "预算" in seg):
            em.emit(st.subject, "budget_pct", num, unit, st.subject_start, cend)
            st.last_kind = "budget_pct"
            return
        zhan = seg.rfind("占")
        if zhan >= 0:
            if found and found[0] < zhan:
                owner, start = lab_keys, own
            else:
                owner, start = st.subject, st.subject_start
            shares = tuple(SHARE_OF[k] for k in owner or () if k in SHARE_OF)
            em.emit(shares, "value", num, unit, start, cend)
        return
    if BUDGET_END.search(seg, tail):
        em.emit(target, "budget", num, unit, start, cend)
        st.subject, st.last_kind, st.subject_start = target, "budget", start
        return
    if PREV_END.search(seg, tail):
        em.emit(target, "prev", num, unit, start, cend)
        st.last_kind = "prev"
        return
    st.subject, st.last_kind, st.subject_start = None, None, own
