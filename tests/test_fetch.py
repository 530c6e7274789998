import base64
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from tasks.fetch import FetchOptions, Previous, _tls, fetch_all
from tasks.registry import Unit
from tests.support.faultserver import BODY, closed_port, fault_server

FAST = FetchOptions(concurrency=8, connect_timeout=1, read_timeout=0.5, total_timeout=5, retries=2, backoff=0.01,
                    max_bytes=10_000)


def unit(code: str, source: str) -> Unit:
    return Unit(code, f"单位{code}", None, "行政", source, None)


def test_each_unit_gets_one_outcome_and_failures_do_not_stop_others():
    with fault_server() as (base, hits):
        units = [
            unit("OK", base + "/ok/{unit_code}"),
            unit("MISS", base + "/missing/{unit_code}"),
            unit("FORB", base + "/forbidden/{unit_code}"),
            unit("FLAKY", base + "/flaky/2/{unit_code}"),
            unit("DOWN", base + "/down/{unit_code}"),
            unit("SLOW", base + "/slow/2/{unit_code}"),
            unit("BIG", base + "/big/20000/{unit_code}"),
            unit("LOOP", base + "/loop/{unit_code}"),
            unit("REFUSED", f"http://127.0.0.1:{closed_port()}/{{unit_code}}"),
        ]
        results = {r.unit_code: r for r in fetch_all(units, 2024, options=FAST)}
    assert [r for r in results] == [u.unit_code for u in units]
    assert results["OK"].outcome == "ok" and results["OK"].content == BODY and results["OK"].etag == '"v1"'
    assert results["MISS"].outcome == "not_found" and results["MISS"].tries == 1
    assert results["FORB"].outcome == "http_error" and results["FORB"].http_status == 403
    assert results["FLAKY"].outcome == "ok" and results["FLAKY"].tries == 3  # two 503s retried
    assert results["DOWN"].outcome == "http_error" and results["DOWN"].tries == 3
    assert hits["/down/DOWN"] == 3
    assert results["SLOW"].outcome == "timeout"
    assert results["BIG"].outcome == "too_large"
    assert results["LOOP"].outcome == "http_error" and "redirect" in results["LOOP"].error
    assert results["REFUSED"].outcome == "refused"
    for r in results.values():
        assert r.error is None if r.ok else r.unit_code in r.error or r.url in r.error


def test_conditional_get_answers_not_modified():
    with fault_server() as (base, _):
        u = unit("OK", base + "/ok/{unit_code}")
        first = fetch_all([u], 2024, options=FAST)[0]
        again = fetch_all([u], 2024, previous={"OK": Previous(first.sha256, first.etag, None)}, options=FAST)[0]
    assert again.outcome == "not_modified" and again.http_status == 304
    assert again.content is None and again.sha256 == first.sha256


def test_folder_sources(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "A.txt").write_bytes(BODY)
    units = [unit("A", str(tmp_path / "{year}" / "{unit_code}.txt")), unit("B", str(tmp_path / "{year}" / "{unit_code}.txt"))]
    a, b = fetch_all(units, 2024, options=FAST)
    assert a.outcome == "ok" and a.content == BODY
    assert b.outcome == "not_found" and "B.txt" in b.error
    again = fetch_all(units[:1], 2024, previous={"A": Previous(a.sha256, None, None)}, options=FAST)[0]
    assert again.outcome == "not_modified"


@contextmanager
def local_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
    server.daemon_threads = True
    server.request_queue_size = 64  # the default backlog of 5 would hold connections back
    server.server_bind()
    server.server_activate()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_concurrency_is_the_limit_across_all_workers():
    """The concurrency is spread over workers of one connection each (tasks/fetch.py): all of
    it is used, and never more."""
    seen = {"now": 0, "most": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's name
            with lock:
                seen["now"] += 1
                seen["most"] = max(seen["most"], seen["now"])
            time.sleep(0.05)
            with lock:
                seen["now"] -= 1
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args):
            pass

    with local_server(Handler) as base:
        units = [unit(f"U{i:03d}", base + "/{unit_code}") for i in range(60)]
        options = FetchOptions(concurrency=20, read_timeout=5, total_timeout=10, retries=0)
        results = fetch_all(units, 2024, options=options)
    assert [r.outcome for r in results] == ["ok"] * 60
    assert seen["most"] == 20


