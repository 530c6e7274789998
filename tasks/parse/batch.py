"""Parse a batch of fetched documents; one document's failure is an outcome, not an exception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tasks.model import ParsedDocument, ParseError


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    sha256: str
    document: ParsedDocument | None
    error: str | None = None


def parse_batch(items: Iterable[tuple[str, bytes, str]]) -> list[ParseOutcome]:
    """``items`` are (sha256, bytes, name) where name says which unit and file, for the error text."""
    from tasks.parse import parse_bytes

    out = []
    for sha256, data, name in items:
        try:
            out.append(ParseOutcome(sha256, parse_bytes(data, name=name)))
        except ParseError as exc:
            out.append(ParseOutcome(sha256, None, f"{name}: {exc}"))
        except Exception as exc:  # a parser bug on one document must not stop the batch: record it
            out.append(ParseOutcome(sha256, None, f"{name}: parser failed ({type(exc).__name__}: {exc})"))
    return out
