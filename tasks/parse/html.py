"""HTML → text without page chrome, tables flattened one cell per tab.

Government pages wrap the disclosure in breadcrumbs (当前位置/您现在的位置), metadata blocks
(索引号, 发布日期, 来源), and UI words (打印, 纠错, 分享到, 【字体】); those lines are dropped so
that the title is the first thing the unit-name and year detection see.
"""

from __future__ import annotations

import re

from tasks.model import ParsedDocument
from tasks.parse.tables import Grid, grids_to_document

_DROP_TAGS = ("script", "style", "noscript", "iframe", "svg", "nav", "form", "button", "select", "head")
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "tr",
        "table",
        "dt",
        "dd",
        "pre",
        "blockquote",
    ]
)
_CHROME_LINE = re.compile(
    r"^\s*(?:(?:当前位置|您现在的位置|您的位置|所在位置)\s*[:：]"
    r"|[\[【]?\s*(?:索引号|发布日期|发布时间|发布机构|成文日期|发文字号|文号|主题分类|体裁分类|有效性|来源|浏览次数|访问量|点击数)\s*[\]】]?\s*[:：|]"
    r"|.*(?:打印|纠错|分享到|【字体|字号[:：]|关闭窗口|返回顶部|扫一扫|收藏本页))"
)


def _walk(root, out: list[str], blocks: list[str | tuple[str, Grid]]) -> None:
    """Text and tables under ``root`` in document order. An explicit stack of child iterators, not
    recursion: a page nested thousands of elements deep must not exhaust Python's stack."""
    stack = [(root.iter(include_text=True), "")]  # (children left, tag of their parent)
    while stack:
        children, parent = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if parent in _BLOCK:
                out.append("\n")
            continue
        tag = child.tag
        if tag == "-text":
            out.append(child.text_content or "")
        elif tag == "table":
            out.append("\n")
            blocks.append("".join(out))
            out.clear()
            rows: Grid = []
            for tr in child.css("tr"):
                rows.append([(td.text(separator="") or "").strip() for td in tr.css("td, th")])
            caption = child.css_first("caption")
            blocks.append((caption.text().strip() if caption else "", rows))
        elif tag in _DROP_TAGS:
            continue
        else:
            if tag in _BLOCK:
                out.append("\n")
            stack.append((child.iter(include_text=True), tag))


def html_blocks(html: str) -> list[str | tuple[str, Grid]]:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    root = tree.body or tree.root
    blocks: list[str | tuple[str, Grid]] = []
    out: list[str] = []
    if root is not None:
        _walk(root, out, blocks)
    blocks.append("".join(out))
    cleaned: list[str | tuple[str, Grid]] = []
    for b in blocks:
        if isinstance(b, str):
            lines = [ln.strip() for ln in b.replace("\xa0", " ").split("\n")]
            kept = [ln for ln in lines if ln and not (len(ln) < 120 and _CHROME_LINE.match(ln))]
            if kept:
                cleaned.append("\n".join(kept))
        else:
            cleaned.append(b)
    return cleaned


def parse_html(html: str, *, encoding: str | None) -> ParsedDocument:
    return grids_to_document(html_blocks(html), fmt="html", encoding=encoding)
