"""Formats and encodings are sniffed from the bytes; unusable input is a ParseError naming why."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from tasks.model import ParseError
from tasks.parse import parse_bytes, sniff
from tests.parse.corpus import SAMPLE, label_values, read

D = Decimal
SAMPLE_TEXT = read(SAMPLE)
EXPECTED = label_values(SAMPLE)


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("gb18030"), "gb18030"),
        (lambda t: t.encode("gbk"), "gb18030"),
        (lambda t: t.encode("utf-16"), "utf-16"),
        (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16-le-bom", "utf16-be-bom"],
)
def test_encodings(encode, encoding):
    doc = parse_bytes(encode(SAMPLE_TEXT), name="ignored.pdf")  # the name never picks the format
    assert doc.format == "text" and doc.encoding == encoding
    assert doc.values() == EXPECTED
    assert doc.unit_name and doc.unit_name.startswith("重庆市江津区大数据应用发展管理局")


def test_gb18030_disclosures_skip_detection_other_double_byte_texts_do_not(monkeypatch):
    """A GB18030 disclosure is recognised by its own words without charset-normalizer; Korean
    EUC-KR bytes are valid GB18030 too, but lack those words and still go to detection."""
    import charset_normalizer

    from tasks.parse.sniff import decode_text

    korean = ("2024년도 부서 결산 공개. 수입 총액은 1,234만원이며 지출 총액은 1,100만원입니다. " * 20).encode("euc-kr")
    korean.decode("gb18030")  # the premise: strict GB18030 accepts these bytes
    assert decode_text(korean)[0].startswith("2024년도 부서 결산")

    def no_detection(*_args, **_kwargs):
        raise AssertionError("charset-normalizer was consulted")

    monkeypatch.setattr(charset_normalizer, "from_bytes", no_detection)
    assert decode_text(SAMPLE_TEXT.encode("gbk")) == (SAMPLE_TEXT, "gb18030")
    with pytest.raises(AssertionError, match="consulted"):
        decode_text(korean)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "legacy OLE"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x10\x80\xff" * 300, "binary"),
    ],
)
def test_unusable_input(data, message):
    with pytest.raises(ParseError, match=message):
        parse_bytes(data)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def test_zip_that_is_no_office_document():
    with pytest.raises(ParseError, match="neither DOCX nor XLSX"):
        parse_bytes(_zip({"a.txt": b"hello"}))


def test_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(sniff, "MAX_ZIP_TOTAL", 1_000_000)
    bomb = _zip({"word/document.xml": b"<w/>" + b" " * 2_000_000})
    with pytest.raises(ParseError, match="zip bomb"):
        parse_bytes(bomb)


# --- HTML ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>决算</title><script>var a = "收入总计1万元";</script></head>
<body><div class="crumb">当前位置: 首页 > 政务公开 > 决算公开</div>
<div class="meta">[ 索引号 ] | 11500/2025-00013 | [ 发布日期 ] | 2025-10-14 |</div>
<div class="tools">【字体:大 中 小】 打印 纠错 分享到:</div>
<h1>重庆市江津区某某局2024年度决算公开说明</h1>
<p>一、部门决算情况</p>
<p>2024年度收入总计1,234.50万元，支出总计1,234.50万元。</p>
<p>收入支出决算总表</p>
<table><tr><th>项目</th><th>行次</th><th>金额</th><th>项目</th><th>行次</th><th>金额</th></tr>
<tr><td>一、一般公共预算财政拨款收入</td><td>1</td><td>1,200.00</td><td>一、一般公共服务支出</td><td>32</td><td>1,234.50</td></tr>
<tr><td>本年收入合计</td><td>2</td><td>1,200.00</td><td>本年支出合计</td><td>40</td><td>1,234.50</td></tr>
<tr><td>年初结转和结余</td><td>3</td><td>34.50</td><td>年末结转和结余</td><td>41</td><td>0.00</td></tr>
<tr><td>收入总计</td><td>4</td><td>1,234.50</td><td>支出总计</td><td>42</td><td>1,234.50</td></tr></table>
<div class="share">分享到： 微信 微博</div></body></html>"""


def test_html_strips_chrome_and_reads_tables():
    doc = parse_bytes(PAGE.encode("utf-8"))
    assert doc.format == "html" and doc.encoding == "utf-8"
    for chrome in ("当前位置", "索引号", "打印", "分享到", "var a"):
        assert chrome not in doc.text
    assert doc.unit_name == "重庆市江津区某某局" and doc.year == 2024
    assert doc.tables == ["T01"]
    vals = doc.values()
    assert vals["income_total"] == D("1234.50") and vals["general_budget_income"] == D("1200.00")
    assert vals["carry_over_begin"] == D("34.50") and vals["expenditure_this_year"] == D("1234.50")
    src = {f.key: f.source for f in doc.figures}
    assert src["income_this_year"] == "table:T01:本年收入合计:金额"
    narrative = [f for f in doc.figures if f.source == "text" and f.key == "income_total"]
    assert narrative and narrative[0].value == D("1234.50")
    for f in doc.figures:
        if f.source.startswith("table:"):
            assert doc.text[f.span[0] : f.span[1]].replace(",", "") == str(f.value).replace(",", "")


