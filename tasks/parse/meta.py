"""Which unit and which year a document is about.

Titles are the most reliable place ("X2024年度决算公开说明", "2023年X一般公共预算…"), then the
"X(以下简称“本部门”)" opening, then a sentence that starts with the unit's name, then a lone
name line at the top, then the 实施单位 cell of a performance table. Years come from a title
line about 决算, else the most frequent "YYYY年度" that is not a comparison base ("较2022年度").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import islice

_CJK = r"\u4e00-\u9fff"
_SUFFIX = (
    r"(?:人民政府|政府|委员会|办公室|办事处|领导小组|联合会|幼儿园|小学|中学|大学|学院|学校|医院|中心|公司|集团"
    r"|局|厅|委|院|所|站|馆|队|会|社|部|处)"
)
_NAME = rf"(?P<name>[{_CJK}()]{{2,40}}?{_SUFFIX})(?P<bj>\(本级\)|本级)?"
_REGION_NAME = rf"(?P<name>[{_CJK}]{{1,12}}?(?:省|市|县|区|州|旗|镇|乡){_SUFFIX}?)"

_TITLE = re.compile(rf"^(?:\d{{4}}年度?)?{_NAME}(?=\d{{4}}|关于|一般公共预算|财政拨款|[“\"]三公)")
_REGION_TITLE = re.compile(rf"^\d{{4}}年度?{_REGION_NAME}(?=[“\"]?三公|部门|决算)")
_SHORT_NAME = re.compile(rf"^{_NAME}\(以下简称")
_SENT_START = re.compile(rf"^{_NAME}(?:\d{{4}}年度?|财政拨款|一般公共预算)")
_LONE = re.compile(rf"^{_NAME}$")
# what follows the name in _SENT_START: it ends within 40 name characters + a 4-character suffix
# + "(本级)" + "一般公共预算" of the sentence start
_SENT_START_HINT = re.compile(r"\d{4}年|财政拨款|一般公共预算")
_SENT_START_REACH = 40 + 4 + 4 + 6
_PERF_UNIT = re.compile(r"实施单位\s*(?:[(（]盖章[)）])?\s*[|\t]?\s*\n?\s*([^|\t\n]{4,40}?)\s*[|\t\n]")
_BAD_START = re.compile(r"^(?:本|我|该|各|全|对|由|在|经|为|纳入|根据|关于)")

_YEAR = re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})年(?P<du>度)?")
_COMPARE_BEFORE = re.compile(r"(?:较|比|与|至|截至|截止)$")


def _clean(m: re.Match[str]) -> str | None:
    name = m.group("name")
    if _BAD_START.match(name) or len(name) < 3:
        return None
    if "bj" in m.re.groupindex and m.group("bj"):
        name += "(本级)"
    return name


def unit_name(lines: list[str], sentences: Iterable[str], original: str) -> str | None:
    """``lines``/``sentences`` are folded, whitespace-free; only the top of the document is read
    (the first 40 lines, the first 60 sentences)."""
    head = lines[:40]
    titles = [line for line in head if "决算" in line or "三公" in line]
    for rx in (_TITLE, _REGION_TITLE):
        for line in titles:
            m = rx.match(line)
            if m:
                name = _clean(m)
                if name:
                    return name
    for s in islice(sentences, 60):
        # cheap necessary conditions first: the patterns are slow to fail on ordinary sentences
        if "(以下简称" in s:
            m = _SHORT_NAME.match(s)
            if m and (name := _clean(m)):
                return name
        if _SENT_START_HINT.search(s, 0, _SENT_START_REACH):
            m = _SENT_START.match(s)
            if m and (name := _clean(m)):
                return name
    for line in head[:6]:
        m = _LONE.match(line)
        if m and (name := _clean(m)):
            return name
    m2 = _PERF_UNIT.search(original)
    if m2:
        return m2.group(1).strip()
    return None


def doc_year(lines: list[str], compact: str) -> int | None:
    for line in lines[:40]:
        if "决算" not in line and "三公" not in line:
            continue
        for m in _YEAR.finditer(line):
            if not _COMPARE_BEFORE.search(line, 0, m.start()) and not line.startswith("决算数", m.end()):
                return int(m.group("y"))
    counts: Counter[int] = Counter()
    for m in _YEAR.finditer(compact):
        if _COMPARE_BEFORE.search(compact, max(0, m.start() - 2), m.start()):
            continue
        if compact.startswith("决算数", m.end()) or compact.startswith("度决算数", m.end() - 1):
            continue
        counts[int(m.group("y"))] += 2 if m.group("du") else 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]
