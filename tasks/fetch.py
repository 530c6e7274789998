"""Fetch: one document per unit and year, over http(s) with httpx's transport or from a folder.

``concurrency`` workers each own one keep-alive connection and take the next unit when they are
free; every request has explicit timeouts and a byte ceiling. The requests go through httpcore, the
connection layer under httpx, driven directly: httpx's client around it (request and response
models, cookie jar, URL merging) made a conditional GET cost ~1.5 times the CPU, and an unchanged
re-run is nothing but conditional GETs (docs/design-notes.md); for the same reason httpcore runs on
asyncio's streams rather than anyio's (tasks/asyncio_backend.py), and a worker holds its HTTP/1.1
connection itself rather than in httpcore's pool (:class:`_Direct`). httpx still parses and joins URLs
(IDNA, percent-encoding) and makes the TLS context. Proxies come from the environment
(``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``), as they did with httpx's client. Transient failures
(timeouts, refused connections, 5xx, 429) are retried with exponential backoff, honouring
``Retry-After``; permanent ones (4xx, too large) are not. Every unit ends as exactly one
:class:`FetchResult`: a failure is data, never an exception that stops the other units.

The byte ceiling counts *decoded* bytes: ``Content-Encoding`` (gzip, deflate) is undone here, a
bounded slice at a time, because an HTTP client inflates each network chunk whole (a few KB of
nested gzip become gigabytes before any check). Redirects are followed to any http(s) host, at most
``max_redirects`` times; a redirect to another scheme (file://, ftp://…) or to a malformed URL is
refused, not retried. Certificates are verified against certifi's authorities, or those of
``SSL_CERT_FILE`` / ``SSL_CERT_DIR``; one that fails is an error at once.
A folder source must be a regular file and is read at most ``max_bytes + 1`` bytes deep.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ssl
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpcore
import httpx

from tasks.asyncio_backend import AsyncioBackend
from tasks.registry import Unit

USER_AGENT = b"juesuan/0.1 (final-accounts collection)"
ACCEPT_ENCODING = b"gzip, deflate"  # exactly what _Decoder undoes
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NETWORK = AsyncioBackend()


@dataclass(frozen=True, slots=True)
class FetchOptions:
    concurrency: int = 32
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 20 * 1024 * 1024
    retries: int = 2
    backoff: float = 0.5
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Previous:
    """What we hold already for a unit and year: lets the server answer 304."""

    sha256: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class FetchResult:
    unit_code: str
    year: int
    url: str
    outcome: str  # ok | not_modified | not_found | http_error | timeout | refused | too_large | error
    started_at: datetime
    elapsed_ms: int
    tries: int = 1
    http_status: int | None = None
    error: str | None = None
    content: bytes | None = None
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    pass


class _NotFollowed(Exception):
    """A redirect this fetcher refuses to follow (the message says why)."""


class _TooManyRedirects(Exception):
    pass


class _Transient(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


def fetch_all(
    units: Sequence[Unit],
    year: int,
    *,
    previous: dict[str, Previous] | None = None,
    options: FetchOptions = FetchOptions(),
    max_documents: int | None = None,
) -> list[FetchResult]:
    """Fetch each unit's document for ``year``; results come back in the order of ``units``.

    With ``max_documents``, no unit is started once that many documents have arrived: the results
    are then for the first units only (a prefix), and hold at most ``max_documents + concurrency - 1``
    documents (those already on their way)."""
    return asyncio.run(fetch_all_async(units, year, previous=previous or {}, options=options,
                                       max_documents=max_documents))


async def fetch_all_async(
    units: Sequence[Unit], year: int, *, previous: dict[str, Previous], options: FetchOptions,
    max_documents: int | None = None,
) -> list[FetchResult]:
    # ``concurrency`` workers, each with ONE connection, take the next unit when free. One shared pool
    # would cost more than the request itself: httpcore matches every waiting request against every
    # connection whenever one frees up (measured on loopback with keep-alive, CPU per 304: 2.1 ms in
    # one pool of 32, 0.71 ms in pools of 8 behind a semaphore, 0.43 ms in a pool of one per worker).
    results: list[FetchResult | None] = [None] * len(units)
    todo = iter(enumerate(units))  # shared: the event loop hands each unit to exactly one worker, in order
    documents = 0

    async def worker() -> None:
        nonlocal documents
        async with contextlib.AsyncExitStack() as stack:
            client: _Client | None = None
            for i, unit in todo:
                if unit.is_url and client is None:  # a folder-only registry opens no connection
                    client = _Client(options)
                    stack.push_async_callback(client.aclose)
                results[i] = result = await _fetch_one(client, unit, year, previous.get(unit.unit_code), options)
                documents += result.content is not None
                if max_documents is not None and documents >= max_documents:
                    return  # the test and taking the next unit are one step of the loop: none starts past the cap

    await asyncio.gather(*(worker() for _ in range(min(options.concurrency, len(units)))))
    # the units handed out are a prefix of ``units``, and each has its result
    return [r for r in results if r is not None]


class _Client:
    """One worker's connection, straight to the server or through the environment's proxy for that
    scheme, and what every request carries (timeouts, User-Agent, Accept-Encoding)."""

    def __init__(self, options: FetchOptions) -> None:
        self.max_redirects = options.max_redirects
        self._timeouts = {"timeout": {"connect": options.connect_timeout, "read": options.read_timeout,
                                      "write": options.read_timeout, "pool": options.read_timeout}}
        self._proxies = urllib.request.getproxies()
        self._via: dict[str, httpcore.AsyncHTTPProxy] = {}
        self._direct: _Direct | None = None

    def _proxy(self, url: httpx.URL) -> httpcore.AsyncHTTPProxy | None:
        proxy = self._proxies.get(url.scheme)
        if not proxy or urllib.request.proxy_bypass(url.host):  # reads NO_PROXY
            return None
        pool = self._via.get(proxy)
        if pool is None:
            via = httpx.URL(proxy)  # a login in the proxy's URL is sent as Proxy-Authorization, not to the proxy's path
            login = (via.username, via.password) if via.username else None
            pool = self._via[proxy] = httpcore.AsyncHTTPProxy(
                proxy_url=httpcore.URL(scheme=via.raw_scheme, host=via.raw_host, port=via.port, target=b"/"),
                proxy_auth=login, ssl_context=_tls(), max_connections=1, network_backend=_NETWORK)
        return pool

    def get(self, url: httpx.URL, headers: list[tuple[bytes, bytes]]) -> AbstractAsyncContextManager[httpcore.Response]:
        target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        head = [(b"Host", url.netloc), (b"User-Agent", USER_AGENT), (b"Accept-Encoding", ACCEPT_ENCODING), *headers]
        proxy = self._proxy(url)
        if proxy is not None:
            return proxy.stream("GET", target, headers=head, extensions=self._timeouts)
        if self._direct is None:
            self._direct = _Direct()
        return self._direct.stream(httpcore.Request("GET", target, headers=head, extensions=self._timeouts))

    async def aclose(self) -> None:
        for pool in self._via.values():
            await pool.aclose()
        if self._direct is not None:
            await self._direct.aclose()


class _Direct:
    """A worker's own HTTP/1.1 connection to the server it is fetching from, kept alive between its
    requests and opened again when the server closed it or the next URL is on another host.

    Not httpcore's connection pool: a pool of one still matched requests against connections,
    and took anyio's locks and cancel scopes on every request (encode/httpx#3215): 10 000 304s cost
    0.37 ms of CPU each through this connection against 0.50 ms through the pool (medians of eight
    rounds in one process, alternating). A worker sends one request at a time: there is nothing to share."""

    def __init__(self) -> None:
        self._origin: httpcore.Origin | None = None
        self._connection: httpcore.AsyncHTTP11Connection | None = None

    @contextlib.asynccontextmanager
    async def stream(self, request: httpcore.Request) -> AsyncIterator[httpcore.Response]:
        response = await self._send(request)
        try:
            yield response
        finally:
            await response.aclose()

    async def _send(self, request: httpcore.Request) -> httpcore.Response:
        origin = request.url.origin
        held = self._connection
        if held is not None and origin == self._origin and held.is_available() and not held.has_expired():
            try:
                return await held.handle_async_request(request)
            except (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError):
                # the server let the idle connection go as it was reused (many do after a few seconds):
                # a GET is sent again at once on a new one, not counted as a try nor backed off
                pass
        fresh = await self._open(origin, request.extensions["timeout"]["connect"])
        return await fresh.handle_async_request(request)

    async def _open(self, origin: httpcore.Origin, timeout: float) -> httpcore.AsyncHTTP11Connection:
        await self.aclose()
        host = origin.host.decode("ascii")
        stream = await _NETWORK.connect_tcp(host, origin.port, timeout=timeout)
        if origin.scheme == b"https":
            stream = await stream.start_tls(_tls(), server_hostname=host, timeout=timeout)
        self._origin = origin
        self._connection = httpcore.AsyncHTTP11Connection(origin=origin, stream=stream)
        return self._connection

    async def aclose(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.aclose()


async def _fetch_one(
    client: _Client | None, unit: Unit, year: int, prev: Previous | None, options: FetchOptions
) -> FetchResult:
    started, t0 = datetime.now(), time.perf_counter()
    try:
        if client is not None and unit.is_url:
            return await _fetch_url(client, unit, year, prev, options)
        return _read_file(unit, year, prev, options)
    except Exception as exc:  # a bug or an odd server must not take the other units down
        ms = int((time.perf_counter() - t0) * 1000)
        return FetchResult(unit.unit_code, year, unit.location(year), "error", started, ms,
                           error=f"{type(exc).__name__} fetching {unit.location(year)}: {exc}")


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: each client would otherwise load the CA bundle again (~30 ms,
    i.e. more than the 304s of a whole batch of unchanged documents). It offers HTTP/1.1 alone
    (ALPN), the only protocol the fetcher's connections speak."""
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _fetch_url(
    client: _Client, unit: Unit, year: int, prev: Previous | None, options: FetchOptions
) -> FetchResult:
    url = unit.location(year)
    started, t0 = datetime.now(), time.perf_counter()
    headers = []
    if prev and prev.etag:
        headers.append((b"If-None-Match", prev.etag.encode("latin-1")))
    if prev and prev.last_modified:
        headers.append((b"If-Modified-Since", prev.last_modified.encode("latin-1")))

    def result(outcome: str, tries: int, **kw: object) -> FetchResult:
        ms = int((time.perf_counter() - t0) * 1000)
        return FetchResult(unit.unit_code, year, url, outcome, started, ms, tries, **kw)  # type: ignore[arg-type]

    tries = 0
    while True:
        tries += 1
        try:
            async with asyncio.timeout(options.total_timeout):
                status, body, resp_headers = await _get(client, url, headers, options.max_bytes)
            if status == 304 and prev:
                return result("not_modified", tries, http_status=304, sha256=prev.sha256,
                              etag=prev.etag, last_modified=prev.last_modified)
            if status >= 500 or status == 429:
                raise _Transient(status, _retry_after(resp_headers.get("retry-after")))
            if status in (404, 410):
                return result("not_found", tries, http_status=status, error=f"HTTP {status}: nothing at {url}")
            if status >= 400:
                return result("http_error", tries, http_status=status, error=f"HTTP {status} from {url}")
            return result("ok", tries, http_status=status, content=body, sha256=hashlib.sha256(body).hexdigest(),
                          etag=resp_headers.get("etag"), last_modified=resp_headers.get("last-modified"))
        except _TooLarge:
            return result("too_large", tries, error=f"{url} is larger than {options.max_bytes} bytes")
        except _Undecodable as exc:
            return result("error", tries, error=f"{url}: {exc}")
        except _NotFollowed as exc:
            return result("http_error", tries, error=f"{url} {exc}")
        except httpx.InvalidURL as exc:
            return result("http_error", tries, error=f"{url} is not a valid URL: {exc}")
        except _Transient as exc:
            if tries > options.retries:
                return result("http_error", tries, http_status=exc.status,
                              error=f"HTTP {exc.status} from {url} after {tries} tries")
            await asyncio.sleep(exc.retry_after if exc.retry_after is not None else options.backoff * 2 ** (tries - 1))
        except (httpcore.TimeoutException, TimeoutError) as exc:
            if tries > options.retries:
                return result("timeout", tries, error=f"timed out fetching {url} ({type(exc).__name__}) after {tries} tries")
            await asyncio.sleep(options.backoff * 2 ** (tries - 1))
        except httpcore.ConnectError as exc:
            cause = exc.__cause__ or exc.__context__  # ssl's error: chained by our backend, or raised during it
            if isinstance(cause, ssl.SSLCertVerificationError):  # a retry would meet the same certificate
                return result("error", tries, error=f"the certificate of {url} is not trusted: "
                                                   f"{cause.verify_message} (SSL_CERT_FILE names other authorities)")
            if tries > options.retries:
                return result("refused", tries, error=f"cannot connect to {url}: {exc}")
            await asyncio.sleep(options.backoff * 2 ** (tries - 1))
        except _TooManyRedirects:
            return result("http_error", tries, error=f"too many redirects from {url}")
        except (httpx.DecodingError, httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError, OSError) as exc:
            if tries > options.retries:
                return result("error", tries, error=f"{type(exc).__name__} fetching {url}: {exc or 'connection closed or reset'} (after {tries} tries)")
            await asyncio.sleep(options.backoff * 2 ** (tries - 1))


