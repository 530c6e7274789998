"""meta.run bookkeeping: a run killed while 'running' is marked 'interrupted' by the next run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.errors import ConfigError
from warehouse import db
from warehouse.sql import statement


def start(con, run_id: str, kind: str = "collect", year: int | None = 2024) -> None:
    db.run(con, statement("run_start"), {"run_id": run_id, "kind": kind, "year": year,
                                         "parser_version": "p", "rules_version": "r"})


def finish(con, run_id: str, status: str = "completed") -> None:
    db.run(con, statement("run_finish"), {"run_id": run_id, "status": status, "summary": json.dumps({"ok": 1})})


def runs(con) -> dict[str, tuple]:
    rows = con.execute("select run_id, status, finished_at is not null, summary from meta.run").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_run_left_running_is_interrupted_by_the_next_run_of_its_kind_and_year(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    start(con, "killed")  # never finished: the process was killed
    start(con, "other-year", year=2023)
    start(con, "publish", kind="publish")
    start(con, "no-year", year=None)
    start(con, "done")
    finish(con, "done")
    start(con, "next")
    got = runs(con)
    status, finished, summary = got["killed"]
    assert (status, finished) == ("interrupted", False)  # when it died is unknown
    assert "next" not in summary and "done" in json.loads(summary)["interrupted"]
    assert got["done"][:2] == ("completed", True)  # a finished run is never touched
    assert got["next"][:2] == ("running", False)
    # other kinds and years are other writers' business
    assert got["other-year"][0] == got["publish"][0] == got["no-year"][0] == "running"
    start(con, "no-year-2", year=None)
    assert runs(con)["no-year"][0] == "interrupted"
    con.close()


def test_the_interruption_survives_reopening_and_the_new_run_finishes(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.connect(path) as con:
        start(con, "killed")
    with db.connect(path) as con:
        start(con, "next")
        finish(con, "next")
        assert {k: v[0] for k, v in runs(con).items()} == {"killed": "interrupted", "next": "completed"}
        # starting an existing id again changes nothing
        start(con, "next")
        assert runs(con)["next"][0] == "completed" and len(runs(con)) == 2


def test_the_warehouse_caps_duckdbs_memory(tmp_path, monkeypatch):
    """DuckDB's default buffer pool is 80 % of the machine; a province-wide run held 6 GB with it."""
    path = tmp_path / "w.duckdb"
    with db.connect(path) as con:
        assert db.scalar(con, "select current_setting('memory_limit')") == "953.6 MiB"  # 1GB
    monkeypatch.setattr(db, "MEMORY_LIMIT", "300MB")
    with db.connect(path, read_only=True) as con:
        assert db.scalar(con, "select current_setting('memory_limit')") == "286.1 MiB"


def test_a_memory_limit_duckdb_cannot_read_is_named_as_the_setting_it_came_from(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigError, match="JUESUAN_DUCKDB_MEMORY_LIMIT='lots' is not a DuckDB memory size"):
        db.connect(tmp_path / "w.duckdb")


def test_a_stage_cap_holds_for_every_connection_opened_inside_it_and_is_lifted_after(tmp_path):
    """The flow caps DuckDB while the batches load, and each batch's task opens the warehouse anew:
    that open must not restore the full limit."""
    path = tmp_path / "w.duckdb"
    limit = "select current_setting('memory_limit')"
    with db.connect(path) as held:
        with db.memory_capped(held, 100 * 2**20):
            with db.connect(path) as task:
                assert db.scalar(task, limit) == "100.0 MiB"
            assert db.scalar(held, limit) == "100.0 MiB"
        with db.connect(path) as task:
            assert db.scalar(task, limit) == "953.6 MiB"
        with db.memory_capped(held, 2 * 2**30):  # a cap above the limit leaves it
            assert db.scalar(held, limit) == "953.6 MiB"


def test_deferred_checkpoints_hold_for_every_connection_opened_inside_and_the_log_is_written_after(tmp_path):
    """The flow defers checkpoints while the batches load, each batch in a task that opens the
    warehouse anew; after the loop the log is in the file and the default threshold is back."""
    path = tmp_path / "w.duckdb"
    wal = Path(f"{path}.wal")
    threshold = "select current_setting('checkpoint_threshold')"
    with db.connect(path) as held:
        held.execute("checkpoint")
        with db.checkpoints_deferred(held, 64 * 2**20):
            with db.connect(path) as task:
                assert db.scalar(task, threshold) == "64.0 MiB"
                # ~20 MB of rows: past the default threshold, so without the deferral a checkpoint
                # would have emptied the log at this commit
                task.execute("create table t as select repeat('x', 200) || i as s from range(100000) r(i)")
            assert wal.exists() and wal.stat().st_size > 16 * 2**20
        assert not wal.exists() or wal.stat().st_size == 0
        assert db.scalar(held, threshold) == "16.0 MiB"
        assert db.scalar(held, "select count(*) from t") == 100_000
