"""HTTP faults: every unit ends as one outcome, transient faults are retried with backoff,
permanent ones are recorded at once, and one unit's fault never stops the others."""

from __future__ import annotations

import time
import tracemalloc
from urllib.parse import quote

import pytest

from tasks import fetch as fetch_module
from tasks.fetch import FetchOptions, fetch_all
from tasks.registry import Unit
from tests.reliability.httpfaults import BODY, closed_port, fault_http, unaccepting_port

FAST = FetchOptions(concurrency=64, connect_timeout=0.5, read_timeout=0.5, total_timeout=0.8, retries=2,
                    backoff=0.01, max_bytes=100_000, max_redirects=5)


def unit(code: str, source: str) -> Unit:
    return Unit(code, f"单位{code}", None, "行政", source, None)


# unit code, path under the fault server (or a full URL template), outcome, tries, error must mention
CASES = [
    ("OK", "/ok", "ok", 1, None),
    ("CTYPE_PDF", "/ctype/application%2Fpdf", "ok", 1, None),
    ("CTYPE_NONE", "/ctype/none", "ok", 1, None),
    ("EMPTY", "/empty", "ok", 1, None),
    ("S404", "/status/404", "not_found", 1, "HTTP 404"),
    ("S410", "/status/410", "not_found", 1, "HTTP 410"),
    ("S403", "/status/403", "http_error", 1, "HTTP 403"),
    ("S500", "/status/500", "http_error", 3, "HTTP 500"),
    ("S503", "/status/503", "http_error", 3, "HTTP 503"),
    ("S429", "/status/429", "http_error", 3, "HTTP 429"),
    ("RETRY_AFTER", "/retry-after/1/1", "ok", 2, None),
    ("STALL", "/stall", "timeout", 3, "ReadTimeout"),
    ("DRIP", "/drip", "timeout", 3, "timed out"),
    ("RESET", "/reset", "error", 3, "ReadError"),  # RST mid-body: transient, retried
    ("TRUNCATED", "/truncated", "error", 3, "RemoteProtocolError"),
    ("ENDLESS", "/endless", "too_large", 1, "larger than 100000 bytes"),
    ("DECLARED_HUGE", "/declared-huge", "too_large", 1, "larger than 100000 bytes"),
    ("GZIP", "/gzip", "ok", 1, None),
    ("DEFLATE_RAW", "/deflate-raw", "ok", 1, None),
    ("GZIP_BOMB", "/gzip-bomb", "too_large", 1, "larger than 100000 bytes"),
    ("GZIP_GZIP", "/gzip-gzip", "error", 1, "stacked Content-Encoding"),
    ("GZIP_JUNK", "/gzip-junk", "error", 3, "bad gzip body"),
    ("BROTLI", "/br", "error", 1, "unsupported Content-Encoding"),
    ("LOOP", "/loop", "http_error", 1, "too many redirects"),
    ("HOPS5", "/hops/5", "ok", 1, None),
    ("HOPS6", "/hops/6", "http_error", 1, "too many redirects"),
    ("OTHER_HOST", "/to/{other}", "ok", 1, None),
    ("COOKIE_GATE", "/cookie-gate", "ok", 1, None),
    ("TO_FILE", "/to/" + quote("file:///etc/passwd", safe=""), "http_error", 1, "non-http(s)"),
    ("TO_FTP", "/to/" + quote("ftp://127.0.0.1/x", safe=""), "http_error", 1, "non-http(s)"),
    # a malformed Location will not mend on its own: refused at once, like another scheme
    ("TO_BAD_URL", "/to/" + quote("http://[::1", safe=""), "http_error", 1, "invalid URL, not followed"),
    ("TO_JS", "/to/" + quote("javascript:alert(1)", safe=""), "http_error", 1, "non-http(s) URL, not followed"),
    ("HEADER_BOMB", "/header-bomb", "error", 3, "RemoteProtocolError"),
    ("STATUS_999", "/status-999", "http_error", 3, "HTTP 999"),
    ("REFUSED", "{refused}", "refused", 3, "cannot connect"),
    ("CONNECT_TIMEOUT", "{unaccepting}", "timeout", 3, "ConnectTimeout"),
]
CONTENT = {"OK": BODY, "CTYPE_PDF": BODY, "CTYPE_NONE": BODY, "EMPTY": b"", "RETRY_AFTER": BODY,
           "GZIP": BODY, "DEFLATE_RAW": BODY, "HOPS5": BODY, "OTHER_HOST": BODY,
           "COOKIE_GATE": BODY}