def test_each_worker_keeps_its_connection_alive_and_opens_another_when_the_server_closes_it():
    """A worker sends its requests over one kept-alive connection (tasks/fetch.py: _Direct). When the
    server ends a connection, saying so or not, the worker's next request opens a new one, at once:
    a connection that turns out dead as it is reused costs no try and no backoff."""
    connections: list[tuple[str, int]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            self.answered = 0
            with lock:
                connections.append(self.client_address)

        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path.startswith("/stale/") and self.answered:
                # a server that let the idle connection go just as the client reused it: no answer
                self.close_connection = True
                return
            self.answered += 1
            code = self.path.rsplit("/", 1)[-1]
            self.send_response(200)
            self.send_header("Content-Length", str(len(code)))
            if self.path.startswith("/close/"):
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(code.encode())

        def log_message(self, *args):
            pass

    options = FetchOptions(concurrency=3, read_timeout=5, total_timeout=10, retries=2, backoff=5)
    with local_server(Handler) as base:
        kept = fetch_all([unit(f"K{i:02d}", base + "/keep/{unit_code}") for i in range(30)], 2024, options=options)
        after_keep = len(connections)
        closed = fetch_all([unit(f"C{i:02d}", base + "/close/{unit_code}") for i in range(12)], 2024, options=options)
        after_close = len(connections)
        stale = fetch_all([unit(f"S{i:02d}", base + "/stale/{unit_code}") for i in range(12)], 2024, options=options)
    assert [(r.outcome, r.content) for r in kept] == [("ok", f"K{i:02d}".encode()) for i in range(30)]
    assert after_keep == 3
    assert [(r.outcome, r.content) for r in closed] == [("ok", f"C{i:02d}".encode()) for i in range(12)]
    assert after_close - after_keep == 12
    assert [(r.outcome, r.content, r.tries) for r in stale] == [("ok", f"S{i:02d}".encode(), 1) for i in range(12)]
    assert len(connections) - after_close == 12  # every reused connection was let go: one per unit
    assert all(r.elapsed_ms < 2000 for r in stale)  # none waited for the 5 s backoff


def test_a_document_ceiling_stops_handing_out_units_and_says_which_were_fetched():
    """A batch of units expected to answer 304 that all changed must not hold more documents than
    a batch of new units (tasks/pipeline.py): past ``max_documents`` no unit is started."""
    with fault_server() as (base, hits):
        units = [unit(f"U{i}", base + "/ok/{unit_code}") for i in range(12)]
        etag = fetch_all(units[:1], 2024, options=FAST)[0].etag
        # U1 and U2 are unchanged (304, no document); the others are new
        previous = {u.unit_code: Previous("sha", etag, None) for u in units[1:3]}
        one_at_a_time = FetchOptions(concurrency=1, read_timeout=5, total_timeout=10, retries=0)
        results = fetch_all(units, 2024, previous=previous, options=one_at_a_time, max_documents=3)
        assert [r.unit_code for r in results] == ["U0", "U1", "U2", "U3", "U4"]
        assert [r.outcome for r in results] == ["ok", "not_modified", "not_modified", "ok", "ok"]
        assert not any(hits.get(f"/ok/U{i}") for i in range(5, 12))

        # with four at once, at most three more arrive after the ceiling is reached, and still a prefix
        four = FetchOptions(concurrency=4, read_timeout=5, total_timeout=10, retries=0)
        results = fetch_all(units, 2024, options=four, max_documents=3)
        assert 3 <= sum(r.content is not None for r in results) <= 3 + 4 - 1
        assert [r.unit_code for r in results] == [u.unit_code for u in units[:len(results)]]
        assert len(results) < len(units)


def test_the_environment_proxy_is_used_except_for_no_proxy_hosts(monkeypatch):
    """HTTP_PROXY (with its login) and NO_PROXY are honoured, as a bureau behind a proxy needs (and as httpx's
    client did)."""
    asked, logins = [], []

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's name
            asked.append(self.path)  # a proxy is sent the absolute URL
            logins.append(self.headers.get("Proxy-Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"via proxy")

        def log_message(self, *args):
            pass

    for var in ("http_proxy", "https_proxy", "no_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with local_server(Proxy) as proxy, fault_server() as (base, hits):
        monkeypatch.setenv("HTTP_PROXY", proxy.replace("http://", "http://clerk:s3cret@"))
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        far, near = fetch_all([unit("FAR", "http://far.example/{unit_code}"), unit("NEAR", base + "/ok/{unit_code}")],
                              2024, options=FAST)
    assert (far.outcome, far.content) == ("ok", b"via proxy")
    assert asked == ["http://far.example/FAR"]
    assert logins == ["Basic " + base64.b64encode(b"clerk:s3cret").decode()]
    assert (near.outcome, near.content) == ("ok", BODY) and hits["/ok/NEAR"] == 1


@pytest.fixture
def trusted_https(monkeypatch, tmp_path) -> Iterator[ssl.SSLContext]:
    """A server-side TLS context for 127.0.0.1 whose authority SSL_CERT_FILE names. The client's TLS
    context is made once per process, from the environment of that moment: it is remade around the test."""
    authority = trustme.CA()
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(server_side)
    authority.cert_pem.write_to_path(str(tmp_path / "bureau-ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "bureau-ca.pem"))
    _tls.cache_clear()
    yield server_side
    _tls.cache_clear()


def test_https_is_verified_against_the_authorities_the_machine_trusts(monkeypatch, tmp_path, trusted_https):
    """Most units publish over https. A certificate from an authority the machine does not trust is a
    clear error at once (retrying cannot help); SSL_CERT_FILE names a bureau's own authority."""
    bureau_ca = tmp_path / "bureau-ca.pem"
    monkeypatch.delenv("SSL_CERT_FILE")
    with fault_server(tls=trusted_https) as (base, hits):
        site = unit("TLS", base + "/ok/{unit_code}")
        untrusted = fetch_all([site], 2024, options=FAST)[0]
        monkeypatch.setenv("SSL_CERT_FILE", str(bureau_ca))
        _tls.cache_clear()
        first = fetch_all([site], 2024, options=FAST)[0]
        again = fetch_all([site], 2024, previous={"TLS": Previous(first.sha256, first.etag, None)}, options=FAST)[0]
    assert base.startswith("https://")
    assert (untrusted.outcome, untrusted.tries) == ("error", 1)
    assert "certificate" in untrusted.error and base in untrusted.error
    assert (first.outcome, first.content) == ("ok", BODY)
    assert again.outcome == "not_modified" and hits["/ok/TLS"] == 2


def test_https_goes_through_the_proxy_in_a_tunnel(monkeypatch, trusted_https):
    """Behind a proxy, an https site is reached with CONNECT and TLS inside the tunnel: the proxy sees
    only the host and port, the certificate is still the site's."""
    tunnels = []

    class Tunnel(BaseHTTPRequestHandler):
        def do_CONNECT(self):  # noqa: N802 - http.server's name
            tunnels.append(self.path)
            host, port = self.path.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            self.send_response(200, "Connection established")
            self.end_headers()
            ends = [self.connection, upstream]
            while True:
                for end in select.select(ends, [], [], 5)[0]:
                    data = end.recv(65536)
                    if not data:
                        upstream.close()
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)

        def log_message(self, *args):
            pass

    for var in ("http_proxy", "https_proxy", "no_proxy", "all_proxy", "NO_PROXY", "ALL_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with local_server(Tunnel) as proxy, fault_server(tls=trusted_https) as (base, hits):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        results = fetch_all([unit(f"T{i}", base + "/ok/{unit_code}") for i in range(3)], 2024, options=FAST)
    assert [(r.outcome, r.content) for r in results] == [("ok", BODY)] * 3
    assert set(tunnels) == {base.removeprefix("https://")} and hits["/ok/T2"] == 1
