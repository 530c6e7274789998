"""Per-unit feedback: what a unit must correct, in its own words (XLSX and HTML, in Chinese).

:func:`chunks` reads the year's units from the warehouse (``report_units.sql``: one row a unit, its
verdicts folded into one string) with the failed and explained verdicts and the document texts they
quote. A :class:`Writer` turns a chunk into :class:`UnitFeedback` (for every failed or explained
rule, the unit's own sentence around each figure the rule is about, with the numbers, the
difference, the tolerance and what would make the rule pass) and writes ``<unit>.html`` and
``<unit>.xlsx`` for each unit with something to act on; :func:`write_unit_feedback` runs the
writers (in worker processes when there is more than one chunk) and lists the units where
everything passed in ``CLEAR_PAGE``. File names come from :func:`safe_name`, never from free text.
A province (100 000 units, 5 million verdicts) never sits in Python: units come ``CHUNK`` at a
time, and units with the same verdicts share one rendering of them (:class:`SharedRendering`).
The bureau-level page is :mod:`expectations.report`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import jinja2
from markupsafe import Markup

from expectations.catalogue import Rule, load_catalogue
from expectations.evidence import document_texts, sentence_at
from expectations.results import fmt
from tasks import xlsx
from tasks.offload import Offload
from warehouse import db
from warehouse.sql import statement

TEMPLATES = Path(__file__).parent / "templates"
STATUS_ZH = {"fail": "未通过", "waived": "已说明", "pass": "通过", "not_applicable": "不适用"}
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_MAX_QUOTES = 6
CHUNK = 2000  # units per round trip for their issues and document texts (see _issues)
CLEAR_PAGE = "all-clear.list.html"  # has a dot, so it is never a unit's own page (safe_name)
_SHARED = 4096  # distinct verdict sets kept rendered (a bound, should a province have no two alike)
_FIELD, _RULE = "\x1f", "\x1e"  # how report_units.sql folds a unit's verdicts into one string
CACHE_LIMIT = 192 * 2**20  # bytes of DuckDB memory while writing the reports (bounded_cache)


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


Verdict = tuple[str, str, str, str]  # rule id, title, severity, status


class UnitRow(NamedTuple):
    """One unit of ``report_units.sql``: its counts, and its verdicts folded into one string."""

    unit_code: str
    unit_name: str
    sha256: str
    errors: int
    warnings: int
    waived: int
    passed: int
    not_applicable: int
    failed_rules: str | None
    waived_rules: str | None
    verdicts: str  # folded (report_units.sql), or '' when not asked for

    @property
    def file_stem(self) -> str:
        return safe_name(self.unit_code)

    @property
    def needs_action(self) -> bool:
        """A failed or explained rule: the unit gets its own page and workbook."""
        return bool(self.errors or self.warnings or self.waived)

    @property
    def page(self) -> str:
        """Where its feedback is, relative to the feedback folder: its own page, or its row in the
        list of units where everything passed."""
        return f"{self.file_stem}.html" if self.needs_action else f"{CLEAR_PAGE}#{self.file_stem}"


class ClearUnit(NamedTuple):
    """A row of the list of units where everything passed (all that is kept of such a unit)."""

    file_stem: str
    unit_code: str
    unit_name: str
    passed: int
    not_applicable: int
    fingerprint: str  # the start of its document's sha256, as its page shows it


@dataclass(slots=True)
class UnitFeedback:
    unit_code: str
    unit_name: str
    year: int
    sha256: str
    errors: int
    warnings: int
    waived: int
    passed: int
    not_applicable: int
    verdicts: tuple[Verdict, ...]  # every rule, in rule order; shared by units with the same verdicts
    verdict_key: str  # UnitRow.verdicts, the key of the shared renderings
    issues: list[Issue] = field(default_factory=list)

    @property
    def file_stem(self) -> str:
        return safe_name(self.unit_code)

    @property
    def needs_action(self) -> bool:
        return bool(self.errors or self.warnings or self.waived)


@contextmanager
def bounded_cache(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Reading a province's evidence and document texts once kept ~600 MB of them in DuckDB's cache:
    while the reports are written, DuckDB holds at most CACHE_LIMIT."""
    with db.memory_capped(con, CACHE_LIMIT):
        yield


