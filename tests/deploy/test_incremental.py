"""Incremental collection: a second run over unchanged sources asks the servers conditionally, gets
304s, and writes, parses and re-checks nothing new; a changed document is the only thing redone."""

from __future__ import annotations

import pytest

from tasks import demo
from tests.deploy.helpers import Requests, counting_server, snapshot, submitting_units
from warehouse import db

pytestmark = [pytest.mark.prefect, pytest.mark.slow]
YEAR = 2024


@pytest.fixture(scope="module")
def runs(tmp_path_factory, prefect_harness):
    from flows.collect import yearly_collection

    root = tmp_path_factory.mktemp("incremental")
    requests = Requests()
    seen = {}
    with counting_server(root / "files", requests) as base:
        config = demo.prepare(root, year=YEAR, base_url=base, n_units=14, seed=5)
        # several batches, so the per-batch load path is what is exercised
        config.write_text(config.read_text(encoding="utf-8").replace("batch_size = 500", "batch_size = 4"), "utf-8")

        def collect(name: str) -> None:
            requests.reset()
            result = yearly_collection(year=YEAR, config=str(config), publish=False)
            with db.connect(root / "warehouse.duckdb", read_only=True) as con:
                outcomes = con.execute(
                    "select outcome, http_status, count(*) from raw.fetch_attempt where run_id = ? group by all",
                    [result["run_id"]]).fetchall()
                seen[name] = {"result": result, "requests": (requests.conditional, requests.plain),
                              "outcomes": {(o, s): n for o, s, n in outcomes},
                              "tables": snapshot(con, keep_volatile=True), "stable": snapshot(con)}

        collect("first")
        collect("unchanged")
        changed = sorted(submitting_units(root))[0]
        path = root / "files" / str(YEAR) / f"{changed}.txt"
        path.write_bytes(path.read_bytes() + "\n（本单位更正后重新公开）\n".encode())
        collect("changed")
    return root, seen, changed


def test_unchanged_rerun_fetches_conditionally_and_gets_304(runs):
    root, seen, _ = runs
    submitting = submitting_units(root)
    registered = seen["first"]["result"]["registered"]
    assert seen["first"]["requests"] == (0, registered)
    # every unit we hold a document for is asked "only if changed"; the missing ones plainly again
    assert seen["unchanged"]["requests"] == (len(submitting), registered - len(submitting))
    outcomes = seen["unchanged"]["outcomes"]
    assert outcomes[("not_modified", 304)] == len(submitting)
    assert not any(outcome == "ok" for outcome, _ in outcomes)


def test_unchanged_rerun_writes_no_version_and_parses_nothing(runs):
    _, seen, _ = runs
    first, again = seen["first"], seen["unchanged"]
    assert first["result"]["new_versions"] == first["result"]["submitted"]
    assert again["result"]["new_versions"] == 0
    assert again["result"]["checks"].get("skipped")  # nothing the checks read changed
    assert seen["changed"]["result"]["checks"].get("results")  # …until a document did
    # the same rows, timestamps included: nothing re-stored, nothing re-parsed (parsed_at unchanged)
    for table in ("raw.document", "raw.submission", "staging.report", "staging.figure", "core.unit"):
        assert again["tables"][table] == first["tables"][table], table
    # verdicts are re-derived for the run, but none changes
    assert again["stable"]["dq.result"] == first["stable"]["dq.result"]


def test_a_changed_document_is_the_only_thing_redone(runs):
    _, seen, changed = runs
    before, after = seen["unchanged"], seen["changed"]
    assert after["result"]["new_versions"] == 1
    assert after["outcomes"][("ok", 200)] == 1
    versions = [r for r in after["tables"]["raw.submission"] if r[0] == changed]
    assert [r[2] for r in sorted(versions, key=lambda r: r[2])] == [1, 2]
    old, new = map(repr_set, (before["tables"]["staging.report"], after["tables"]["staging.report"]))
    assert len(new - old) == 1  # the changed document, parsed once
    assert old <= new  # every other report untouched, parsed_at included


def repr_set(rows: list[tuple]) -> set[str]:
    return {repr(r) for r in rows}
