"""The full pipeline under measurement: ``flows.collect.yearly_collection`` run for real, twice.

Runs in its own process (started by ``bench/run.py``) with its own ``PREFECT_HOME``, so the
temporary Prefect server it starts is a child process whose RSS is counted. The server is
started (by a trivial flow) before the clock starts; its start-up is reported separately.

Stage times come from timers wrapped around the stage functions the flow's tasks call
(``tasks.pipeline.fetch_all`` / ``parse_batch``, ``tasks.load.*``, ``expectations.run_checks``,
``expectations.report.*``, ``tasks.publish.publish``, …), attributed by :func:`common.attribute`.
Nothing in the pipeline is changed; time outside every timer is orchestration overhead.

    python bench/full.py --config RUN_DIR/juesuan.toml [--year 2024] [--no-rerun] [--profile DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from common import RssSampler, Timeline, emit, peak_by_stage

STAGES = {
    # module path, attribute, stage
    "fetch": [("tasks.pipeline", "fetch_all")],
    "parse": [("tasks.pipeline", "parse_batch")],
    "load": [("tasks.load", "record_fetches"), ("tasks.load", "store_frames"), ("tasks.load", "unparsed")],
    # process and Dask runners fetch and parse in other processes, out of reach of the timers
    # above: what the flow sees of them is its wait for the next batch
    "fetch_parse_wait": [("flows.collect", "_fetched")],
    "prior_state": [("tasks.load", "previous_versions"), ("tasks.load", "parsed_shas")],
    "registry": [("tasks.registry", "read_units"), ("tasks.registry", "sync_units")],
    "db_connect": [("warehouse.db", "connect")],
    "check": [("expectations", "run_checks")],
    "report": [("expectations.report", "write_unit_feedback"), ("expectations.report", "write_check_report")],
    "alert": [("tasks.alert", "send_alerts")],
    "publish": [("tasks.publish", "publish")],
}


def instrument(timeline: Timeline, runner: str) -> list[str]:
    import importlib

    missing = []
    for stage, targets in STAGES.items():
        if stage == "fetch_parse_wait" and runner == "thread":
            continue  # the threads' own timers see fetch and parse; a third timer would dilute them
        for mod_name, attr in targets:
            try:
                mod = importlib.import_module(mod_name)
                timeline.wrap(mod, attr, stage)
            except (ImportError, AttributeError) as exc:
                missing.append(f"{mod_name}.{attr}: {exc}")
    return missing


def count_task_runs(flow_run_id: object, *, settle: float = 60.0) -> int:
    """Task runs the server recorded for the flow run (they arrive as events: wait until stable)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    def count() -> int:
        with get_client(sync_client=True) as client:
            total, offset = 0, 0
            while True:
                page = client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                    limit=200, offset=offset,
                )
                total += len(page)
                if len(page) < 200:
                    return total
                offset += 200

    deadline = time.monotonic() + settle
    last = -1
    while True:
        n = count()
        if n == last or time.monotonic() > deadline:
            return n
        last = n
        time.sleep(2.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--no-publish", action="store_true")
    ap.add_argument("--profile", type=Path, help="write per-stage pyinstrument profiles into this folder")
    ap.add_argument("--profile-main", type=Path,
                    help="instead: one pyinstrument profile of the flow's main thread (orchestration) per phase")
    args = ap.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    sampler = RssSampler().start()
    sampler.mark("start")
    from prefect import flow

    from flows.collect import yearly_collection

    @flow(name="bench-warm-up")
    def warm_up() -> int:
        return 1

    t = time.perf_counter()
    warm_up()
    server_start = time.perf_counter() - t

    timeline = Timeline(profile=args.profile is not None)
    from tasks.config import load_settings

    missing = instrument(timeline, load_settings(args.config).runner)
    out: dict = {"server_start_seconds": round(server_start, 2), "uninstrumented": missing}
    phases = ["cold"] if args.no_rerun else ["cold", "rerun"]
    for phase in phases:
        sampler.mark(phase)
        main_profiler = None
        if args.profile_main:
            from pyinstrument import Profiler

            main_profiler = Profiler(interval=0.005)
            main_profiler.start()
        cpu0 = sampler.cpu()
        t0 = time.perf_counter()
        state = yearly_collection(year=args.year, config=str(args.config), publish=not args.no_publish,
                                  return_state=True)
        t1 = time.perf_counter()
        cpu1 = sampler.cpu()
        if main_profiler is not None:
            main_profiler.stop()
            args.profile_main.mkdir(parents=True, exist_ok=True)
            (args.profile_main / f"{phase}-main-thread.txt").write_text(
                main_profiler.output_text(unicode=True, color=False), encoding="utf-8")
        flow_run_id = state.state_details.flow_run_id
        try:
            result = state.result()
        except Exception as exc:  # report how far it got, with the timings so far
            result = {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}
            out["error"] = f"{phase}: {result['error']}"
        attributed = timeline.window(t0, t1)
        out[phase] = {
            "seconds": round(t1 - t0, 3),
            "peak_rss_mb": sampler.peak(phase),
            "peak_rss_flow_process_mb": sampler.own_peak(phase),
            "cpu_seconds": round(cpu1 - cpu0, 2),
            "seconds_by_stage": attributed["seconds"],
            "overhead": attributed["overhead"],
            "busy": attributed["busy"],
            "cpu": attributed["cpu"],
            "calls": attributed["calls"],
            "peak_rss_mb_by_stage": peak_by_stage(timeline.events, sampler.samples, t0, t1),
            "flow_run_id": str(flow_run_id),
            "result": {k: v for k, v in result.items() if k != "checks"},
        }
        if "error" in out:
            break
        if args.profile:
            out[phase]["profiles"] = timeline.write_profiles(args.profile, phase)
            timeline.sessions.clear()
    sampler.mark("count")
    out["task_runs"] = count_task_runs(out["cold"]["flow_run_id"])
    sampler.stop()
    out["peak_rss_mb"] = max(sampler.peak(p) for p in ("start", *phases))
    emit(out)


if __name__ == "__main__":
    main()
