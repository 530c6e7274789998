"""XLSX workbooks written as SpreadsheetML parts in a ZIP container, for the feedback workbooks
(``expectations.feedback``) and the publication workbook (``tasks.publish_formats``).

xlsxwriter cost ~2 ms a feedback workbook, most of the report stage at 10 000 units, rebuilding
and recompressing the same styles, theme and properties for every unit; and ~11 s for the
publication workbook of 10 000 units: 4.8 s of a Python call per cell, 5.5 s closing the zip. Here
the parts that do not change are made once (:func:`package`), a small workbook is
joined in memory from parts (:func:`zip_bytes`), and a large one streams each sheet's rows,
however they are made (the publication builds them in DuckDB: :func:`row_sql`), deflated into the
file (:func:`write`). The fixed parts are in ``templates/xlsx/`` (as xlsxwriter writes them, with
its default theme). Each workbook is read back with openpyxl in the tests.

Every string is a string cell, never a formula, number or link, whatever it looks like
("=HYPERLINK(…)" stays text): unit text is untrusted. Text is escaped as xlsxwriter does it, by
:func:`text` alone; the SQL of :func:`text_sql` hands it the rare string that needs more than
copying.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, lru_cache
from itertools import chain, groupby, islice, product
from operator import itemgetter
from pathlib import Path
from string import ascii_uppercase
from typing import Literal
from xml.sax.saxutils import escape

import duckdb
from duckdb.sqltypes import VARCHAR
from xlsxwriter.theme import THEME_XML_2007

TEMPLATES = Path(__file__).parent / "templates" / "xlsx"
MAX_ROWS = 1_048_576  # a sheet's, in Excel
MAX_CELL = 32767  # UTF-16 units Excel holds in a cell
COLUMNS = tuple("".join(p) for n in (1, 2, 3) for p in product(ascii_uppercase, repeat=n))[:16384]  # A … XFD

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{n}">'
_CUSTOM_FORMATS = 164  # the first number format id free for a workbook's own format codes


# --- text ---------------------------------------------------------------------------------------
# Excel writes a control character as _xHHHH_, and so escapes the "_" of a literal _xHHHH_; a text
# that starts or ends with a space (str.isspace(), but for what is escaped) must say to keep it.
# The patterns read the same to Python's re and to DuckDB's RE2, which checks _SPECIAL in text_sql.
_EXCEL_ESCAPED = r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b-\x1f" "\ufffe\uffff" "]"
_SPACE = "[ \t\n\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"
_SPECIAL = f"[&<>]|{_EXCEL_ESCAPED}|{_EDGE_SPACE}"  # a string with none of these is its own XML text
_EXCEL_ESCAPE, _EDGE, _NEEDS_WORK = map(re.compile, (_EXCEL_ESCAPED, _EDGE_SPACE, _SPECIAL))
SQL_TEXT = "xlsx_text"  # text() as DuckDB calls it (sql_text)


def _excel_escape(match: re.Match[str]) -> str:
    found = match.group()
    return f"_x005F{found}" if len(found) > 1 else f"_x{ord(found):04X}_"


@lru_cache(maxsize=16384)  # titles, fixes, statuses and headers recur in every workbook
def text(value: str) -> str:
    """``<t>value</t>``, escaped for XML and for Excel, cut to what a cell holds without splitting a
    character."""
    if len(value) > MAX_CELL // 2 and len(utf16 := value.encode("utf-16-le")) > 2 * MAX_CELL:
        value = utf16[: 2 * MAX_CELL].decode("utf-16-le", "ignore")
    if not _NEEDS_WORK.search(value):
        return f"<t>{value}</t>"
    value = _EXCEL_ESCAPE.sub(_excel_escape, value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return f'<t xml:space="preserve">{value}</t>' if _EDGE.search(value) else f"<t>{value}</t>"


def text_sql(value: str) -> str:
    """SQL making :func:`text` of an SQL expression. DuckDB copies the usual string itself and calls
    ``text()`` back (:func:`sql_text`) only for one with something to escape or keep, or long enough
    (in bytes) that it may need cutting."""
    v = f"({value})::varchar"
    return (f"case when strlen({v}) > {MAX_CELL} or regexp_matches({v}, {_sql_string(_SPECIAL)}) "
            f"then {SQL_TEXT}({v}) else '<t>' || {v} || '</t>' end")


@contextmanager
def sql_text(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """While open, ``con`` runs the SQL of :func:`text_sql`."""
    con.create_function(SQL_TEXT, text, [VARCHAR], VARCHAR, side_effects=False)
    try:
        yield
    finally:
        con.remove_function(SQL_TEXT)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _optional(**attributes: object) -> str:
    """XML attributes, those with a false value left out."""
    return "".join(f' {name}="{value}"' for name, value in attributes.items() if value)


# --- cells and rows -----------------------------------------------------------------------------
# A cell is made without its reference (row() adds <c r="A1"), so the row repeated for each quote
# of a feedback issue builds its cells once. In SQL as in Python, a null cell is left out.
Kind = Literal["text", "number", "boolean"]
_CELL = {  # a cell's XML after its reference and style: up to its value, and after it
    "text": (' t="inlineStr"><is>', "</is></c>"),
    "number": ("><v>", "</v></c>"),
    "boolean": (' t="b"><v>', "</v></c>"),
}


def _style(style: int) -> str:
    return f' s="{style}"' if style else ""


def inline_strings(values: Iterable[str], style: int = 0) -> list[str]:
    """String cells holding their text."""
    head, tail = _CELL["text"]
    styled = _style(style) + head
    return [f"{styled}{text(v)}{tail}" for v in values]


def numbers(values: Iterable[Decimal | float | None], style: int = 0) -> list[str | None]:
    """Number cells (None where there is none). An XLSX number is a double, whatever the source."""
    head, tail = _CELL["number"]
    styled = _style(style) + head
    return [None if v is None else f"{styled}{float(v):.16G}{tail}" for v in values]


def row(r: int, cells: Iterable[str | None]) -> str:
    """Row ``r`` (1-based) of cells from column A on; a None cell is left out."""
    body = "".join(f'<c r="{COLUMNS[i]}{r}"{cell}' for i, cell in enumerate(cells) if cell is not None)
    return f'<row r="{r}">{body}</row>'


def cell_sql(kind: Kind, value: str, style: int = 0) -> str:
    """SQL making the cell of an SQL expression as the Python cells are (null for a null value)."""
    content = {"text": text_sql, "number": "({})::varchar".format, "boolean": "({})::integer".format}[kind](value)
    head, tail = _CELL[kind]
    return f"{_sql_string(_style(style) + head)} || {content} || {_sql_string(tail)}"


def row_sql(number: str, cells: Sequence[str]) -> str:
    """SQL making row ``number`` (an SQL expression, a varchar) of :func:`cell_sql` cells, as
    :func:`row` does. One concat() a row: building it from || pairs cost twice the time."""
    refs = ", ".join(f"""'<c r="{COLUMNS[i]}' || {number} || '"' || {cell}""" for i, cell in enumerate(cells))
    return f"""concat('<row r="', {number}, '">', {refs}, '</row>')"""


class SharedStrings:
    """A workbook's shared strings (``xl/sharedStrings.xml``): each distinct string once, however
    many rows repeat it. ``first`` (the column headers) take the first indices in every workbook."""

    def __init__(self, first: tuple[str, ...]) -> None:
        self._first = first
        self._index = {value: i for i, value in enumerate(first)}

    def cells(self, values: Iterable[str], style: int = 0) -> list[str]:
        styled = _style(style)
        index = self._index
        return [f'{styled} t="s"><v>{index.setdefault(v, len(index))}</v></c>' for v in values]

    def part(self) -> Part:
        rest = "".join(f"<si>{text(v)}</si>" for v in islice(self._index, len(self._first), None))
        return part("xl/sharedStrings.xml", f"{_XML_HEAD}{_SST.format(n=len(self._index))}{_items(self._first)}"
                                            f"{rest}</sst>", deflate=False)


@cache
def _items(values: tuple[str, ...]) -> str:
    return "".join(f"<si>{text(v)}</si>" for v in values)


# --- styles and sheets --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Style:
    """A cell format; a workbook's are numbered from 1 in the order given to it (0: Excel's own)."""

    bold: bool = False
    fill: str | None = None  # ARGB of a solid fill
    border: bool = False  # thin, all round
    number_format: int | str = 0  # a built-in format's id, or a format code
    vertical: str | None = None  # alignment
    wrap: bool = False


def _styles(styles: Sequence[Style]) -> str:
    codes = list(dict.fromkeys(s.number_format for s in styles if isinstance(s.number_format, str)))
    fills = list(dict.fromkeys(s.fill for s in styles if s.fill))
    num_fmts = "".join(f'<numFmt numFmtId="{_CUSTOM_FORMATS + i}" formatCode="{_attr(code)}"/>'
                       for i, code in enumerate(codes))
    xfs = []
    for s in styles:
        number = _CUSTOM_FORMATS + codes.index(s.number_format) if isinstance(s.number_format, str) else s.number_format
        font, fill, border = int(s.bold), fills.index(s.fill) + 2 if s.fill else 0, int(s.border)
        alignment = _optional(vertical=s.vertical, wrapText=int(s.wrap))
        applied = _optional(applyNumberFormat=int(number > 0), applyFont=font, applyFill=int(fill > 0),
                            applyBorder=border, applyAlignment=int(bool(alignment)))
        xfs.append(f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"{applied}'
                   + (f"><alignment{alignment}/></xf>" if alignment else "/>"))
    return _template("styles.xml").format(
        num_fmts=f'<numFmts count="{len(codes)}">{num_fmts}</numFmts>' if codes else "",
        fill_count=2 + len(fills), xf_count=1 + len(styles), xfs="".join(xfs),
        fills="".join(f'<fill><patternFill patternType="solid"><fgColor rgb="{f}"/><bgColor indexed="64"/>'
                      "</patternFill></fill>" for f in fills))


@dataclass(frozen=True, slots=True)
class Column:
    width: float | None = None  # in characters, as typed in Excel; None: Excel's default
    style: int = 0  # the format of its cells that have none of their own


@dataclass(frozen=True, slots=True)
class Sheet:
    """A worksheet's name and layout: all of its XML but the rows."""

    name: str
    columns: tuple[Column, ...]  # every column it has
    frozen_rows: int = 0  # rows that stay in view while the rest scrolls
    filter_to: int = 0  # the last row of an autofilter whose buttons are on row 1; 0: none

    @property
    def last_column(self) -> str:
        return COLUMNS[len(self.columns) - 1]


