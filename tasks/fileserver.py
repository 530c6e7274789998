"""A small threaded HTTP server for a folder of submissions (the demo district, tests, bench).

It answers conditional GETs (ETag from the file's size and mtime, Last-Modified) the way a real
government web server does, so the incremental path is exercised for real. The stock
``http.server`` queues only 5 connections; a larger backlog keeps concurrent fetches from timing out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


def _handler(root: Path) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def send_head(self):
            path = Path(self.translate_path(self.path))
            if path.is_file():
                st = path.stat()
                etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(HTTPStatus.NOT_MODIFIED)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return None
                self._etag = etag
            return super().send_head()

        def end_headers(self) -> None:
            etag = getattr(self, "_etag", None)
            if etag:
                self.send_header("ETag", etag)
                self._etag = None
            super().end_headers()

        def date_time_string(self, timestamp: float | None = None) -> str:
            return formatdate(timestamp, usegmt=True)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

    return Handler


@contextmanager
def serve_directory(root: Path, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``root`` until the block ends; yields the base URL (``http://host:port``)."""
    server = _Server((host, port), _handler(root))
    thread = threading.Thread(target=server.serve_forever, name="juesuan-fileserver", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
