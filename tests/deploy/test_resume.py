"""A collection killed with SIGKILL at any point resumes: the next run loses nothing and duplicates
nothing. Each batch is one transaction and documents are content-addressed, so a run cut off
mid-fetch, mid-load or mid-check leaves either whole batches or none, and the next run asks only
for what is missing (previous units answer 304; fetched-but-unparsed documents are parsed then)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tasks import demo
from tests.deploy.helpers import Requests, counting_server, submitting_units
from tests.deploy.server import VENV_BIN, prefect_server
from warehouse import db

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
YEAR = 2024
REGISTERED = 41  # 40 generated units and the real sample
# when each run is killed: so many seconds after it has asked for so many documents. Mid-fetch, then
# during parse and loads, then once it has asked for them all (parse of leftovers, checks, reports).
# The last one waits for the requests, not the clock: on a busy machine the worker processes took
# more than 3.5 s to ask for their second batch.
KILLS = ((1, 0.1), (1, 0.8), (REGISTERED, 0.5))


def collect(env: dict[str, str], config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / "juesuan"), "collect", "--year", str(YEAR), "-c", str(config), "--no-publish"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, so that a kill takes its worker processes too
    )


def kill_after_requests(proc: subprocess.Popen, requests: Requests, asked: int, seconds: float) -> bool:
    """SIGKILL the run ``seconds`` after it has asked for ``asked`` documents; False if it ended before."""
    deadline = time.monotonic() + 180
    while requests.conditional + requests.plain < asked and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    until = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < until:
        time.sleep(0.02)
    if proc.poll() is not None:
        return False
    # the whole group, as a machine or a service manager stops it: a worker left running would still
    # be asking for its batch's documents while the next run counts its own
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def test_killed_collections_resume_without_loss_or_duplicates(tmp_path):
    home = tmp_path / "prefect"
    home.mkdir()
    requests = Requests(delay=0.05)
    with prefect_server(home) as (_, env), counting_server(tmp_path / "d" / "files", requests) as base:
        config = demo.prepare(tmp_path / "d", year=YEAR, base_url=base, n_units=40, seed=9)
        text = config.read_text(encoding="utf-8").replace("batch_size = 500", "batch_size = 5")
        config.write_text(text + "\n[fetch]\nconcurrency = 2\n", encoding="utf-8")
        killed = []  # (killed?, documents asked for by then, those asked for twice)
        for asked, seconds in KILLS:
            requests.reset()
            killed.append((kill_after_requests(collect(env, config), requests, asked, seconds),
                           requests.conditional + requests.plain, requests.twice()))
        requests.reset()
        final = collect(env, config)
        output, _ = final.communicate(timeout=600)
        assert final.returncode == 0, output[-4000:]
    assert killed[0][0] and killed[0][1] < REGISTERED, f"not killed mid-fetch: {killed}"
    assert any(k and asked == REGISTERED for k, asked, _ in killed[1:]), f"never killed after fetching: {killed}"
    assert not any(twice for *_, twice in killed), f"a run asked for a document twice: {killed}"

    expected = submitting_units(tmp_path / "d")
    with db.connect(tmp_path / "d" / "warehouse.duckdb", read_only=True) as con:
        rows = con.execute("select unit_code, version, sha256 from raw.submission where year = ?", [YEAR]).fetchall()
        parsed = con.execute(
            "select count(*) from staging.current_submission where year = ? and parse_status = 'parsed'", [YEAR]
        ).fetchall()[0][0]
        documents = con.execute("select count(*), count(distinct sha256) from raw.document").fetchall()[0]
        reports = con.execute("select count(*) from staging.report").fetchall()[0][0]
        unchecked = con.execute(
            "select count(*) from staging.current_submission c where year = ? and not exists "
            "(select 1 from dq.result r where r.sha256 = c.sha256 and r.unit_code = c.unit_code)", [YEAR]
        ).fetchall()[0][0]
    assert {code for code, _, _ in rows} == expected  # nobody lost
    assert len(rows) == len(expected) and {v for _, v, _ in rows} == {1}  # nobody twice
    assert parsed == len(expected)
    assert documents[0] == documents[1] == reports
    assert unchecked == 0
