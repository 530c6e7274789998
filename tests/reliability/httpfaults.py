"""A local HTTP server with more ways to misbehave than tests/support/faultserver.py.

The first path segment names the behaviour, the last one is the unit code, so a registry source
template such as ``{base}/drip/{unit_code}`` decides what each unit gets. Every request is recorded
(path → list of monotonic arrival times) so tests can count tries and measure backoff.

| path                              | behaviour                                                    |
|-----------------------------------|--------------------------------------------------------------|
| /ok/…                             | 200, the sample text, text/plain                             |
| /ctype/<type or none>/…           | 200, the sample text labelled with a wrong (or no) type      |
| /empty/…                          | 200 with an empty body                                       |
| /status/<code>/…                  | that status, always (503/429 carry Retry-After: 0)           |
| /retry-after/<s>/<fails>/…        | 503 + Retry-After: <s> for the first <fails> hits, then 200  |
| /stall/…                          | headers, then nothing (read timeout)                         |
| /drip/…                           | headers, then one byte every 0.1 s forever (total timeout)   |
| /reset/…                          | headers + part of the body, then a TCP RST                   |
| /truncated/…                      | Content-Length twice the body, then close                    |
| /endless/…                        | chunked, no length, never ends (cut at max_bytes)            |
| /declared-huge/…                  | Content-Length 10^12 (refused before reading)                |
| /gzip/…                           | the sample text, gzip-encoded                                |
| /gzip-long/…                      | the sample text ×100, gzip-encoded (smaller on the wire)     |
| /deflate-raw/…                    | the sample text, raw deflate (no zlib header)                |
| /gzip-bomb/…                      | 64 MiB of zeros in ~64 KB of gzip                            |
| /gzip-gzip/…                      | a gzip bomb inside gzip ("Content-Encoding: gzip, gzip")     |
| /gzip-junk/…                      | "Content-Encoding: gzip" on bytes that are not gzip          |
| /br/…                             | "Content-Encoding: br" (not offered, not supported)          |
| /loop/…                           | 302 to itself                                                |
| /hops/<n>/…                       | n redirects in a row, then 200                               |
| /to/<url-quoted target>/…         | 302 to any URL (another host, file://, ftp://, javascript:)  |
| /cookie-gate/…                    | 302 to itself with Set-Cookie; 200 once the cookie comes back |
| /header-bomb/…                    | a 200 KB response header                                     |
| /status-999/…                     | a status code outside 100–599                                |
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

BODY = "2024年度收入总计100.00万元，支出总计100.00万元。".encode()


@cache
def gzip_bomb(mib: int = 64) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    return b"".join(co.compress(block) for _ in range(mib)) + co.flush()


@cache
def nested_bomb() -> bytes:
    return gzip.compress(gzip_bomb(), 9)  # ~200 bytes on the wire, 64 MiB after two inflations


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # resets and abandoned connections are the point here


@dataclass
class Faults:
    base: str
    hits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def count(self, path: str) -> int:
        return len(self.hits.get(path, []))


@contextmanager
def fault_http(host: str = "127.0.0.1") -> Iterator[Faults]:
    stop = threading.Event()
    lock = threading.Lock()
    faults = Faults("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _head(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()

        def _send(self, status: int, payload: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self._head(status, {**(headers or {}), "Content-Length": str(len(payload))})
            with suppress(OSError):
                self.wfile.write(payload)

        def _wait(self, seconds: float) -> bool:
            return not stop.wait(seconds)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            with lock:
                faults.hits[self.path].append(time.monotonic())
                n = len(faults.hits[self.path])
            parts = self.path.strip("/").split("/")
            kind = parts[0]
            text = {"Content-Type": "text/plain; charset=utf-8"}
            if kind == "ok":
                self._send(200, BODY, text)
            elif kind == "ctype":
                self._send(200, BODY, {} if parts[1] == "none" else {"Content-Type": unquote(parts[1])})
            elif kind == "empty":
                self._send(200, b"", text)
            elif kind == "status":
                code = int(parts[1])
                self._send(code, b"fault", {"Retry-After": "0"} if code in (429, 503) else {})
            elif kind == "retry-after":
                if n <= int(parts[2]):
                    self._send(503, b"busy", {"Retry-After": parts[1]})
                else:
                    self._send(200, BODY, text)
            elif kind == "stall":
                self._head(200, {"Content-Length": str(len(BODY))})
                self.wfile.flush()
                self._wait(30)
            elif kind == "drip":
                self._head(200, {"Content-Length": "100000"})
                try:
                    for _ in range(100000):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        if not self._wait(0.1):
                            break
                except OSError:
                    pass
            elif kind == "reset":
                self._head(200, {"Content-Length": "10000"})
                self.wfile.write(BODY)
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
            elif kind == "truncated":
                self._head(200, {"Content-Length": str(len(BODY) * 2)})
                self.wfile.write(BODY)
                self.close_connection = True
            elif kind == "endless":
                self._head(200, {"Transfer-Encoding": "chunked"})
                chunk = b"x" * 65536
                try:
                    while not stop.is_set():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:
                    pass
                self.close_connection = True
            elif kind == "declared-huge":
                self._head(200, {"Content-Length": str(10**12)})
                self.wfile.write(b"x" * 1000)
                self.close_connection = True
            elif kind == "gzip":
                self._send(200, gzip.compress(BODY), {**text, "Content-Encoding": "gzip"})
            elif kind == "gzip-long":
                self._send(200, gzip.compress(BODY * 100), {**text, "Content-Encoding": "gzip"})
            elif kind == "deflate-raw":
                co = zlib.compressobj(6, zlib.DEFLATED, -15)
                self._send(200, co.compress(BODY) + co.flush(), {**text, "Content-Encoding": "deflate"})
            elif kind == "gzip-bomb":
                self._send(200, gzip_bomb(), {**text, "Content-Encoding": "gzip"})
            elif kind == "gzip-gzip":
                self._send(200, nested_bomb(), {**text, "Content-Encoding": "gzip, gzip"})
            elif kind == "gzip-junk":
                self._send(200, b"this is not gzip at all" * 10, {**text, "Content-Encoding": "gzip"})
            elif kind == "br":
                self._send(200, b"\x8b\x02\x80hello\x03", {**text, "Content-Encoding": "br"})
            elif kind == "loop":
                self._send(302, headers={"Location": self.path})
            elif kind == "hops":
                left = int(parts[1])
                if left > 0:
                    self._send(302, headers={"Location": "/" + "/".join(["hops", str(left - 1), *parts[2:]])})
                else:
                    self._send(200, BODY, text)
            elif kind == "to":
                self._send(302, headers={"Location": unquote(parts[1])})
            elif kind == "cookie-gate":
                if "gate=open" in (self.headers.get("Cookie") or ""):
                    self._send(200, BODY, text)
                else:
                    self._send(302, headers={"Location": self.path, "Set-Cookie": "gate=open; Path=/; HttpOnly"})
            elif kind == "header-bomb":
                self._send(200, BODY, {"X-Padding": "x" * 200_000})
            elif kind == "status-999":
                self.wfile.write(b"HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nhi")
                self.close_connection = True
            else:
                self._send(404, b"no such fault")

    gzip_bomb(), nested_bomb()  # built once, before any client waits on them
    server = _Server((host, 0), Handler)
    faults.base = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield faults
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


@contextmanager
def unaccepting_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: a new connection's SYN is dropped, so the
    client's connect times out (instead of being refused)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = []
    try:
        for _ in range(8):  # the queue holds backlog + 1 on Linux; fill it until a connect hangs
            s = socket.socket()
            s.settimeout(0.2)
            try:
                s.connect(("127.0.0.1", port))
            except TimeoutError:
                s.close()
                break
            filler.append(s)
        yield port
    finally:
        for s in filler:
            s.close()
        listener.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
