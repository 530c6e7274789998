"""Per-unit feedback: what a unit must correct, in its own words (XLSX and HTML, in Chinese).

:func:`load_feedback` reads the year's verdicts (``dq.result`` of each unit's current submission)
and, for every failed or explained rule, quotes the unit's own sentence around each figure the
rule is about (``staging.document_text``), with the numbers, the difference, the tolerance and
what would make the rule pass. :func:`write_unit_feedback` writes ``<unit>.html`` and
``<unit>.xlsx`` per unit; file names come from :func:`safe_name`, never from free text.
The bureau-level page is :mod:`expectations.report`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import xlsxwriter

from expectations.catalogue import load_catalogue
from expectations.evidence import sentence_at
from expectations.results import fmt

TEMPLATES = Path(__file__).parent / "templates"
STATUS_ZH = {"fail": "未通过", "waived": "已说明", "pass": "通过", "not_applicable": "不适用"}
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_MAX_QUOTES = 6


def safe_name(unit_code: str) -> str:
    """A file stem for a unit: the code itself when it is plain ``[A-Za-z0-9_-]+`` (the registry
    validates that), otherwise a cleaned form plus a short hash so two odd codes never collide."""
    clean = _SAFE.sub("_", unit_code)[:64]
    if clean == unit_code and clean.strip("_-") and clean.upper() not in _RESERVED:
        return clean
    digest = hashlib.sha256(unit_code.encode("utf-8")).hexdigest()[:10]
    return f"{clean.strip('_-')[:40] or 'unit'}-{digest}"


@dataclass(frozen=True, slots=True)
class Quote:
    """One figure as the unit stated it, inside its sentence (``before`` + ``hit`` + ``after``)."""

    key: str
    value: str
    where: str
    before: str
    hit: str
    after: str

    @property
    def sentence(self) -> str:
        return f"{self.before}{self.hit}{self.after}"


@dataclass(slots=True)
class Issue:
    rule_id: str
    title: str
    severity: str
    status: str
    message: str
    observed: Decimal | None
    expected: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    fix: str
    hint: str
    explanation: str | None
    quotes: list[Quote] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def severity_zh(self) -> str:
        return SEVERITY_ZH.get(self.severity, self.severity)

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)

    def numbers(self) -> dict[str, str]:
        return {"observed": fmt(self.observed), "expected": fmt(self.expected),
                "difference": fmt(self.difference), "tolerance": fmt(self.tolerance)}


@dataclass(slots=True)
class UnitFeedback:
    unit_code: str
    unit_name: str
    year: int
    sha256: str
    issues: list[Issue] = field(default_factory=list)
    verdicts: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, title, severity, status

    @property
    def file_stem(self) -> str:
        return safe_name(self.unit_code)

    def count(self, status: str, severity: str | None = None) -> int:
        return sum(1 for _, _, sev, st in self.verdicts if st == status and severity in (None, sev))

    @property
    def errors(self) -> int:
        return self.count("fail", "error")

    @property
    def warnings(self) -> int:
        return self.count("fail", "warning")


def load_feedback(con: duckdb.DuckDBPyConnection, year: int) -> list[UnitFeedback]:
    """Every unit with verdicts on its current submission of ``year``, issues first by severity."""
    rules = {r.id: r for r in load_catalogue()}
    rows = con.execute(
        "select r.unit_code, coalesce(u.unit_name, s.stated_unit_name, r.unit_code), r.sha256, r.rule_id, "
        "r.severity, r.status, r.observed, r.expected, r.difference, r.tolerance, r.message, "
        "case when r.status in ('fail', 'waived') then r.evidence::varchar end, r.explanation "
        "from dq.result r join staging.current_submission s using (unit_code, year, sha256) "
        "left join core.unit u using (unit_code) where r.year = $year order by r.unit_code, r.rule_id",
        {"year": year},
    ).fetchall()
    texts = dict(con.execute(
        "select sha256, text from staging.document_text where sha256 in "
        "(select sha256 from dq.result where year = $year and status in ('fail', 'waived'))",
        {"year": year},
    ).fetchall())
    units: dict[str, UnitFeedback] = {}
    for (code, name, sha, rule_id, severity, status, obs, exp, diff, tol, message, evidence,
         explanation) in rows:
        unit = units.get(code)
        if unit is None:
            unit = units[code] = UnitFeedback(code, name, year, sha)
        rule = rules.get(rule_id)
        title = rule.title if rule else rule_id
        unit.verdicts.append((rule_id, title, severity, status))
        if status not in ("fail", "waived"):
            continue
        ev = json.loads(evidence) if evidence else {}
        issue = Issue(rule_id, title, severity, status, message or "", obs, exp, diff, tol,
                      rule.fix_zh if rule else "", _hint(severity, obs, exp, diff, tol), explanation,
                      _quotes(ev.get("figures") or [], texts.get(sha)),
                      [str(f.get("detail")) for f in (ev.get("findings") or [])[1:] if f.get("detail")])
        unit.issues.append(issue)
    order = {("fail", "error"): 0, ("fail", "warning"): 1}
    for unit in units.values():
        unit.issues.sort(key=lambda i: (order.get((i.status, i.severity), 2), i.rule_id))
    return list(units.values())


def _hint(severity: str, obs: Decimal | None, exp: Decimal | None, diff: Decimal | None,
          tol: Decimal | None) -> str:
    """What would make the rule pass, from its own numbers."""
    parts = []
    if obs is not None and exp is not None and diff is not None:
        parts.append(f"文件数值为{fmt(obs)},按规则应为{fmt(exp)},相差{fmt(diff)}"
                     f"(允许误差±{fmt(tol)});改正有误的数字,使差额不超过允许误差即可通过。")
    if severity == "warning":
        parts.append("如数字无误,请在该数字所在句或段落写明原因(如“主要原因是……”),或向财政局申请审核说明。")
    return "".join(parts)


def _quotes(figures: list[dict[str, Any]], text: str | None) -> list[Quote]:
    out: list[Quote] = []
    seen: set[tuple[int, int]] = set()
    for f in figures:
        span = tuple(f.get("span") or (0, 0))
        if span in seen:
            continue
        seen.add(span)
        snippet = str(f.get("snippet") or "")
        source = str(f.get("source") or "text")
        where = "说明正文" if source == "text" else "表" + source.split(":", 1)[-1].replace(":", " / ")
        parts = sentence_at(text, (int(span[0]), int(span[1]))) if text and len(span) == 2 else None
        if parts is None or snippet.strip() not in "".join(parts):
            parts = ("", snippet, "")
        value = f.get("value")
        out.append(Quote(str(f.get("key")), "—" if value is None else fmt(Decimal(str(value))), where, *parts))
        if len(out) >= _MAX_QUOTES:
            break
    return out


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(unit: UnitFeedback, *, generated: datetime | None = None) -> str:
    return _env().get_template("feedback.html.j2").render(
        unit=unit, generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M"),
        passed=unit.count("pass"), not_applicable=unit.count("not_applicable"), waived=unit.count("waived"))


_HEADERS = ("规则编号", "规则", "严重程度", "结果", "问题说明", "原文引述", "位置", "文件数值", "应为", "差额",
            "允许误差", "如何通过", "修改建议", "已有说明")


def write_xlsx(unit: UnitFeedback, path: Path) -> Path:
    # strings are never read as formulas, numbers or links: unit text is untrusted
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
               "in_memory": True}
    with xlsxwriter.Workbook(str(path), options) as book:
        bold = book.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        money = book.add_format({"num_format": "0.00##", "valign": "top"})
        ws = book.add_worksheet("问题清单")
        ws.write_string(0, 0, f"{unit.unit_name}({unit.unit_code}){unit.year}年度决算公开数据质量反馈")
        ws.write_string(1, 0, f"错误{unit.errors}项,警告{unit.warnings}项,已说明{unit.count('waived')}项")
        for col, head in enumerate(_HEADERS):
            ws.write_string(3, col, head, bold)
        row = 4
        for issue in unit.issues:
            quotes: list[Quote | None] = [*issue.quotes] or [None]
            for q in quotes:
                cells: list[Any] = [issue.rule_id, issue.title, issue.severity_zh, issue.status_zh,
                                    issue.message + ("".join(f";{d}" for d in issue.details)),
                                    q.sentence if q else "", q.where if q else ""]
                for c, value in enumerate(cells):
                    ws.write_string(row, c, value, wrap)
                for c, num in enumerate((issue.observed, issue.expected, issue.difference, issue.tolerance), 7):
                    if num is not None:
                        ws.write_number(row, c, float(num), money)  # display only; the warehouse keeps the Decimal
                for c, value in enumerate((issue.hint, issue.fix, issue.explanation or ""), 11):
                    ws.write_string(row, c, value, wrap)
                row += 1
        for col, width in enumerate((9, 24, 8, 8, 40, 60, 16, 11, 11, 9, 9, 40, 40, 40)):
            ws.set_column(col, col, width)
        ws.freeze_panes(4, 0)
        all_rules = book.add_worksheet("全部规则")
        for col, head in enumerate(("规则编号", "规则", "严重程度", "结果")):
            all_rules.write_string(0, col, head, bold)
        for r, (rule_id, title, severity, status) in enumerate(unit.verdicts, 1):
            for c, value in enumerate((rule_id, title, SEVERITY_ZH.get(severity, severity),
                                       STATUS_ZH.get(status, status))):
                all_rules.write_string(r, c, value)
        all_rules.set_column(1, 1, 40)
    return path


def write_unit_feedback(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> list[Path]:
    """``<unit>.html`` for every unit checked in ``year``, and ``<unit>.xlsx`` for those with something
    to act on (a failed or explained rule): the workbook costs ~12 ms a unit, and a clean unit's page
    already says everything passed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    generated = datetime.now()
    template = _env().get_template("feedback.html.j2")
    written: list[Path] = []
    for unit in load_feedback(con, year):
        html = out_dir / f"{unit.file_stem}.html"
        html.write_text(template.render(unit=unit, generated=generated.strftime("%Y-%m-%d %H:%M"),
                                        passed=unit.count("pass"), not_applicable=unit.count("not_applicable"),
                                        waived=unit.count("waived")), encoding="utf-8")
        written.append(html)
        if unit.errors or unit.warnings or unit.count("waived"):
            written.append(write_xlsx(unit, out_dir / f"{unit.file_stem}.xlsx"))
    return written


def unit_counts(units: list[UnitFeedback]) -> dict[str, dict[str, int]]:
    """status × severity counts over units (for the bureau report)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for u in units:
        for _, _, severity, status in u.verdicts:
            out[status][severity] = out[status].get(severity, 0) + 1
    return out
