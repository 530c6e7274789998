"""staging.document_value (migration 005): each document's first statements, pivoted when it is loaded,
must give staging.unit_value exactly what the view computed from every current figure before."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tasks.fetch import FetchResult
from tasks.load import record_fetches, store_parsed
from tasks.model import Figure, ParsedDocument
from tasks.parse.batch import ParseOutcome, parse_batch
from tasks.synth import make_district, render
from warehouse import db

YEAR = 2024
CORPUS = Path(__file__).parent / "corpus"

# staging.unit_value's columns after unit_code, year, sha256 (each with <key>__prec), in order: the
# rules (expectations/sql) and the marts read them by name
KEYS = (
    "income_total", "expenditure_total", "income_this_year", "expenditure_this_year",
    "fiscal_appropriation_income", "general_budget_income", "gov_fund_income", "state_capital_income",
    "business_income", "operating_income", "other_income", "use_of_non_fiscal_balance", "carry_over_begin",
    "carry_over_end", "basic_expenditure", "project_expenditure", "basic_share_pct", "project_share_pct",
    "personnel_expense", "public_expense", "three_public_total", "outbound_travel", "vehicle_purchase",
    "vehicle_operation", "official_reception", "reception_batches", "reception_people",
    "reception_per_capita_yuan", "outbound_groups", "outbound_people", "vehicles_purchased", "vehicles_held",
    "meeting_fee", "training_fee", "travel_fee", "operating_expense", "procurement_total", "procurement_goods",
    "procurement_works", "procurement_services", "sme_contract_amount", "small_micro_contract_amount",
    "sme_share_pct", "small_micro_share_pct", "vehicles_count", "large_equipment_count", "perf_projects_count",
    "perf_projects_funds",
)

# the view as it was before migration 005, pivoting every current figure on each read: the reference
OLD_UNIT_VALUE = """
with firsts as (
    select *, seq = min(seq) over (partition by sha256, key) as first_statement
    from staging.current_figure
    where kind = 'value'
)
select c.unit_code, c.year, c.sha256, {columns}
from staging.current_submission c
left join firsts f using (sha256)
where c.parse_status = 'parsed'
group by c.unit_code, c.year, c.sha256
""".format(columns=",\n".join(
    f"min(value) filter (where key = '{k}' and first_statement) as {k}, "
    f"min(precision) filter (where key = '{k}' and first_statement) as {k}__prec"
    for k in KEYS
))


def assert_as_before(con: duckdb.DuckDBPyConnection) -> None:
    """staging.unit_value has the old view's columns, types and rows."""
    assert con.sql("describe staging.unit_value").fetchall() == con.sql(f"describe {OLD_UNIT_VALUE}").fetchall()
    for a, b in [("staging.unit_value", f"({OLD_UNIT_VALUE})"), (f"({OLD_UNIT_VALUE})", "staging.unit_value")]:
        assert db.scalar(con, f"select count(*) from (select * from {a} except all select * from {b})") == 0


def fig(key: str, value: str, prec: str = "0.01", kind: str = "value") -> Figure:
    return Figure(key, Decimal(value), "amount", Decimal(prec), f"{key}{value}万元", (0, 10), kind)  # type: ignore[arg-type]


def parsed(*figures: Figure, parser_version: str = "t1") -> ParsedDocument:
    return ParsedDocument("text", "utf-8", parser_version, "…", unit_name="甲", year=YEAR, figures=list(figures))


def fetch(con: duckdb.DuckDBPyConnection, body: bytes, *units: str, year: int = YEAR) -> str:
    sha = hashlib.sha256(body).hexdigest()
    record_fetches(con, "r", [FetchResult(u, year, f"http://x/{u}", "ok", datetime(year + 1, 9, 1), 5,
                                          content=body, sha256=sha) for u in units])
    return sha


