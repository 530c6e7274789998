"""Hostile and odd documents, built in code (nothing binary is checked in).

``sample_text()`` is one generated unit's clean disclosure; every other builder derives a fault
from it: re-encodings, bombs, XML entity attacks, PDFs without a readable text layer.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from functools import cache

YEAR = 2024
SECRET_MARKER = "root:x:0:0"  # what an external entity pointing at /etc/passwd would leak

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@cache
def sample_unit():  # type: ignore[no-untyped-def]
    from tasks.synth import make_district

    return next(u for u in make_district(3, year=YEAR, seed=1, fault_rate=0.0, missing_rate=0.0) if u.submits)


@cache
def sample_text(year: int = YEAR) -> str:
    from tasks.synth import render_text

    return render_text(sample_unit(), year)


def other_year_text() -> str:
    """Last year's template sent again: every year the document states is a year earlier."""
    return re.sub(r"(20\d\d)(?=年)", lambda m: str(int(m.group(1)) - 1), sample_text())


def other_unit_text(other_name: str = "重庆市江津区审计局") -> str:
    return sample_text().replace(sample_unit().unit_name, other_name)


def junk(n: int = 8192, seed: int = 9) -> bytes:
    return random.Random(seed).randbytes(n)


def mixed_encodings() -> bytes:
    """A UTF-8 document whose middle third was pasted in from a GB18030 file."""
    text = sample_text()
    a, b = len(text) // 3, 2 * len(text) // 3
    return text[:a].encode() + text[a:b].encode("gb18030") + text[b:].encode()


# --- OOXML ---------------------------------------------------------------------------------

def _docx(document_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": document_xml,
        **(extra or {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _paragraphs(text: str) -> str:
    from xml.sax.saxutils import escape

    return "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in text.splitlines() if line.strip())


def docx_of(text: str) -> bytes:
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_W}><w:body>{_paragraphs(text)}</w:body></w:document>'
    return _docx(xml.encode())


def docx_billion_laughs() -> bytes:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:document [{ents}]>'
           f"<w:document {_W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>{_paragraphs(sample_text())}"
           "</w:body></w:document>")
    return _docx(xml.encode())


def docx_external_entity() -> bytes:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f"<w:document {_W}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>{_paragraphs(sample_text())}"
           "</w:body></w:document>")
    return _docx(xml.encode())


def _bomb_zip(name: str, head: bytes, tail: bytes, mib: int, parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n, data in parts.items():
            z.writestr(n, data)
        with z.open(name, "w", force_zip64=True) as f:
            f.write(head)
            block = b"a" * (1 << 20)
            for _ in range(mib):
                f.write(block)
            f.write(tail)
    return buf.getvalue()


def docx_zip_bomb(mib: int = 512) -> bytes:
    """~0.5 MB on disk, ``mib`` MiB of one paragraph once unpacked."""
    base = zipfile.ZipFile(io.BytesIO(docx_of(sample_text())))
    parts = {n: base.read(n) for n in base.namelist() if n != "word/document.xml"}
    return _bomb_zip("word/document.xml",
                     f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body><w:p><w:r><w:t>'.encode(),
                     b"</w:t></w:r></w:p></w:body></w:document>", mib, parts)


_XLSX_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="T01" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
_SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
_SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"


def xlsx_zip_bomb(mib: int = 512) -> bytes:
    return _bomb_zip("xl/worksheets/sheet1.xml", _SHEET_HEAD, _SHEET_TAIL, mib, _XLSX_PARTS)


def xlsx_external_entity() -> bytes:
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
             + _SHEET_HEAD[len(b'<?xml version="1.0" encoding="UTF-8"?>'):] + b"&xxe;" + _SHEET_TAIL)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            z.writestr(n, data)
    return buf.getvalue()


# --- PDF -------------------------------------------------------------------------------------

def _pdf(draw, encrypt=None) -> bytes:  # type: ignore[no-untyped-def]
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _lines(c) -> None:  # type: ignore[no-untyped-def]
    # Helvetica has no CJK glyphs; the text layer still carries the (ASCII) content we need to see
    y = 800
    for line in ("Final accounts 2024", "income total 100.00", "expenditure total 100.00"):
        c.drawString(72, y, line)
        y -= 20


def pdf_encrypted() -> bytes:
    from reportlab.lib import pdfencrypt

    return _pdf(_lines, encrypt=pdfencrypt.StandardEncryption("user-secret", "owner-secret", canPrint=0))


def pdf_image_only() -> bytes:
    """A 'scanned' page: shapes and no text layer at all."""

    def draw(c) -> None:  # type: ignore[no-untyped-def]
        for i in range(40):
            c.rect(60 + (i % 8) * 60, 700 - (i // 8) * 30, 50, 12, fill=1)

    return _pdf(draw)


def docx_lying_bomb(mib: int = 300) -> bytes:
    """A zip bomb whose headers understate the unpacked size (1 000 bytes): a size check that trusts
    the directory lets it through, so reading must stop at the declared size (and fail its CRC)."""
    import struct

    base = zipfile.ZipFile(io.BytesIO(docx_of(sample_text())))
    parts = {n: base.read(n) for n in base.namelist() if n != "word/document.xml"}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n, data in parts.items():
            z.writestr(n, data)
        with z.open("word/document.xml", "w") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body><w:p><w:r><w:t>'.encode())
            block = b"a" * (1 << 20)
            for _ in range(mib):
                f.write(block)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    data = bytearray(buf.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len] == b"word/document.xml":
            struct.pack_into("<I", data, pos + 24, 1000)  # central directory: uncompressed size
        pos += 4
    return bytes(data)
