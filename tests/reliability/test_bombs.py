"""Zip bombs in DOCX/XLSX: half a megabyte on disk, half a gigabyte unpacked. The parser must refuse
them (naming unit, file and cause) without unpacking them into memory. Run in a child process with
an address-space cap and a deadline, so a regression fails here instead of taking the machine down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability import documents as docs

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import json, sys, time
from pathlib import Path
from tasks.parse.batch import parse_batch
out = {}
for p in sys.argv[1:]:
    t0 = time.perf_counter()
    (o,) = parse_batch([("sha", Path(p).read_bytes(), f"unit JJ001, file {Path(p).name}")])
    out[Path(p).name] = {"error": o.error, "parsed": o.document is not None,
                         "chars": len(o.document.text) if o.document else 0, "seconds": time.perf_counter() - t0}
print(json.dumps(out))
"""


def _cap() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    (folder / "JJ001.docx").write_bytes(docs.docx_zip_bomb())
    (folder / "JJ002.xlsx").write_bytes(docs.xlsx_zip_bomb())
    (folder / "JJ003.docx").write_bytes(docs.docx_lying_bomb())
    files = [str(folder / n) for n in ("JJ001.docx", "JJ002.xlsx", "JJ003.docx")]
    proc = subprocess.run([sys.executable, "-c", _CHILD, *files],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_cap)
    assert proc.returncode == 0, f"the parse process died: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


@pytest.mark.parametrize("file", ["JJ001.docx", "JJ002.xlsx"])
def test_zip_bomb_is_refused_without_unpacking(verdicts, file):
    v = verdicts[file]
    assert not v["parsed"], f"a zip bomb was parsed ({v['chars']} chars)"
    assert v["error"].startswith(f"unit JJ001, file {file}: "), v["error"]
    assert "parser failed (" not in v["error"], f"crashed instead of refusing: {v['error']}"
    assert any(c in v["error"].lower() for c in ("too large", "unpack", "uncompress", "bomb", "limit", "size")), v["error"]
    assert v["seconds"] < 10


def test_zip_bomb_with_understated_sizes_is_refused(verdicts):
    """The directory claims 1 000 bytes: reading stops there and the CRC check fails."""
    v = verdicts["JJ003.docx"]
    assert not v["parsed"], f"a lying zip bomb was parsed ({v['chars']} chars)"
    assert v["error"].startswith("unit JJ001, file JJ003.docx: ") and "parser failed (" not in v["error"], v["error"]
    assert v["seconds"] < 10
