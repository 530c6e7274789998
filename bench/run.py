"""`make bench`: the end-to-end benchmark of a yearly collection, against a bare baseline.

    python bench/run.py [--units N] [--seed S] [--json] [--server memory|stdlib] [--profile]

1. Generate N synthetic units' disclosures (``tasks.synth``; cached under ``var/bench/``).
2. Serve them over loopback HTTP from this process (``bench/serve.py``; ``--server stdlib`` uses
   ``tasks.fileserver.serve_directory``).
3. Bare baseline (``bench/baseline.py``, own process): httpx + ``parse_bytes`` + ``tasks.load``.
4. Full pipeline (``bench/full.py``, own process, own temporary Prefect server and PREFECT_HOME):
   ``flows.collect.yearly_collection`` cold, then again over the unchanged sources (re-run).
5. Print a summary (unless ``--json``) and ONE JSON object as the last stdout line.

Peak RSS is sampled in a thread of each measured process over itself and its children (the
Prefect server included); this process (generator + file server) is not counted.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import district
from common import BENCH_VAR, ROOT, emit, last_json

HERE = Path(__file__).resolve().parent
# the headline stages; the other timed ones (report, alert, registry, db_connect, …) are listed apart
MAIN_STAGES = ("fetch", "parse", "fetch_parse_wait", "load", "check", "publish")
PY = sys.executable


def _child_env(prefect_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # always the run's own temporary server
    env.update({
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    return env


def _run_child(cmd: list[str], env: dict[str, str], log_path: Path, timeout: float | None) -> dict:
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=log, text=True, timeout=timeout,
                              cwd=str(ROOT))
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise RuntimeError(f"{' '.join(cmd[1:3])} failed (exit {proc.returncode}); stderr tail:\n{tail}")
    return last_json(proc.stdout)


def bench(args: argparse.Namespace, log) -> dict:  # type: ignore[no-untyped-def]
    folder, info = district.ensure(args.units, seed=args.seed, year=args.year, mix=args.mix, log=log)
    run_dir = BENCH_VAR / "runs" / f"n{args.units}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    timeout = args.timeout
    try:
        from serve import serve

        with serve(folder / "files", args.server) as base:
            config = district.prepare_run(folder, run_dir, base_url=base, year=args.year,
                                          batch_size=args.batch_size, concurrency=args.concurrency,
                                          runner=args.runner)
            env = _child_env(run_dir / "prefect")
            baseline = None
            if not args.no_baseline:
                log("baseline: httpx + parse_bytes + tasks.load, no Prefect, no GX …")
                cmd = [PY, str(HERE / "baseline.py"), "--config", str(config), "--year", str(args.year),
                       "--warehouse", str(run_dir / "baseline.duckdb")]
                if args.profile:
                    cmd += ["--profile", str(run_dir / "profile" / "baseline.txt")]
                baseline = _run_child(cmd, env, run_dir / "baseline.log", timeout)
                log(f"  {baseline['seconds']} s  stages {baseline['stages']}")
            log("full: flows.collect.yearly_collection (cold, then re-run) …")
            cmd = [PY, str(HERE / "full.py"), "--config", str(config), "--year", str(args.year)]
            if args.no_rerun:
                cmd.append("--no-rerun")
            if args.profile:
                cmd += ["--profile", str(run_dir / "profile")]
            if args.profile_main:
                cmd += ["--profile-main", str(run_dir / "profile")]
            full = _run_child(cmd, env, run_dir / "full.log", timeout)
    finally:
        if not args.keep and run_dir.exists():
            for p in (run_dir / "warehouse.duckdb", run_dir / "baseline.duckdb"):
                p.unlink(missing_ok=True)
            if not (args.profile or args.profile_main):
                shutil.rmtree(run_dir, ignore_errors=True)
    return summarize(args, info, baseline, full, run_dir)


def summarize(args, info: dict, baseline: dict | None, full: dict, run_dir: Path) -> dict:  # type: ignore[no-untyped-def]
    cold = full["cold"]
    n = info["units"]
    stages = {k: cold["seconds_by_stage"].get(k, 0.0) for k in MAIN_STAGES}
    other = {k: v for k, v in cold["seconds_by_stage"].items() if k not in stages}
    stages["other_timed"] = round(sum(other.values()), 3)
    stages["orchestration_overhead"] = cold["overhead"]
    batches = math.ceil(n / args.batch_size)
    out = {
        "units": n,
        "submitting": info["submitting"],
        "seconds": cold["seconds"],
        "units_per_s": round(n / cold["seconds"], 1),
        "ms_per_unit": round(1000 * cold["seconds"] / n, 2),
        "stages": stages,
        "other_stages": other,
        "stage_busy": cold["busy"],
        "stage_cpu": cold["cpu"],
        "cpu_seconds": cold["cpu_seconds"],
        "peak_rss_mb": full["peak_rss_mb"],
        "cold_peak_rss_mb": cold["peak_rss_mb"],
        "cold_peak_rss_flow_process_mb": cold.get("peak_rss_flow_process_mb"),
        "cold_peak_rss_mb_by_stage": cold.get("peak_rss_mb_by_stage"),
        "server_start_seconds": full["server_start_seconds"],
        "batch_size": args.batch_size,
        "batches": batches,
        "task_runs": full["task_runs"],
        "result": cold["result"],
        "baseline": None,
        "ratio": None,
        "rerun_seconds": None,
        "rerun_ratio": None,
        "rerun_stages": None,
        "file_server": args.server,
        "runner": args.runner,
        "mix": args.mix,
        "seed": args.seed,
        "uninstrumented": full["uninstrumented"],
        "error": full.get("error"),
        "loadavg_1m": [args.load_before, round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    if baseline:
        out["baseline"] = {
            "seconds": baseline["seconds"], "units_per_s": round(n / baseline["seconds"], 1),
            "stages": baseline["stages"], "overhead": baseline["overhead"], "peak_rss_mb": baseline["peak_rss_mb"],
            "stage_cpu": baseline["stage_cpu"], "cpu_seconds": baseline["cpu_seconds"],
            "parsed": baseline["parsed"], "parse_failed": baseline["parse_failed"],
        }
        out["ratio"] = round(cold["seconds"] / baseline["seconds"], 2)
        out["cpu_ratio"] = round(cold["cpu_seconds"] / max(baseline["cpu_seconds"], 1e-6), 2)
    if "rerun" in full:
        rr = full["rerun"]
        out["rerun_seconds"] = rr["seconds"]
        out["rerun_ratio"] = round(rr["seconds"] / cold["seconds"], 3)
        out["rerun_cpu_seconds"] = rr["cpu_seconds"]
        out["rerun_stages"] = {**rr["seconds_by_stage"], "orchestration_overhead": rr["overhead"]}
        out["rerun_new_versions"] = rr["result"].get("new_versions")
    if args.profile or args.profile_main:
        out["profiles"] = str(run_dir / "profile")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="juesuan end-to-end benchmark")
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--runner", choices=("thread", "process", "dask"), default="process",
                    help="the flow's task runner for fetch+parse (process, dask: fetch and parse run in "
                         "worker processes, out of the timers' reach; the flow's wait for them is fetch_parse_wait)")
    ap.add_argument("--mix", choices=sorted(district.MIXES), default="mixed")
    ap.add_argument("--server", choices=("stdlib", "memory"), default="memory")
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--profile", action="store_true", help="pyinstrument per stage; kept under var/bench/runs/")
    ap.add_argument("--profile-main", action="store_true",
                    help="pyinstrument the flow's main thread (orchestration, load, check, publish)")
    ap.add_argument("--keep", action="store_true", help="keep the run folder (warehouses, publication)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per measured process")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    args.load_before = round(os.getloadavg()[0], 2)
    out = bench(args, log)
    if not args.json:
        log(table(out))
    emit(out)
    return 0


def table(o: dict) -> str:
    s = o["stages"]
    lines = [
        f"units {o['units']}  cold {o['seconds']} s  ({o['units_per_s']} units/s, {o['ms_per_unit']} ms/unit)"
        f"  peak RSS {o['peak_rss_mb']} MB  task runs {o['task_runs']} for {o['batches']} batches",
        "stages: " + "  ".join(f"{k} {v}" for k, v in s.items()),
    ]
    if o["baseline"]:
        b = o["baseline"]
        lines.append(f"baseline {b['seconds']} s ({b['units_per_s']} units/s, RSS {b['peak_rss_mb']} MB)"
                     f"  stages {b['stages']}  ratio full/baseline {o['ratio']}")
    if o["rerun_seconds"] is not None:
        lines.append(f"re-run {o['rerun_seconds']} s = {o['rerun_ratio']:.1%} of cold  stages {o['rerun_stages']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
