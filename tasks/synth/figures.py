"""The numbers of one unit: drawn in whole 分, made consistent, then (for some) broken on purpose.

Amounts stay integers of 0.01 万元 until they become figures, so every sum is exact and no money
passes through float; ratios are Decimal divisions rounded ROUND_HALF_UP. The package docstring
lists the identities and what each fault family does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tasks.synth.model import SynthIndicator, SynthProject
from tasks.synth.names import words

Q1 = Decimal("0.1")
Q2 = Decimal("0.01")
_HUNDRED = Decimal(100)

Changes = dict[str, tuple[Decimal, Decimal | None]]


def wan(cents: int) -> Decimal:
    # scaleb keeps the exponent at -2, so 0 prints as "0.00" like the documents do
    return Decimal(cents).scaleb(-2)


def pct(part: int | Decimal, whole: int | Decimal, q: Decimal = Q2) -> Decimal:
    return (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(q, rounding=ROUND_HALF_UP)


def frac(rng: random.Random, total: int, lo: int, hi: int) -> int:
    """total × a random fraction in [lo, hi] per 10 000, in whole 分."""
    return total * rng.randint(lo, hi) // 10000


def _spread(rng: random.Random, lo: int, hi: int) -> int:
    """Whole 分 between lo and hi 万元, roughly log-uniform (small units are the common ones)."""
    edges = [lo * 100]
    while edges[-1] * 2 < hi * 100:
        edges.append(edges[-1] * 2)
    edges.append(hi * 100)
    k = rng.randrange(len(edges) - 1)
    return rng.randint(edges[k], edges[k + 1])


# kind: 本年支出 range (万元); 基本支出 share of it and 事业收入 share of 项目支出 (per 10 000);
# chance of 政府性基金 (%); 公务接待费 range (0.01 万元); chance of cars (%); cars held
_PROFILES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int], int, tuple[int, int], int,
                           tuple[int, int]]] = {
    "dept": ((300, 30000), (1500, 6500), (0, 0), 15, (20, 600), 60, (1, 6)),
    "town": ((1800, 9000), (2500, 6000), (0, 0), 70, (100, 1000), 90, (2, 8)),
    "school": ((150, 5000), (6000, 9200), (0, 3000), 0, (0, 60), 10, (1, 2)),
    "hospital": ((3000, 60000), (2500, 5000), (4000, 9000), 0, (0, 200), 40, (1, 4)),
    "center": ((80, 2500), (4000, 8500), (0, 2000), 5, (0, 150), 30, (1, 3)),
}


@dataclass(slots=True)
class Draft:
    """Whole-分 amounts (``c``) and counts (``n``) while a unit is built; faults edit these."""

    c: dict[str, int] = field(default_factory=dict)
    n: dict[str, int] = field(default_factory=dict)


def draw(rng: random.Random, kind: str, unit_type: str, need: str | None) -> Draft:
    """Consistent amounts for a unit of this kind; ``need`` forces what a fault will break."""
    (e_lo, e_hi), (b_lo, b_hi), (z_lo, z_hi), gf_p, (r_lo, r_hi), car_p, (h_lo, h_hi) = _PROFILES[kind]
    d = Draft()
    c, n = d.c, d.n
    e = _spread(rng, e_lo, e_hi)
    basic = frac(rng, e, b_lo, b_hi)
    project = e - basic
    personnel = frac(rng, basic, 6000, 9200)
    # Non-fiscal money and special funds pay for projects only, so 一般公共预算 covers all of 基本支出
    # and 人员/公用经费 mean the same thing in every section of the document.
    business = frac(rng, project, z_lo, z_hi) if z_hi else 0
    other = frac(rng, project, 0, 300) if rng.randrange(100) < 30 else 0
    operating = frac(rng, project, 0, 500) if kind == "hospital" and rng.randrange(2) else 0
    use_nf = frac(rng, business, 0, 800) if business and rng.randrange(100) < 30 else 0
    free = project - business - other - operating - use_nf
    gov_fund = frac(rng, free, 500, 6000) if rng.randrange(100) < gf_p else 0
    state_cap = frac(rng, free - gov_fund, 100, 1500) if kind == "dept" and rng.randrange(100) < 4 else 0
    carry_begin = frac(rng, basic, 0, 3000) if rng.randrange(100) < 45 else 0
    carry_end = frac(rng, e, 0, 1500) if rng.randrange(100) < 45 else 0
    general = e + carry_end - carry_begin - use_nf - business - other - operating - gov_fund - state_cap
    income_year = general + gov_fund + state_cap + business + operating + other
    c.update(expenditure_this_year=e, basic_expenditure=basic, project_expenditure=project,
             personnel_expense=personnel, public_expense=basic - personnel, business_income=business,
             operating_income=operating, other_income=other, use_of_non_fiscal_balance=use_nf,
             gov_fund_income=gov_fund, state_capital_income=state_cap, carry_over_begin=carry_begin,
             carry_over_end=carry_end, general_budget_income=general, income_this_year=income_year,
             income_total=income_year + use_nf + carry_begin, expenditure_total=e + carry_end)
    public = c["public_expense"]

    reception = rng.randint(r_lo, r_hi) if rng.randrange(100) < 75 else 0
    if need == "reception" and reception == 0:
        reception = rng.randint(30, 300)
    held = rng.randint(h_lo, h_hi) if rng.randrange(100) < car_p else 0
    vehicle_op = held * rng.randint(150, 450)
    purchased = rng.randint(1, 2) if held and rng.randrange(100) < 6 else 0
    vehicle_purchase = purchased * rng.randint(800, 2500)
    groups = 1 if kind in ("dept", "hospital") and rng.randrange(100) < 5 else 0
    outbound = rng.randint(150, 1500) if groups else 0
    if need == "sangong" and not (reception or vehicle_op or outbound):
        reception = rng.randint(30, 300)
    c.update(outbound_travel=outbound, vehicle_purchase=vehicle_purchase, vehicle_operation=vehicle_op,
             official_reception=reception,
             three_public_total=outbound + vehicle_purchase + vehicle_op + reception)
    people = max(1, reception * 100 // rng.randint(60, 280)) if reception else 0  # 60 … 280 元 a head
    n.update(outbound_groups=groups, outbound_people=groups * rng.randint(1, 5), vehicles_purchased=purchased,
             vehicles_held=held, reception_batches=max(1, people // rng.randint(3, 12)) if people else 0,
             reception_people=people)

    c["meeting_fee"] = frac(rng, public, 0, 300)
    c["training_fee"] = frac(rng, public, 0, 500)
    c["travel_fee"] = frac(rng, public, 100, 800)
    if unit_type in ("行政", "参公"):
        c["operating_expense"] = public if rng.randrange(3) == 0 else frac(rng, public, 7000, 10000)

    if need == "procurement" or rng.randrange(100) < 85:
        total = frac(rng, e, 50, 1500) or 100
        goods = frac(rng, total, 3000, 10000)
        works = frac(rng, total - goods, 0, 10000) if rng.randrange(3) == 0 else 0
        sme = frac(rng, total, 5000, 10000)
        c.update(procurement_total=total, procurement_goods=goods, procurement_works=works,
                 procurement_services=total - goods - works, sme_contract_amount=sme,
                 small_micro_contract_amount=frac(rng, sme, 5000, 10000))
    else:
        c["procurement_total"] = 0

    n["vehicles_count"] = held + (rng.randint(0, 3) if rng.randrange(3) == 0 else 0)
    n["large_equipment_count"] = rng.randint(1, 12) if kind == "hospital" else int(rng.randrange(10) == 0)
    return d


def finish(rng: random.Random, d: Draft, family: tuple[str, ...] | None, with_changes: bool,
           pct_q: Decimal) -> tuple[dict[str, Decimal], Changes, tuple[str, ...]]:
    """Apply one fault family (or a rounding tail) to the stated amounts, then derive the ratios."""
    c, n = d.c, d.n
    fault = family[0] if family else None
    tails: tuple[str, ...] = ()
    if fault is None and rng.randrange(100) < 6:
        rule, key = rng.choice((("DQ-09", "general_budget_income"), ("DQ-29", "three_public_total"),
                                ("DQ-35", "procurement_total")))
        if c[key] > 1:
            c[key] += rng.choice((-1, 1))
            tails = (rule,)

    def shift(key: str, delta: int) -> None:
        c[key] += delta if rng.randrange(2) or c[key] <= delta else -delta

    if fault == "DQ-10":
        shift("income_total", rng.choice((32000, 10000, 5000, 12345, 100000)))
    elif fault == "DQ-25":
        shift("personnel_expense", rng.randint(100, 3000))
    elif fault == "DQ-29":
        shift("three_public_total", rng.randint(50, 500))
    elif fault == "DQ-35":
        c["procurement_total"] += rng.randint(100, 5000)
    elif fault == "DQ-31":
        n["reception_batches"] = 0

    fig = {k: wan(v) for k, v in c.items()}
    fig.update((k, Decimal(v)) for k, v in n.items())
    fig["fiscal_appropriation_income"] = wan(
        c["general_budget_income"] + c["gov_fund_income"] + c["state_capital_income"])
    e = c["expenditure_this_year"]
    fig["basic_share_pct"] = pct(c["basic_expenditure"], e)
    fig["project_share_pct"] = pct(c["project_expenditure"], e)
    if fault == "DQ-34":
        off = Decimal(rng.randint(50, 500)).scaleb(-2)
        fig["project_share_pct"] += off if fig["project_share_pct"] + off <= 100 else -off
    # 分 × 100 / 人 is 元 a head; with nobody received the documents still print 0.00元
    people = n["reception_people"]
    fig["reception_per_capita_yuan"] = pct(c["official_reception"], people) if people else wan(0)
    if c["procurement_total"]:
        fig["sme_share_pct"] = pct(c["sme_contract_amount"], c["procurement_total"])
        fig["small_micro_share_pct"] = pct(c["small_micro_contract_amount"], c["procurement_total"])
    changes = _changes(rng, c, fault, pct_q) if with_changes or fault == "DQ-40" else {}
    return fig, changes, tails


def _changes(rng: random.Random, c: dict[str, int], fault: str | None, pct_q: Decimal) -> Changes:
    keys = ["income_total", "income_this_year", "expenditure_this_year", "three_public_total"]
    if "operating_expense" in c:
        keys.append("operating_expense")
    if fault == "DQ-10":
        keys.remove("income_total")
    # One growth rate for the unit, nudged per line, so totals, income and spending move together.
    base = rng.randint(7000, 13500)
    out: Changes = {}
    for key in keys:
        this = c[key]
        if key == "expenditure_this_year" and fault == "DQ-40":
            r = rng.randint(10300, 13000)  # 3 … 30 % either way, so a tenth of the rate is visibly wrong
            prev = this * 10000 // r if rng.randrange(2) else this * r // 10000
        elif this == 0 or (key == "three_public_total" and rng.randrange(12) == 0):
            # nothing in both years is not stated; something from nothing has no rate
            prev = 0 if this or rng.randrange(2) else rng.randint(10, 500)
        elif key in ("three_public_total", "operating_expense"):
            prev = this * 10000 // rng.randint(6000, 14000)
        else:
            prev = this * 10000 // (base + rng.randint(-400, 400))
        if this == prev == 0:
            continue
        change = this - prev
        rate = pct(change, prev, pct_q) if prev else None
        if key == "expenditure_this_year" and fault == "DQ-40" and rate is not None:
            rate = (rate / 10).quantize(pct_q, rounding=ROUND_HALF_UP)
        out[key] = (wan(change), rate)
    if "income_total" in out:
        # every template states the totals' change once for both ("收支总计较上年增加…", "收、支与…相比",
        # "收入、支出总计各增加…"), and both totals are equal whenever the change is stated
        out["expenditure_total"] = out["income_total"]
    return out


# name, measure unit, operator, target range
INDICATORS: tuple[tuple[str, str, str, int, int], ...] = (
    ("开展业务培训人次", "人次", "≥", 100, 800), ("项目完成率", "%", "≥", 85, 100),
    ("覆盖服务对象数", "人", "≥", 200, 5000), ("资金按时拨付率", "%", "=", 100, 100),
    ("服务对象满意度", "%", "≥", 85, 95), ("完成巡查次数", "次", "≥", 12, 60), ("设备完好率", "%", "≥", 90, 98),
    ("群众投诉办结率", "%", "=", 100, 100), ("新建改造设施数量", "个", "≥", 1, 20), ("宣传活动场次", "场", "≥", 4, 30),
    ("问题整改完成率", "%", "≥", 90, 100), ("数据归集种类", "类", "≥", 100, 4000),
)
_PROJECT_WORDS = {
    "dept": words("专项工作经费 信息化建设运维经费 业务工作经费 重点工作推进经费 综合执法经费"),
    "town": words("农村人居环境整治经费 基础设施维护经费 社会事务综合经费 平安建设经费 乡村振兴衔接资金"),
    "school": words("学生资助经费 校舍维修改造经费 教学设备购置经费 营养改善计划经费 公用经费补助"),
    "hospital": words("基本公共卫生服务经费 医疗设备购置经费 重点专科建设经费 疾病防控专项经费"),
    "center": words("业务运行专项经费 公益服务项目经费 设施设备维护经费 专项业务经费"),
}


def projects(rng: random.Random, kind: str, funds: int, count: int, year: int) -> tuple[SynthProject, ...]:
    """Self-evaluation tables whose 全年执行数 add up to the narrative's 涉及资金 (DQ-50)."""
    shares = [rng.randint(1, 10) for _ in range(count)]
    executed = [funds * s // sum(shares) for s in shares]
    executed[-1] += funds - sum(executed)
    words = _PROJECT_WORDS.get(kind, _PROJECT_WORDS["dept"])
    names = rng.sample(words, count) if count <= len(words) else [f"{w}（{i + 1}）" for i, w in
                                                                  enumerate(words * count)][:count]
    out = []
    for name, b in zip(names, executed, strict=True):
        a = max(1, b if rng.randrange(3) else b + frac(rng, b, 0, 1200))
        rate = pct(b, a)
        exec_w = Decimal(10)
        exec_s = (exec_w * min(rate, _HUNDRED) / _HUNDRED).quantize(Q2, rounding=ROUND_HALF_UP)
        inds = []
        for (iname, mu, op, lo, hi), w in zip(rng.sample(INDICATORS, 4), (30, 20, 20, 20), strict=True):
            target = Decimal(rng.randint(lo, hi))
            actual = target + rng.randint(0, max(1, int(target) // 10)) if op == "≥" else target
            dev = ((actual - target) * _HUNDRED / target).quantize(Q2, rounding=ROUND_HALF_UP)
            inds.append(SynthIndicator(iname, mu, op, target, actual, dev, Decimal(w), Decimal(w)))
        total = (exec_s + sum((x.score for x in inds), Decimal(0))).quantize(Q2)
        prefix = f"{year}年" if rng.randrange(2) else ""
        out.append(SynthProject(prefix + name, wan(a if rng.randrange(2) else 0), wan(a), wan(b), rate, exec_w,
                                exec_s, total, tuple(inds)))
    return tuple(out)
