"""File faults: each odd or hostile document becomes a clear parse error or warning naming the unit,
the file and the cause, never a crash of the batch; huge sources are cut by the fetch ceiling."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from tasks.fetch import FetchOptions, fetch_all
from tasks.parse.batch import parse_batch
from tasks.registry import Unit
from tests.reliability import documents as docs

ROOT = Path(__file__).resolve().parents[2]
UNIT = "JJ001"


def name(file: str) -> str:
    return f"unit {UNIT}, file http://district.example/2024/{file}"


def parse_one(data: bytes, file: str = "JJ001.txt"):  # type: ignore[no-untyped-def]
    (outcome,) = parse_batch([(hashlib.sha256(data).hexdigest(), data, name(file))])
    return outcome


def assert_refused(outcome, file: str, *causes: str) -> None:  # type: ignore[no-untyped-def]
    """A deliberate ParseError (not a crash caught by the batch), naming unit, file and cause."""
    assert outcome.document is None, f"parsed although it should be refused: {outcome.document.warnings}"
    assert outcome.error.startswith(name(file) + ": "), outcome.error
    assert "parser failed (" not in outcome.error, f"the parser crashed instead of refusing: {outcome.error}"
    assert any(c in outcome.error.lower() for c in causes), f"cause not named: {outcome.error}"


@pytest.fixture(scope="module")
def clean():
    o = parse_one(docs.sample_text().encode())
    assert o.document is not None and o.document.figures, o.error
    return o.document


def figures(doc) -> dict:  # type: ignore[no-untyped-def]
    return {(f.key, f.kind): f.value for f in doc.figures}


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", "\ufeff".encode()], ids=["empty", "whitespace", "bom-only"])
def test_empty_document(data):
    assert_refused(parse_one(data), "JJ001.txt", "empty")


def test_binary_junk():
    assert_refused(parse_one(docs.junk(), "JJ001.txt"), "JJ001.txt",
                   "binary", "decode", "format", "not a", "unreadable", "no text")


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le-bom", "utf-16-be-bom"]
)
def test_encodings_give_the_same_figures(clean, encoding):
    text = docs.sample_text()
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    o = parse_one(data)
    assert o.error is None, o.error
    assert figures(o.document) == figures(clean)
    assert o.document.unit_name == clean.unit_name and o.document.year == clean.year


def test_wrong_extension_is_ignored(clean):
    """The format comes from the bytes: a text disclosure named .pdf (or .xlsx) parses as text."""
    for file in ("JJ001.pdf", "JJ001.xlsx", "JJ001.docx"):
        o = parse_one(docs.sample_text().encode(), file)
        assert o.error is None, o.error
        assert o.document.format == "text" and figures(o.document) == figures(clean)


def test_mixed_encodings_are_flagged():
    """Part UTF-8, part GB18030: either refused with the cause, or parsed with a warning that says so.
    Silently reading mojibake (and numbers out of it) is the failure."""
    o = parse_one(docs.mixed_encodings())
    if o.document is None:
        assert_refused(o, "JJ001.txt", "encoding", "decode", "编码")
    else:
        assert any(w for w in o.document.warnings if any(c in w.lower() for c in ("encoding", "decode", "编码"))), \
            o.document.warnings


def test_document_of_another_year_states_its_year():
    o = parse_one(docs.other_year_text().encode())
    assert o.error is None and o.document.year == docs.YEAR - 1


def test_document_of_another_unit_states_its_name():
    o = parse_one(docs.other_unit_text("重庆市江津区审计局").encode())
    assert o.error is None and o.document.unit_name == "重庆市江津区审计局"


def test_docx_billion_laughs_is_not_expanded():
    t0 = time.perf_counter()
    o = parse_one(docs.docx_billion_laughs(), "JJ001.docx")
    assert time.perf_counter() - t0 < 10
    if o.document is None:
        assert_refused(o, "JJ001.docx", "entit", "dtd", "xml", "docx")
    else:
        assert "lollollol" not in o.document.text


@pytest.mark.parametrize("build,file", [(docs.docx_external_entity, "JJ001.docx"),
                                        (docs.xlsx_external_entity, "JJ001.xlsx")], ids=["docx", "xlsx"])
def test_external_entities_are_never_resolved(build, file):
    o = parse_one(build(), file)
    if o.document is None:
        assert_refused(o, file, "entit", "dtd", "xml", "docx", "xlsx")
        assert docs.SECRET_MARKER not in o.error
    else:
        assert docs.SECRET_MARKER not in o.document.text


def test_encrypted_pdf():
    assert_refused(parse_one(docs.pdf_encrypted(), "JJ001.pdf"), "JJ001.pdf", "encrypt", "password", "加密")


def test_image_only_pdf():
    assert_refused(parse_one(docs.pdf_image_only(), "JJ001.pdf"), "JJ001.pdf",
                   "text layer", "no text", "scanned", "image", "ocr", "扫描")


def test_one_bad_document_does_not_stop_the_batch(monkeypatch, clean):
    """Even a parser *bug* on one document is recorded as that document's error."""
    import tasks.parse as parse_pkg

    real = parse_pkg.parse_bytes

    def buggy(data, *, name=None):  # type: ignore[no-untyped-def]
        if b"BUG" in data:
            raise IndexError("list index out of range")
        return real(data, name=name)

    monkeypatch.setattr(parse_pkg, "parse_bytes", buggy)
    good = docs.sample_text().encode()
    out = parse_batch([("a", b"BUG", name("JJ001.txt")), ("b", b"", name("JJ002.txt")), ("c", good, name("JJ003.txt"))])
    assert [o.sha256 for o in out] == ["a", "b", "c"]
    assert out[0].document is None and out[0].error.startswith(name("JJ001.txt")) and "IndexError" in out[0].error
    assert out[1].document is None and "empty" in out[1].error
    assert out[2].document is not None and figures(out[2].document) == figures(clean)


