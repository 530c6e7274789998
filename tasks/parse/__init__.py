"""Document bytes → :class:`~tasks.model.ParsedDocument`.

Map of the package:

- :mod:`.sniff`      format and encoding from the bytes (never from the name or URL)
- :mod:`.normalise`  ``doc.text`` clean-up and the compact view extractors match on
- :mod:`.narrative`  "label … number unit" figures and their year-over-year companions
- :mod:`.lexicon`    the declarative wording → key table behind :mod:`.narrative`
- :mod:`.counts`     三公 counts, asset counts, performance counts
- :mod:`.perf`       project performance self-evaluation tables (tab- or ``|``-flattened)
- :mod:`.sections`   headings, section ids, and ranges figures must not come from
- :mod:`.meta`       unit name and year
- :mod:`.html`, :mod:`.docx`, :mod:`.pdf`, :mod:`.tables`  format front-ends
- :mod:`.output`     the stable ``juesuan parse --json`` shape

Everything funnels into :func:`parse_text`-style analysis of one text (plus, for spreadsheets
and documents with real tables, figures read from standard table cells).
"""

from __future__ import annotations

from tasks.model import ParsedDocument, ParseError
from tasks.parse.analyse import PARSER_VERSION, analyse_text
from tasks.parse.output import to_json
from tasks.parse.sniff import parse_bytes

__all__ = ["PARSER_VERSION", "ParseError", "parse_bytes", "parse_text", "to_json"]


def parse_text(text: str) -> ParsedDocument:
    """Parse narrative text that is already decoded (``format="text"``, ``encoding=None``)."""
    return analyse_text(text, fmt="text", encoding=None)
