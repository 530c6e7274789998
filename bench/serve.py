"""A lean asyncio HTTP/1.1 file server for the benchmark (keep-alive, ETag, 304).

``tasks.fileserver.serve_directory`` (stdlib ``ThreadingHTTPServer``) speaks HTTP/1.0: one TCP
connection and one thread per request. At 100 000 requests that server, not the pipeline, is
what a benchmark would measure, so the bench serves from this one by default (``--server
stdlib`` switches back; both are measured in bench/README.md). The bytes are read per request
(the page cache keeps them hot); the ETag is derived from size and mtime, like the stdlib one.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit


def _response(status: str, headers: list[tuple[str, str]], body: bytes = b"", keep: bool = True) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}",
            "Connection: keep-alive" if keep else "Connection: close", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class _Files:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.meta: dict[str, tuple[Path, str, str] | None] = {}

    def lookup(self, target: str) -> tuple[Path, str, str] | None:
        hit = self.meta.get(target)
        if hit is not None or target in self.meta:
            return hit
        rel = unquote(urlsplit(target).path).lstrip("/")
        path = (self.root / rel).resolve()
        found = None
        if path.is_relative_to(self.root) and path.is_file():
            st = path.stat()
            found = (path, f'"{st.st_size:x}-{st.st_mtime_ns:x}"', formatdate(st.st_mtime, usegmt=True))
        self.meta[target] = found
        return found


async def _handle(files: _Files, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                writer.write(_response("400 Bad Request", [], keep=False))
                return
            method, target, version = parts
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            hit = files.lookup(target) if method in ("GET", "HEAD") else None
            if hit is None:
                writer.write(_response("404 Not Found", [], b"not found", keep))
            else:
                path, etag, modified = hit
                meta = [("ETag", etag), ("Last-Modified", modified)]
                if headers.get("if-none-match") == etag:
                    writer.write(_response("304 Not Modified", meta, keep=keep))
                else:
                    body = path.read_bytes()
                    msg = _response("200 OK", [*meta, ("Content-Type", "application/octet-stream")],
                                    b"" if method == "HEAD" else body, keep)
                    writer.write(msg)
            await writer.drain()
            if not keep:
                return
    finally:
        writer.close()


@contextmanager
def serve_memory(root: Path, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``root`` from an asyncio loop on a daemon thread; yields the base URL."""
    files = _Files(Path(root))
    loop = asyncio.new_event_loop()
    ready: dict[str, object] = {}
    started = threading.Event()

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _handle(files, r, w), host, 0, backlog=1024)
        ready["server"] = server
        ready["port"] = server.sockets[0].getsockname()[1]
        started.set()
        async with server:
            await server.serve_forever()

    def runner() -> None:
        asyncio.set_event_loop(loop)
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(main())

    thread = threading.Thread(target=runner, name="bench-fileserver", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("bench file server did not start")
    try:
        yield f"http://{host}:{ready['port']}"
    finally:
        server = ready["server"]
        loop.call_soon_threadsafe(server.close)  # type: ignore[attr-defined]
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=5)


@contextmanager
def serve(root: Path, kind: str) -> Iterator[str]:
    if kind == "stdlib":
        from tasks.fileserver import serve_directory

        with serve_directory(Path(root)) as base:
            yield base
    elif kind == "memory":
        with serve_memory(Path(root)) as base:
            yield base
    else:
        raise ValueError(f"server must be 'memory' or 'stdlib', not {kind!r}")


if __name__ == "__main__":  # manual check: python bench/serve.py DIR
    import sys
    import time

    with serve_memory(Path(sys.argv[1])) as url:
        print(url, os.getpid(), flush=True)
        while True:
            time.sleep(3600)
