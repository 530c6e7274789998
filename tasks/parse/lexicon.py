"""The declarative part of narrative extraction: which wordings name which canonical figure.

Every entry is ``(pattern, keys)``; ``keys=None`` marks wording we recognise but that is *not* a
canonical figure (e.g. 一般公共预算财政拨款支出, 车均购置费, the combined 公务用车购置及运行费).
Recognising it matters: the number after it must not fall through to a broader label or to the
previous sentence subject. Patterns run on the compact view (ASCII punctuation, no whitespace)
and use only non-capturing groups. At one start position the first entry wins, so more
specific wordings come first; across positions the last label before a number wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Q = r"[“”\"‘’'「」]?"  # documents quote 三公 with any kind of quote mark, or none

MEASURE: dict[str, str] = {
    "reception_per_capita_yuan": "yuan",
    "basic_share_pct": "pct",
    "project_share_pct": "pct",
    "sme_share_pct": "pct",
    "small_micro_share_pct": "pct",
    **{
        k: "count"
        for k in [
            "reception_batches",
            "reception_people",
            "outbound_groups",
            "outbound_people",
            "vehicles_purchased",
            "vehicles_held",
            "vehicles_count",
            "large_equipment_count",
            "perf_projects_count",
        ]
    },
}

# "占X%" after an amount is that amount's share of its total.
SHARE_OF: dict[str, str] = {
    "basic_expenditure": "basic_share_pct",
    "project_expenditure": "project_share_pct",
    "sme_contract_amount": "sme_share_pct",
    "small_micro_contract_amount": "small_micro_share_pct",
}


def measure_of(key: str) -> str:
    return MEASURE.get(key, "amount")


@dataclass(frozen=True, slots=True)
class Label:
    pattern: str
    keys: tuple[str, ...] | None
    # the sentence "domain" a label opens: after 财政拨款收入X, a bare 支出Y is the fiscal
    # expenditure, not 支出总计
    domain: str | None = None
    # bare labels ("支出总计", "支出") take their key from the domain opened earlier in the sentence
    by_domain: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    requires: str | None = None  # a word the sentence must contain (e.g. 绩效 for 涉及资金)
    # a unit-wide balance word that, in a sentence opened by one fund's figure ("一般公共预算财政拨款
    # 收入A万元，支出B万元，年末结转和结余C万元"), is that fund's balance, not the unit's
    fund_scoped: bool = False


BOTH = ("income_total", "expenditure_total")
# domains that make a sentence about one fund's (or all fiscal appropriation's) money when they open it
FUND_DOMAINS = frozenset(("fiscal", "gpb", "gf", "soe"))
_FUNDS = r"(?:一般公共预算|政府性基金预算?|国有资本经营预算?)"

LABELS: tuple[Label, ...] = (
    # --- fiscal-appropriation family (before the bare totals) -------------------------------
    Label(
        rf"{_FUNDS}?财政拨款(?:收入(?:[、和及与]?支出)?|收[、]?支)(?:总计|合计)",
        ("fiscal_appropriation_income",),
        "fiscal",
    ),
    Label(rf"(?:年末|年初|上年)?{_FUNDS}?财政拨款结转和?结余", None, "fiscal"),
    Label(r"一般公共预算财政拨款收入", ("general_budget_income",), "gpb"),
    Label(r"政府性基金预算?财政拨款收入", ("gov_fund_income",), "gf"),
    Label(r"国有资本经营预算?财政拨款收入", ("state_capital_income",), "soe"),
    Label(rf"{_FUNDS}财政拨款(?:支出|收支|基本支出|项目支出|安排的?)", None, "gpb"),
    Label(r"财政拨款收入", ("fiscal_appropriation_income",), "fiscal"),
    Label(r"财政拨款(?:支出|收支|基本支出|项目支出)", None, "fiscal"),
    # --- totals -------------------------------------------------------------------------------
    Label(r"收入[、和及与]支出总计|收[、和]?支总计", BOTH, "all"),
    Label(r"收[、]?支(?=[与较比同各均增减])", BOTH, "all"),
    Label(r"本年收入合计", ("income_this_year",), "all"),
    Label(r"本年支出合计", ("expenditure_this_year",), "all"),
    Label(r"(?:年度|本年度)?(?:收入|支出)合计|本年(?:收入|支出)", None),
    Label(r"收入总计|总收入", ("income_total",), "all"),
    Label(r"总支出", ("expenditure_total",), "all"),
    Label(r"支出总计", None, by_domain={"all": ("expenditure_total",)}),
    # --- income and balances ----------------------------------------------------------------
    Label(r"使用非财政拨款结余(?:和专用结余)?", ("use_of_non_fiscal_balance",)),
    Label(r"(?:年初|上年)结转(?:和|及)?结余", ("carry_over_begin",), fund_scoped=True),
    Label(r"年末结转(?:和|及)?结余", ("carry_over_end",), fund_scoped=True),
    Label(r"结余分配|上级补助收入|附属单位上缴收入|上缴上级支出|经营支出|对附属单位补助支出", None),
    Label(r"事业收入", ("business_income",)),
    Label(r"经营收入", ("operating_income",)),
    Label(r"其他收入", ("other_income",)),
    # --- expenditure --------------------------------------------------------------------------
    Label(r"基本支出", ("basic_expenditure",)),
    Label(r"项目支出", ("project_expenditure",)),
    Label(r"人员经费", ("personnel_expense",)),
    Label(r"(?:日常)?公用经费", ("public_expense",)),
    Label(r"机关运行经费", ("operating_expense",)),
    # --- 三公 ---------------------------------------------------------------------------------
    Label(rf"{Q}三公{Q}经费(?:{_FUNDS}?财政拨款)?", ("three_public_total",), "sangong"),
    Label(r"因公出国(?:\(境\))?|出国(?:\(境\))?(?:费用?|经费)", ("outbound_travel",), "sangong"),
    Label(r"公务用?车(?:辆)?购置(?:及|和|与)运行(?:维护|维修)?(?:费用?)?", None, "sangong"),
    Label(r"公务用?车(?:辆)?购置(?:费用?)?", ("vehicle_purchase",), "sangong"),
    Label(r"公务用?车(?:辆)?运行(?:维护|维修)?(?:费用?)?", ("vehicle_operation",), "sangong"),
    Label(r"车均(?:购置|运行|维护|运行维护)费", None),
    Label(r"人均(?:公务)?接待费(?:用)?", ("reception_per_capita_yuan",), "sangong"),
    Label(r"外事接待费|外宾接待费|国\(境\)外(?:公务)?接待费", None),
    Label(r"(?:国内)?公务接待(?:费用?)?", ("official_reception",), "sangong"),
    Label(r"会议费", ("meeting_fee",)),
    Label(r"培训费", ("training_fee",)),
    Label(r"差旅费", ("travel_fee",)),
    # --- procurement ------------------------------------------------------------------------
    Label(r"(?:政府)?采购货物(?:类)?(?:支出)?|货物类?(?:采购)?支出", ("procurement_goods",), "gp"),
    Label(r"(?:政府)?采购工程(?:类)?(?:支出)?|工程类?(?:采购)?支出", ("procurement_works",), "gp"),
    Label(r"(?:政府)?采购服务(?:类)?(?:支出)?|服务类?(?:采购)?支出", ("procurement_services",), "gp"),
    Label(r"政府采购(?:支出|合同)?(?:总额|总金额|金额)|政府采购支出", ("procurement_total",), "gp"),
    Label(r"(?:授予)?中小企业(?:的)?合同(?:金额|额)", ("sme_contract_amount",), "gp"),
    Label(r"(?:授予)?小微企业(?:的)?合同(?:金额|额)", ("small_micro_contract_amount",), "gp"),
    # --- performance --------------------------------------------------------------------------
    Label(r"涉及(?:项目)?(?:资金|金额)", ("perf_projects_funds",), requires="绩效"),
    # --- generic words that end a subject without naming a figure ---------------------------
    Label(r"差值|差额|结余|收入|支出", None),
)

# What may sit between a label and its number: "支出决算为", "费用", "”经费决算支出数为", "(含专用结余)".
FILLER = re.compile(
    r"(?:[”“\"’'」]|经费|费用|费|支出|开支|决算|数|为|是|共计|合计|总额|总计|金额|累计|共|计|达到?|各|均|"
    r"实际|全年|:|\([^()]{0,12}\))*"
)


def _first_chars(pattern: str) -> set[str] | None:
    """Characters a match of ``pattern`` can start with, or None if that is not simple to tell."""
    from re import _parser  # type: ignore[attr-defined]

    def walk(items: list) -> tuple[set[str], bool] | None:  # (chars, can be empty)
        out: set[str] = set()
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                return out | {chr(av)}, False
            if name == "IN":
                chars = set()
                for iop, iav in av:
                    if str(iop) != "LITERAL":
                        return None
                    chars.add(chr(iav))
                return out | chars, False
            if name == "SUBPATTERN":
                sub = walk(list(av[-1]))
            elif name == "BRANCH":
                subs = [walk(list(b)) for b in av[1]]
                if any(x is None for x in subs):
                    return None
                sub = (set().union(*(x[0] for x in subs)), any(x[1] for x in subs))  # type: ignore[index]
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                inner = walk(list(av[2]))
                sub = None if inner is None else (inner[0], inner[1] or av[0] == 0)
            elif name == "ASSERT":
                continue
            else:
                return None
            if sub is None:
                return None
            out |= sub[0]
            if not sub[1]:
                return out, False
        return out, True

    res = walk(list(_parser.parse(pattern)))
    if res is None or res[1]:
        return None
    return res[0]


def _guard() -> str:
    chars: set[str] = set()
    for lab in LABELS:
        first = _first_chars(lab.pattern)
        if first is None:
            return ""
        chars |= first
    return "(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])"


# The guard rejects most positions with one character test instead of ~60 alternatives. Each label
# is followed by an empty group, so ``m.lastindex`` names the label; a named group *around* each
# label would make every alternative start with a group mark and defeat the regex engine's
# first-character check (3x slower).
LABEL_RE = re.compile(_guard() + "(?:" + "|".join(f"(?:{lab.pattern})()" for lab in LABELS) + ")")
LABEL_BY_INDEX: tuple[Label | None, ...] = (None, *LABELS)  # group 0 is the whole match
if LABEL_RE.groups != len(LABELS):
    raise ValueError("label patterns must use non-capturing groups only")