async def _get(
    client: _Client, url: str, headers: list[tuple[bytes, bytes]], max_bytes: int
) -> tuple[int, bytes, dict[str, str]]:
    """GET ``url``, following redirects; returns the final status, body and headers (names in lower
    case). The body is streamed so an oversized or endless response is cut at ``max_bytes`` decoded bytes.

    Cookies a redirect sets go back to its host on the following hops: some sites' gateways answer a
    first visit with a cookie and a redirect to the same page. They are not kept beyond the fetch."""
    target = httpx.URL(url)
    cookies: dict[bytes, dict[bytes, bytes]] = {}  # host → name → value
    for _ in range(client.max_redirects + 1):
        jar = cookies.get(target.raw_host)
        sent = [*headers, (b"Cookie", b"; ".join(k + b"=" + v for k, v in jar.items()))] if jar else headers
        async with client.get(target, sent) as resp:
            head = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in resp.headers}
            location = head.get("location") if resp.status in REDIRECTS else None
            if not location:
                return resp.status, await _body(resp, head, max_bytes), head
            cookies.setdefault(target.raw_host, {}).update(_set_cookies(resp.headers))
        target = _redirect(target, location)
    raise _TooManyRedirects


def _set_cookies(headers: list[tuple[bytes, bytes]]) -> Iterator[tuple[bytes, bytes]]:
    """Name and value of each Set-Cookie (its attributes are not needed within one fetch)."""
    for k, v in headers:
        if k.lower() == b"set-cookie":
            name, _, value = v.split(b";", 1)[0].partition(b"=")
            if name.strip():
                yield name.strip(), value.strip()


