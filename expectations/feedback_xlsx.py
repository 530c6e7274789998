"""The feedback workbook (``<unit>.xlsx``), written as SpreadsheetML parts in a ZIP container.

xlsxwriter spent ~2 ms a workbook, most of the report stage at 10 000 units, rebuilding and
recompressing the same styles, theme and properties for every unit. Here the parts that never
change (``templates/xlsx/``: the parts xlsxwriter wrote for this workbook, and its default theme)
are compressed once per run, units with the same verdicts share one compressed rules sheet, and a
unit costs only its problem sheet and its shared strings. Every string cell is text, never a
formula, number or link: unit text is untrusted.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, lru_cache
from itertools import islice
from pathlib import Path

from xlsxwriter.theme import THEME_XML_2007

XLSX_TEMPLATES = Path(__file__).parent / "templates" / "xlsx"
# cell formats, as indexed in templates/xlsx/styles.xml
BOLD, WRAP, MONEY = 1, 2, 3

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{n}">'
_DOS_DATE = (1 << 5) | 1  # 1980-01-01 00:00, as xlsxwriter stamps its members
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHI")  # then the local header's offset (_OFFSET) and the name
_OFFSET = struct.Struct("<I")
_END = struct.Struct("<IHHHHIIH")
# Excel's own escape: a control character becomes _xHHHH_, so a literal _xHHHH_ gets its "_" escaped
_EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_MAX_CELL = 32767  # UTF-16 units Excel accepts in a cell


@dataclass(frozen=True, slots=True)
class Part:
    """One ZIP member, deflated or stored, with its local header and the start of its central
    directory entry (all but the offset) made once: the static parts go into every workbook."""

    name: bytes
    data: bytes
    local: bytes
    central: bytes


def part(name: str, xml: str, *, deflate: bool = True) -> Part:
    """A member. A unit's own parts are stored: deflating them doubled the CPU of its workbook,
    which stored is ~16 KB against ~12 KB from xlsxwriter."""
    raw = xml.encode("utf-8")
    data = raw
    if deflate:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = packer.compress(raw) + packer.flush()
    encoded = name.encode("ascii")
    fields = (20, 0, zlib.DEFLATED if deflate else 0, 0, _DOS_DATE, zlib.crc32(raw), len(data), len(raw), len(encoded))
    return Part(encoded, data, _LOCAL.pack(0x04034B50, *fields, 0) + encoded,
                _CENTRAL.pack(0x02014B50, 20, *fields, 0, 0, 0, 0, 0))


@cache
def _template(name: str) -> str:
    return (XLSX_TEMPLATES / name).read_text(encoding="utf-8")


def static_parts(created: datetime) -> tuple[Part, ...]:
    """Every part but the sheets and the shared strings, compressed once per run."""
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        part("[Content_Types].xml", _template("content_types.xml")),
        part("_rels/.rels", _template("rels.xml")),
        part("docProps/app.xml", _template("app.xml")),
        part("docProps/core.xml", _template("core.xml").replace("{created}", stamp)),
        part("xl/_rels/workbook.xml.rels", _template("workbook.xml.rels")),
        part("xl/workbook.xml", _template("workbook.xml")),
        part("xl/styles.xml", _template("styles.xml")),
        part("xl/theme/theme1.xml", THEME_XML_2007),
    )


def zip_bytes(parts: Sequence[Part]) -> bytes:
    """The workbook file: the parts, then the ZIP central directory."""
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for p in parts:
        central += (p.central, _OFFSET.pack(offset), p.name)
        chunks += (p.local, p.data)
        offset += len(p.local) + len(p.data)
    directory = b"".join(central)
    chunks += (directory, _END.pack(0x06054B50, 0, 0, len(parts), len(parts), len(directory), offset, 0))
    return b"".join(chunks)


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    return f"_x005F{found}" if len(found) > 1 else f"_x{ord(found):04X}_"


@lru_cache(maxsize=16384)  # titles, fixes, statuses and headers recur in every workbook
def _text(value: str) -> str:
    """``<t>value</t>``, escaped for XML and for Excel, cut to what a cell holds."""
    if len(value) > _MAX_CELL // 2 and len(value.encode("utf-16-le")) > 2 * _MAX_CELL:
        value = value.encode("utf-16-le")[: 2 * _MAX_CELL].decode("utf-16-le", "ignore")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _EXCEL_ESCAPE.search(value):
        value = _EXCEL_ESCAPE.sub(_escape, value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f"<t{space}>{value}</t>"


# A cell is made without its reference (row() adds <c r="A1"), so the row repeated for each quote
# of an issue builds its cells once.
def inline_strings(values: Iterable[str], style: int = 0) -> list[str]:
    """String cells holding their text (for a sheet shared between workbooks)."""
    styled = f' s="{style}"' if style else ""
    return [f'{styled} t="inlineStr"><is>{_text(v)}</is></c>' for v in values]


def numbers(values: Iterable[Decimal | None], style: int) -> list[str | None]:
    """Number cells (None where there is no number): display only, the warehouse keeps the Decimal."""
    return [None if v is None else f' s="{style}"><v>{float(v):.16G}</v></c>' for v in values]


def row(r: int, cells: Iterable[tuple[str, str | None]]) -> str:
    """Row ``r`` (1-based) of (column letter, cell) pairs; a None cell is left out."""
    body = "".join(f'<c r="{col}{r}"{cell}' for col, cell in cells if cell is not None)
    return f'<row r="{r}">{body}</row>'


class SharedStrings:
    """A workbook's shared strings (``xl/sharedStrings.xml``): each distinct string once, however
    many rows repeat it. ``first`` (the column headers) take the first indices in every workbook."""

    def __init__(self, first: tuple[str, ...]) -> None:
        self._first = first
        self._index = {value: i for i, value in enumerate(first)}

    def cells(self, values: Iterable[str], style: int = 0) -> list[str]:
        styled = f' s="{style}"' if style else ""
        index = self._index
        return [f'{styled} t="s"><v>{index.setdefault(v, len(index))}</v></c>' for v in values]

    def part(self) -> Part:
        rest = "".join(f"<si>{_text(v)}</si>" for v in islice(self._index, len(self._first), None))
        return part("xl/sharedStrings.xml", f"{_XML_HEAD}{_SST.format(n=len(self._index))}{_items(self._first)}"
                    f"{rest}</sst>", deflate=False)


@cache
def _items(values: tuple[str, ...]) -> str:
    return "".join(f"<si>{_text(v)}</si>" for v in values)


def sheet(index: int, rows: Sequence[str], last_row: int, *, deflate: bool) -> Part:
    """Worksheet ``index`` (1: the problems, 2: every rule) from ``templates/xlsx/sheet<index>.xml``."""
    xml = _template(f"sheet{index}.xml").replace("{last_row}", str(last_row)).replace("{rows}", "".join(rows))
    return part(f"xl/worksheets/sheet{index}.xml", xml, deflate=deflate)
