"""httpcore's network layer on asyncio's own streams, for the fetcher.

httpcore reaches the network through a backend; under asyncio its default is anyio's, whose cancel
scopes (one per read and per write, for the timeout) were a fifth of a conditional GET's CPU. This
backend does the same with ``asyncio.timeout`` and a ``StreamReader``/``StreamWriter`` pair: an
unchanged re-run, which is nothing but conditional GETs, costs ~25 % less CPU (docs/design-notes.md).
httpcore's errors are raised as its own backends raise them, with the OS error as the cause, so the
fetcher tells a refused connection from a timeout or an untrusted certificate as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import typing
from collections.abc import Iterable

import httpcore

_ADDRESSES = {"client_addr": "sockname", "server_addr": "peername"}


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"nothing received for {timeout} s") from None
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not send for {timeout} s") from None
        except OSError as exc:
            raise httpcore.WriteError(exc) from exc

    async def aclose(self) -> None:
        self._writer.close()
        # a TLS peer that never answers our close would otherwise hold the worker for asyncio's 30 s
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1):
                await self._writer.wait_closed()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        try:
            await self._writer.start_tls(ssl_context, server_hostname=server_hostname, ssl_handshake_timeout=timeout)
        except OSError as exc:  # ssl's errors are OSErrors; so is asyncio's handshake timeout
            self._writer.close()
            raise httpcore.ConnectError(exc) from exc
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":  # an idle connection the server closed (or reset) is not reused
            return self._reader.at_eof() or self._reader.exception() is not None
        return self._writer.get_extra_info(_ADDRESSES.get(info, info))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
