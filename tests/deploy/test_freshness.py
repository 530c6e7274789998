"""The checks are skipped only when nothing they read changed since the last completed collection."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from tasks import freshness
from tasks.fetch import FetchResult
from tasks.load import record_fetches
from warehouse import db
from warehouse.sql import statement


def download(code: str, body: bytes, year: int = 2024) -> FetchResult:
    return FetchResult(code, year, f"http://x/{code}", "ok", datetime(2025, 9, 1), 5, content=body,
                       sha256=hashlib.sha256(body).hexdigest(), etag='"e"')


def completed_run(con, run_id: str, checks: dict, status: str = "completed") -> None:
    db.run(con, statement("run_start"), {"run_id": run_id, "kind": "collect", "year": 2024,
                                         "parser_version": "p", "rules_version": "r"})
    db.run(con, statement("run_finish"), {"run_id": run_id, "status": status,
                                          "summary": json.dumps({"checks": checks})})


def test_inputs_change_with_documents_waivers_prior_year_and_rules(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    record_fetches(con, "r1", [download("A", b"one"), download("B", b"two")])
    base = freshness.check_inputs(con, 2024, "rules-1")
    assert freshness.check_inputs(con, 2024, "rules-1") == base
    assert freshness.check_inputs(con, 2024, "rules-2") != base

    record_fetches(con, "r2", [download("A", b"one")])  # same bytes again: nothing to re-check
    assert freshness.check_inputs(con, 2024, "rules-1") == base

    record_fetches(con, "r3", [download("A", b"one, corrected")])
    corrected = freshness.check_inputs(con, 2024, "rules-1")
    assert corrected != base

    record_fetches(con, "r4", [download("A", b"last year", year=2023)])  # year-on-year rules read it
    prior = freshness.check_inputs(con, 2024, "rules-1")
    assert prior != corrected

    db.run(con, "insert into dq.waiver values ('A', 2024, 'DQ-40', '口径调整', 'bureau', current_timestamp)")
    waived = freshness.check_inputs(con, 2024, "rules-1")
    assert waived != prior

    db.run(con, "insert into core.unit values ('A', '甲单位', null, '行政', 'http://x/{unit_code}', null, current_timestamp)")
    registered = freshness.check_inputs(con, 2024, "rules-1")
    assert registered != waived
    db.run(con, "update core.unit set contact_email = 'a@example.gov.cn'")  # not read by checks or reports
    assert freshness.check_inputs(con, 2024, "rules-1") == registered
    db.run(con, "update core.unit set unit_type = '事业'")
    assert freshness.check_inputs(con, 2024, "rules-1") != registered


def test_only_a_completed_run_with_the_same_inputs_counts(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    record_fetches(con, "r1", [download("A", b"one")])
    inputs = freshness.check_inputs(con, 2024, "rules-1")
    assert not freshness.checks_current(con, 2024, inputs)  # never checked
    completed_run(con, "run-1", {"inputs": inputs}, status="failed")
    assert not freshness.checks_current(con, 2024, inputs)
    completed_run(con, "run-2", {"inputs": inputs})
    assert freshness.checks_current(con, 2024, inputs)
    completed_run(con, "run-3", {"skipped": "…", "inputs": inputs})  # a skipping run passes it on
    assert freshness.checks_current(con, 2024, inputs)
    assert not freshness.checks_current(con, 2024, "something else")


def test_views_are_recreated_only_when_their_sql_changed(tmp_path):
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    con = db.connect(path)
    assert db.views_current(con)
    db.run(con, "create or replace view meta.views_digest as select 'older code' as digest")
    db.run(con, "drop view marts.unit_status")
    con.close()
    con = db.connect(path)  # views from other code: recreated on open
    assert db.views_current(con)
    assert db.scalar(con, "select count(*) from marts.unit_status") == 0