# --- huge sources: the fetch ceiling, for folders --------------------------------------------

def folder_unit(path: Path) -> Unit:
    return Unit(UNIT, "单位", None, "行政", str(path), None)


def test_100mb_text_in_a_folder_is_cut_at_max_bytes(tmp_path):
    big = tmp_path / "big.txt"
    line = ("本年收入合计100.00万元，" * 40 + "\n").encode()
    with big.open("wb") as f:
        for _ in range(100 * 2**20 // len(line) + 1):
            f.write(line)
    assert big.stat().st_size >= 100 * 2**20
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        (r,) = fetch_all([folder_unit(big)], 2024, options=FetchOptions())  # the default 20 MiB ceiling
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.outcome == "too_large" and str(big) in r.error and r.content is None
    # at most the ceiling plus the http client's own set-up (TLS context ~ 15 MiB), never the file
    assert peak < 48 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert time.perf_counter() - t0 < 5


def test_a_file_that_grows_after_stat_is_still_cut(tmp_path, monkeypatch):
    """stat() says small, the read finds more: the ceiling is applied to what is read."""
    f = tmp_path / "grows.txt"
    f.write_bytes(b"x" * 5000)
    real_stat = Path.stat

    def lying_stat(self, *a, **k):  # type: ignore[no-untyped-def]
        st = real_stat(self, *a, **k)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 10,
                               st.st_atime, st.st_mtime, st.st_ctime)) if self == f else st

    monkeypatch.setattr(Path, "stat", lying_stat)
    (r,) = fetch_all([folder_unit(f)], 2024, options=FetchOptions(max_bytes=1000))
    assert r.outcome == "too_large"


_SPECIAL = """
import json, os, sys
from tasks.fetch import FetchOptions, fetch_all
from tasks.registry import Unit
out = []
for p in sys.argv[1:]:
    (r,) = fetch_all([Unit("X", "x", None, None, p, None)], 2024, options=FetchOptions(max_bytes=1000))
    out.append([r.outcome, r.error])
print(json.dumps(out))
"""


def test_devices_fifos_and_folders_are_not_read(tmp_path):
    """/dev/zero reports size 0 and never ends; a FIFO blocks on open. Run in a child with a memory
    cap and a deadline, so a regression fails the test instead of hanging or eating the machine."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    paths = ["/dev/zero", str(fifo), str(tmp_path)]

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    proc = subprocess.run([sys.executable, "-c", _SPECIAL, *paths], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, preexec_fn=cap)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    assert [o for o, _ in results] == ["error", "error", "error"], results
    assert all("not a regular file" in e for _, e in results), results


@pytest.mark.parametrize(("run", "times"), [("1.", 15_000), ("1,", 15_000), ("12.3,", 6_000)],
                         ids=["points", "commas", "mixed"])
def test_long_number_like_runs_parse_in_linear_time(run, times):
    """400 KB of "1.1.1.…" took 243 s: every start inside the run re-scanned it to its end (the
    run ends in a separator, so each try fails only there): quadratic. Linear takes milliseconds."""
    data = ("收入总计" + run * times + "万元。支出总计100.00万元。").encode()
    t0 = time.perf_counter()
    o = parse_one(data)
    assert time.perf_counter() - t0 < 0.3
    assert o.error is None or "parser failed (" not in o.error


def test_deeply_nested_html_is_parsed_or_refused_not_a_crash():
    """5 000 nested <div>s: the HTML walk recursed once per level (RecursionError past ~1 000)."""
    text = docs.sample_text().replace("\n", "<br>")
    data = ("<html><body>" + "<div>" * 5000 + text + "</div>" * 5000 + "</body></html>").encode()
    o = parse_one(data, "JJ001.html")
    if o.document is None:
        assert_refused(o, "JJ001.html", "nest", "depth", "deep")
    else:
        assert o.document.format == "html" and o.document.figures