def _redirect(current: httpx.URL, location: str) -> httpx.URL:
    with contextlib.suppress(UnicodeError):  # header values arrive as latin-1; servers send paths in UTF-8
        location = location.encode("latin-1").decode()
    try:
        target = current.join(location)
    except httpx.InvalidURL as exc:
        raise _NotFollowed(f"redirects to an invalid URL, not followed: {location!r} ({exc})") from None
    if target.scheme not in ("http", "https"):
        raise _NotFollowed(f"redirects to a non-http(s) URL, not followed: {location!r}")
    return target


async def _body(resp: httpcore.Response, head: dict[str, str], max_bytes: int) -> bytes:
    declared = head.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    decoder = _Decoder(head.get("content-encoding"))
    chunks: list[bytes] = []
    room = max_bytes
    async for raw in resp.aiter_stream():
        for piece in decoder.decode(raw, room):
            room -= len(piece)
            chunks.append(piece)
    tail = decoder.finish()
    if len(tail) > room:
        raise _TooLarge
    chunks.append(tail)
    return b"".join(chunks)


class _Decoder:
    """Undo one gzip or deflate Content-Encoding, never producing more than the room left."""

    def __init__(self, header: str | None) -> None:
        codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise _Undecodable(f"stacked Content-Encoding {header!r} refused")
        self.kind = codings[0] if codings else None
        if self.kind not in (None, "gzip", "x-gzip", "deflate"):
            raise _Undecodable(f"unsupported Content-Encoding {header!r}")
        wbits = zlib.MAX_WBITS | 16 if self.kind in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._z = zlib.decompressobj(wbits) if self.kind else None
        self._fresh = True

    def decode(self, data: bytes, room: int) -> list[bytes]:
        """Decoded pieces of ``data``; raises :class:`_TooLarge` once more than ``room`` bytes come out."""
        if self._z is None:
            if len(data) > room:
                raise _TooLarge
            return [data]
        out = []
        while data and not self._z.eof:
            piece = self._inflate(data, room + 1)
            if len(piece) > room:
                raise _TooLarge
            room -= len(piece)
            out.append(piece)
            data = self._z.unconsumed_tail
        return out

    def _inflate(self, data: bytes, limit: int) -> bytes:
        assert self._z is not None
        try:
            piece = self._z.decompress(data, limit)
        except zlib.error as exc:
            if self.kind == "deflate" and self._fresh:  # some servers send raw deflate without the zlib header
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._fresh = False
                return self._inflate(data, limit)
            raise httpx.DecodingError(f"bad {self.kind} body: {exc}") from None
        self._fresh = False
        return piece

    def finish(self) -> bytes:
        if self._z is None:
            return b""
        if not self._z.eof:
            raise httpx.DecodingError(f"truncated {self.kind} body")
        return self._z.flush()


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return min(float(value), 30.0)
    return None


def _read_file(unit: Unit, year: int, prev: Previous | None, options: FetchOptions) -> FetchResult:
    path = Path(unit.location(year))
    started, t0 = datetime.now(), time.perf_counter()

    def result(outcome: str, **kw: object) -> FetchResult:
        ms = int((time.perf_counter() - t0) * 1000)
        return FetchResult(unit.unit_code, year, str(path), outcome, started, ms, **kw)  # type: ignore[arg-type]

    try:
        if not path.is_file():  # a FIFO or a device (/dev/zero) would block or never end
            if not path.exists():
                raise FileNotFoundError(path)
            return result("error", error=f"{path} is not a regular file")
        with path.open("rb") as fh:  # read at most one byte past the limit, whatever stat said
            body = fh.read(options.max_bytes + 1)
        if len(body) > options.max_bytes:
            return result("too_large", error=f"{path} is larger than {options.max_bytes} bytes")
    except FileNotFoundError:
        return result("not_found", error=f"no file {path}")
    except OSError as exc:
        return result("error", error=f"cannot read {path}: {exc}")
    digest = hashlib.sha256(body).hexdigest()
    if prev and prev.sha256 == digest:
        return result("not_modified", sha256=digest)
    return result("ok", content=body, sha256=digest)
