"""A failed warning is cleared only by the document's own reason for that figure and comparison,
read from the warehouse (staging.document_text) as in a campaign."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations import check_document
from tests.expectations.helpers import doc, run_cases, said

HEAD = "本年支出合计550.00万元，较上年增加50.00万元，增长10.00%"


def change_doc(text: str):
    return doc(said(text, "expenditure_this_year", "550.00", "本年支出合计550.00万元"),
               said(text, "expenditure_this_year", "50.00", "较上年增加50.00万元", kind="change"),
               said(text, "expenditure_this_year", "10.00", "增长10.00%", kind="change_pct"), text=text)


CASES = {
    "own_clause": (HEAD + "，主要原因是新增城市更新项目。", "waived"),
    "next_sentence": (HEAD + "。主要原因是新增城市更新项目。", "waived"),
    "paragraph_same_comparison": (HEAD + "。\n本年支出决算大于上年决算数的主要情况:新增城市更新项目。", "waived"),
    "paragraph_about_budget": (HEAD + "。\n本年支出决算大于预算数的主要原因:追加城市更新项目。", "fail"),
    "paragraph_opposite_direction": (HEAD + "。\n本年支出决算小于上年决算数的主要情况:压减一般性支出。", "fail"),
    "other_items_reason": (HEAD + "；基本支出100.00万元，主要原因是人员增加。", "fail"),
    "reason_far_below": (HEAD + "。\n二、收入情况\n收入总计减少，主要原因是上年数据口径调整。", "fail"),
    "no_reason": (HEAD + "。", "fail"),
}


@pytest.fixture(scope="module")
def results():
    return run_cases({name: change_doc(text) for name, (text, _) in CASES.items()})


@pytest.mark.parametrize("name", list(CASES))
def test_reason_must_be_about_the_figure_and_comparison(results, name):
    r = results[name]["DQ-42"]
    assert r.severity == "warning" and r.status == CASES[name][1], (name, r.message, r.explanation)
    if r.status == "waived":
        assert "城市更新项目" in (r.explanation or "")


def test_every_failure_needs_its_reason():
    text = ("因公出国(境)费5.00万元，比上年增加5.00万元，主要原因是新增交流任务；"
            "公务接待费3.00万元，比上年增加1.00万元。")
    d = doc(said(text, "outbound_travel", "5.00", "因公出国(境)费5.00万元"),
            said(text, "outbound_travel", "5.00", "比上年增加5.00万元", kind="change"),
            said(text, "official_reception", "3.00", "公务接待费3.00万元"),
            said(text, "official_reception", "1.00", "比上年增加1.00万元", kind="change"), text=text)
    r = {x.rule_id: x for x in check_document(d)}["DQ-30"]
    assert r.status == "fail" and "另有1处" in r.message


CORPUS = Path(__file__).parents[1] / "corpus"


def test_corpus_07_budget_sentence_does_not_explain_a_rise_over_last_year():
    from tasks.parse import parse_text

    path = next(CORPUS.glob("07_*.txt"))
    res = {r.rule_id: r for r in check_document(parse_text(path.read_text(encoding="utf-8")))}
    assert res["DQ-30"].status == "fail" and "outbound_travel" in res["DQ-30"].message
    assert res["DQ-42"].status == "waived" and "小于上年决算数" in (res["DQ-42"].explanation or "")


def _naive_stretch(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    s0 = max(text.rfind(c, 0, start) for c in stops) + 1
    ends = [i for i in (text.find(c, end) for c in stops) if i >= 0]
    return s0, min(ends) if ends else len(text)


def test_stretch_finds_the_nearest_stops_on_each_side():
    """The bounded look-back must give what scanning the whole text for each stop gives, however
    far the nearest stop is (a stop-free run longer than every window, or none at all)."""
    import random

    from expectations.evidence import _stretch

    rng = random.Random(8)
    alphabet = "收入总计万元。；;\n!?！？ab"
    for _ in range(400):
        filler = "字" * rng.choice((0, 10, 70, 300, 5000))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) + filler + \
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        start = rng.randrange(len(text))
        end = rng.randint(start + 1, len(text))
        for stops in ("。；;\n", "。\n", "。！？!?\n"):
            assert _stretch(text, start, end, stops) == _naive_stretch(text, start, end, stops)
