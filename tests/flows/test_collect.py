"""The yearly collection end to end: a real HTTP server, a real DuckDB file, a real Prefect flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks import demo, freshness, pipeline, steps
from tasks.fileserver import serve_directory
from warehouse import db

pytestmark = pytest.mark.prefect
YEAR = 2024


@pytest.fixture(scope="module")
def district(tmp_path_factory, prefect_harness):
    """A 16-unit district collected twice over unchanged sources."""
    from flows.collect import yearly_collection

    root = tmp_path_factory.mktemp("district")
    with serve_directory(root / "files") as base, pytest.MonkeyPatch.context() as patch:
        config = demo.prepare(root, year=YEAR, base_url=base, n_units=15, seed=7)
        patch.setattr(steps, "ARTIFACT_ROWS", 2)  # a province's list, in small
        limits = _record_memory_limits(patch)
        first = yearly_collection(year=YEAR, config=str(config))
        with db.connect(root / "warehouse.duckdb", read_only=True) as con:
            counts_after_first = table_counts(con)
        second = yearly_collection(year=YEAR, config=str(config))
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    return root, truth, first, second, counts_after_first, limits


def _record_memory_limits(patch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """DuckDB's memory limit as the loads and then the checks see it."""
    seen: dict[str, list[float]] = {"load": [], "check": []}

    def recording(stage, fn):
        def wrapper(con, *args, **kwargs):
            seen[stage].append(db._size(db.scalar(con, "select current_setting('memory_limit')"))[0])
            return fn(con, *args, **kwargs)
        return wrapper

    patch.setattr(pipeline, "load", recording("load", pipeline.load))
    patch.setattr(freshness, "check_inputs", recording("check", freshness.check_inputs))
    return seen


def table_counts(con) -> dict[str, int]:
    tables = ["raw.document", "raw.submission", "staging.report", "staging.figure", "dq.result", "core.unit"]
    return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in tables}


def units_of(truth) -> dict:
    return truth["units"] if isinstance(truth, dict) and "units" in truth else {u["unit_code"]: u for u in truth}


def test_every_submitted_unit_is_in_the_warehouse(district):
    root, truth, first, *_ = district
    units = units_of(truth)
    submitting = {code for code, u in units.items() if u["submits"]}
    with db.connect(root / "warehouse.duckdb", read_only=True) as con:
        stored = {r[0] for r in con.execute("select unit_code from raw.submission where year = ?", [YEAR]).fetchall()}
        parsed = con.execute("select count(*) from staging.current_submission where parse_status = 'parsed'").fetchall()
    assert stored == submitting
    assert parsed[0][0] == len(submitting)
    assert first["registered"] == len(units)
    assert first["submitted"] == len(submitting)
    assert first["missing"] == len(units) - len(submitting)


def test_injected_faults_are_errors_and_block_publication(district):
    root, truth, first, *_ = district
    faulty = {code for code, u in units_of(truth).items() if u["submits"] and "DQ-10" in u["faults"]}
    with db.connect(root / "warehouse.duckdb", read_only=True) as con:
        failing = {r[0] for r in con.execute(
            "select unit_code from dq.result where rule_id = 'DQ-10' and status = 'fail'").fetchall()}
    assert faulty <= failing
    assert first["with_errors"] >= 1
    assert first["publishable"] == first["submitted"] - first["parse_failed"] - first["with_errors"]


def test_publication_written_with_manifest(district):
    first = district[2]
    folder = Path(first["publication"])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (folder / "report.html").exists()
    files = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert any(name.endswith(".xlsx") for name in files)
    assert all((folder / name).exists() for name in files)
    assert Path(first["check_report"]).exists()


def test_rerun_over_unchanged_sources_changes_nothing(district):
    root, _, first, second, counts_after_first, _ = district
    assert first["new_versions"] == first["submitted"]
    assert second["new_versions"] == 0
    with db.connect(root / "warehouse.duckdb", read_only=True) as con:
        assert table_counts(con) == counts_after_first
        outcomes = dict(con.execute(
            "select outcome, count(*) from raw.fetch_attempt where run_id = ? group by outcome", [second["run_id"]]
        ).fetchall())
    assert outcomes.get("not_modified") == first["submitted"]
    assert "ok" not in outcomes


def test_duckdb_holds_less_memory_while_loading_and_its_limit_again_for_the_checks(district):
    from flows.collect import LOAD_MEMORY

    limits = district[-1]
    assert limits["load"] and max(limits["load"]) <= LOAD_MEMORY
    assert len(limits["check"]) == 2  # each run checks (or finds its verdicts current)
    assert min(limits["check"]) > LOAD_MEMORY


def test_fault_free_units_are_published_and_faulty_ones_excluded(district):
    root, truth, first, *_ = district
    units = units_of(truth)
    clean = {c for c, u in units.items() if u["submits"] and not u["faults"] and not u.get("real_document")}
    with db.connect(root / "warehouse.duckdb", read_only=True) as con:
        published = {r[0] for r in con.execute(
            "select unit_code from marts.unit_status where year = ? and not excluded", [YEAR]).fetchall()}
        errors = con.execute(
            "select unit_code, rule_id, message from dq.result where severity = 'error' and status = 'fail' "
            "and unit_code in (select unnest(?::varchar[]))", [sorted(clean)]).fetchall()
    assert errors == []
    assert clean <= published
    error_faults = {"DQ-10", "DQ-25", "DQ-29", "DQ-34", "DQ-35", "DQ-40"}
    assert not {c for c, u in units.items() if set(u["faults"]) & error_faults} & published


