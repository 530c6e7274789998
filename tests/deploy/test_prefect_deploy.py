"""deploy/prefect.yaml against a real Prefect server: deploy every deployment, then have a process
worker run the collection deployment on a small served district."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tasks import demo
from tasks.fileserver import serve_directory
from tasks.runners import WRITER_LIMIT
from tests.deploy.helpers import submitting_units
from tests.deploy.server import VENV_BIN, prefect, prefect_server
from warehouse import db

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
YEAR = 2024
POOL = "juesuan-process"


def test_deploy_and_run_collection_on_a_worker(tmp_path: Path) -> None:
    home = tmp_path / "prefect"
    home.mkdir()
    with prefect_server(home) as (api, env), serve_directory(tmp_path / "district" / "files") as base:
        config = demo.prepare(tmp_path / "district", year=YEAR, base_url=base, n_units=7, seed=11)
        prefect(env, "work-pool", "create", POOL, "--type", "process")
        prefect(env, "global-concurrency-limit", "create", WRITER_LIMIT, "--limit", "1")
        # from the repository root: Prefect records it as the runs' working directory
        prefect(env, "deploy", "--prefect-file", "deploy/prefect.yaml", "--all", cwd=ROOT)

        deployment = httpx.get(f"{api}/deployments/name/yearly-collection/campaign").json()
        assert deployment["work_pool_name"] == POOL
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"
        crons = {s["schedule"]["cron"]: s["schedule"]["timezone"] for s in deployment["schedules"]}
        assert crons == {"0 2 * 6-10 *": "Asia/Shanghai", "0 2 1 1-5,11,12 *": "Asia/Shanghai"}
        for name in ("publication/yearly", "reminders/daily"):
            assert httpx.get(f"{api}/deployments/name/{name}").status_code == 200

        started = prefect(env, "deployment", "run", "yearly-collection/campaign",
                          "--param", f"year={YEAR}", "--param", f"config={config}")
        run_id = re.search(r"UUID:\s*([0-9a-f-]{36})", started).group(1)
        prefect(env, "worker", "start", "--pool", POOL, "--run-once", timeout=600)

        run = httpx.get(f"{api}/flow_runs/{run_id}").json()
        assert run["state_type"] == "COMPLETED", run_logs(api, run_id)
    truth = submitting_units(config.parent)
    with db.connect(config.parent / "warehouse.duckdb", read_only=True) as con:
        units = {r[0] for r in con.execute("select unit_code from raw.submission where year = ?", [YEAR]).fetchall()}
    assert units == truth


def run_logs(api: str, run_id: str) -> str:
    logs = httpx.post(f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}}).json()
    return "\n".join(entry["message"] for entry in logs)[-4000:]


def test_juesuan_serve_registers_the_same_schedules(tmp_path: Path) -> None:
    home = tmp_path / "prefect"
    home.mkdir()
    with prefect_server(home) as (api, env):
        serve = subprocess.Popen([str(VENV_BIN / "juesuan"), "serve", "-c", str(ROOT / "juesuan.toml")],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline, names = time.monotonic() + 120, set()
            while len(names) < 3 and serve.poll() is None and time.monotonic() < deadline:
                time.sleep(1)
                names = {d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}).json()}
            assert names == {"campaign", "yearly", "daily"}, serve.stdout.read() if serve.poll() is not None else names
            collection = httpx.get(f"{api}/deployments/name/yearly-collection/campaign").json()
            assert {s["schedule"]["cron"] for s in collection["schedules"]} == {"0 2 * 6-10 *", "0 2 1 1-5,11,12 *"}
            assert collection["parameters"]["config"] == str(ROOT / "juesuan.toml")
            assert httpx.get(f"{api}/v2/concurrency_limits/{WRITER_LIMIT}").json()["limit"] == 1
        finally:
            serve.send_signal(signal.SIGINT)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
