"""The hand-labelled corpus under tests/corpus, plus what the labels leave out.

labels.json lists "the figures each file states", but it is not exhaustive: several files state
more canonical figures than are labelled (e.g. file 01 says "本年收入合计3874.92万元", which is
income_this_year by DESIGN.md §3, yet only income_total is labelled). The parser reports what
the text states, so the "nothing unstated" check compares against labels ∪ STATED_UNLABELLED,
and every supplement entry carries the exact words that state it (checked against the snippet).
LABEL_DEFECTS are labelled figures the text does not state; the parser must not invent them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LABELS: list[dict] = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
BY_FILE = {entry["file"]: entry for entry in LABELS}
SAMPLE = "00_cq_jiangjin_dsj_2024_full.txt"


def read(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def label_values(name: str) -> dict[str, Decimal]:
    return {k: Decimal(str(v)) for k, v in BY_FILE[name]["figures"].items()}


# file → {key: (value, words in the snippet that state it)}
STATED_UNLABELLED: dict[str, dict[str, tuple[str, str]]] = {
    "01_cq_jiangjin_xihuzhen_2024.txt": {
        "income_this_year": ("3874.92", "本年收入合计3874.92万元"),
        "general_budget_income": ("3874.92", "一般公共预算财政拨款收入3874.92万元"),
        "gov_fund_income": ("0", "政府性基金预算财政拨款收入0万元"),
        "business_income": ("0", "事业收入0万元"),
        "other_income": ("0", "其他收入0万元"),
        "expenditure_this_year": ("3874.92", "本年支出合计3874.92万元"),
    },
    "07_sz_luohu_qingshuihe_sangong_2024.txt": {
        "outbound_groups": ("2", "团组2个"),
        "outbound_people": ("2", "累计2人次"),
    },
    "09_sc_gongxian_wangjiazhen_youeryuan_2024.txt": {
        "income_this_year": ("241.78", "本年收入合计241.78万元"),
        "general_budget_income": ("241.78", "一般公共预算财政拨款收入241.78万元"),
        "gov_fund_income": ("0", "政府性基金预算财政拨款收入0万元"),
        "state_capital_income": ("0", "国有资本经营预算财政拨款收入0万元"),
        "business_income": ("0", "事业收入0万元"),
        "operating_income": ("0", "经营收入0万元"),
        "other_income": ("0", "其他收入0万元"),
        "expenditure_this_year": ("241.78", "本年支出合计241.78万元"),
        "basic_share_pct": ("67.16", "基本支出162.38万元,占67.16%"),
        "project_share_pct": ("32.84", "项目支出79.40万元,占32.84%"),
    },
    "11_hi_danzhou_shishi_shiyan_youeryuan_2024.txt": {
        "use_of_non_fiscal_balance": ("0", "使用非财政拨款结余0.00万元"),
        "carry_over_begin": ("0", "年初结转结余0.00万元"),
    },
    "15_hi_danzhou_xunchaban_2024.txt": {
        "use_of_non_fiscal_balance": ("0", "使用非财政拨款结余0.00万元"),
        "basic_share_pct": ("32.8", "基本支出300.70万元,占32.8%"),
        "project_share_pct": ("67.2", "项目支出617.46万元,占67.2%"),
    },
    "17_gx_wuzhou_unnamed_unit_2023_pdfpage.txt": {
        "operating_income": ("0", "经营收入 0.00 万"),
        "other_income": ("0", "其他收入 0.00 万元"),
        "use_of_non_fiscal_balance": ("0", "使用非财政拨款结余(含专用结余)0.00 万元"),
        "carry_over_begin": ("8.02", "上年结转和结余 8.02 万元"),
    },
    "23_gx_luzhai_xian_huizong_sangong_2019.txt": {
        "vehicles_purchased": ("100", "公务用车购置100辆"),
    },
}

LABEL_DEFECTS: dict[str, dict[str, str]] = {
    "01_cq_jiangjin_xihuzhen_2024.txt": {
        "fiscal_appropriation_income": (
            "not stated: the text gives 一般公共预算财政拨款收入 3874.92 and 政府性基金 0 but no "
            "财政拨款收入 and no 国有资本经营 line; summing them would be a guess"
        ),
    },
}

# unit names the text does not give in a recognisable place (21 names it only mid-sentence)
UNIT_NOT_EXTRACTED = {"21_gx_wuzhou_nongchanpin_jiance_sangong_2020_pdfpage.txt"}