def test_html_in_gb18030():
    doc = parse_bytes(PAGE.replace("<head>", '<head><meta charset="gbk">').encode("gb18030"))
    assert doc.format == "html" and doc.encoding == "gb18030"
    assert doc.values()["income_total"] == D("1234.50")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_html_in_utf16(encoding):
    # the tags are looked for in the decoded text: in UTF-16 bytes every ASCII letter has a NUL beside it
    data = PAGE.encode(encoding)
    if encoding != "utf-16":
        data = (b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff") + data
    doc = parse_bytes(data)
    assert doc.format == "html" and doc.encoding == "utf-16"
    assert "<td>" not in doc.text and doc.tables == ["T01"]
    assert doc.values()["income_total"] == D("1234.50")


# --- DOCX ---------------------------------------------------------------------------------


def _docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("重庆市江津区某某局2024年度决算公开说明")
    d.add_paragraph("一、部门决算情况")
    d.add_paragraph("2024年度收入总计300.00万元，支出总计300.00万元。")
    d.add_paragraph("支出决算表")
    t = d.add_table(rows=3, cols=5)
    for i, row in enumerate(
        [
            ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
            ["", "合计", "300.00", "120.00", "180.00"],
            ["201", "一般公共服务支出", "300.00", "120.00", "180.00"],
        ]
    ):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    d.add_paragraph("财政拨款“三公”经费支出决算表")
    t9 = d.add_table(rows=3, cols=6)
    head = [
        "合计",
        "因公出国(境)费",
        "公务用车购置及运行费",
        "公务用车购置费",
        "公务用车运行费",
        "公务接待费",
    ]
    for j, v in enumerate(head):
        t9.cell(0, j).text = "决算数"
        t9.cell(1, j).text = v
        t9.cell(2, j).text = ["5.48", "0.00", "3.98", "0.00", "3.98", "1.50"][j]
    d.add_paragraph("专业名词解释")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_tables():
    doc = parse_bytes(_docx(), name="x.txt")
    assert doc.format == "docx" and doc.encoding is None
    assert doc.tables == ["T03", "T09"]
    vals = doc.values()
    assert vals["income_total"] == D("300.00")
    assert vals["basic_expenditure"] == D("120.00") and vals["project_expenditure"] == D("180.00")
    assert vals["expenditure_this_year"] == D("300.00")
    assert vals["three_public_total"] == D("5.48") and vals["vehicle_operation"] == D("3.98")
    assert vals["official_reception"] == D("1.50") and vals["vehicle_purchase"] == 0
    src = {f.key: f.source for f in doc.figures}
    assert src["basic_expenditure"] == "table:T03:合计:基本支出"
    assert src["three_public_total"].startswith("table:T09:")
    assert [s.section_id for s in doc.sections] == ["final_accounts", "glossary"]


# --- XLSX and CSV -------------------------------------------------------------------------


def _xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "公开01表"
    ws.append(["收入支出决算总表"])
    ws.append(["单位:万元"])
    ws.append(["项目", "行次", "金额", "项目", "行次", "金额"])
    ws.append(["一、一般公共预算财政拨款收入", 1, 492.46, "一、一般公共服务支出", 32, 492.46])
    ws.append(["本年收入合计", 2, 492.46, "本年支出合计", 40, 492.46])
    ws.append(["收入总计", 3, 492.46, "支出总计", 42, 492.46])
    for row in ws.iter_rows(min_row=4):
        for c in row:
            if isinstance(c.value, float):
                c.number_format = "0.00"
    ws2 = wb.create_sheet("公开03表")
    ws2.append(["支出决算表"])
    ws2.append(["科目名称", "本年支出合计", "基本支出", "项目支出"])
    ws2.append(["合计", 492.46, 93.09, 399.37])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_standard_tables():
    doc = parse_bytes(_xlsx())
    assert doc.format == "xlsx" and doc.tables == ["T01", "T03"]
    vals = doc.values()
    assert vals["income_total"] == D("492.46") and vals["general_budget_income"] == D("492.46")
    assert vals["basic_expenditure"] == D("93.09") and vals["project_expenditure"] == D("399.37")
    f = next(f for f in doc.figures if f.key == "income_total")
    assert f.source == "table:T01:收入总计:金额" and f.precision == D("0.01")


def test_csv_in_gb18030_with_yuan_unit():
    csv_text = "支出决算表\n单位:元,,,\n科目名称,本年支出合计,基本支出,项目支出\n合计,4924600.00,930900.00,3993700.00\n"
    doc = parse_bytes(csv_text.encode("gb18030"))
    assert doc.format == "csv" and doc.encoding == "gb18030" and doc.tables == ["T03"]
    assert doc.values()["basic_expenditure"] == D("93.09")


# --- PDF ----------------------------------------------------------------------------------


def _pdf(lines: list[str], *, encrypt: str | None = None, text: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    if text:
        c.setFont("STSong-Light", 11)
        y = 800
        for line in lines:
            c.drawString(50, y, line)
            y -= 18
    else:
        c.rect(50, 50, 200, 200, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_text_layer_with_hard_line_breaks():
    lines = [
        "梧州市某某中心2023年度部门决算公开说明",
        "(二)本单位 2023 年度总支出 125.08 万元,较 2022 年度决算数增",
        "加 19.68 万元,增长 18.7%。公务接待费支出决算 1.5万",
        "元。公务用车购",
        "置支出0万元。",
    ]
    doc = parse_bytes(_pdf(lines))
    assert doc.format == "pdf"
    assert doc.values() == {
        "expenditure_total": D("125.08"),
        "official_reception": D("1.5"),
        "vehicle_purchase": 0,
    }
    changes = {(f.key, f.kind): f.value for f in doc.figures if f.kind != "value"}
    assert changes == {
        ("expenditure_total", "change"): D("19.68"),
        ("expenditure_total", "change_pct"): D("18.7"),
    }
    assert doc.year == 2023


def test_encrypted_pdf():
    with pytest.raises(ParseError, match="encrypted"):
        parse_bytes(_pdf(["收入总计1万元"], encrypt="secret"))


def test_image_only_pdf():
    with pytest.raises(ParseError, match="no text layer"):
        parse_bytes(_pdf([], text=False))
