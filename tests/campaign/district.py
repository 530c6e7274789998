"""A small district built straight into the warehouse through the loader, with rule verdicts
inserted as rows: campaign and alert tests do not depend on the parser or the rules engine."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

import duckdb

from tasks.config import Alerts, Campaign, Settings
from tasks.fetch import FetchResult
from tasks.load import record_fetches, store_parsed
from tasks.model import Figure, ParsedDocument
from tasks.parse.batch import ParseOutcome
from tasks.registry import Unit, sync_units
from warehouse import db

YEAR = 2024
CAMPAIGN = Campaign(
    open=date(2025, 6, 1), deadline=date(2025, 9, 30), publication=date(2025, 10, 31),
    reminders=[date(2025, 9, 1), date(2025, 9, 20)],
)
SENTENCE = "2024年度收入总计1,234.56万元，支出总计1,230.00万元。"


def settings(tmp_path, alerts: Alerts | None = None) -> Settings:
    return Settings(
        base_dir=tmp_path, registry=tmp_path / "units.csv", warehouse=tmp_path / "w.duckdb",
        publish_root=tmp_path / "publish", reports_root=tmp_path / "reports",
        alerts=alerts or Alerts(), campaigns={YEAR: CAMPAIGN},
    )


class District:
    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or db.memory()
        self.runs = 0

    def register(self, *units: tuple[str, str, str | None]) -> District:
        sync_units(self.con, [
            Unit(code, name, None, "行政", f"http://units.example/{{year}}/{code}.html", email)
            for code, name, email in units
        ])
        return self

    def _run_id(self) -> str:
        self.runs += 1
        return f"test-{self.runs}"

    def submit(self, code: str, body: str, at: datetime, *, parses: bool = True) -> str:
        """The unit publishes ``body``; it is fetched at ``at`` and parsed (or fails to parse)."""
        content = body.encode()
        sha = hashlib.sha256(content).hexdigest()
        record_fetches(self.con, self._run_id(), [FetchResult(
            code, YEAR, f"http://units.example/{YEAR}/{code}.html", "ok", at, 5, content=content, sha256=sha)])
        if parses:
            fig = Figure("income_total", Decimal("1234.56"), "amount", Decimal("0.01"), SENTENCE, (0, 30))
            doc = ParsedDocument("html", "utf-8", "t1", body, unit_name=code, year=YEAR, figures=[fig])
            store_parsed(self.con, [ParseOutcome(sha, doc)], "t1")
        else:
            store_parsed(self.con, [ParseOutcome(sha, None, f"unit {code}: no text layer (scanned PDF)")], "t1")
        return sha

    def not_found(self, code: str, at: datetime) -> None:
        record_fetches(self.con, self._run_id(), [FetchResult(
            code, YEAR, f"http://units.example/{YEAR}/{code}.html", "not_found", at, 5, http_status=404)])

    def verdict(self, code: str, sha: str, rule_id: str, severity: str = "error", status: str = "fail", *,
                message: str | None = None, snippet: str = SENTENCE, explanation: str | None = None) -> None:
        evidence = {"figures": [{"key": "income_total", "kind": "value", "value": 1234.56, "measure": "amount",
                                 "snippet": snippet, "span": [0, 30], "source": "text"}]}
        failed = status == "fail"
        db.run(self.con,
               "insert or replace into dq.result values (?, ?, ?, ?, 'dq-test', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [code, YEAR, sha, rule_id, severity, status,
                Decimal("1234.56") if failed else None, Decimal("1230.00") if failed else None,
                Decimal("4.56") if failed else None, Decimal("0.01") if failed else None,
                message or ("收入总计与支出总计不相等:说明写1234.56万元,应为1230.00万元,相差4.56万元。" if failed else None),
                json.dumps(evidence, ensure_ascii=False), explanation])

    def passes(self, code: str, sha: str, *rules: str) -> None:
        for rule in rules or ("DQ-10", "DQ-25", "DQ-29"):
            self.verdict(code, sha, rule, status="pass")

    def waive(self, code: str, rule_id: str, reason: str = "主要原因是机构改革") -> None:
        db.run(self.con, "insert into dq.waiver values (?, ?, ?, ?, 'bureau', current_timestamp)",
               [code, YEAR, rule_id, reason])