def unit_rows(con: duckdb.DuckDBPyConnection, year: int, *, verdicts: bool = True) -> Iterator[list[UnitRow]]:
    """Every unit with verdicts on its current document of ``year``, by unit code, at most ``CHUNK``
    at a time (``verdicts``: with them folded, see ``units_of``). The current documents come through
    a cursor of their own, so ``con`` stays free for the queries of each run of units (here and in
    the caller)."""
    cur = con.cursor()
    try:
        cur.execute("select unit_code, sha256, stated_unit_name from staging.current_submission "
                    "where year = $year order by unit_code", {"year": year})
        while current := cur.fetchmany(CHUNK):
            if rows := units_of(con, year, current, verdicts=verdicts):
                yield rows
    finally:
        cur.close()


def units_of(con: duckdb.DuckDBPyConnection, year: int, current: Sequence[tuple[str, str, str | None]], *,
             verdicts: bool) -> list[UnitRow]:
    """The units of ``current`` (unit code, current document, stated name; by unit code) that have
    verdicts, by unit code; ``UnitRow.verdicts`` is '' unless ``verdicts``."""
    codes, shas, names = (list(column) for column in zip(*current, strict=True))
    return [UnitRow._make(r) for r in con.execute(statement("report_units"), {
        "year": year, "codes": codes, "shas": shas, "names": names, "lo": codes[0], "hi": codes[-1],
        "verdicts": verdicts,
    }).fetchall()]


class SharedRendering:
    """What units with the same verdicts share, made once per distinct set in a run: the verdicts
    themselves, the page's table of every rule and the workbook's rules sheet. (At 10 000 units
    the 6 575 units needing action had 158 distinct sets between them.)"""

    def __init__(self, env: jinja2.Environment) -> None:
        self._titles = {r.id: r.title for r in load_catalogue()}
        self._rows: Any = env.get_template("rows.html.j2").module  # its macros
        self.verdicts = lru_cache(_SHARED)(self._verdicts)
        self.rule_rows = lru_cache(_SHARED)(self._rule_rows)
        self.rules_sheet = lru_cache(_SHARED)(self._rules_sheet)

    def _verdicts(self, key: str) -> tuple[Verdict, ...]:
        out = []
        for folded in key.split(_RULE):
            rule_id, severity, status = folded.split(_FIELD)
            out.append((rule_id, self._titles.get(rule_id, rule_id), severity, status))
        return tuple(out)

    def _rule_rows(self, key: str) -> Markup:
        return Markup(self._rows.rule_rows(self.verdicts(key)))

    def _rules_sheet(self, key: str) -> xlsx.Part:
        verdicts = self.verdicts(key)
        rows = [xlsx.row(1, xlsx.inline_strings(("规则编号", "规则", "严重程度", "结果"), BOLD))]
        rows += [xlsx.row(r, xlsx.inline_strings((rule_id, title, SEVERITY_ZH.get(severity, severity),
                                                  STATUS_ZH.get(status, status))))
                 for r, (rule_id, title, severity, status) in enumerate(verdicts, 2)]
        return xlsx.sheet_part(2, _RULES, rows, len(verdicts) + 1, deflate=True)


class Chunk(NamedTuple):
    """A run of units as the warehouse gave them, all a worker process needs to write their feedback:
    their rows, the failed and explained verdicts of those needing action (report_unit_issues.sql) and
    the texts of those units' documents."""

    year: int
    units: list[UnitRow]
    issue_rows: list[tuple[Any, ...]]
    texts: dict[str, str]


