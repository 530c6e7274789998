"""A document as blocks (paragraph strings and tables) rendered as text, an HTML page, or DOCX.

The text rendering flattens a table the way the Chongqing sample shows its 绩效自评表: one cell per
line led by a tab, a blank line between rows. The HTML page carries the chrome real government
sites put around the article (breadcrumbs 当前位置, an 信息公开 metadata table, 发布日期, 打印/关闭).
"""

from __future__ import annotations

import html
import io
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasks.synth.model import SyntheticUnit


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    rows: tuple[tuple[str, ...], ...]


Block = str | Table


def trim(d: Decimal) -> str:
    """A score or rate the way the tables print it: 100, 5.56, 12.5."""
    s = f"{d:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _table_text(t: Table) -> str:
    return t.title + "\n" + "\n\n".join("\n".join("\t" + c for c in row) for row in t.rows) + "\n\n"


def to_text(blocks: list[Block]) -> str:
    return "\n".join(x if isinstance(x, str) else _table_text(x) for x in blocks) + "\n"


_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_重庆市江津区人民政府</title>
<link rel="stylesheet" href="/images/common.css">
</head>
<body>
<div class="top"><a href="/">重庆市江津区人民政府</a> | <a href="#">无障碍</a> | <a href="#">长者模式</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">法定主动公开内容</a> &gt; <a href="#">预算/决算</a> &gt; <span>决算公开</span></div>
<div class="article">
<table class="xxgk-meta"><tr><td>[ 索引号 ]</td><td>11500116MB{code}/{pub_year}-00{idx:03d}</td><td>[ 发文字号 ]</td><td>无</td></tr>
<tr><td>[ 主题分类 ]</td><td>财政、金融、审计</td><td>[ 体裁分类 ]</td><td>财政预算、决算</td></tr>
<tr><td>[ 发布机构 ]</td><td>{unit}</td><td>[ 发布日期 ]</td><td>{date}</td></tr></table>
<h1 class="title">{title}</h1>
<div class="info"><span>发布日期：{date} {time}</span> <span>来源：{unit}</span> <span>字号：[ <a href="#">大</a> <a href="#">中</a> <a href="#">小</a> ]</span></div>
<div class="view TRS_UEDITOR" id="zoom">
"""
_TAIL = """</div>
<div class="tools"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a> <a href="#">【分享】</a></div>
</div>
<div class="footer"><p>主办：重庆市江津区人民政府办公室</p><p>网站标识码：5001160001　渝ICP备05000000号</p></div>
</body>
</html>
"""
# A BOM already says utf-8-sig / utf-16; the meta names what a browser would be told.
_CHARSET = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030", "utf-16": "utf-16"}


def to_html(u: SyntheticUnit, year: int, blocks: list[Block]) -> str:
    r = random.Random(u.unit_code + "date")
    date = f"{year + 1}-{r.randint(8, 9):02d}-{r.randint(1, 28):02d}"
    time = f"{r.randint(8, 18):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
    esc = html.escape
    title = esc(f"{u.unit_name}{year}年度决算公开说明")
    out = [_HEAD.format(charset=_CHARSET.get(u.encoding, "utf-8"), title=title, date=date, time=time,
                        unit=esc(u.unit_name), code=u.unit_code, pub_year=year + 1, idx=r.randint(1, 999))]
    for x in blocks:
        if isinstance(x, Table):
            out.append(f'<p style="text-align:center"><strong>{esc(x.title)}</strong></p>\n'
                       '<table border="1" cellspacing="0">\n')
            out.extend("<tr>" + "".join(f"<td>{esc(c).replace(chr(10) * 2, '<br>')}</td>" for c in row) + "</tr>\n"
                       for row in x.rows)
            out.append("</table>\n")
        elif x:
            out.append(f'<p style="text-indent:2em">{esc(x)}</p>\n')
    out.append(_TAIL)
    return "".join(out)


def to_docx(blocks: list[Block]) -> bytes:
    import docx  # only docx units pay for the import

    d = docx.Document()
    first = True
    for x in blocks:
        if isinstance(x, Table):
            d.add_paragraph(x.title)
            t = d.add_table(rows=len(x.rows), cols=max(len(row) for row in x.rows))
            # one row's cells at a time: Table.cell(i, j) rebuilds the whole grid on every call
            for row, cells in zip(x.rows, t.rows, strict=True):
                for c, cell in zip(row, cells.cells, strict=False):
                    cell.text = c.replace("\n\n", "\n")
        elif x and first:
            d.add_heading(x, level=1)
            first = False
        elif x:
            d.add_paragraph(x)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
