"""A local HTTP server whose paths misbehave on purpose: /ok/…, /missing, /slow, /flaky/<n>, /big …

Each test names the behaviour in the URL, so the registry source template decides who gets what.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = "2024年度收入总计100.00万元，支出总计100.00万元。".encode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


@contextmanager
def fault_server(body: bytes = BODY, tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, dict[str, int]]]:
    """Yields (base URL, hit counter per path); over https when given a server-side ``tls`` context."""
    hits: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, payload: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # the client may have given up first (timeouts are what some tests provoke)
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            with lock:
                hits[self.path] += 1
                n = hits[self.path]
            parts = self.path.strip("/").split("/")
            kind = parts[0]
            if kind == "ok":
                etag = '"v1"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, headers={"ETag": etag})
                else:
                    self._send(200, body, {"ETag": etag, "Content-Type": "text/plain; charset=utf-8"})
            elif kind == "missing":
                self._send(404, b"not here")
            elif kind == "forbidden":
                self._send(403, b"no")
            elif kind == "flaky":  # /flaky/<failures>/…: 503 with Retry-After that many times, then 200
                if n <= int(parts[1]):
                    self._send(503, b"busy", {"Retry-After": "0"})
                else:
                    self._send(200, body)
            elif kind == "down":
                self._send(500, b"broken")
            elif kind == "slow":  # sends headers, then stalls past the read timeout
                time.sleep(float(parts[1]) if len(parts) > 1 else 3)
                self._send(200, body)
            elif kind == "big":
                self._send(200, b"x" * int(parts[1]))
            elif kind == "liar":  # declares more bytes than it sends, then closes
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) * 2))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
            elif kind == "loop":
                self._send(302, headers={"Location": self.path})
            else:
                self._send(404)

    server = _Server(("127.0.0.1", 0), Handler)
    if tls is not None:  # a client that rejects the certificate fails its handshake in accept(), which the server survives
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
