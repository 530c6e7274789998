"""The rules on the real sample disclosures, through the parser."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from expectations import check_document

parse = pytest.importorskip("tasks.parse", reason="the parser (tasks.parse) is not importable yet")
CORPUS = Path(__file__).parents[1] / "corpus"


@pytest.fixture(scope="module")
def results() -> dict:
    out = {}
    for path in sorted(CORPUS.glob("*.txt")):
        doc = parse.parse_text(path.read_text(encoding="utf-8"))
        out[path.name[:2]] = {r.rule_id: r for r in check_document(doc)}
    return out


def test_sample_00_reports_only_its_labelled_defects(results):
    res = results["00"]
    errors = {k for k, r in res.items() if r.is_error}
    assert errors == {"DQ-05"}
    assert "七" in res["DQ-05"].message and "五" in res["DQ-05"].message  # 五 → 七: 六 is missing
    perf = res["DQ-50"]
    assert perf.is_warning and "399.37" in perf.message and "60.47" in perf.message
    details = " ".join(f["detail"] for f in perf.evidence["findings"])
    assert "4个项目" in details and "仅1张" in details
    # submission-level rules are warnings on a single file
    assert res["DQ-01"].severity == "warning" and "tables not in this file" in res["DQ-01"].message


def test_zero_base_growth_rate_is_an_error(results):
    r = results["11"]["DQ-40"]
    assert r.is_error and "上年数为0" in r.message


def test_wrong_rate_is_an_error(results):
    r = results["15"]["DQ-40"]
    assert r.is_error and "1.63" in r.message and "0.16" in r.message
    assert len(r.evidence["findings"]) == 3  # 收支总计, 财政拨款收入, 支出


def test_rounding_tails_are_reported_but_never_errors(results):
    sangong = results["07"]["DQ-29"]
    assert sangong.status == "pass" and "尾差" in sangong.message and sangong.difference == Decimal("0.01")
    change_sum = results["07"]["DQ-40"]
    assert change_sum.status == "pass" and "尾差" in change_sum.message


def test_every_labelled_inconsistency_is_reported(results):
    labels = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    expected = {"00": {"DQ-50", "DQ-05"}, "07": {"DQ-29", "DQ-40"}, "11": {"DQ-40"}, "15": {"DQ-40"}}
    for label in labels:
        key = label["file"][:2]
        assert bool(label["stated_inconsistencies"]) == (key in expected), key
        for rule_id in expected.get(key, ()):
            r = results[key][rule_id]
            assert r.status == "fail" or "尾差" in r.message, (key, rule_id, r.message)
