"""The report stage over a synthetic district of many units: a page and a workbook for each unit with
something to act on and one list of the units that passed, the check report's matrix capped with
every unit in a CSV, output that does not depend on how units are chunked, and a cost well under a
millisecond a unit."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest

from expectations import feedback, report
from expectations.catalogue import load_catalogue
from warehouse import db
from warehouse.db import memory

N = 1200
TEXT = "2024年度基本支出100.00万元。其中：人员经费60.00万元，公用经费40.00万元。"
SNIPPET = "人员经费60.00万元"
_STAMP = re.compile(r"生成时间 \d{4}-\d\d-\d\d \d\d:\d\d")


def _district(n: int):
    """n units, each with one verdict per catalogue rule: a deterministic mix of failures, explained
    warnings, passes and rules that do not apply."""
    con = memory()
    rules = [(r.id, r.severity) for r in load_catalogue()]
    con.execute("insert into core.unit select 'U' || lpad(i::varchar, 5, '0'), '单位' || i, null, null, 'file', null, "
                "timestamp '2025-01-01' from range($n) t(i)", {"n": n})
    con.execute("insert into raw.submission select unit_code, 2024, 1, 'sha-' || unit_code, timestamp '2025-01-01', "
                "'file', null, null from core.unit")
    con.execute("insert into staging.report (sha256, parser_version, status, parsed_at) "
                "select 'sha-' || unit_code, 'test', 'parsed', timestamp '2025-01-01' from core.unit")
    con.execute("insert into staging.document_text select 'sha-' || unit_code, $text from core.unit", {"text": TEXT})
    start = TEXT.index(SNIPPET)
    evidence = json.dumps({
        "figures": [{"key": "personnel_expense", "snippet": SNIPPET, "source": "text",
                     "span": [start, start + len(SNIPPET)], "value": 60.0}],
        "findings": [{"detail": "合计不符"}, {"detail": "另一处不符"}],
    }, ensure_ascii=False)
    con.execute("""
        insert into dq.result
        select u.unit_code, 2024, 'sha-' || u.unit_code, r.rule_id, 'run', r.severity, v.status,
               case when v.status in ('fail', 'waived') then 60.5 end, case when v.status in ('fail', 'waived') then 60 end,
               case when v.status in ('fail', 'waived') then 0.5 end, case when v.status in ('fail', 'waived') then 0.01 end,
               case when v.status in ('fail', 'waived') then '人员经费与公用经费之和不等于基本支出' end,
               case when v.status in ('fail', 'waived') then $evidence::json end,
               case when v.status = 'waived' then '主要原因是人员增加' end
        from (select unit_code, row_number() over (order by unit_code) as i from core.unit) as u
        cross join (select unnest($ids) as rule_id, unnest($severities) as severity,
                           generate_subscripts($ids, 1) as j) as r
        cross join lateral (select case
            when (u.i + 3 * r.j) % 97 = 0 then 'fail'
            when r.severity = 'warning' and (u.i + 5 * r.j) % 89 = 0 then 'waived'
            when (u.i + r.j) % 2 = 0 then 'pass' else 'not_applicable' end as status) as v
    """, {"ids": [r[0] for r in rules], "severities": [r[1] for r in rules], "evidence": evidence})
    return con


@pytest.fixture(scope="module")
def district():
    con = _district(N)
    yield con
    con.close()


@pytest.fixture(scope="module")
def written(district, tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    files = feedback.write_unit_feedback(district, 2024, out / "units")
    page = report.write_check_report(district, 2024, out)
    return {"out": out, "files": files, "page": page}


def _csv(out: Path) -> list[dict[str, str]]:
    with (out / report.UNITS_CSV).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_page_and_workbook_for_each_unit_needing_action_and_a_list_of_the_rest(written):
    rows = _csv(written["out"])
    acting = {r["单位代码"] for r in rows if r["结论"] != "全部通过"}
    assert len(rows) == N and 0 < len(acting) < N
    names = {p.name for p in written["files"]}
    assert names == {f"{code}.{kind}" for code in acting for kind in ("html", "xlsx")} | {"all-clear.list.html"}
    assert {p.name for p in (written["out"] / "units").iterdir()} == names
    listing = (written["out"] / "units" / "all-clear.list.html").read_text(encoding="utf-8")
    listed = re.findall(r'<tr id="(U\d+)"><td>U\d+</td><td>[^<]*</td><td class="p">全部通过</td>', listing)
    assert sorted(listed) == sorted(r["单位代码"] for r in rows if r["结论"] == "全部通过")


def test_matrix_capped_worst_first_and_the_rest_in_the_csv(district, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "MATRIX_MAX", 10)
    html = report.write_check_report(district, 2024, tmp_path).read_text(encoding="utf-8")
    matrix = html.split('id="matrix"')[1]
    shown = re.findall(r'<tr><td style="text-align:left"><a href="units/(U\d+)\.html">', matrix)
    rows = _csv(tmp_path)
    ranked = sorted(rows, key=lambda r: (-int(r["错误"]), -int(r["警告"]), r["结论"] == "全部通过", r["单位代码"]))
    assert shown == [r["单位代码"] for r in ranked[:10]]
    # each row's cells are that unit's verdicts
    for row, unit in zip(matrix.split("<tr>")[2:12], ranked[:10], strict=True):
        assert (row.count('class="e"'), row.count('class="w"'), row.count('class="x"')) == (
            int(unit["错误"]), int(unit["警告"]), int(unit["已说明"])), unit["单位代码"]
    assert f'id="matrix-more">另有 <b>{N - 10}</b> 家' in html and 'href="check_units.csv"' in html
    assert f'id="n-units">{N}<' in html
    errors = sum(int(r["错误"]) for r in rows)
    assert f'id="n-errors">{errors}<' in html


def test_chunking_does_not_change_what_is_written(district, written, tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "CHUNK", 7)
    feedback.write_unit_feedback(district, 2024, tmp_path)
    ref = written["out"] / "units"
    for path in sorted(tmp_path.iterdir())[::37]:
        if path.suffix == ".html":
            def page(p: Path) -> str:
                return _STAMP.sub("", p.read_text(encoding="utf-8"))
            assert page(path) == page(ref / path.name), path.name
        else:
            with zipfile.ZipFile(path) as new, zipfile.ZipFile(ref / path.name) as old:
                assert new.namelist() == old.namelist()
                for name in new.namelist():
                    if name != "docProps/core.xml":  # its creation time
                        assert new.read(name) == old.read(name), (path.name, name)


def test_duckdb_memory_limit_is_lowered_inside_and_restored(district):
    district.execute("set memory_limit = '2GB'")
    before = district.execute("select current_setting('memory_limit')").fetchall()
    for _ in range(3):  # no drift from one stage to the next
        with feedback.bounded_cache(district):
            [(inside,)] = district.execute("select current_setting('memory_limit')").fetchall()
            assert db._size(inside)[0] <= feedback.CACHE_LIMIT
        assert district.execute("select current_setting('memory_limit')").fetchall() == before


def test_more_than_a_chunk_is_written_by_worker_processes_and_one_chunk_here(district, written, tmp_path,
                                                                             monkeypatch):
    def here(self, chunk):
        raise RuntimeError("written in the process reading the warehouse")

    # the workers import feedback afresh, without this patch: only what this process writes fails
    monkeypatch.setattr(feedback.Writer, "__call__", here)
    monkeypatch.setattr(feedback, "CHUNK", 400)
    files = feedback.write_unit_feedback(district, 2024, tmp_path / "pool", workers=2)
    assert [p.name for p in files] == [p.name for p in written["files"]]  # in unit order, as before
    with pytest.raises(RuntimeError, match="reading the warehouse"):
        feedback.write_unit_feedback(district, 2024, tmp_path / "none", workers=0)
    monkeypatch.setattr(feedback, "CHUNK", N)
    with pytest.raises(RuntimeError, match="reading the warehouse"):
        feedback.write_unit_feedback(district, 2024, tmp_path / "one", workers=2)
