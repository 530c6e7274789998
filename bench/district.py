"""The benchmark district: N synthetic units' documents on disk, cached by (N, seed, year, mix).

``var/bench/district-n{N}-s{seed}-y{year}-{mix}/`` holds ``files/{year}/{code}.{ext}``, a registry
template (``units.csv.in``, whose sources start with ``@BASE@``) and ``complete.json`` (written
last: a half-written cache is regenerated). Each run gets its own folder with the registry
pointing at that run's server, a ``juesuan.toml`` and a fresh warehouse.

Mix: text 60 %, html 39 %, docx 1 % (python-docx renders a docx in ~140 ms, so a docx-heavy
province would take an hour to generate), encodings utf-8 / gb18030 / utf-8 with BOM; all three
wording templates of :mod:`tasks.synth`. Rendering runs on a process pool (2 cores).
"""

from __future__ import annotations

import csv
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import BENCH_VAR

MIXES = {
    "mixed": ((("text",) * 60 + ("html",) * 39 + ("docx",)), ("utf-8", "utf-8", "gb18030", "utf-8-sig")),
    "text": (("text",), ("utf-8",)),
}
PLACEHOLDER = "@BASE@"

CONFIG = """# written by bench/run.py
batch_size = {batch_size}
runner = "{runner}"

[paths]
registry = "units.csv"
warehouse = "warehouse.duckdb"
publish = "publish"
reports = "reports"

[fetch]
concurrency = {concurrency}

[campaign.{year}]
open = {year_next}-06-01
deadline = {year_next}-09-30
publication = {year_next}-10-31
required_tables = []
"""


def _render_chunk(args: tuple[list, int, str]) -> int:
    from tasks.synth import render
    from tasks.synth.model import EXTENSIONS

    units, year, folder = args
    out = Path(folder)
    for u in units:
        (out / f"{u.unit_code}.{EXTENSIONS[u.fmt]}").write_bytes(render(u, year))
    return len(units)


def generator_version() -> str:
    """A digest of the generator's source: a cached district written by an older generator is stale."""
    import hashlib

    import tasks.synth

    h = hashlib.sha256()
    for path in sorted(Path(tasks.synth.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def ensure(n: int, *, seed: int, year: int, mix: str = "mixed", workers: int = 2, log=print) -> tuple[Path, dict]:
    """The cached district folder for these parameters (generated when missing)."""
    folder = BENCH_VAR / f"district-n{n}-s{seed}-y{year}-{mix}-g{generator_version()}"
    done = folder / "complete.json"
    if done.exists():
        return folder, json.loads(done.read_text(encoding="utf-8"))
    from tasks.synth import make_district
    from tasks.synth.model import EXTENSIONS

    t0 = time.perf_counter()
    formats, encodings = MIXES[mix]
    units = make_district(n, year=year, seed=seed, formats=formats, encodings=encodings)
    files = folder / "files" / str(year)
    files.mkdir(parents=True, exist_ok=True)
    submitting = [u for u in units if u.submits]
    chunks = [submitting[i : i + 200] for i in range(0, len(submitting), 200)]
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(workers) as pool:
            rendered = sum(pool.map(_render_chunk, [(c, year, str(files)) for c in chunks]))
    else:
        rendered = sum(_render_chunk((c, year, str(files))) for c in chunks)
    with (folder / "units.csv.in").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("unit_code", "unit_name", "parent_code", "unit_type", "source", "contact_email"))
        for u in units:
            w.writerow((u.unit_code, u.unit_name, u.parent_code or "", u.unit_type,
                        f"{PLACEHOLDER}/{{year}}/{{unit_code}}.{EXTENSIONS[u.fmt]}", u.contact_email))
    faults = sum(1 for u in submitting if u.faults)
    info = {"units": len(units), "submitting": rendered, "with_faults": faults, "year": year, "seed": seed,
            "mix": mix, "bytes": sum(p.stat().st_size for p in files.iterdir()),
            "generated_seconds": round(time.perf_counter() - t0, 1)}
    done.write_text(json.dumps(info, indent=1), encoding="utf-8")
    log(f"generated {len(units)} units in {info['generated_seconds']} s -> {folder}")
    return folder, info


def prepare_run(district: Path, run_dir: Path, *, base_url: str, year: int, batch_size: int,
                concurrency: int, runner: str = "process") -> Path:
    """A run folder with a registry pointing at ``base_url``; returns its juesuan.toml."""
    run_dir.mkdir(parents=True, exist_ok=True)
    text = (district / "units.csv.in").read_text(encoding="utf-8")
    (run_dir / "units.csv").write_text(text.replace(PLACEHOLDER, base_url), encoding="utf-8")
    config = run_dir / "juesuan.toml"
    config.write_text(CONFIG.format(batch_size=batch_size, runner=runner, concurrency=concurrency, year=year,
                                    year_next=year + 1), encoding="utf-8")
    return config
