"""The narrative: the sample's skeleton in three wording families.

Skeleton (tests/corpus/00_cq_jiangjin_dsj_2024_full.txt): 一、单位基本情况 → 二、部门决算情况
(一)…(六) → 三、"三公"经费 → 四、其他需要说明的事项 (会议费培训费, 机关运行经费, 国有资产占用,
政府采购) → 五、预算绩效管理情况 → 专业名词解释 → 六、决算公开联系方式 (七 when 专业名词解释 is 六), numbered without gaps.

- ``jiangjin`` — the sample's own wording: full-width punctuation, "收入总计X万元，支出总计Y万元",
  "因公出国（境）费用", "公务车购置费", "占比", YoY % to one place, "较上年增加…"; a 绩效自评表
  for some units.
- ``halfwidth`` — the 西湖镇 / 洪湖镇 family: half-width punctuation, "收、支总计均为" or separate
  totals, "收、支与2023年度相比", "本年收入合计", "因公出国(境)费", "公务用车购置费", YoY % to one place.
- ``zongji`` — the 珙县 family: "收入、支出总计均为X万元", "各增加/减少", income lines with shares,
  "因公出国（境）经费", YoY % to two places, "增长--（基数为0，不可比）"; a 绩效自评表 for some units.

Every template states every key in the unit's ``figures`` (the round-trip truth), nothing more
under a canonical name. Decorations (duties, offices, reasons, contact) come from a per-unit
``random.Random(unit_code + template)`` so a document is the same whenever it is rendered.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from tasks.synth.formats import Block, Table, trim
from tasks.synth.glossary import GLOSSARY
from tasks.synth.names import PREFIX, person, phone, words

if TYPE_CHECKING:
    from tasks.synth.model import SyntheticUnit, SynthProject

_Q2 = Decimal("0.01")
_HALF = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")"})

_OFFICES = {
    "town": words("党政办公室 党群办公室 经济发展办公室 民政和社会事务办公室 平安建设办公室 规划建设管理环保办公室 "
                  "财政办公室 应急管理办公室 综合行政执法办公室 人大办公室"),
    "school": words("办公室 教导处 总务处 德育处 体艺卫处 教科室 安全办"),
    "hospital": words("医务科 护理部 财务科 院办公室 药剂科 医保科 信息科 后勤保障科"),
    "other": words("办公室 综合科 政策法规科 计划财务科 规划发展科 监督管理科 人事科 信息科 行政审批科 安全监管科 "
                   "宣传科 项目管理科 统计分析科 法制科 党建工作科"),
}
_UP = ("新增重点项目建设资金", "人员经费随工资调标相应增加", "上级专项补助资金增加", "新增信息化建设项目支出",
       "基础设施维护项目支出增加", "民生保障类项目支出增加")
_DOWN = ("部分建设项目已完工，项目支出减少", "严格落实过紧日子要求，压减一般性支出", "上年一次性项目本年未安排",
         "专项资金较上年减少", "人员调出，人员经费相应减少", "上级转移支付资金减少")
_SG_UP = ("公务用车使用年限较长，维修费用增加", "上级部门检查调研增加，接待任务增加", "业务交流活动增加")
_SG_DOWN = ("认真贯彻落实中央八项规定精神，从严控制“三公”经费开支", "严格执行公务接待标准，压减接待支出",
            "公务用车使用管理进一步规范，运行维护费减少")
_PURPOSES = {
    "school": ("采购教学仪器设备和图书资料", "采购校舍维修改造工程", "采购学生食堂食材配送服务"),
    "hospital": ("采购医疗设备和卫生耗材", "采购医疗信息系统运维服务", "采购院区维修改造工程"),
    "other": ("采购日常办公所需电脑、打（复）印机等办公设备", "采购物业管理和信息系统运维服务", "采购维修改造工程和设计服务"),
}
_FIELD_CUTS = ("委员会", "管理局", "事务局", "局", "办公室", "联合社", "联合会", "协会", "中心", "馆", "会", "院", "所", "站",
               "支队")


def _field(name: str) -> str:
    core = name.removeprefix(PREFIX)
    for cut in _FIELD_CUTS:
        if core.endswith(cut) and len(core) > len(cut) + 1:
            return core[: -len(cut)]
    return core


def _duties(u: SyntheticUnit) -> str:
    f = _field(u.unit_name)
    if u.kind == "town":
        return ("贯彻执行党和国家的各项方针、政策及法律法规，执行本级人民代表大会的决议和区人民政府的决定和命令；研究制定、执行"
                "本辖区经济建设和社会发展规划；负责辖区内的城市建设和管理、维护稳定及社会治安治理、民政、社会保障、农业农村等工作；"
                "完成区委、区政府交办的其他任务。")
    if u.kind == "school":
        return ("认真组织教育教学、科学研究活动，保证教育教学质量。贯彻党和国家的教育方针、政策，促进学生德、智、体、美、劳全面"
                "发展。保障教职工合法权益，做好学校安全、后勤和资产管理工作。")
    if u.kind == "hospital":
        return ("承担辖区居民基本医疗、急诊急救、公共卫生服务和健康管理工作；开展医学教育、科研和技术指导；承担突发公共卫生事件"
                "医疗救治任务；完成上级卫生健康部门交办的其他任务。")
    if u.kind == "center":
        return f"承担{f}相关的技术服务、公益服务和事务性工作；配合主管部门做好{f}领域的管理和服务；完成主管部门交办的其他任务。"
    return (f"负责贯彻执行国家和市、区关于{f}工作的方针政策和法律法规；拟订全区{f}发展规划和政策措施并组织实施；负责{f}领域的"
            "统筹协调、监督管理和公共服务；承担法律、法规、规章、政策规定的应急、安全、环保、稳定等相关工作；完成区委、区政府交办"
            "的其他任务。")


def _offices(u: SyntheticUnit, r: random.Random) -> str:
    pool = _OFFICES.get(u.kind, _OFFICES["other"])
    names = r.sample(pool, r.randint(3, min(8, len(pool))))
    what = {"town": "办公室", "school": "处室", "hospital": "科室"}.get(u.kind, "职能科室")
    return f"{u.unit_name}内设{len(names)}个{what}，分别是{'、'.join(names)}。"


def _change(style: str, ch: tuple[Decimal, Decimal | None] | None, up_why: str, down_why: str, year: int) -> str:
    """The YoY clause after a stated amount ('' when the unit states no change for it)."""
    if ch is None:
        return ""
    amount, rate = ch
    up = amount >= 0
    verb, a, why = ("增加" if up else "减少"), abs(amount), (up_why if up else down_why)
    if style == "zongji":
        pct = "增长--（基数为0，不可比）" if rate is None else f"{'增长' if up else '下降'}{abs(rate)}%"
        return f"与{year - 1}年度相比，{verb}{a}万元，{pct}。主要原因是{why}。"
    if style == "halfwidth":
        pct = "（上年无此项支出）" if rate is None else f"，{'增长' if up else '降低'}{abs(rate)}%"
        return f"与{year - 1}年度相比，{verb}{a}万元{pct}，主要原因是{why}。"
    pct = "（上年无此项支出）" if rate is None else f"，{'增长' if up else '下降'}{abs(rate)}%"
    return f"较上年{verb}{a}万元{pct}，主要原因是{why}。"


def render_blocks(u: SyntheticUnit, year: int) -> list[Block]:
    style, f, cg = u.template, u.figures, u.changes
    r = random.Random(u.unit_code + style)
    ben = "本部门" if u.kind in ("dept", "town") else "本单位"
    we = {"town": "我镇", "school": "我校", "hospital": "我院"}.get(u.kind, "我单位")
    up, down, sg_up, sg_down = r.choice(_UP), r.choice(_DOWN), r.choice(_SG_UP), r.choice(_SG_DOWN)

    def chg(key: str, u_why: str = up, d_why: str = down) -> str:
        return _change(style, cg.get(key), u_why, d_why, year)

    name_line = u.unit_name + ("（本级）" if u.kind in ("dept", "town") and r.randrange(3) == 0 else "")
    b: list[Block]
    if style == "jiangjin":
        b = [name_line, "", f"{year}年度决算公开说明", "", "一、单位基本情况", "（一）职能职责", "", _duties(u), "",
             "单位构成", _offices(u, r)]
    elif style == "halfwidth":
        b = [f"{name_line}{year}年度决算公开说明", "", "一、部门基本情况", "（一）主要职能", _duties(u), "（二）机构设置",
             _offices(u, r)]
    else:
        b = [f"{u.unit_name}{year}年度决算公开说明", "", "一、单位基本情况", "（一）单位职责", _duties(u),
             "（二）机构设置及人员情况", _offices(u, r)]

    # 二、部门决算情况
    inc_t, exp_t, inc_y, exp_y = f["income_total"], f["expenditure_total"], f["income_this_year"], f["expenditure_this_year"]
    gbi, gfi, sci, fai = (f["general_budget_income"], f["gov_fund_income"], f["state_capital_income"],
                          f["fiscal_appropriation_income"])
    cb, ce = f["carry_over_begin"], f["carry_over_end"]
    if inc_t != exp_t or style == "jiangjin" or r.randrange(2):
        totals = f"{year}年度收入总计{inc_t}万元，支出总计{exp_t}万元。"
    else:
        totals = f"{year}年度{'收、支' if style == 'halfwidth' else '收入、支出'}总计均为{inc_t}万元。"
    if "income_total" in cg:
        clause = _change(style, cg["income_total"], up, down, year)
        if style == "zongji":
            totals += clause.replace("相比，", "相比，收入、支出总计各", 1)
        else:
            totals += ("收、支" if style == "halfwidth" else "收支总计") + clause
    parts = [("一般公共预算财政拨款收入", gbi), ("政府性基金预算财政拨款收入", gfi), ("国有资本经营预算财政拨款收入", sci),
             ("事业收入", f["business_income"]), ("经营收入", f["operating_income"]), ("其他收入", f["other_income"])]
    if style == "zongji":
        inc_list = "；".join(f"{k}{v}万元，占{(v * 100 / inc_y).quantize(_Q2, ROUND_HALF_UP) if inc_y else '0.00'}%"
                            for k, v in parts)
    else:
        fiscal = "，".join(f"{k}{v}万元" for k, v in parts[:3])
        inc_list = f"财政拨款收入{fai}万元（{fiscal}），" + "，".join(f"{k}{v}万元" for k, v in parts[3:])
    income_s = (f"{year}年度本年收入合计{inc_y}万元，"
                f"{chg('income_this_year')}其中：{inc_list}。"
                f"使用非财政拨款结余{f['use_of_non_fiscal_balance']}万元，年初结转和结余{cb}万元。")
    share = "占比" if style == "jiangjin" else "占"
    expend_s = (f"{year}年度本年支出合计{exp_y}万元，"
                f"{chg('expenditure_this_year')}其中：基本支出{f['basic_expenditure']}万元，{share}{f['basic_share_pct']}%；"
                f"项目支出{f['project_expenditure']}万元，{share}{f['project_share_pct']}%。年末结转和结余{ce}万元。")
    fiscal_total, gb_exp = fai + cb, gbi + cb - ce
    # Corpus labels (00, 09) read "财政拨款收入总计" as 财政拨款收入, which is only true without a
    # carry-over, so the grand-total wording is used only then.
    fiscal_total_s = (f"{year}年度财政拨款收入总计{fiscal_total}万元，支出总计{fiscal_total}万元。" if not cb
                      else f"{year}年度财政拨款收入{fai}万元，年初财政拨款结转和结余{cb}万元。")
    if style == "jiangjin":
        b += ["二、部门决算情况", "", "（一）部门收支总体情况", "", f"1. 收入支出总体情况。{totals}", f"2. 收入情况。{income_s}",
              f"3. 支出情况。{expend_s}", "", "（二）财政拨款收支总体情况",
              fiscal_total_s,
              "（三）一般公共预算财政拨收支总体情况", "", f"1. 收入情况。{year}年度一般公共预算财政拨款收入{gbi}万元。", "",
              f"2. 支出情况。{year}年度一般公共预算财政拨款支出{gb_exp}万元。", "",
              f"3.结转结余情况。{year}年度年末一般公共预算财政拨款结转和结余{ce}万元。", "（四）一般公共预算财政拨基本支出情况", ""]
    else:
        fiscal_s = (f"{year}年度财政拨款收入、支出总计均为{fiscal_total}万元。" if r.randrange(2) and not cb
                    else fiscal_total_s)
        b += ["二、部门决算收支情况说明" if style == "halfwidth" else f"二、{year}年度决算情况说明",
              "（一）收入支出决算总体情况说明", f"1.总体情况。{totals}", f"2.收入情况。{income_s}", f"3.支出情况。{expend_s}",
              "（二）财政拨款收入支出决算总体情况说明", fiscal_s, "（三）一般公共预算财政拨款收支决算情况说明",
              f"{year}年度一般公共预算财政拨款收入{gbi}万元，支出{gb_exp}万元，年末结转和结余{ce}万元。",
              "（四）一般公共预算财政拨款基本支出决算情况说明"]
    b.append(f"{year}年度一般公共预算财政拨款基本支出{f['basic_expenditure']}万元。其中：人员经费{f['personnel_expense']}"
             f"万元，主要用于保障在职人员工资福利和社会保险及住房公积金缴费。公用经费{f['public_expense']}万元，主要用于保障"
             "单位正常运转的各项商品服务支出等。")
    gf_s = (f"{year}年度政府性基金预算财政拨款收入{gfi}万元，支出{gfi}万元，年末结转和结余0.00万元，主要用于城乡基础设施建设。"
            if gfi else f"{ben}{year}年度无政府性基金预算财政拨款收支。")
    sc_s = (f"{year}年度国有资本经营预算财政拨款收入{sci}万元，支出{sci}万元，主要用于国有企业资本金注入。"
            if sci else f"{ben}{year}年度无国有资本经营预算财政拨款支出。")
    if style == "jiangjin":
        b += ["", "（五）政府性基金预算收支决算情况", "", gf_s, "（六）国有资本经营预算财政拨款支出决算情况", "", sc_s]
    else:
        b += ["（五）政府性基金预算财政拨款收支决算情况说明", gf_s, "（六）国有资本经营预算财政拨款支出决算情况说明", sc_s]

    b += _sangong(u, year, chg("three_public_total", sg_up, sg_down))
    b += _other(u, year, ben, chg("operating_expense"), r)
    b += _perf(u, year, ben, we, r)
    b += ["专业名词解释" if style != "halfwidth" else "六、专业名词解释", "", GLOSSARY, "",
          f"{'七' if style == 'halfwidth' else '六'}、决算公开联系方式", "", f"{ben}决算公开信息反馈和联系方式：", ""]
    who = person(r)
    who = f"{who[0]}  {who[1]}" if len(who) == 2 else who  # the sample pads two-character names
    b.append(f"联系人：{who}    联系电话：{phone(r)}")
    if style == "halfwidth":
        b = [x.translate(_HALF) if isinstance(x, str) else x for x in b]
    return b


def _per(amount: Decimal, count: Decimal) -> Decimal:
    return (amount / count).quantize(_Q2, ROUND_HALF_UP) if count else Decimal("0.00")


def _sangong(u: SyntheticUnit, year: int, clause: str) -> list[Block]:
    f = u.figures
    ob, vp, vo, rec = f["outbound_travel"], f["vehicle_purchase"], f["vehicle_operation"], f["official_reception"]
    og, op, vpn, vh = f["outbound_groups"], f["outbound_people"], f["vehicles_purchased"], f["vehicles_held"]
    rb, rp, pc, total = f["reception_batches"], f["reception_people"], f["reception_per_capita_yuan"], f["three_public_total"]
    if u.template == "jiangjin":
        return ["三、“三公”经费情况", "", "（一）“三公”经费支出总体情况", "", f"{year}年度“三公”经费支出共计{total}万元。{clause}",
                "", "（二）“三公”经费分项支出情况", "",
                f"因公出国（境）费用{ob}万元，公务车购置费{vp}万元，公务车运行维护费{vo}万元，公务接待费{rec}万元。", "",
                "（三）“三公”经费实物量情况", "",
                f"{year}年度本单位因公出国（境）共计{og}个团组，{op}人；公务用车购置{vpn}辆，公务车保有量为{vh}辆；国内公务接待"
                f"{rb}批次{rp}人，其中：国内外事接待0批次，0人；国（境）外公务接待0批次，0人。人均接待费{pc}元，车均购置费"
                f"{_per(vp, vpn)}万元，车均维护费{_per(vo, vh)}万元。"]
    if u.template == "zongji":
        parts = (f"因公出国（境）经费{ob}万元，公务用车购置及运行维护费{vp + vo}万元（其中：公务用车购置费{vp}万元，"
                 f"公务用车运行维护费{vo}万元），公务接待费{rec}万元")
    else:
        parts = f"因公出国（境）费{ob}万元，公务用车购置费{vp}万元，公务用车运行维护费{vo}万元，公务接待费{rec}万元"
    return ["三、“三公”经费支出情况说明", "（一）“三公”经费支出总体情况说明",
            f"{year}年度“三公”经费财政拨款支出决算为{total}万元{'，' + clause if clause else '。'}",
            "（二）“三公”经费分项支出情况说明",
            f"其中：{parts}。",
            "（三）“三公”经费实物量情况说明",
            f"全年因公出国（境）团组{og}个、累计{op}人次；公务用车购置{vpn}辆，年末公务用车保有量{vh}辆；国内公务接待{rb}批次、"
            f"{rp}人次，人均接待费{pc}元。"]


def _other(u: SyntheticUnit, year: int, ben: str, opex_clause: str, r: random.Random) -> list[Block]:
    f = u.figures
    b: list[Block] = ["四、其他需要说明的事项", "",
                      "（一）财政拨款会议费和培训费情况" if u.template == "jiangjin" else "（一）会议费、培训费和差旅费支出情况",
                      f"{year}年度会议费支出{f['meeting_fee']}万元，培训费支出{f['training_fee']}万元，差旅费支出"
                      f"{f['travel_fee']}万元。", "（二）机关运行经费情况"]
    if "operating_expense" in f:
        b.append(f"{year}年度{ben}机关运行经费支出{f['operating_expense']}万元，{opex_clause}主要为办公费、邮电费、物业管理费、"
                 "会议费、培训费、劳务费、工会经费、福利费、其他交通费用、其他商品和服务支出。")
    else:
        b.append(f"{ben}为事业单位，不涉及机关运行经费。")
    b.append("（三）国有资产占用情况说明")
    vc, vh, le = f["vehicles_count"], f["vehicles_held"], f["large_equipment_count"]
    if not vc and not le:
        b.append(f"截至{year}年12月31日，{ben}无车辆，无单价100万元（含）以上设备（不含车辆）。")
    else:
        cars = (f"共有车辆{vc}辆，其中：一般公务用车{vh}辆，执法执勤用车0辆，特种专业技术用车{vc - vh}辆，其他用车0辆"
                if vc else "无车辆")
        b.append(f"截至{year}年12月31日，{ben}{cars}；单价100万元（含）以上设备（不含车辆）{le}台（套）。")
    b.append("（四）政府采购支出说明")
    if "procurement_goods" in f:
        b.append(f"{year}年度{ben}政府采购支出总额{f['procurement_total']}万元，其中：政府采购货物支出{f['procurement_goods']}"
                 f"万元、政府采购工程支出{f['procurement_works']}万元、政府采购服务支出{f['procurement_services']}万元。授予中小"
                 f"企业合同金额{f['sme_contract_amount']}万元，占政府采购支出总额的{f['sme_share_pct']}%，其中：授予小微企业合同"
                 f"金额{f['small_micro_contract_amount']}万元，占政府采购支出总额的{f['small_micro_share_pct']}%。"
                 f"主要用于{r.choice(_PURPOSES.get(u.kind, _PURPOSES['other']))}。")
    else:
        b.append(f"{year}年度{ben}无政府采购支出，政府采购支出总额{f['procurement_total']}万元。")
    return b


def _perf(u: SyntheticUnit, year: int, ben: str, we: str, r: random.Random) -> list[Block]:
    n, funds = u.figures["perf_projects_count"], u.figures["perf_projects_funds"]
    b: list[Block] = ["", "五、预算绩效管理情况", "（一）预算绩效管理工作开展情况",
                      f"根据预算绩效管理要求，{we}对{n}个项目开展了绩效自评，其中，以填报目标自评表形式开展自评{n}项，"
                      f"涉及资金{funds}万元。", "（二）绩效自评结果"]
    if u.perf_projects:
        b.append("1. 绩效目标自评表")
        b += [_perf_table(u, p, year, r) for p in u.perf_projects]
        b += ["", "绩效自评报告或案例", "", f"{ben}无此事项。"]
    else:
        b.append(f"{year}年度{we}项目绩效自评结果总体良好，各项目均完成年度绩效目标。")
    return b + ["（三）重点绩效评价结果", "", f"{ben}无此事项。", ""]


def _perf_table(u: SyntheticUnit, p: SynthProject, year: int, r: random.Random) -> Table:
    # Header labels as the sample wraps them inside their cells.
    money = (str(p.initial_budget), str(p.adjusted_budget), str(p.executed), trim(p.exec_rate_pct),
             str(p.exec_weight.quantize(_Q2)), str(p.exec_score))
    rows: list[tuple[str, ...]] = [
        ("项目\n\n名称", p.name, "自评\n\n总分\n\n（分）", str(p.total_score)),
        ("项目主管\n\n部门", u.unit_name, "财政归口科室", r.choice(("行政政法科", "教科文科", "经济建设科", "农业农村科")),
         "项目\n\n联系人", person(r), "联系电话", phone(r)),
        ("项目资金（万元）", "年度总金额", "年初\n\n预算数", "全年（调整）预算数", "全年执行数", "执行率\n\n（%）", "执行率\n\n权重",
         "执行率\n\n得分\n\n（分）"),
        ("", "", *money),
        ("", "其中：\n\n财政拨款", *money),
        ("当年绩效目标", "年初绩效目标", "全年（调整）绩效目标", "全年目标实际完成情况"),
        ("", "", f"按计划完成{p.name}相关工作任务，资金使用规范，服务对象满意。",
         f"{p.name}相关工作任务已按计划完成，资金执行率{trim(p.exec_rate_pct)}%。"),
        ("绩效指标", "指标\n\n名称", "计量\n\n单位", "指标\n\n性质", "指标\n\n值", "全年\n\n完成值", "偏离度（%）",
         "得分\n\n系数\n\n（%）", "指标\n\n权重\n\n（分）", "指标得分\n\n（分）", "说明"),
    ]
    rows += [("", i.name, i.measure_unit, i.operator, trim(i.target), trim(i.actual), trim(i.deviation_pct), "100",
              trim(i.weight), trim(i.score), "") for i in p.indicators]
    return Table(f"{year}年度项目绩效自评表", tuple(rows))