def values(con: duckdb.DuckDBPyConnection, unit: str, *columns: str) -> tuple | None:
    rows = con.execute(f"select {', '.join(columns)} from staging.unit_value where unit_code = ?", [unit]).fetchall()
    return rows[0] if rows else None


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = db.memory()
    yield c
    c.close()


def test_the_first_value_statement_of_a_key_counts_wherever_it_comes(con):
    sha = fetch(con, b"one", "A")
    store_parsed(con, [ParseOutcome(sha, parsed(
        fig("income_total", "5.00", kind="change"),          # not a value: skipped
        fig("expenditure_total", "90.00"),
        fig("income_total", "100.0", prec="0.1"),            # the first value statement of income_total
        fig("income_total", "100.04"),                        # a later, more precise one: left for DQ-38
        fig("meeting_fee", "1.20", kind="budget"),            # only a budget: no value
    ))], "t1")
    assert values(con, "A", "income_total", "income_total__prec", "expenditure_total", "meeting_fee") == (
        Decimal("100.000000"), Decimal("0.100000"), Decimal("90.000000"), None)
    assert_as_before(con)


def test_a_reparse_replaces_the_pivot_and_a_failed_one_removes_it(con):
    sha = fetch(con, b"one", "A")
    store_parsed(con, [ParseOutcome(sha, parsed(fig("income_total", "100.00"), fig("meeting_fee", "2.00")))], "t1")
    store_parsed(con, [ParseOutcome(sha, parsed(fig("income_total", "120.00"), fig("training_fee", "3.00"),
                                                parser_version="t2"))], "t2")
    assert values(con, "A", "income_total", "meeting_fee", "training_fee") == (
        Decimal("120.000000"), None, Decimal("3.000000"))
    assert db.scalar(con, "select count(*) from staging.document_value") == 1
    assert_as_before(con)

    store_parsed(con, [ParseOutcome(sha, None, "unit A: binary content")], "t3")
    assert values(con, "A", "income_total") is None
    assert db.scalar(con, "select count(*) from staging.document_value") == 0
    assert_as_before(con)


def test_one_document_sent_by_two_units_is_pivoted_once_and_shown_to_both(con):
    shared = fetch(con, b"same bytes", "A", "B")
    empty = fetch(con, b"no values", "C")
    store_parsed(con, [ParseOutcome(shared, parsed(fig("income_total", "7.00"))),
                       ParseOutcome(empty, parsed(fig("income_total", "1.00", kind="change")))], "t1")
    assert values(con, "A", "income_total") == values(con, "B", "income_total") == (Decimal("7.000000"),)
    assert values(con, "C", "income_total", "income_total__prec") == (None, None)  # parsed, nothing stated
    assert con.sql("select sha256 from staging.document_value").fetchall() == [(shared,)]
    assert_as_before(con)


def test_the_migration_backfills_what_the_view_computed(con):
    """A warehouse loaded before migration 005 (real parses of generated and corpus documents, two
    years, a resubmission) comes out of the migration with the old view's rows."""
    units = make_district(24, real_documents=sorted(CORPUS.glob("*.txt")))
    for year in (YEAR - 1, YEAR):
        docs = [(u.unit_code, render(u, year)) for u in units if u.submits]
        store_parsed(con, parse_batch([(fetch(con, body, code, year=year), body, code) for code, body in docs]), "t1")
    resubmitted = fetch(con, b"corrected", units[0].unit_code)
    store_parsed(con, [ParseOutcome(resubmitted, parsed(fig("income_total", "1.00"), fig("income_total", "2.00")))],
                 "t1")
    assert db.scalar(con, "select count(*) from staging.figure where kind = 'value'") > 1000
    assert_as_before(con)  # as loaded

    # what a warehouse migrated up to 004 held: the same staging rows, without 005's table and macro
    db.run(con, "drop table staging.document_value")
    db.run(con, "drop macro table staging.first_statements")
    db.run(con, "delete from meta.schema_migration where version = 5")
    assert db.migrate(con) == ["005_document_value"]
    assert_as_before(con)