def chunks(con: duckdb.DuckDBPyConnection, year: int) -> Iterator[Chunk]:
    """The year's units with verdicts, by unit code, ``CHUNK`` at a time, with what their feedback quotes."""
    for units in unit_rows(con, year):
        acting = [u for u in units if u.needs_action]
        yield Chunk(year, units, *_issue_rows(con, year, acting)) if acting else Chunk(year, units, [], {})


def _issue_rows(con: duckdb.DuckDBPyConnection, year: int,
                units: list[UnitRow]) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    sha = {u.unit_code: u.sha256 for u in units}
    rows = con.execute(statement("report_unit_issues"), {
        "year": year, "codes": list(sha), "shas": list(sha.values()), "lo": units[0].unit_code,
        "hi": units[-1].unit_code,
    }).fetchall()
    return rows, document_texts(con, sha.values())


def _issues(chunk: Chunk, rules: dict[str, Rule]) -> dict[str, list[Issue]]:
    sha = {u.unit_code: u.sha256 for u in chunk.units}
    out: dict[str, list[Issue]] = {}
    for code, rule_id, severity, status, obs, exp, diff, tol, message, evidence, explanation in chunk.issue_rows:
        rule = rules.get(rule_id)
        ev = json.loads(evidence) if evidence else {}
        out.setdefault(code, []).append(Issue(
            rule_id, rule.title if rule else rule_id, severity, status, message or "", obs, exp, diff, tol,
            rule.fix_zh if rule else "", _hint(severity, obs, exp, diff, tol), explanation,
            _quotes(ev.get("figures") or [], chunk.texts.get(sha[code])),
            [str(f.get("detail")) for f in (ev.get("findings") or [])[1:] if f.get("detail")]))
    return out


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
        out.append(Quote(where, *parts))
        if len(out) >= _MAX_QUOTES:
            break
    return out


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


_HEADERS = ("规则编号", "规则", "严重程度", "结果", "问题说明", "原文引述", "位置", "文件数值", "应为", "差额",
            "允许误差", "如何通过", "修改建议", "已有说明")
_STYLES = (xlsx.Style(bold=True, fill="FFEEEEEE", border=True), xlsx.Style(vertical="top", wrap=True),
           xlsx.Style(number_format="0.00##", vertical="top"))
BOLD, WRAP, MONEY = 1, 2, 3  # _STYLES
_PROBLEMS = xlsx.Sheet("问题清单", tuple(xlsx.Column(w) for w in (9, 24, 8, 8, 40, 60, 16, 11, 11, 9, 9, 40, 40, 40)),
                       frozen_rows=4)
_RULES = xlsx.Sheet("全部规则", (xlsx.Column(), xlsx.Column(40), xlsx.Column(), xlsx.Column()))


def shared_zip(created: datetime) -> bytes:
    """Every part of a unit's workbook but its sheets and shared strings, zipped once a run."""
    return xlsx.zip_bytes(xlsx.package((_PROBLEMS, _RULES), _STYLES, created, shared_strings=True))


def workbook(unit: UnitFeedback, static: bytes, rules_sheet: xlsx.Part) -> bytes:
    """The unit's workbook: its problems, a row per quoted sentence (问题清单), and every rule (全部规则)."""
    strings = xlsx.SharedStrings(_HEADERS)
    title = f"{unit.unit_name}({unit.unit_code}){unit.year}年度决算公开数据质量反馈"
    counts = f"错误{unit.errors}项,警告{unit.warnings}项,已说明{unit.waived}项"
    rows = [xlsx.row(1, strings.cells([title])), xlsx.row(2, strings.cells([counts])), _header_row()]
    r = 5
    for issue in unit.issues:
        lead = strings.cells((issue.rule_id, issue.title, issue.severity_zh, issue.status_zh,
                              issue.message + "".join(f";{d}" for d in issue.details)), WRAP)
        numbers = xlsx.numbers((issue.observed, issue.expected, issue.difference, issue.tolerance), MONEY)
        advice = strings.cells((issue.hint, issue.fix, issue.explanation or ""), WRAP)
        quotes: list[Quote | None] = [*issue.quotes] or [None]
        for q in quotes:
            quote = strings.cells((q.sentence, q.where) if q else ("", ""), WRAP)
            rows.append(xlsx.row(r, [*lead, *quote, *numbers, *advice]))
            r += 1
    problems = xlsx.sheet_part(1, _PROBLEMS, rows, r - 1, deflate=False)
    return xlsx.zip_bytes((problems, rules_sheet, strings.part()), base=static)


