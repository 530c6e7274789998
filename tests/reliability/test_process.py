"""Process faults: kill -9 in the middle of fetch, load and publish, then run again; two writers at
once; a query while a load runs. The warehouse is always consistent and the re-run completes."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tasks import demo
from tests.reliability.proc import ROOT, Child, assert_consistent, driver, slow_directory, submitting
from warehouse import db

YEAR = 2024
JUESUAN = str(ROOT / ".venv" / "bin" / "juesuan")


@pytest.fixture
def district(tmp_path):
    """A 12-unit generated district served locally (each GET delayed 50 ms), batches of 4 units."""
    root = tmp_path / "district"
    with slow_directory(root / "files", delay=0.05) as (base, hits):
        config = demo.prepare(root, year=YEAR, base_url=base, n_units=12, seed=11)
        text = config.read_text(encoding="utf-8").replace("batch_size = 500", "batch_size = 4")
        config.write_text(text + "\n[fetch]\nretries = 0\nconnect_timeout = 2\nread_timeout = 5\n", encoding="utf-8")
        yield root, config, hits


def counts(warehouse: Path) -> dict[str, int]:
    with db.connect(warehouse, read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
                for t in ("raw.fetch_attempt", "raw.document", "raw.submission", "staging.report")}


def complete_rerun(root: Path, config: Path, *extra: str) -> dict[str, int]:
    child = driver("collect", str(config), str(YEAR), *extra)
    rc, err = child.finish(timeout=180)
    assert rc == 0 and "DONE" in child.lines, err[-3000:]
    return assert_consistent(root / "warehouse.duckdb", YEAR, submitting(root))


@pytest.mark.slow
@pytest.mark.parametrize("pause_at", ["insert_documents", "record_submissions", "stage_parsed"])
def test_kill_inside_a_load_transaction(district, pause_at):
    root, config, _ = district
    child = driver("collect", str(config), str(YEAR), "--pause-at", pause_at)
    child.wait_for(f"PAUSED {pause_at}")
    child.kill9()
    after_kill = counts(root / "warehouse.duckdb")
    if pause_at == "stage_parsed":  # the fetch transaction of batch 1 committed, its parse did not
        assert after_kill["raw.submission"] > 0 and after_kill["staging.report"] == 0
    else:  # the open fetch transaction is gone entirely: no attempt, document or version of it
        assert after_kill == {"raw.fetch_attempt": 0, "raw.document": 0, "raw.submission": 0, "staging.report": 0}
    first = complete_rerun(root, config)
    assert complete_rerun(root, config) == first  # and a third run changes nothing


@pytest.mark.slow
def test_kill_during_fetch(district):
    root, config, hits = district
    child = driver("collect", str(config), str(YEAR))
    child.wait_for("LOADED 1")
    child.wait_for("FETCHING 2")
    deadline = time.monotonic() + 30
    while len(hits) < 6 and time.monotonic() < deadline:  # batch 2's requests are in flight
        time.sleep(0.01)
    child.kill9()
    assert "LOADED 2" not in child.lines
    complete_rerun(root, config)


@pytest.mark.slow
def test_kill_during_publish(district):
    from tasks.publish import verify

    root, config, _ = district
    child = driver("collect", str(config), str(YEAR), "--publish", "--pause-at", "publish")
    child.wait_for("PAUSED publish")
    child.kill9()
    year_dir = root / "publish" / str(YEAR)
    assert not [p for p in year_dir.iterdir() if p.name.isdigit()], "a half-written publication is visible"
    complete_rerun(root, config, "--publish")
    published = [p for p in year_dir.iterdir() if p.name.isdigit()]
    assert len(published) == 1 and verify(published[0]) == []
    leftovers = [p.name for p in year_dir.iterdir() if not p.name.isdigit()]
    assert leftovers == [] or all(n.startswith(".building-") for n in leftovers)


def juesuan(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([JUESUAN, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})


def assert_busy_message(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "in use by another juesuan process" in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.slow
def test_query_while_a_load_runs_gets_a_clear_message(district):
    root, config, _ = district
    child = driver("collect", str(config), str(YEAR), "--pause-at", "insert_documents")
    try:
        child.wait_for("PAUSED")
        assert_busy_message(juesuan("sql", "select count(*) from raw.document", "-c", str(config)))
        assert_busy_message(juesuan("status", "--year", str(YEAR), "-c", str(config)))
        assert_busy_message(juesuan("waive", "JJ001", "DQ-40", "--year", str(YEAR), "--reason", "x", "-c", str(config)))
    finally:
        child.kill9()


@pytest.mark.slow
def test_second_collection_stops_with_a_clear_message(district):
    root, config, _ = district
    holder = driver("hold", str(root / "warehouse.duckdb"))
    try:
        holder.wait_for("READY")
        second = driver("collect", str(config), str(YEAR))
        rc, err = second.finish(timeout=120)
        assert rc != 0 and "WarehouseBusy" in err and "in use by another juesuan process" in err
    finally:
        holder.kill9()
    complete_rerun(root, config)  # once the first is gone, the second goes through


@pytest.mark.slow
@pytest.mark.prefect
def test_second_juesuan_collect_exits_2(district):
    """The real command against a held warehouse: refused before any Prefect server starts."""
    root, config, _ = district
    holder = driver("hold", str(root / "warehouse.duckdb"))
    try:
        holder.wait_for("READY")
        assert_busy_message(juesuan("collect", "--year", str(YEAR), "-c", str(config), timeout=300))
    finally:
        holder.kill9()


def test_sql_against_a_held_warehouse_is_a_clear_message(tmp_path):
    """Fast: this process holds the writer; `juesuan sql` in another process says so, exit 2."""
    config = tmp_path / "juesuan.toml"
    config.write_text('[paths]\nwarehouse = "w.duckdb"\n', encoding="utf-8")
    with db.connect(tmp_path / "w.duckdb"):
        assert_busy_message(juesuan("sql", "select 1", "-c", str(config)))
    ok = juesuan("sql", "select 42 as answer", "-c", str(config), "--format", "json")  # and once released
    assert ok.returncode == 0 and '"answer": 42' in ok.stdout


@pytest.mark.slow
@pytest.mark.prefect
def test_real_flow_killed_during_fetch_then_publish_then_completes(district):
    """`juesuan collect` (the Prefect flow) killed with SIGKILL while fetching, then again while
    writing the publication; the third run completes and the warehouse and publication are whole."""
    from tasks.publish import verify

    root, config, hits = district
    args = ["collect", "--year", str(YEAR), "-c", str(config)]
    first = Child([JUESUAN, *args])
    deadline = time.monotonic() + 300
    while len(hits) < 3 and first.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.proc.poll() is None, first.finish()
    first.kill9()

    year_dir = root / "publish" / str(YEAR)
    second = Child([JUESUAN, *args])
    deadline = time.monotonic() + 600
    while second.proc.poll() is None and time.monotonic() < deadline:
        if year_dir.is_dir() and any(p.name.startswith(".building-") and any(p.iterdir()) for p in year_dir.iterdir()):
            break
        time.sleep(0.005)
    if second.proc.poll() is None:
        second.kill9()
        killed_in_publish = True
    else:  # it finished before we caught it writing: still a valid run, just not the fault we wanted
        killed_in_publish = False
    if year_dir.is_dir():
        for p in year_dir.iterdir():
            if p.name.isdigit():
                assert verify(p) == [], f"a half-written publication is visible: {p}"

    third = Child([JUESUAN, *args])
    rc, err = third.finish(timeout=600)
    assert rc == 0, err[-3000:]
    assert "Traceback" not in err
    assert_consistent(root / "warehouse.duckdb", YEAR, submitting(root))
    published = sorted(p for p in year_dir.iterdir() if p.name.isdigit())
    assert published and all(verify(p) == [] for p in published)
    with db.connect(root / "warehouse.duckdb", read_only=True) as con:
        statuses = [s for (s,) in con.execute("select status from meta.run where kind = 'collect' order by started_at").fetchall()]
    assert statuses[-1] == "completed", statuses
    print(f"killed in publish: {killed_in_publish}; publications: {[p.name for p in published]}")
    assert killed_in_publish or len(published) >= 1


def test_warehouse_migrated_but_without_views_opens(tmp_path):
    """A run killed between the migrations and the views (first open of a new warehouse) left a file
    whose every later open crashed: DuckDB's replacement scan found the function ``views_digest``
    and raised InvalidInputException instead of CatalogException. It must just get its views."""
    import duckdb

    path = tmp_path / "w.duckdb"
    raw = duckdb.connect(str(path))
    db.migrate(raw)
    raw.close()
    with db.connect(path) as con:
        assert db.views_current(con)
        assert con.execute("select count(*) from marts.district_summary").fetchall() == [(0,)]
