"""DOCX → text (paragraphs, and tables flattened one cell per tab) plus standard-table figures.

The ZIP is checked before python-docx inflates it (see :func:`sniff.check_zip`); python-docx
parses the XML itself.
"""

from __future__ import annotations

import io
from typing import Any

from tasks.model import ParsedDocument, ParseError
from tasks.parse.sniff import check_zip
from tasks.parse.tables import Grid, grids_to_document


def _rows(table: Any) -> Grid:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # python-docx repeats a horizontally merged cell once per grid column: keep one
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append(cells)
    return rows


def parse_docx(data: bytes) -> ParsedDocument:
    check_zip(data)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError/ValueError/lxml errors on broken files
        raise ParseError(f"unreadable DOCX: {e}") from e
    blocks: list[str | tuple[str, Grid]] = []
    paragraphs: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs.append(Paragraph(child, document).text)
        elif tag == "tbl":
            if paragraphs:
                blocks.append("\n".join(paragraphs))
                paragraphs = []
            blocks.append(("", _rows(Table(child, document))))
    if paragraphs:
        blocks.append("\n".join(paragraphs))
    if not any((b if isinstance(b, str) else "x").strip() for b in blocks):
        raise ParseError("DOCX has no text")
    return grids_to_document(blocks, fmt="docx", encoding=None)