def _width(width: float) -> float:
    # what Excel stores for a width typed in characters: 7-pixel digits, 5 pixels of padding, in
    # 1/256 of a character (as xlsxwriter computes it)
    return int((int(width * 7 + 0.5) + 5) * 256 / 7) / 256


@lru_cache(maxsize=64)
def _layout(sheet: Sheet, selected: bool) -> tuple[str, str]:
    """The sheet's XML before its rows (``{last_row}`` still to fill) and after them."""
    runs = [(c, [i for i, _ in run]) for c, run in groupby(enumerate(sheet.columns, start=1), key=itemgetter(1))]
    cols = "".join(
        f'<col min="{span[0]}" max="{span[-1]}"{attrs}/>' for c, span in runs  # a <col> for alike neighbours
        if (attrs := _optional(width=c.width and _width(c.width), style=c.style, customWidth=int(bool(c.width))))
    )
    top = f"A{sheet.frozen_rows + 1}"
    pane = (f'<pane ySplit="{sheet.frozen_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>') if sheet.frozen_rows else ""
    head, tail = _template("sheet.xml").split("{rows}")
    return (head.format(last_column=sheet.last_column, last_row="{last_row}", selected=' tabSelected="1"' * selected,
                        pane=pane, cols=f"<cols>{cols}</cols>" if cols else ""),
            tail.format(auto_filter=f'<autoFilter ref="A1:{sheet.last_column}{sheet.filter_to}"/>'
                        if sheet.filter_to else ""))


