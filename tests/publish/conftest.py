"""A small generated district written straight into the warehouse tables (no parser, no rules engine).

Registry (2024 and 2023):

    EDU  区教育局 ─┬─ EDU1 第一中学
                   └─ EDU2 第二中学 ── EDU21 第二中学分校
    HLT  区卫生健康委 ── HLT1 区人民医院      (2024: fails an error rule → excluded)
    CUL  区文化旅游委                          (2024: no submission → missing)
    AGR  区农业农村委                          (2024: document failed to parse)

Every amount is 万元 with two decimals, so the expected totals below are exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from warehouse import db

D = Decimal

UNITS = [
    ("EDU", "区教育局", None, "行政单位"),
    ("EDU1", "第一中学", "EDU", "事业单位"),
    ("EDU2", "第二中学", "EDU", "事业单位"),
    ("EDU21", "第二中学分校", "EDU2", "事业单位"),
    ("HLT", "区卫生健康委员会", None, "行政单位"),
    ("HLT1", "区人民医院", "HLT", "事业单位"),
    ("CUL", "区文化和旅游发展委员会", None, "行政单位"),
    ("AGR", "区农业农村委员会", None, "行政单位"),
]


def figures(expenditure: str, basic: str, project: str, three: tuple[str, str, str, str], **more: str) -> dict:
    """A unit's figures: income equals expenditure, 三公 = its four items."""
    out = {
        "income_total": D(expenditure), "expenditure_total": D(expenditure),
        "basic_expenditure": D(basic), "project_expenditure": D(project),
        "outbound_travel": D(three[0]), "vehicle_purchase": D(three[1]),
        "vehicle_operation": D(three[2]), "official_reception": D(three[3]),
        "three_public_total": sum((D(x) for x in three), D(0)),
    }
    out.update({k: D(v) for k, v in more.items()})
    return out


FIGURES_2024 = {
    "EDU": figures("1200.50", "800.25", "400.25", ("0.00", "0.00", "3.20", "1.05"),
                   fiscal_appropriation_income="1100.00", general_budget_income="1000.00",
                   gov_fund_income="100.00", meeting_fee="2.10", training_fee="5.55",
                   operating_expense="60.40", procurement_total="100.00", procurement_goods="40.00",
                   procurement_works="35.00", procurement_services="25.00", sme_contract_amount="80.00",
                   carry_over_begin="10.00", carry_over_end="12.34"),
    "EDU1": figures("530.10", "500.05", "30.05", ("0.00", "0.00", "1.10", "0.35"), meeting_fee="0.80",
                    procurement_total="20.00", procurement_goods="20.00", sme_contract_amount="10.00"),
    "EDU2": figures("480.37", "450.00", "30.37", ("0.00", "0.00", "0.95", "0.20")),
    # stated to more decimals than a cent: the mart rounds it (12.345 → 12.35, 0.004 → 0.00)
    "EDU21": figures("99.999", "90.004", "9.995", ("0.00", "0.00", "0.004", "0.00")),
    "HLT": figures("2500.00", "1500.00", "1000.00", ("12.00", "25.00", "8.40", "3.60"),
                   meeting_fee="4.00", training_fee="9.00"),
    "HLT1": figures("9999.99", "5000.00", "4999.99", ("1.00", "2.00", "3.00", "4.00")),
    "AGR": {},
}

FIGURES_2023 = {
    "EDU": figures("1100.00", "780.00", "320.00", ("0.00", "0.00", "3.50", "1.50"), meeting_fee="2.50",
                   training_fee="5.00", operating_expense="58.00", procurement_total="90.00"),
    "EDU1": figures("500.00", "480.00", "20.00", ("0.00", "0.00", "1.00", "0.50")),
    "EDU2": figures("520.00", "450.00", "70.00", ("0.00", "0.00", "1.00", "0.30")),
    "HLT": figures("2400.00", "1450.00", "950.00", ("10.00", "0.00", "8.00", "4.00")),
    "HLT1": figures("9000.00", "4500.00", "4500.00", ("1.00", "1.00", "3.00", "4.00")),
    "CUL": figures("300.00", "250.00", "50.00", ("0.00", "0.00", "0.50", "0.20")),
}

PERF_2024 = {  # unit: [(total_score, adjusted_budget, executed)]
    "EDU": [(D("95.50"), D("60.47"), D("58.00")), (D("90.00"), D("20.00"), D("20.00")),
            (D("89.99"), D("10.00"), D("9.00"))],
    "EDU1": [(D("72.00"), D("5.00"), D("4.00")), (D("59.90"), D("3.00"), D("1.00"))],
    "HLT1": [(D("99.00"), D("500.00"), D("500.00"))],  # excluded unit: must not count
}


