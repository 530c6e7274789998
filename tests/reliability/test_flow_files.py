"""Hostile documents through the real `juesuan collect` (Prefect flow): the run completes (exit 0),
each bad document is a failed parse naming unit, file and cause, and none of them is published."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tasks import demo
from tests.reliability import documents as docs
from tests.reliability.proc import ROOT, assert_consistent, slow_directory, submitting
from warehouse import db

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
YEAR = 2024

HOSTILE = {
    "JJ002": (docs.junk, ("binary",)),
    "JJ003": (lambda: b"", ("empty",)),
    "JJ004": (docs.pdf_encrypted, ("encrypted",)),
    "JJ005": (docs.docx_billion_laughs, ("entity", "amplification", "unreadable")),
    "JJ006": (lambda: docs.docx_zip_bomb(256), ("zip bomb", "inflates")),
    "JJ007": (docs.pdf_image_only, ("text layer",)),
    "JJ008": (docs.mixed_encodings, ("decode",)),
}


def test_hostile_documents_through_the_real_flow(tmp_path):
    root = tmp_path / "district"
    with slow_directory(root / "files") as (base, _):
        config = demo.prepare(root, year=YEAR, base_url=base, n_units=10, seed=11)
        truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))["units"]
        hostile = {code: v for code, v in HOSTILE.items() if truth[code]["submits"]}
        assert len(hostile) >= 5
        for code, (build, _) in hostile.items():
            (root / "files" / str(YEAR) / f"{code}.txt").write_bytes(build())
        proc = subprocess.run([str(ROOT / ".venv" / "bin" / "juesuan"), "collect", "--year", str(YEAR), "-c", str(config)],
                              cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert_consistent(root / "warehouse.duckdb", YEAR, submitting(root))
    with db.connect(root / "warehouse.duckdb", read_only=True) as con:
        failed = dict(con.execute(
            "select unit_code, parse_error from staging.current_submission where parse_status = 'failed'").fetchall())
        pub = con.execute("select path from meta.publication where year = ? order by version desc limit 1", [YEAR]).fetchall()
    for code, (_, causes) in hostile.items():
        assert code in failed, f"{code} was not a failed parse"
        error = failed[code]
        assert error.startswith(f"unit {code}, file {base}/{YEAR}/{code}.txt: "), error
        assert any(c in error.lower() for c in causes), error
    manifest = json.loads((Path(pub[0][0]) / "manifest.json").read_text(encoding="utf-8"))
    assert not set(hostile) & set(manifest["units_published"])