def _sheet_xml(index: int, sheet: Sheet, last_row: int) -> tuple[str, str]:
    head, tail = _layout(sheet, index == 1)  # the first sheet is the one open
    return head.replace("{last_row}", str(last_row)), tail


def sheet_path(index: int) -> str:
    return f"xl/worksheets/sheet{index}.xml"


def sheet_part(index: int, sheet: Sheet, rows: Iterable[str], last_row: int, *, deflate: bool) -> Part:
    """Worksheet ``index`` (1-based) of a workbook, its rows ending at ``last_row``."""
    head, tail = _sheet_xml(index, sheet, last_row)
    return part(sheet_path(index), f"{head}{''.join(rows)}{tail}", deflate=deflate)


# --- the package --------------------------------------------------------------------------------
@cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def package(sheets: Sequence[Sheet], styles: Sequence[Style], created: datetime, *,
            shared_strings: bool = False) -> tuple[Part, ...]:
    """Every part of a workbook of ``sheets`` but the sheets and shared strings."""
    n = len(sheets)
    listed = "".join(f'<sheet name="{_attr(s.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1))
    # the hidden name Excel gives each filter's range (xlsxwriter writes it too)
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted(s.name))}!$A$1:${s.last_column}${s.filter_to}</definedName>"
        for i, s in enumerate(sheets) if s.filter_to
    )
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
    return (
        part("[Content_Types].xml", _template("content_types.xml").format(
            sheets="".join(f'<Override PartName="/{sheet_path(i)}" ContentType="{_SHEET_TYPE}"/>' for i in range(1, n + 1)),
            shared_strings=f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_TYPE}"/>' * shared_strings)),
        part("_rels/.rels", _template("rels.xml")),
        part("docProps/app.xml", _template("app.xml").format(
            count=n, titles="".join(f"<vt:lpstr>{escape(s.name)}</vt:lpstr>" for s in sheets))),
        part("docProps/core.xml", _template("core.xml").format(
            created=created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))),
        part("xl/_rels/workbook.xml.rels", _template("workbook.xml.rels").format(
            sheets=rels, theme=n + 1, styles=n + 2,
            shared_strings=f'<Relationship Id="rId{n + 3}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            * shared_strings)),
        part("xl/workbook.xml", _template("workbook.xml").format(
            sheets=listed, defined_names=f"<definedNames>{filters}</definedNames>" if filters else "")),
        part("xl/styles.xml", _styles(styles)),
        part("xl/theme/theme1.xml", THEME_XML_2007),
    )


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def write(path: Path, sheets: Sequence[tuple[Sheet, int, Iterable[str]]], styles: Sequence[Style],
          created: datetime) -> None:
    """A workbook of ``sheets``: each its layout, its last row, and its rows' XML, deflated into the
    file as they come, so a sheet never sits whole in memory."""
    with zipfile.ZipFile(path, "w", compresslevel=_STREAM_LEVEL) as book:
        for p in package([sheet for sheet, _, _ in sheets], styles, created):
            _add(book, p)
        for i, (sheet, last_row, rows) in enumerate(sheets, start=1):
            head, tail = _sheet_xml(i, sheet, last_row)
            info = zipfile.ZipInfo(sheet_path(i), date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with book.open(info, "w", force_zip64=True) as member:
                for xml in chain((head,), rows, (tail,)):
                    member.write(xml.encode())


def zip_bytes(parts: Iterable[Part], *, base: bytes = b"") -> bytes:
    """A small workbook's file, in memory: the members of ``base`` (a ZIP from this function), then
    ``parts``. A run's feedback workbooks share eight parts: zipped once as their base, they are not
    deflated again for each workbook, which made the ZIP 0.8 ms of a workbook instead of 0.2 ms."""
    out = io.BytesIO(base)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a" if base else "w", compresslevel=_STREAM_LEVEL) as book:
        for p in parts:
            _add(book, p)
    return out.getvalue()


# --- the ZIP container --------------------------------------------------------------------------
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # as xlsxwriter stamps its members: the same sheet, the same bytes
_STREAM_LEVEL = 1  # a sheet deflated as it streams: a file ~30 % larger than level 6's in a third of the time


@dataclass(frozen=True, slots=True)
class Part:
    """One ZIP member: its name, its bytes, and whether to deflate them."""

    name: str
    data: bytes
    deflate: bool


def part(name: str, xml: str, *, deflate: bool = True) -> Part:
    """A member. A feedback workbook's own sheets are stored: deflating them doubled the CPU of its
    workbook, which stored is ~16 KB against ~12 KB from xlsxwriter."""
    return Part(name, xml.encode("utf-8"), deflate)


def _add(book: zipfile.ZipFile, p: Part) -> None:
    info = zipfile.ZipInfo(p.name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if p.deflate else zipfile.ZIP_STORED
    book.writestr(info, p.data)