@dataclass
class District:
    con: duckdb.DuckDBPyConnection
    shas: dict[tuple[str, int], str] = field(default_factory=dict)

    def unit(self, code: str, name: str, parent: str | None = None, unit_type: str = "行政单位") -> None:
        self.con.execute(
            "insert into core.unit values (?, ?, ?, ?, ?, null, current_timestamp)",
            [code, name, parent, unit_type, f"https://example.gov.cn/{{year}}/{code}.html"],
        )

    def submit(self, code: str, year: int, values: dict[str, Decimal], *, version: int = 1,
               parse_status: str = "parsed", checked: bool = True) -> str:
        sha = hashlib.sha256(f"{code}|{year}|{version}|{sorted(values.items())}".encode()).hexdigest()
        self.con.execute("insert into raw.fetch_attempt (run_id, unit_code, year, url, started_at, outcome) "
                         "values ('t', ?, ?, 'u', current_timestamp, 'ok')", [code, year])
        self.con.execute(
            "insert into raw.submission values (?, ?, ?, ?, ?, ?, null, null)",
            [code, year, version, sha, datetime(year + 1, 6, 1), f"https://example.gov.cn/{year}/{code}.html"],
        )
        self.con.execute(
            "insert into staging.report (sha256, parser_version, status, n_figures, error, parsed_at) "
            "values (?, 'test', ?, ?, ?, current_timestamp)",
            [sha, parse_status, len(values), "无法识别的文件格式" if parse_status == "failed" else None],
        )
        if values:
            self.con.executemany(
                "insert into staging.figure values (?, ?, ?, 'value', ?, 'amount', 0.01, ?, 0, 1, 'text')",
                [[sha, seq, key, value, f"{key} {value}万元"] for seq, (key, value) in enumerate(values.items())],
            )
            # what the load stores beside the figures (warehouse/sql/stage_parsed.sql)
            self.con.execute("insert into staging.document_value by name "
                             "select * from staging.first_statements('staging.figure') where sha256 = ?", [sha])
        if checked and parse_status == "parsed":
            self.result(code, year, "DQ-01", "error", "pass", sha=sha)
        self.shas[(code, year)] = sha
        return sha

    def missing(self, code: str, year: int) -> None:
        self.con.execute("insert into raw.fetch_attempt (run_id, unit_code, year, url, started_at, outcome) "
                         "values ('t', ?, ?, 'u', current_timestamp, 'not_found')", [code, year])

    def result(self, code: str, year: int, rule_id: str, severity: str, status: str, *,
               sha: str | None = None, message: str = "") -> None:
        self.con.execute(
            "insert or replace into dq.result (unit_code, year, sha256, rule_id, run_id, severity, status, message) "
            "values (?, ?, ?, ?, 'run', ?, ?, ?)",
            [code, year, sha or self.shas[(code, year)], rule_id, severity, status, message],
        )

    def perf(self, code: str, year: int, projects: list[tuple[Decimal, Decimal, Decimal]]) -> None:
        for no, (score, budget, executed) in enumerate(projects, start=1):
            self.con.execute(
                "insert into staging.perf_project (sha256, project_no, name, total_score, adjusted_budget, executed) "
                "values (?, ?, ?, ?, ?, ?)",
                [self.shas[(code, year)], no, f"项目{no}", score, budget, executed],
            )


def build_district(con: duckdb.DuckDBPyConnection, *, years: tuple[int, ...] = (2024,)) -> District:
    d = District(con)
    for unit in UNITS:
        d.unit(*unit)
    if 2023 in years:
        for code, values in FIGURES_2023.items():
            d.submit(code, 2023, values)
        d.missing("AGR", 2023)
        d.missing("EDU21", 2023)
    if 2024 in years:
        for code, values in FIGURES_2024.items():
            d.submit(code, 2024, values, parse_status="failed" if code == "AGR" else "parsed")
        d.missing("CUL", 2024)
        d.result("HLT1", 2024, "DQ-03", "error", "fail", message="支出总计≠基本支出+项目支出")
        d.result("HLT1", 2024, "DQ-07", "error", "fail", message='"三公"合计≠分项之和')
        d.result("HLT", 2024, "DQ-20", "warning", "fail", message="会议费增幅较大")  # a warning does not exclude
        d.result("EDU", 2024, "DQ-21", "warning", "waived", message="已说明")
        for code, projects in PERF_2024.items():
            d.perf(code, 2024, projects)
    return d


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.memory()
    yield c
    c.close()


@pytest.fixture
def district(con: duckdb.DuckDBPyConnection) -> District:
    return build_district(con, years=(2023, 2024))


@pytest.fixture
def out_root(tmp_path: Path) -> Path:
    return tmp_path / "publish"


def pytest_configure(config: pytest.Config) -> None:
    # the lead registers "browser" in pyproject; registering here too keeps --strict-markers happy
    # until then (a duplicate registration is harmless)
    config.addinivalue_line("markers", "browser: runs a real headless Chromium")
