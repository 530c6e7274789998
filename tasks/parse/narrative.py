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
from dataclasses import dataclass
from decimal import Decimal

from tasks.model import Figure, Kind
from tasks.parse.lexicon import FILLER, LABEL_BY_GROUP, LABEL_RE, SHARE_OF, Label, measure_of
from tasks.parse.normalise import Compact

SENTENCE = re.compile(r"[^。!?\n\t]+")
_SENT_END = re.compile(r"[。!?\n\t]")
# Found loosely (a literal-led pattern scans fast), then checked strictly by VALID_NUMBER.
MENTION = re.compile(r"(?P<num>\d(?:[\d,.]*\d)?)(?P<unit>亿元|万元|万(?![\u4e00-\u9fff])|元|%)")
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
UNIT_SCALE = {"亿元": Decimal(10000), "万元": Decimal(1), "万": Decimal(1), "元": Decimal("0.0001")}


@dataclass(slots=True)
class _State:
    subject: tuple[str, ...] | None = None
    subject_start: int = 0  # where the subject's own clause starts (snippets of its companions)
    domain: str = "all"
    base: str | None = None  # prev | budget | other
    last_kind: str | None = None


def decimal_of(num: str) -> tuple[Decimal, Decimal]:
    """'1,055.4' → (1055.4, 0.1): the value and one unit of its last written digit."""
    d = Decimal(num.replace(",", ""))
    exp = d.as_tuple().exponent
    assert isinstance(exp, int)
    return d, Decimal(1).scaleb(exp)


_WINDOW = 48
_TAIL = 24


def _last_label(seg: str, sentence: str) -> tuple[re.Match[str], Label, int] | None:
    """The label nearest before the number, looked for only in the segment's last clauses."""
    best = None
    fill_end = -1
    lo = 0
    if len(seg) > _WINDOW:
        lo = max(seg.rfind(",", 0, len(seg) - _WINDOW), seg.rfind(";", 0, len(seg) - _WINDOW)) + 1
    for m in LABEL_RE.finditer(seg, lo):
        if m.end() <= fill_end:  # a word swallowed by the previous label's filler ("…费支出")
            continue
        lab = LABEL_BY_GROUP[m.lastgroup or ""]
        if lab.requires and lab.requires not in sentence:
            continue
        fe = FILLER.match(seg, m.end())
        fill_end = fe.end() if fe else m.end()
        best = (m, lab, fill_end)
    return best


def _resolve(lab: Label, state: _State, seg: str, m: re.Match[str]) -> tuple[str, ...] | None:
    if LIST_JOIN.search(seg, max(0, m.start() - 6), m.start()):
        return None  # "会议费、培训费合计X": a combined figure, not either part
    if lab.by_domain:
        return lab.by_domain.get(state.domain)
    if lab.domain:
        state.domain = lab.domain
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
        for key in keys:
            measure = measure_of(measure_for or key)
            v, p = value, prec
            if unit != "%":
                if measure == "yuan":
                    scale = UNIT_SCALE[unit] * 10000
                elif measure == "amount":
                    scale = UNIT_SCALE[unit]
                else:
                    continue  # an amount can't be a count or a percentage
                if scale != 1:
                    v, p = v * scale, p * scale
            elif measure != "pct" and kind not in ("change_pct", "budget_pct"):
                continue
            if kind in ("change_pct", "budget_pct"):
                measure = "pct"
            self.out.append(
                Figure(key=key, value=v, measure=measure, precision=p, snippet=snippet, span=span, kind=kind)  # type: ignore[arg-type]
            )


def mentions(text: str) -> list[re.Match[str]]:
    out = []
    for mm in MENTION.finditer(text):
        s = mm.start()
        if s and (text[s - 1] in ".-" or text[s - 1].isascii() and text[s - 1].isalpha()):
            continue
        if VALID_NUMBER.fullmatch(mm.group("num")):
            out.append(mm)
    return out


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind("。", 0, pos), text.rfind("\n", 0, pos), text.rfind("\t", 0, pos))
    start = max(start, text.rfind("!", 0, pos), text.rfind("?", 0, pos)) + 1
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
    for mm in mentions(text):
        pos = mm.start()
        if skip and _in(pos, skip):
            continue
        if not sent[0] <= pos < sent[1]:
            prev_end = sent[1]
            carried = st.subject if prev_end >= 0 else None
            sent = sentence_bounds(text, pos)
            st = _State(subject_start=sent[0])
            if prev_end + 1 == sent[0] and OPENS_WITH_BASE.match(text, sent[0]):
                st.subject = carried  # "…0.00万元。较上年增加0万元" continues the previous sentence
            seg_start = sent[0]
        seg = text[seg_start:pos]
        _classify(em, st, seg, seg_start, text[sent[0] : sent[1]], mm, year)
        seg_start = mm.end()
    return em.out


def _in(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def _classify(
    em: _Emitter,
    st: _State,
    seg: str,
    seg_abs: int,
    sentence: str,
    mm: re.Match[str],
    year: int | None,
) -> None:
    lead = LEAD.match(seg)
    own = seg_abs + (lead.end() if lead else 0)  # this number's own clause, minus "，其中："
    num, unit = mm.group("num"), mm.group("unit")
    cend = mm.end()
    found = _last_label(seg, sentence)
    base = _base_of(seg, year)
    if base:
        st.base = base
    tail = max(0, len(seg) - _TAIL)  # the end-anchored patterns only need the segment's tail
    d = DIRECTION.search(seg, tail)
    lab_keys: tuple[str, ...] | None = None
    has_lab = False
    if found:
        m, lab, fill_end = found
        has_lab = True
        lab_keys = _resolve(lab, st, seg, m)
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
        cut = max(seg.rfind(",", 0, found[0].start()), seg.rfind(";", 0, found[0].start()))
        start = seg_abs + cut + 1 if cut >= 0 else own
    if d:
        if st.base != "prev" or (d.group("alt") and decimal_of(num)[0] != 0):
            st.last_kind = "skip"
            return
        sign = -1 if d.group("dir") in NEGATIVE else 1
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
            if found and found[0].start() < zhan:
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
