"""A document cut anywhere never yields a number the full document does not state.

Each figure reported on a prefix of a document must be reported identically (same key, kind,
value, start) on the whole document: a cut-off "492.4" or "1,05" is never reported.
"""

from __future__ import annotations

import pytest

from tasks.parse import parse_text
from tests.parse.corpus import SAMPLE, read

CASES = [SAMPLE, "17_gx_wuzhou_unnamed_unit_2023_pdfpage.txt", "13_gd_caizhengting_sangong_2023.txt"]


def _cuts(text: str) -> list[int]:
    cuts = set()
    for i, ch in enumerate(text):
        if ch.isdigit():
            cuts.update(range(i + 1, min(len(text), i + 4) + 1))
    return sorted(cuts)


@pytest.mark.parametrize("name", CASES)
def test_truncated_numbers_are_never_reported(name):
    text = read(name)
    full = parse_text(text)
    offset = len(text) - len(full.text)  # the annotation header parse_text strips
    known = {(f.key, f.kind, f.value, f.span[0]) for f in full.figures}
    for cut in _cuts(text):
        part = parse_text(text[:cut])
        for f in part.figures:
            assert (f.key, f.kind, f.value, f.span[0]) in known, (cut - offset, f)


def test_cut_inside_a_number():
    text = "2024年度收入总计492.46万元,支出总计492.46万元。"
    assert parse_text(text[: text.index("万元")]).values() == {}
    assert "expenditure_total" not in parse_text(text[:-5]).values()
    assert (
        parse_text("支出总计492.46万").values()["expenditure_total"]
        == parse_text(text).values()["expenditure_total"]
    )
    assert parse_text("国内公务接待1批次17").values() == {"reception_batches": 1}
