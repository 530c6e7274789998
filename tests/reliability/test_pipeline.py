"""Odd documents through the real pipeline: served over HTTP, fetched, parsed, loaded into a DuckDB
file and checked. Nothing crashes; every unit has an attempt; every failure names unit and file;
a document about another year or another unit is caught by DQ-08 (年度、单位、口径一致)."""

from __future__ import annotations

import pytest

from tasks import pipeline
from tasks.fetch import FetchOptions
from tasks.fileserver import serve_directory
from tasks.registry import Unit, sync_units
from tests.reliability import documents as docs
from warehouse import db

YEAR = docs.YEAR
OPTIONS = FetchOptions(concurrency=8, connect_timeout=1, read_timeout=2, total_timeout=5, retries=1, backoff=0.01)


def files() -> dict[str, tuple[str, bytes | None]]:
    text = docs.sample_text()
    return {
        "JJ001": ("txt", text.encode()),
        "JJ002": ("txt", docs.other_year_text().encode()),
        "JJ003": ("txt", docs.other_unit_text("重庆市江津区审计局").encode()),
        "JJ004": ("txt", b""),
        "JJ005": ("bin", docs.junk()),
        "JJ006": ("docx", docs.docx_billion_laughs()),
        "JJ007": ("txt", None),  # never submitted: 404
        "JJ008": ("txt", text.encode("gb18030")),
        "JJ009": ("txt", docs.mixed_encodings()),
        "JJ010": ("txt", text.encode()),  # the same bytes as JJ001: stored once
    }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from tasks.parse import PARSER_VERSION

    root = tmp_path_factory.mktemp("pipeline")
    (root / "files" / str(YEAR)).mkdir(parents=True)
    for code, (ext, data) in files().items():
        if data is not None:
            (root / "files" / str(YEAR) / f"{code}.{ext}").write_bytes(data)
    name = docs.sample_unit().unit_name
    with serve_directory(root / "files") as base:
        units = [Unit(code, name, None, "行政", f"{base}/{{year}}/{{unit_code}}.{ext}", None)
                 for code, (ext, _) in files().items()]
        con = db.connect(root / "w.duckdb")
        sync_units(con, units)
        batch = pipeline.fetch_and_parse(units, YEAR, previous={}, parsed_shas=frozenset(), options=OPTIONS,
                                         parser_version=PARSER_VERSION)
        pipeline.load(con, "run-1", batch)
        counts = {t: db.scalar(con, f"select count(*) from {t}") for t in ("raw.document", "raw.submission", "staging.report")}
        # the same sources again, as the flow would run it: nothing new anywhere
        from tasks import load as loader

        again = pipeline.fetch_and_parse(units, YEAR, previous=loader.previous_versions(con, YEAR),
                                         parsed_shas=loader.parsed_shas(con, YEAR, PARSER_VERSION), options=OPTIONS,
                                         parser_version=PARSER_VERSION)
        pipeline.load(con, "run-2", again)
        pipeline.parse_leftovers(con, YEAR, PARSER_VERSION)
    yield con, batch, again, counts
    con.close()


def test_every_unit_has_one_attempt_per_run(loaded):
    con, *_ = loaded
    rows = con.execute("select run_id, count(*), count(distinct unit_code) from raw.fetch_attempt group by 1 order by 1").fetchall()
    assert rows == [("run-1", 10, 10), ("run-2", 10, 10)]
    outcomes = dict(con.execute("select unit_code, outcome from raw.fetch_attempt where run_id = 'run-1'").fetchall())
    assert outcomes.pop("JJ007") == "not_found"
    assert set(outcomes.values()) == {"ok"}


def test_content_addressed_and_idempotent(loaded):
    con, batch, again, counts = loaded
    assert counts == {"raw.document": 8, "raw.submission": 9, "staging.report": 8}
    for t, n in counts.items():
        assert db.scalar(con, f"select count(*) from {t}") == n, t
    assert {r.outcome for r in again.fetches} == {"not_modified", "not_found"}
    assert again.documents_parsed == 0


def test_failures_name_unit_file_and_cause(loaded):
    con, *_ = loaded
    failed = dict(con.execute(
        "select unit_code, parse_error from staging.current_submission where parse_status = 'failed'").fetchall())
    assert {"JJ004", "JJ005"} <= set(failed), failed
    for code, error in failed.items():
        assert error.startswith(f"unit {code}, file http://") and f"/{code}." in error, error
        assert "parser failed (" not in error, error
    assert "empty" in failed["JJ004"]


def test_encodings_load_the_same_figures(loaded):
    con, *_ = loaded
    q = "select key, kind, value from staging.current_figure where unit_code = ? order by all"
    assert con.execute(q, ["JJ008"]).fetchall() == con.execute(q, ["JJ001"]).fetchall() != []


@pytest.fixture(scope="module")
def checked(loaded):
    from expectations import run_checks

    con, *_ = loaded
    run_checks(con, year=YEAR, run_id="check-1", engine="sql")
    return con


def dq08(con, code):  # type: ignore[no-untyped-def]
    return con.execute("select status, message from dq.result where unit_code = ? and rule_id = 'DQ-08'", [code]).fetchall()


def test_document_of_another_year_fails_dq08(checked):
    assert [s for s, _ in dq08(checked, "JJ002")] == ["fail"]
    assert [s for s, _ in dq08(checked, "JJ001")] == ["pass"]


def test_document_of_another_unit_fails_dq08(checked):
    rows = dq08(checked, "JJ003")
    assert [s for s, _ in rows] == ["fail"], rows
    assert "审计局" in rows[0][1], rows
