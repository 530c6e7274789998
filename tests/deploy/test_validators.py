"""The validators sent on the next run are those of the newest download of the current bytes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from tasks.fetch import FetchResult
from tasks.load import previous_versions, record_fetches
from warehouse import db


def download(body: bytes, etag: str, day: int) -> FetchResult:
    return FetchResult("A", 2024, "http://x/A", "ok", datetime(2025, 9, day), 5, content=body,
                       sha256=hashlib.sha256(body).hexdigest(), etag=etag, last_modified=f"day {day}")


def test_restamped_unchanged_bytes_update_the_validators_not_the_versions(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    assert record_fetches(con, "r1", [download(b"one", '"e1"', 1)]) == 1
    # the server re-stamped the same bytes: no new version, but ask with the new ETag from now on
    assert record_fetches(con, "r2", [download(b"one", '"e2"', 2)]) == 0
    prev = previous_versions(con, 2024)["A"]
    assert (prev.etag, prev.last_modified) == ('"e2"', "day 2")
    assert prev.sha256 == hashlib.sha256(b"one").hexdigest()


def test_validators_follow_the_current_version(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    record_fetches(con, "r1", [download(b"one", '"e1"', 1)])
    record_fetches(con, "r2", [download(b"two", '"e2"', 2)])
    prev = previous_versions(con, 2024)["A"]
    assert (prev.sha256, prev.etag) == (hashlib.sha256(b"two").hexdigest(), '"e2"')
