"""The runners that fetch and parse in other processes — Prefect's process pool and Dask (a
LocalCluster of two worker processes) — fill the warehouse exactly as the default thread runner
does: fetch+parse moved, the single loader in the flow did not."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tasks import demo
from tasks.fileserver import serve_directory
from tasks.pipeline import BatchResult
from tests.deploy.helpers import snapshot
from warehouse import db

pytestmark = [pytest.mark.prefect, pytest.mark.slow]
YEAR = 2024


def second_config(config: Path, name: str) -> Path:
    """The same registry and sources, its own warehouse and outputs."""
    folder = config.parent / name
    folder.mkdir()
    text = config.read_text(encoding="utf-8").replace('registry = "units.csv"', 'registry = "../units.csv"')
    (folder / "juesuan.toml").write_text(text.replace("batch_size = 500", "batch_size = 5"), encoding="utf-8")
    return folder / "juesuan.toml"


def test_process_dask_and_thread_runners_fill_the_same_warehouse(tmp_path, prefect_harness):
    from flows.collect import yearly_collection

    with serve_directory(tmp_path / "files") as base:
        config = demo.prepare(tmp_path, year=YEAR, base_url=base, n_units=12, seed=21)
        results = {}
        for runner in ("thread", "process", "dask"):
            # a loaded batch is let go at once, not whenever the collector would next have run (the
            # process pool's futures hold results in reference cycles: flows/collect.py)
            gc.disable()
            try:
                results[runner] = yearly_collection(
                    year=YEAR, config=str(second_config(config, runner)), publish=False, runner=runner)
                assert not [o for o in gc.get_objects() if isinstance(o, BatchResult)], runner
            finally:
                gc.enable()
    snapshots = {}
    for runner in results:
        with db.connect(tmp_path / runner / "warehouse.duckdb", read_only=True) as con:
            snapshots[runner] = snapshot(con)
    assert snapshots["thread"]["staging.figure"]  # something was parsed
    for runner in ("process", "dask"):
        assert results[runner]["new_versions"] == results["thread"]["new_versions"] > 0, runner
        for table, rows in snapshots["thread"].items():
            assert snapshots[runner][table] == rows, (runner, table)
