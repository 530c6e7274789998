"""Cold collection vs a re-run over unchanged sources, on a generated district served over HTTP.

    .venv/bin/python -m tests.deploy.measure_rerun --units 2000 [--runner thread|dask] [--no-publish]

Prints the wall time of each run and of each step (from Prefect's task runs), and the ratio. The
temporary Prefect server is warmed up first, so neither run pays for its start. The district is
served by juesuan's file server in a separate process (as the units' web servers are elsewhere):
in-process, its threads would compete with the collection for the GIL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def step_times(flow_run_id: object) -> dict[str, float]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), limit=200)
    total: dict[str, float] = defaultdict(float)
    for r in runs:
        total[r.task_key.rsplit("-", 1)[0] if r.task_key else r.name] += r.total_run_time.total_seconds()
    return dict(total)


SERVE = "import sys, time; from pathlib import Path; from tasks.fileserver import serve_directory\n" \
        "with serve_directory(Path(sys.argv[1]), port=int(sys.argv[2])):\n    time.sleep(10 ** 6)"


def served(folder: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    from tests.deploy.server import free_port

    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(folder), str(port)])
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the file server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runner", default="thread")
    parser.add_argument("--no-publish", action="store_true")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()

    from prefect import flow

    from flows.collect import yearly_collection
    from tasks import demo

    @flow
    def warm_up() -> None:
        pass

    warm_up()
    root = args.dir or Path(tempfile.mkdtemp(prefix="juesuan-rerun-"))
    server, base = served(root / "files")
    try:
        config = demo.prepare(root, year=2024, base_url=base, n_units=args.units, seed=2026)
        timings = {}
        for name in ("cold", "unchanged"):
            t0 = time.perf_counter()
            state = yearly_collection(year=2024, config=str(config), publish=not args.no_publish,
                                      runner=args.runner, return_state=True)
            seconds = time.perf_counter() - t0
            result = state.result()
            timings[name] = seconds
            print(f"{name:>9}: {seconds:7.1f} s  new_versions={result['new_versions']} "
                  f"submitted={result['submitted']} registered={result['registered']}")
            for step, s in sorted(step_times(state.state_details.flow_run_id).items(), key=lambda kv: -kv[1]):
                print(f"           {step:<20} {s:7.2f} s")
    finally:
        server.kill()
        server.wait()
    print(f"re-run / cold = {timings['unchanged'] / timings['cold']:.1%}  ({root})")


if __name__ == "__main__":
    main()
