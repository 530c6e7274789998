"""Bytes → format and text. Decided from the bytes, never from a file name or URL.

Encodings: a BOM settles it (UTF-8, UTF-16 LE/BE); valid UTF-8 is UTF-8; valid GB18030 in which
a disclosure's words appear is GB18030 (:func:`_as_gb18030`); otherwise charset-normalizer picks,
and any Chinese legacy guess (GB2312/GBK/GB18030/HZ) is decoded as GB18030, their superset. Text
that decodes only to control characters is binary junk.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from tasks.model import ParsedDocument, ParseError
from tasks.parse.analyse import analyse_text

MAX_ZIP_TOTAL = 200 * 1024 * 1024  # uncompressed bytes we are willing to inflate
MAX_ZIP_RATIO = 200  # per member; real DOCX/XLSX XML compresses ~10-30x
MAX_ZIP_MEMBERS = 5000

# matched on the decoded text: a UTF-16 page has NULs between the ASCII bytes of its tags
_HTML = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|meta|div|p|table|span|title)[\s>/]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_CHINESE_LEGACY = re.compile(r"gb|hz|cp936|big5", re.IGNORECASE)
_DISCLOSURE_WORDS = re.compile("决算|预算|支出|收入|财政")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode document bytes; returns (text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    gb = _as_gb18030(data)
    if gb is not None:
        return gb, "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    enc = best.encoding if best else None
    if enc is None or _CHINESE_LEGACY.search(enc):
        enc = "gb18030"
    tried = ["utf-8"]
    reason = "not decodable"
    for candidate in dict.fromkeys([enc, "gb18030"]):  # the detected one, then gb18030 (once)
        tried.append(candidate)
        try:
            return data.decode(candidate), candidate
        except LookupError:
            continue
        except UnicodeDecodeError as e:
            reason = e.reason
    raise ParseError(f"cannot decode text (tried {', '.join(tried)}): {reason}")


def _as_gb18030(data: bytes) -> str | None:
    """The text, when the bytes are strict GB18030 and the words of a final-accounts disclosure
    appear in it; None leaves the choice to charset-normalizer.

    Nearly every legacy-encoded disclosure is GB2312/GBK/GB18030, and charset-normalizer took
    1.7 ms to say so (~6 % of the benchmark's parse CPU). Bytes of another double-byte encoding
    (Big5, EUC-KR) often decode as GB18030 too, but into unrelated characters: those words are
    what tells the two apart."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return text if _DISCLOSURE_WORDS.search(text, 0, 20000) else None


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open a ZIP container defensively: refuse archives that would inflate beyond our limits."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except zipfile.BadZipFile as e:
        raise ParseError(f"corrupt ZIP container: {e}") from e
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ParseError(f"ZIP container has {len(infos)} members (limit {MAX_ZIP_MEMBERS})")
    total = sum(i.file_size for i in infos)
    if total > MAX_ZIP_TOTAL:
        raise ParseError(
            f"ZIP container inflates to {total} bytes (limit {MAX_ZIP_TOTAL}): possible zip bomb"
        )
    for i in infos:
        if i.compress_size and i.file_size / i.compress_size > MAX_ZIP_RATIO and i.file_size > 1_000_000:
            raise ParseError(
                f"ZIP member {i.filename} has compression ratio >{MAX_ZIP_RATIO}: possible zip bomb"
            )
    return zf


def sniff(data: bytes) -> str:
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        names = set(check_zip(data).namelist())
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise ParseError("ZIP container is neither DOCX nor XLSX")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ParseError("legacy OLE document (.doc/.xls) is not supported; save as DOCX/XLSX or PDF")
    return "text"


def _first_lines(text: str, n: int) -> list[str]:
    """``text.splitlines()[:n]`` without splitting all of a long text."""
    size = 4096
    while True:
        lines = text[:size].splitlines()
        # more than n + 1 lines: the first n are whole whatever the cut split (even "\r|\n")
        if len(lines) > n + 1 or size >= len(text):
            return lines[:n]
        size *= 4


def _is_csv(text: str) -> str | None:
    lines = [ln for ln in _first_lines(text, 60) if ln and not ln.isspace()]
    if len(lines) < 3:
        return None
    if max(len(ln) for ln in lines) >= 400:
        return None  # narrative paragraphs, not table rows
    joined = "\n".join(lines)
    for delim in (",", "\t", ";"):
        if joined.count(delim) < 6:
            continue  # three rows of three fields need at least six delimiters
        counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        common = max(set(counts), key=counts.count)
        # a title line above the table may have one field; the table rows agree on their width
        if common >= 3 and counts.count(common) >= 3 and counts.count(common) >= 0.6 * len(counts):
            return delim
    return None


def parse_bytes(data: bytes, *, name: str | None = None) -> ParsedDocument:
    """Parse one document. ``name`` (which unit and file) never chooses the format, and a
    :class:`ParseError` does not repeat it: callers put it in front of the message."""
    if not data or not data.strip():
        raise ParseError("empty document")
    fmt = sniff(data)
    if fmt == "pdf":
        from tasks.parse.pdf import parse_pdf

        return parse_pdf(data)
    if fmt == "docx":
        from tasks.parse.docx import parse_docx

        return parse_docx(data)
    if fmt == "xlsx":
        from tasks.parse.tables import parse_xlsx

        return parse_xlsx(data)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("binary data, not a document (NUL bytes, no known format signature)")
    text, enc = decode_text(data)
    bad = len(_CONTROL.findall(text[:20000]))
    if bad > max(8, len(text[:20000]) // 50):
        raise ParseError(f"binary data, not a document ({bad} control characters after decoding as {enc})")
    if not text.strip():
        raise ParseError("empty document")
    if _HTML.search(text, 0, 4096):
        from tasks.parse.html import parse_html

        return parse_html(text, encoding=enc)
    delim = _is_csv(text)
    if delim:
        from tasks.parse.tables import parse_csv

        doc = parse_csv(text, delimiter=delim, encoding=enc)
        if doc.tables:
            return doc
    return analyse_text(text, fmt="text", encoding=enc)
