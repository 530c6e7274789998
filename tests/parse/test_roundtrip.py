"""Property: amounts written into narrative sentences come back exactly, with their precision."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.parse import parse_bytes, parse_text
from tests.parse.corpus import LABELS, read

TEMPLATES = {
    "income_total": "2024年度收入总计{}万元。",
    "basic_expenditure": "本年支出合计中，基本支出{}万元。",
    "three_public_total": "2024年度“三公”经费支出决算为{}万元。",
    "official_reception": "公务接待费支出{}万元。",
    "procurement_total": "政府采购支出总额{}万元。",
    "meeting_fee": "会议费支出{}万元。",
    "carry_over_end": "年末结转和结余{}万元。",
}
amounts = st.decimals(
    min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False
)


def _fmt(d: Decimal, thousands: bool) -> str:
    return f"{d:,.2f}" if thousands else f"{d:.2f}"


@settings(max_examples=60, deadline=None)
@given(
    values=st.fixed_dictionaries({k: amounts for k in TEMPLATES}),
    thousands=st.booleans(),
    sep=st.sampled_from(["", "\n", "\n\n"]),
)
def test_rendered_amounts_round_trip(values, thousands, sep):
    text = sep.join(TEMPLATES[k].format(_fmt(v, thousands)) for k, v in values.items())
    doc = parse_text(text)
    assert doc.values() == values
    for f in doc.figures:
        assert f.precision == Decimal("0.01")
        assert doc.text[f.span[0] : f.span[1]] == f.snippet


@settings(max_examples=30, deadline=None)
@given(
    value=st.decimals(min_value=0, max_value=99999, places=2),
    yoy=st.decimals(min_value=1, max_value=999, places=1),
)
def test_change_sign_round_trip(value, yoy):
    doc = parse_text(f"2024年度收入总计{value}万元，较上年减少{yoy}万元，下降{yoy}%。")
    got = {(f.key, f.kind): f.value for f in doc.figures}
    assert got[("income_total", "change")] == -yoy and got[("income_total", "change_pct")] == -yoy


def test_every_corpus_file_is_sniffed_as_text():
    for entry in LABELS:
        raw = read(entry["file"])
        doc = parse_bytes(raw.encode("utf-8"))
        assert doc.format == "text", entry["file"]
        assert doc.values() == parse_text(raw).values()
