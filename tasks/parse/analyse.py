"""The format-independent part of parsing: one text in, a :class:`ParsedDocument` out."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from tasks.model import Figure, ParsedDocument
from tasks.parse.counts import extract_counts
from tasks.parse.meta import doc_year, unit_name
from tasks.parse.narrative import SENTENCE, extract_figures
from tasks.parse.normalise import BOUNDARY, build_compact, clean_text, fold
from tasks.parse.perf import extract_perf_projects
from tasks.parse.sections import find_sections

# Bump on any change that alters what is extracted from the same bytes.
PARSER_VERSION = "1.1.2"


def _non_blank(lines: list[str]) -> Iterator[str]:
    return (ln for ln in lines if ln and not ln.isspace())


def analyse_text(
    text: str,
    *,
    fmt: str,
    encoding: str | None,
    table_figures: list[Figure] | None = None,
    tables: list[str] | None = None,
    warnings: list[str] | None = None,
    raw: bool = False,
) -> ParsedDocument:
    """``raw=True``: ``text`` is already clean and table spans point into it; don't touch it."""
    if not raw:
        text = clean_text(text)
    folded = fold(text)
    compact = build_compact(text, folded)
    sections, skip = find_sections(text, folded)
    cskip = [(compact.to_compact(a), compact.to_compact(b)) for a, b in skip]
    year = doc_year(compact.text.split(BOUNDARY, 60)[:60], compact.text)
    figures = extract_figures(compact, text, year, cskip)
    figures.extend(extract_counts(compact, text, cskip))
    figures.sort(key=lambda f: f.span)
    if table_figures:
        figures = table_figures + figures
    # the first 40 non-blank lines, whitespace removed (str.split() and \\s agree on whitespace)
    head = ["".join(ln.split()) for ln in islice(_non_blank(folded.split("\n", 80)[:80]), 40)]
    sentences = (m.group() for m in SENTENCE.finditer(compact.text))  # read only if the title has no name
    unit = unit_name(head, sentences, text)
    return ParsedDocument(
        format=fmt,
        encoding=encoding,
        parser_version=PARSER_VERSION,
        text=text,
        unit_name=unit,
        year=year,
        figures=figures,
        sections=sections,
        perf_projects=extract_perf_projects(folded),
        tables=list(tables or []),
        warnings=list(warnings or []),
    )
