"""Fetch: one document per unit and year, over http(s) with httpx or from a folder.

Concurrency is bounded by a semaphore and by ``httpx.Limits``; every request has explicit
timeouts and a byte ceiling. Transient failures (timeouts, refused connections, 5xx, 429) are
retried with exponential backoff, honouring ``Retry-After``; permanent ones (4xx, too large) are
not. Every unit ends as exactly one :class:`FetchResult`: a failure is data, never an exception
that stops the other units.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from tasks.registry import Unit

USER_AGENT = "juesuan/0.1 (final-accounts collection)"


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
) -> list[FetchResult]:
    """Fetch every unit's document for ``year``; results come back in the order of ``units``."""
    return asyncio.run(fetch_all_async(units, year, previous=previous or {}, options=options))


async def fetch_all_async(
    units: Sequence[Unit], year: int, *, previous: dict[str, Previous], options: FetchOptions
) -> list[FetchResult]:
    limits = httpx.Limits(max_connections=options.concurrency, max_keepalive_connections=options.concurrency)
    timeout = httpx.Timeout(options.read_timeout, connect=options.connect_timeout)
    gate = asyncio.Semaphore(options.concurrency)
    async with httpx.AsyncClient(
        limits=limits,
        timeout=timeout,
        follow_redirects=True,
        max_redirects=options.max_redirects,
        headers={"User-Agent": USER_AGENT},
    ) as client:

        async def one(unit: Unit) -> FetchResult:
            async with gate:
                if unit.is_url:
                    return await _fetch_url(client, unit, year, previous.get(unit.unit_code), options)
                return _read_file(unit, year, previous.get(unit.unit_code), options)

        return list(await asyncio.gather(*(one(u) for u in units)))


async def _fetch_url(
    client: httpx.AsyncClient, unit: Unit, year: int, prev: Previous | None, options: FetchOptions
) -> FetchResult:
    url = unit.location(year)
    started, t0 = datetime.now(), time.perf_counter()
    headers = {}
    if prev and prev.etag:
        headers["If-None-Match"] = prev.etag
    if prev and prev.last_modified:
        headers["If-Modified-Since"] = prev.last_modified

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
        except _Transient as exc:
            if tries > options.retries:
                return result("http_error", tries, http_status=exc.status,
                              error=f"HTTP {exc.status} from {url} after {tries} tries")
            await asyncio.sleep(exc.retry_after if exc.retry_after is not None else options.backoff * 2 ** (tries - 1))
        except (httpx.TimeoutException, TimeoutError) as exc:
            if tries > options.retries:
                return result("timeout", tries, error=f"timed out fetching {url} ({type(exc).__name__}) after {tries} tries")
            await asyncio.sleep(options.backoff * 2 ** (tries - 1))
        except httpx.ConnectError as exc:
            if tries > options.retries:
                return result("refused", tries, error=f"cannot connect to {url}: {exc}")
            await asyncio.sleep(options.backoff * 2 ** (tries - 1))
        except httpx.TooManyRedirects:
            return result("http_error", tries, error=f"too many redirects from {url}")
        except (httpx.HTTPError, OSError) as exc:
            if tries > options.retries:
                return result("error", tries, error=f"{type(exc).__name__} fetching {url}: {exc}")
            await asyncio.sleep(options.backoff * 2 ** (tries - 1))


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int
) -> tuple[int, bytes, httpx.Headers]:
    """Stream the body so an oversized or endless response is cut at ``max_bytes``."""
    async with client.stream("GET", url, headers=headers) as resp:
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _TooLarge
        chunks, size = [], 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return resp.status_code, b"".join(chunks), resp.headers


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
        if path.stat().st_size > options.max_bytes:
            return result("too_large", error=f"{path} is larger than {options.max_bytes} bytes")
        body = path.read_bytes()
    except FileNotFoundError:
        return result("not_found", error=f"no file {path}")
    except OSError as exc:
        return result("error", error=f"cannot read {path}: {exc}")
    digest = hashlib.sha256(body).hexdigest()
    if prev and prev.sha256 == digest:
        return result("not_modified", sha256=digest)
    return result("ok", content=body, sha256=digest)
