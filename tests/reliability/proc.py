"""Process-fault support: a slow, counting file server; a child process to kill at a named moment;
and the warehouse consistency check every kill test ends with.

``python -m tests.reliability.proc collect CONFIG YEAR [--publish] [--pause-at WHAT]`` runs the
collection's stages (the same library functions the Prefect tasks call, in the flow's order,
without Prefect so it starts in a second) and prints one line per milestone::

    READY / FETCHING <batch> / LOADED <batch> / LEFTOVERS / CHECKED / PUBLISHED <path> / DONE

``--pause-at`` names a statement of warehouse/sql (``insert_documents``, ``record_submissions``,
``stage_parsed``) or ``publish`` (the XLSX write inside the hidden build folder): the child prints
``PAUSED <what>`` there, inside the open transaction or half-written publication, and sleeps so
the test can ``kill -9`` it at exactly that point. ``hold PATH`` just holds the writer lock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# --- the child ---------------------------------------------------------------------------------

def _say(line: str) -> None:
    print(line, flush=True)


def _pause(what: str) -> None:
    _say(f"PAUSED {what}")
    time.sleep(120)


def _install_pause(at: str | None) -> None:
    if not at:
        return
    if at == "publish":
        from tasks import publish_formats

        real_xlsx = publish_formats.write_xlsx

        def slow_xlsx(*a, **k):  # type: ignore[no-untyped-def]
            real_xlsx(*a, **k)
            _pause(at)

        publish_formats.write_xlsx = slow_xlsx  # type: ignore[assignment]
        return
    from tasks import load
    from warehouse.sql import statement

    target = statement(at)
    real_run = load.run

    def run(con, sql, params=None):  # type: ignore[no-untyped-def]
        real_run(con, sql, params)
        if sql == target:
            _pause(at)

    load.run = run  # type: ignore[assignment]


def collect(config: str, year: int, *, publish: bool, pause_at: str | None) -> None:
    from tasks import load as loader
    from tasks import pipeline, registry
    from tasks.config import load_settings
    from tasks.fetch import FetchOptions
    from tasks.parse import PARSER_VERSION
    from warehouse import db

    _install_pause(pause_at)
    settings = load_settings(config)
    with db.connect(settings.warehouse) as con:
        _say("READY")
        units = registry.read_units(settings.registry)
        registry.sync_units(con, units)
        previous = loader.previous_versions(con, year)
        parsed = loader.parsed_shas(con, year, PARSER_VERSION)
        options = FetchOptions(**settings.fetch.model_dump())
        run_id = f"proc-{os.getpid()}"
        for i, batch in enumerate(pipeline.batches(units, settings.batch_size), start=1):
            _say(f"FETCHING {i}")
            result = pipeline.fetch_and_parse(batch, year, previous=previous, parsed_shas=parsed, options=options,
                                              parser_version=PARSER_VERSION)
            pipeline.load(con, run_id, result)
            _say(f"LOADED {i}")
        pipeline.parse_leftovers(con, year, PARSER_VERSION)
        _say("LEFTOVERS")
        if publish:
            from expectations import RULES_VERSION, run_checks
            from tasks.publish import publish as write_publication

            run_checks(con, year=year, run_id=run_id, engine="sql")
            _say("CHECKED")
            pub = write_publication(con, year, settings.publish_root, rules_version=RULES_VERSION,
                                    parser_version=PARSER_VERSION)
            _say(f"PUBLISHED {pub.path}")
    _say("DONE")


def hold(path: str) -> None:
    from warehouse import db

    with db.connect(path):
        _say("READY")
        time.sleep(120)


# --- the parent --------------------------------------------------------------------------------

class Child:
    """A child process whose stdout lines and stderr are drained by threads (one reader per pipe:
    a full stderr pipe would block the child), so a test can wait for a line, kill, or finish."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self._err: list[str] = []
        self._readers = [threading.Thread(target=self._drain, args=(self.proc.stdout, self.lines), daemon=True),
                         threading.Thread(target=self._drain, args=(self.proc.stderr, self._err), daemon=True)]
        for t in self._readers:
            t.start()

    @staticmethod
    def _drain(pipe, into: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in pipe:
            into.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self._err)

    def wait_for(self, prefix: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            if self.proc.poll() is not None and not self._readers[0].is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"child never said {prefix!r}; said {self.lines[-20:]}; rc={self.proc.poll()}; "
                             f"{self.stderr[-3000:]}")

    def kill9(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.kill9()
        for t in self._readers:
            t.join(timeout=10)
        return self.proc.returncode, self.stderr


def driver(*args: str) -> Child:
    return Child([sys.executable, "-m", "tests.reliability.proc", *args])


@contextmanager
def slow_directory(root: Path, delay: float = 0.0) -> Iterator[tuple[str, list[str]]]:
    """Serve ``root`` like tasks.fileserver, each GET delayed by ``delay`` s; yields (base URL, paths hit)."""
    from http.server import ThreadingHTTPServer

    from tasks.fileserver import _handler

    hits: list[str] = []
    base = _handler(root)

    class Slow(base):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            time.sleep(delay)
            super().do_GET()

    class Server(ThreadingHTTPServer):
        request_queue_size = 256
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def submitting(root: Path) -> set[str]:
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    return {code for code, u in truth["units"].items() if u["submits"]}


def assert_consistent(warehouse: Path, year: int, expected_units: set[str]) -> dict[str, int]:
    """No half-loaded version, no duplicate, nothing orphaned, every submitting unit present."""
    from warehouse import db

    with db.connect(warehouse, read_only=True) as con:
        def one(sql: str) -> object:
            return con.execute(sql, [year] if "?" in sql else None).fetchall()[0][0]

        assert one("select count(*) - count(distinct (unit_code, year, version)) from raw.submission") == 0
        # a new version only when the bytes change: consecutive versions never share a hash
        assert one("""select count(*) from raw.submission a join raw.submission b
                      on a.unit_code = b.unit_code and a.year = b.year and b.version = a.version + 1
                      where a.sha256 = b.sha256""") == 0
        assert one("select count(*) from raw.submission s anti join raw.document d using (sha256)") == 0
        assert one("select count(*) - count(distinct sha256) from raw.document") == 0
        assert one("select count(*) from raw.document where size <> octet_length(content)") == 0
        stored = {r[0] for r in con.execute("select distinct unit_code from raw.submission where year = ?", [year]).fetchall()}
        assert stored == expected_units, (stored ^ expected_units)
        # every current document parsed (or failed with a reason) by exactly one report
        assert one("select count(*) from staging.current_submission where year = ? and parse_status is null") == 0
        assert one("select count(*) from staging.report where status = 'failed' and error is null") == 0
        for t in ("figure", "section", "perf_project"):
            assert one(f"select count(*) from staging.{t} anti join staging.report using (sha256)") == 0, t
        assert one("select count(*) - count(distinct (sha256, seq)) from staging.figure") == 0
        return {t: int(one(f"select count(*) from {t}"))  # type: ignore[call-overload]
                for t in ("raw.document", "raw.submission", "staging.report", "staging.figure")}


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "collect":
        rest = sys.argv[2:]
        at = rest[rest.index("--pause-at") + 1] if "--pause-at" in rest else None
        collect(rest[0], int(rest[1]), publish="--publish" in rest, pause_at=at)
    elif cmd == "hold":
        hold(sys.argv[2])
    else:
        raise SystemExit(f"unknown command {cmd}")