def test_the_runs_artifact_lists_the_first_units_needing_action_and_says_how_many_more(district):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    first = district[2]
    needing = first["alerts"]["needing_action"]
    assert needing > 2
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"units-needing-action-{YEAR}"])))
    earliest = min(artifacts, key=lambda a: a.created)
    rows = json.loads(earliest.data) if isinstance(earliest.data, str) else earliest.data
    assert len(rows) == 2 and {"unit_code", "action"} <= set(rows[0])
    assert f"{needing - 2} more" in earliest.description


def test_a_rerun_where_every_document_changed_holds_no_more_per_batch_than_a_cold_run(tmp_path, monkeypatch,
                                                                                     prefect_harness):
    """Units fetched before are batched KNOWN_SHARE to a new unit's room, as they mostly answer 304.
    When every one of them changed (a site's new page template), each batch still holds at most
    ``batch_size`` documents, and the units it had no room for are fetched in a later batch, not lost."""
    from flows.collect import yearly_collection

    with serve_directory(tmp_path / "files") as base:
        config = demo.prepare(tmp_path, year=YEAR, base_url=base, n_units=15, seed=11)
        text = config.read_text(encoding="utf-8").replace("batch_size = 500", "batch_size = 3")
        config.write_text(text + "\n[fetch]\nconcurrency = 1\n", encoding="utf-8")
        first = yearly_collection(year=YEAR, config=str(config), publish=False, runner="thread")
        for doc in (tmp_path / "files").rglob("*.txt"):
            doc.write_bytes(doc.read_bytes() + b"\n")
        documents_per_batch: list[int] = []

        def load(con, run_id, batch):
            documents_per_batch.append(sum(f.content is not None for f in batch.fetches))
            return real_load(con, run_id, batch)

        real_load = pipeline.load
        monkeypatch.setattr(pipeline, "load", load)
        second = yearly_collection(year=YEAR, config=str(config), publish=False, runner="thread")
    assert first["new_versions"] == second["new_versions"] == first["submitted"] > 3
    assert max(documents_per_batch) == 3
    assert sum(documents_per_batch) == first["submitted"]


def test_a_rerun_counts_units_that_had_nothing_to_fetch_as_cheap(tmp_path, monkeypatch, prefect_harness):
    """A unit whose last fetch found nothing (404) mostly finds nothing again: like a unit whose document
    is held, it takes 1/KNOWN_SHARE of a batch's room, so an unchanged re-run of 16 units at one new
    unit per batch is a single batch, not one per missing unit."""
    from flows.collect import yearly_collection

    with serve_directory(tmp_path / "files") as base:
        config = demo.prepare(tmp_path, year=YEAR, base_url=base, n_units=15, seed=7)
        config.write_text(config.read_text(encoding="utf-8").replace("batch_size = 500", "batch_size = 1"),
                          encoding="utf-8")
        first = yearly_collection(year=YEAR, config=str(config), publish=False, runner="thread")
        batch_sizes: list[int] = []

        def load(con, run_id, batch):
            batch_sizes.append(len(batch.fetches))
            return real_load(con, run_id, batch)

        real_load = pipeline.load
        monkeypatch.setattr(pipeline, "load", load)
        second = yearly_collection(year=YEAR, config=str(config), publish=False, runner="thread")
    assert first["missing"] >= 1 and second["new_versions"] == 0
    assert first["registered"] <= pipeline.KNOWN_SHARE  # else no single batch could hold them all
    assert batch_sizes == [first["registered"]]


def test_a_single_batch_that_hands_units_back_sends_them_to_the_process_pool(tmp_path, prefect_harness):
    """A re-run whose units were all fetched before is one batch, run on a thread (the pool would cost
    seconds to start). When their documents had all changed, that batch stops at ``batch_size`` new
    documents, and the rest are parsed on the process pool, in batches of new units, not on the thread."""
    from flows.collect import yearly_collection

    with serve_directory(tmp_path / "files") as base:
        config = demo.prepare(tmp_path, year=YEAR, base_url=base, n_units=15, seed=11)
        text = config.read_text(encoding="utf-8").replace("batch_size = 500", "batch_size = 3")
        config.write_text(text + "\n[fetch]\nconcurrency = 1\n", encoding="utf-8")
        first = yearly_collection(year=YEAR, config=str(config), publish=False, runner="thread")
        for doc in (tmp_path / "files").rglob("*.txt"):
            doc.write_bytes(doc.read_bytes() + b"\n")
        second = yearly_collection(year=YEAR, config=str(config), publish=False, runner="process")
    assert first["registered"] <= pipeline.KNOWN_SHARE * 3  # so the re-run starts as a single batch
    assert second["new_versions"] == first["submitted"] > 6
    assert second["batches"]["thread"] == 1
    assert second["batches"]["process"] >= (first["registered"] - 3) // 3
