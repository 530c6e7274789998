"""The bare baseline: the same documents, fetched, parsed and loaded by a plain script.

No Prefect, no Great Expectations, no validation, no publication: httpx ``AsyncClient`` with the
same concurrency as the flow, the project's parser (``tasks.parse.parse_bytes``) and loader
(``tasks.load.record_fetches`` / ``store_parsed``) into a fresh DuckDB file, batch by batch (so
memory stays bounded like the flow's). What the full pipeline costs on top of this is the price
of orchestration, checks and publication.

    python bench/baseline.py --config RUN_DIR/juesuan.toml --warehouse OUT.duckdb [--json]

Prints one JSON object as the last stdout line: seconds, per-stage seconds, peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import time
from datetime import datetime
from pathlib import Path

import httpx
from common import RssSampler, emit


async def fetch_batch(client: httpx.AsyncClient, urls: list[tuple[str, str]], concurrency: int) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def one(code: str, url: str):  # type: ignore[no-untyped-def]
        async with gate:
            started, t0 = datetime.now(), time.perf_counter()
            resp = await client.get(url)
            return code, url, started, int((time.perf_counter() - t0) * 1000), resp

    return await asyncio.gather(*(one(c, u) for c, u in urls))


def run(config: Path, warehouse: Path, year: int) -> dict:
    from tasks import load as loader
    from tasks import registry
    from tasks.config import load_settings
    from tasks.fetch import FetchResult
    from tasks.model import ParseError
    from tasks.parse import PARSER_VERSION, parse_bytes
    from tasks.parse.batch import ParseOutcome
    from warehouse import db

    settings = load_settings(config)
    t_start = time.perf_counter()
    stage = {"registry": 0.0, "fetch": 0.0, "parse": 0.0, "load": 0.0}
    cpu = {"fetch": 0.0, "parse": 0.0, "load": 0.0}
    cpu_start = time.process_time()
    t = time.perf_counter()
    units = registry.read_units(settings.registry)
    con = db.connect(warehouse)
    registry.sync_units(con, units)
    stage["registry"] += time.perf_counter() - t
    conc = settings.fetch.concurrency
    load_per_batch: list[float] = []
    counts = {"ok": 0, "not_found": 0, "parsed": 0, "parse_failed": 0}

    async def main() -> None:
        limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
        async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(20.0, connect=5.0)) as client:
            for start in range(0, len(units), settings.batch_size):
                batch = units[start : start + settings.batch_size]
                t, c = time.perf_counter(), time.thread_time()
                got = await fetch_batch(client, [(u.unit_code, u.location(year)) for u in batch], conc)
                results = []
                for code, url, started, ms, resp in got:
                    if resp.status_code == 200:
                        body = resp.content
                        results.append(FetchResult(code, year, url, "ok", started, ms, 1, 200, None, body,
                                                   hashlib.sha256(body).hexdigest(), resp.headers.get("etag"),
                                                   resp.headers.get("last-modified")))
                        counts["ok"] += 1
                    else:
                        results.append(FetchResult(code, year, url, "not_found", started, ms, 1,
                                                   resp.status_code, f"HTTP {resp.status_code}"))
                        counts["not_found"] += 1
                t2, c2 = time.perf_counter(), time.thread_time()
                stage["fetch"] += t2 - t
                cpu["fetch"] += c2 - c
                outcomes = []
                for r in results:
                    if r.ok:
                        try:
                            outcomes.append(ParseOutcome(r.sha256, parse_bytes(r.content, name=r.url)))
                            counts["parsed"] += 1
                        except ParseError as exc:
                            outcomes.append(ParseOutcome(r.sha256, None, str(exc)))
                            counts["parse_failed"] += 1
                t3, c3 = time.perf_counter(), time.thread_time()
                stage["parse"] += t3 - t2
                cpu["parse"] += c3 - c2
                loader.record_fetches(con, "baseline", results)
                loader.store_parsed(con, outcomes, PARSER_VERSION)
                stage["load"] += time.perf_counter() - t3
                load_per_batch.append(round(time.perf_counter() - t3, 2))
                cpu["load"] += time.thread_time() - c3

    asyncio.run(main())
    figures = db.scalar(con, "select count(*) from staging.figure")
    con.close()
    total = time.perf_counter() - t_start
    stages = {k: round(v, 3) for k, v in stage.items()}
    return {"units": len(units), "seconds": round(total, 3), "stages": stages,
            "stage_cpu": {k: round(v, 3) for k, v in cpu.items()},
            "cpu_seconds": round(time.process_time() - cpu_start, 2), "load_per_batch": load_per_batch,
            "overhead": round(total - sum(stage.values()), 3), "figures": figures, **counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--profile", type=Path, help="write a pyinstrument profile (text) here")
    args = ap.parse_args()
    sampler = RssSampler().start()
    sampler.mark("run")
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    t0 = time.perf_counter()
    out = run(args.config, args.warehouse, args.year)
    if profiler is not None:
        profiler.stop()
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        args.profile.write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    sampler.stop()
    out["wall_seconds"] = round(time.perf_counter() - t0, 3)
    out["peak_rss_mb"] = sampler.peak("run")
    emit(out)


if __name__ == "__main__":
    main()