@pytest.fixture(scope="module")
def mixed():
    """One fetch of a batch holding every fault at once."""
    with fault_http() as server, fault_http("localhost") as other, unaccepting_port() as hang:
        refused = closed_port()
        units = []
        for code, path, *_ in CASES:
            if path == "{refused}":
                src = f"http://127.0.0.1:{refused}/{{unit_code}}"
            elif path == "{unaccepting}":
                src = f"http://127.0.0.1:{hang}/{{unit_code}}"
            else:
                target = quote(other.base + "/ok/OTHER_HOST", safe="")
                src = server.base + path.replace("{other}", target) + "/{unit_code}"
            units.append(unit(code, src))
        t0 = time.perf_counter()
        results = fetch_all(units, 2024, options=FAST)
        elapsed = time.perf_counter() - t0
        yield units, results, elapsed, server, other


def test_every_unit_ends_with_one_result_in_order(mixed):
    units, results, elapsed, _, _ = mixed
    assert [r.unit_code for r in results] == [u.unit_code for u in units]
    # retries run concurrently: the slowest unit (3 tries of a 0.8 s total timeout) bounds the batch
    assert elapsed < 10, elapsed


@pytest.mark.parametrize(("code", "path", "outcome", "tries", "says"), CASES, ids=[c[0] for c in CASES])
def test_fault_outcome(mixed, code, path, outcome, tries, says):
    _, results, _, _, _ = mixed
    r = next(r for r in results if r.unit_code == code)
    assert (r.outcome, r.tries) == (outcome, tries), r.error
    if r.ok:
        assert r.error is None and r.content == CONTENT[code] and r.sha256
    else:
        assert r.content is None
        assert says in r.error and r.url in r.error, r.error


def test_server_saw_exactly_the_tries(mixed):
    _, results, _, server, other = mixed
    assert server.count("/status/500/S500") == 3  # transient: retried
    assert server.count("/status/404/S404") == 1  # permanent: never retried
    assert server.count("/status/403/S403") == 1
    assert server.count("/gzip-bomb/GZIP_BOMB") == 1  # too large is permanent
    assert other.count("/ok/OTHER_HOST") == 1  # the redirect to another host was followed


def test_retry_after_is_honoured(mixed):
    _, _, _, server, _ = mixed
    first, second = server.hits["/retry-after/1/1/RETRY_AFTER"]
    assert second - first >= 0.95


def test_backoff_is_exponential():
    options = FetchOptions(connect_timeout=0.5, read_timeout=0.5, total_timeout=2, retries=3, backoff=0.1)
    with fault_http() as server:
        (r,) = fetch_all([unit("DOWN", server.base + "/status/500/{unit_code}")], 2024, options=options)
        times = server.hits["/status/500/DOWN"]
    assert r.outcome == "http_error" and r.tries == 4
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert [round(g, 1) >= want for g, want in zip(gaps, (0.1, 0.2, 0.4), strict=True)] == [True] * 3, gaps


def test_retry_after_is_capped():
    assert fetch_module._retry_after("86400") == 30.0
    assert fetch_module._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None  # falls back to backoff
    assert fetch_module._retry_after("-1") is None


def test_gzip_bomb_is_cut_at_decoded_bytes_without_inflating_it():
    """64 MiB of zeros in 64 KB of gzip: the ceiling counts decoded bytes and memory stays near it."""
    options = FetchOptions(max_bytes=1_000_000, retries=0, connect_timeout=1, read_timeout=2, total_timeout=5)
    with fault_http() as server:
        from tests.reliability.httpfaults import gzip_bomb

        gzip_bomb()  # build it before measuring
        tracemalloc.start()
        try:
            (r,) = fetch_all([unit("BOMB", server.base + "/gzip-bomb/{unit_code}")], 2024, options=options)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert r.outcome == "too_large"
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MiB while refusing a gzip bomb"


def test_gzip_at_the_limit_is_accepted():
    """The ceiling is inclusive and exact on decoded bytes."""
    size = len(BODY) * 100
    with fault_http() as server:
        src = server.base + "/gzip-long/{unit_code}"
        (at,) = fetch_all([unit("A", src)], 2024, options=FetchOptions(max_bytes=size, retries=0))
        (over,) = fetch_all([unit("A", src)], 2024, options=FetchOptions(max_bytes=size - 1, retries=0))
    assert at.outcome == "ok" and at.content == BODY * 100
    assert over.outcome == "too_large"


def test_an_unexpected_exception_is_one_units_error(monkeypatch):
    """A bug (or an exception nobody foresaw) in one unit's fetch does not lose the batch."""
    real = fetch_module._fetch_url

    async def flaky(client, unit, *args, **kwargs):
        if unit.unit_code == "BUG":
            raise ValueError("boom")
        return await real(client, unit, *args, **kwargs)

    monkeypatch.setattr(fetch_module, "_fetch_url", flaky)
    with fault_http() as server:
        results = fetch_all([unit("BUG", server.base + "/ok/{unit_code}"), unit("OK", server.base + "/ok/{unit_code}")],
                            2024, options=FAST)
    assert [(r.unit_code, r.outcome) for r in results] == [("BUG", "error"), ("OK", "ok")]
    assert "ValueError" in results[0].error and "/ok/BUG" in results[0].error