@cache
def _header_row() -> str:
    """Row 4 of the problem sheet: the headers are the first shared strings of every workbook."""
    return xlsx.row(4, xlsx.SharedStrings(_HEADERS).cells(_HEADERS, BOLD))


def write_unit_feedback(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path, *,
                        workers: int | None = None) -> list[Path]:
    """``<unit>.html`` and ``<unit>.xlsx`` for every unit of ``year`` with something to act on (a
    failed or explained rule), and one page listing the units where everything passed
    (``CLEAR_PAGE``, an anchor per unit). A page of its own for each of those cost a file apiece,
    and creating a file took 0.03–0.7 ms of CPU on the benchmark machine, for pages nobody is sent.
    A clean unit whose page an earlier run wrote keeps it, now saying that all passed (its link may
    be out there), and loses its workbook.

    This process reads the warehouse; more than one ``CHUNK`` of units is written by ``workers``
    processes (:mod:`tasks.offload`), nine tenths of the CPU."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    written: list[Written] = []
    with bounded_cache(con), Offload(Writer, (out_dir, now), workers=workers) as writers:
        for chunk in chunks(con, year):
            written += writers.submit(chunk)
        written += writers.drain()
    listing = out_dir / CLEAR_PAGE
    listing.write_text(_env().get_template("all_clear.html.j2").render(
        year=year, units=[unit for _, units in written for unit in units], generated=_generated(now)),
        encoding="utf-8")
    return [*(path for paths, _ in written for path in paths), listing]


Written = tuple[list[Path], list[ClearUnit]]  # a chunk's files, and its units where everything passed


def _generated(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M")


class Writer:
    """Writes the feedback of a chunk of units, in whichever process it runs; what units share is
    made once there (:class:`SharedRendering`, the workbooks' common ZIP)."""

    def __init__(self, out_dir: Path, now: datetime) -> None:
        self._out_dir, self._generated = out_dir, _generated(now)
        env = _env()
        self._page = env.get_template("feedback.html.j2")
        self._shared = SharedRendering(env)
        self._static = shared_zip(now)
        self._rules = {r.id: r for r in load_catalogue()}

    def feedback(self, chunk: Chunk) -> Iterator[UnitFeedback]:
        """The chunk's units, by unit code; a unit needing action comes with its issues, errors
        first, then warnings, then the explained ones."""
        issues = _issues(chunk, self._rules)
        for u in chunk.units:
            yield UnitFeedback(u.unit_code, u.unit_name, chunk.year, u.sha256, u.errors, u.warnings, u.waived,
                               u.passed, u.not_applicable, self._shared.verdicts(u.verdicts), u.verdicts,
                               issues.get(u.unit_code, []))

    def __call__(self, chunk: Chunk) -> Written:
        written: list[Path] = []
        clear: list[ClearUnit] = []
        for unit in self.feedback(chunk):
            stem = unit.file_stem
            html, book = self._out_dir / f"{stem}.html", self._out_dir / f"{stem}.xlsx"
            if not unit.needs_action:
                clear.append(ClearUnit(stem, unit.unit_code, unit.unit_name, unit.passed, unit.not_applicable,
                                       unit.sha256[:12]))
                book.unlink(missing_ok=True)
                if not html.exists():
                    continue
            html.write_bytes(self._page.render(unit=unit, generated=self._generated,
                                               rule_rows=self._shared.rule_rows(unit.verdict_key)).encode("utf-8"))
            written.append(html)
            if unit.needs_action:
                book.write_bytes(workbook(unit, self._static, self._shared.rules_sheet(unit.verdict_key)))
                written.append(book)
        return written, clear
