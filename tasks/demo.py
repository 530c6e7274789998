"""The bundled sample district: generated units plus the real Jiangjin disclosure, written to a
folder with its own registry and config, ready to be served over local HTTP."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_SAMPLE = ROOT / "tests" / "corpus" / "00_cq_jiangjin_dsj_2024_full.txt"

CONFIG = """# The demo district's configuration (written by `juesuan demo`).
batch_size = 500

[paths]
registry = "units.csv"
warehouse = "warehouse.duckdb"
publish = "publish"
reports = "reports"

[campaign.{year}]
open = {year_next}-06-01
deadline = {year_next}-09-30
publication = {year_next}-10-31
reminders = [{year_next}-09-01, {year_next}-09-20]
required_tables = []
"""


def prepare(out_dir: Path, *, year: int, base_url: str, n_units: int = 36, seed: int = 2024) -> Path:
    """Write the district into ``out_dir`` (replacing an earlier demo there); returns its config path."""
    from tasks.synth import make_district, write_district

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    real = [REAL_SAMPLE] if REAL_SAMPLE.exists() else []
    units = make_district(n_units, year=year, seed=seed, real_documents=real)
    write_district(out_dir, units, year, source_template=base_url + "/{year}/{unit_code}.txt")
    config = out_dir / "juesuan.toml"
    config.write_text(CONFIG.format(year=year, year_next=year + 1), encoding="utf-8")
    return config
