"""Physical quantities of the "三公" section, the asset statement and the performance summary.

Counts follow their own word order ("国内公务接待1批次17人", "出国(境)团组2个、累计2人次",
"公务用车保有量为0辆", "无单价100万元(含)以上设备"), so they get dedicated patterns instead of
the label → number walk of :mod:`narrative`. A count needs its measure word (个/人/辆/批次…),
so a count cut off at the end of the text is not reported.
"""

from __future__ import annotations

import re
from decimal import Decimal

from tasks.model import Figure
from tasks.parse.narrative import sentence_start
from tasks.parse.normalise import Compact

_ONE = Decimal(1)
_JING = r"(?:\(境\))?"
_PEOPLE = re.compile(r"[,、]?(?:累计|共计|共|人数|人员|出国人数)?(?:为)?(?P<p>\d+)(?:人次|人)")

# (keys for the named groups, pattern, word the sentence must contain)
_RULES: tuple[tuple[dict[str, str], str, str | None], ...] = (
    ({"g": "outbound_groups"}, rf"出国{_JING}(?:共计|累计|共)?(?P<g>\d+)个团组", None),
    (
        {"g": "outbound_groups"},
        rf"出国{_JING}(?:团组|团)(?:共计|累计|数量?|共)?(?:为|是)?[,:]?(?P<g>\d+)(?:个|批)",
        None,
    ),
    ({"n": "vehicles_purchased"}, r"(?:公务用?车|车辆)(?:辆)?购置(?:数量?)?(?:为|共)?(?P<n>\d+)辆", None),
    ({"n": "vehicles_purchased"}, r"(?:新)?购置(?:公务用?车|车辆)(?:为|共)?(?P<n>\d+)辆", None),
    ({"n": "vehicles_held"}, r"(?:公务用?车|车辆)(?:辆)?保有量?(?:为|是|共)?(?P<n>\d+)辆", None),
    (
        {"b": "reception_batches", "p": "reception_people"},
        r"公务接待(?:共计|共)?(?P<b>\d+)(?:批次|批)[,、]?(?:共计|共|接待)?(?:(?P<p>\d+)(?:人次|人))?",
        None,
    ),
    (
        {"b": "reception_batches", "p": "reception_people"},
        r"公务接待批次(?:为|共)?(?P<b>\d+)(?:个|批次?)[,、]?(?:接待)?(?:人次|人数)(?:为|共)?(?P<p>\d+)(?:人次|人)",
        None,
    ),
    ({"z": "vehicles_count"}, r"(?P<z>无)(?:公务)?车辆", "截"),
    ({"n": "vehicles_count"}, r"(?:共有|拥有|有)?车辆(?:共)?(?P<n>\d+)辆", "截"),
    ({"z": "large_equipment_count"}, r"(?P<z>无)单价100万元(?:\(含\))?以上(?:的)?(?:专用)?设备", None),
    (
        {"n": "large_equipment_count"},
        r"单价100万元(?:\(含\))?以上(?:的)?(?:专用)?设备(?:\(不含车辆\))?(?:共)?(?P<n>\d+)(?:台|套|件)",
        None,
    ),
    ({"n": "perf_projects_count"}, r"对(?P<n>\d+)个(?:一级|二级)?项目开展(?:了)?(?:绩效)?自评", None),
    ({"n": "perf_projects_count"}, r"开展绩效自评的?项目(?:共)?(?P<n>\d+)个", None),
)


def _combine() -> re.Pattern[str]:
    # One pass over the text for all rules: rule i's fields become groups R<i>_<name>, and an empty
    # group R<i> *after* the rule says which rule matched (the last group closed). A group around
    # the rule would make every alternative start with a group mark, which defeats the regex
    # engine's first-character check and makes the scan several times slower.
    alts = []
    for i, (_groups, rx, _needs) in enumerate(_RULES):
        alts.append("(?:" + re.sub(r"\(\?P<(\w+)>", rf"(?P<R{i}_\1>", rx) + f")(?P<R{i}>)")
    return re.compile("(?=[出公车购新无有共拥单对开])(?:" + "|".join(alts) + ")")


_ALL = _combine()
_FOREIGN = re.compile(r"外|其他单位|参加")
_NEEDS_ANY = ("出国", "车", "接待", "设备", "自评")


def extract_counts(compact: Compact, original: str, skip: list[tuple[int, int]]) -> list[Figure]:
    """Counts in the compact text; ``skip`` holds compact ranges (glossary, 目录)."""
    text = compact.text
    if not any(w in text for w in _NEEDS_ANY):
        return []
    out: list[Figure] = []
    pos = 0
    while True:
        m = _ALL.search(text, pos)
        if m is None:
            break
        pos = m.start() + 1  # rules may overlap ("公务用车购置0辆,公务车保有量"): restart just after
        if skip and any(a <= m.start() < b for a, b in skip):
            continue
        i = int((m.lastgroup or "R0")[1:])
        groups, _rx, needs = _RULES[i]
        s0 = sentence_start(text, m.start())
        if needs and needs not in text[s0 : m.start()]:
            continue
        # 国(境)外公务接待, 外事接待, 参加其他单位组织的出国团组: not the unit's own count
        if _FOREIGN.search(text, max(s0, m.start() - 7), m.start()):
            continue
        end = m.end()
        found: list[tuple[str, int]] = []
        for g, key in groups.items():
            val = m.group(f"R{i}_{g}")
            if val is not None:
                found.append((key, 0 if g == "z" else int(val)))
        if "g" in groups:
            pm = _PEOPLE.match(text, end)
            if pm:
                found.append(("outbound_people", int(pm.group("p"))))
                end = pm.end()
        pos = max(pos, end)
        clause = text.rfind(";", s0, m.start()) + 1 or s0
        span = compact.span(clause, end)
        snippet = original[span[0] : span[1]]
        for key, n in found:
            out.append(
                Figure(key=key, value=Decimal(n), measure="count", precision=_ONE, snippet=snippet, span=span)
            )
    return out
