"""A small run of the benchmark machinery (bench/run.py): the JSON it ends with, not its timings."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = 30
BATCH = 10

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, JUESUAN_BENCH_DIR=str(work))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--units", str(UNITS), "--batch-size", str(BATCH),
         "--json", "--timeout", "400"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    return json.loads(last)


def test_json_has_every_field(bench_json):
    for key in ("units", "seconds", "units_per_s", "stages", "peak_rss_mb", "baseline", "ratio",
                "rerun_seconds", "rerun_ratio", "task_runs", "batches"):
        assert key in bench_json, key
    for stage in ("fetch", "parse", "load", "check", "publish", "orchestration_overhead"):
        assert stage in bench_json["stages"], stage
    assert bench_json["error"] is None
    assert bench_json["peak_rss_mb"] > 0


def test_units_and_baseline(bench_json):
    assert bench_json["units"] == UNITS
    base = bench_json["baseline"]
    assert base is not None and base["seconds"] > 0 and base["peak_rss_mb"] > 0
    assert base["parsed"] == bench_json["submitting"]
    assert bench_json["ratio"] > 0


def test_stages_add_up(bench_json):
    stages = bench_json["stages"]
    assert math.isclose(sum(stages.values()), bench_json["seconds"], abs_tol=0.05)
    assert stages["load"] > 0 and stages["check"] > 0
    # the process runner (the default) fetches and parses in worker processes, out of the timers'
    # reach: the flow's wait for their batches stands for both
    assert bench_json["runner"] == "process"
    assert stages["fetch_parse_wait"] > 0 and stages["fetch"] == stages["parse"] == 0


def test_rerun_fetches_nothing_new(bench_json):
    assert bench_json["rerun_seconds"] > 0
    assert bench_json["rerun_new_versions"] == 0


def test_task_runs_follow_batches_not_units(bench_json):
    batches = bench_json["batches"]
    assert batches == math.ceil(UNITS / BATCH)
    # a fixed handful of steps plus fetch-and-parse and load per batch: never one task per unit
    assert 2 * batches <= bench_json["task_runs"] <= 2 * batches + 20
    assert bench_json["task_runs"] < UNITS
