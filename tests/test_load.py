from datetime import datetime
from decimal import Decimal

from tasks.fetch import FetchResult
from tasks.load import attempted_units, parsed_shas, previous_versions, record_fetches, store_parsed, unparsed
from tasks.model import Figure, ParsedDocument
from tasks.parse.batch import ParseOutcome
from warehouse import db


def fetched(code: str, body: bytes, outcome: str = "ok") -> FetchResult:
    import hashlib

    return FetchResult(code, 2024, f"http://x/{code}", outcome, datetime(2025, 9, 1), 5,
                       content=body if outcome == "ok" else None,
                       sha256=hashlib.sha256(body).hexdigest() if outcome == "ok" else None, etag='"e"')


def doc(value: str) -> ParsedDocument:
    fig = Figure("income_total", Decimal(value), "amount", Decimal("0.01"), f"收入总计{value}万元", (0, 10))
    return ParsedDocument("text", "utf-8", "t1", "…", unit_name="甲", year=2024, figures=[fig])


def counts(con):
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("raw.fetch_attempt", "raw.document", "raw.submission", "staging.report", "staging.figure")}


def test_same_bytes_twice_add_no_version(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    assert record_fetches(con, "r1", [fetched("A", b"one"), fetched("B", b"", "not_found")]) == 1
    assert record_fetches(con, "r2", [fetched("A", b"one")]) == 0
    assert record_fetches(con, "r3", [fetched("A", b"two")]) == 1
    rows = con.execute("select version, sha256 from raw.submission order by version").fetchall()
    assert [v for v, _ in rows] == [1, 2]
    assert previous_versions(con, 2024)["A"].sha256 == rows[-1][1]
    assert counts(con)["raw.fetch_attempt"] == 4


def test_units_fetched_before_include_those_that_had_nothing_to_fetch(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    record_fetches(con, "r1", [fetched("A", b"one"), fetched("B", b"", "not_found")])
    assert attempted_units(con, 2024) == {"A", "B"}  # B has no document, but a re-run expects its 404 again
    assert set(previous_versions(con, 2024)) == {"A"}
    assert attempted_units(con, 2023) == frozenset()


def test_parsed_rows_are_replaced_whole_and_only_when_needed(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    r = fetched("A", b"one")
    record_fetches(con, "r1", [r])
    assert [sha for sha, _, _ in unparsed(con, 2024, "t1")] == [r.sha256]
    store_parsed(con, [ParseOutcome(r.sha256, doc("100.00"))], "t1")
    assert unparsed(con, 2024, "t1") == [] and parsed_shas(con, 2024, "t1") == {r.sha256}
    store_parsed(con, [ParseOutcome(r.sha256, doc("100.00"))], "t1")
    assert counts(con)["staging.figure"] == 1
    value = con.execute("select income_total from staging.unit_value").fetchone()[0]
    assert value == Decimal("100.000000")
    assert unparsed(con, 2024, "t2") != []  # a new parser version re-parses


def test_failed_parse_is_recorded_with_its_reason(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    r = fetched("A", b"\x00\x01")
    record_fetches(con, "r1", [r])
    store_parsed(con, [ParseOutcome(r.sha256, None, "unit A, file http://x/A: binary content")], "t1")
    assert con.execute("select status, error from staging.report").fetchone() == (
        "failed", "unit A, file http://x/A: binary content")
    assert con.execute("select parse_status from staging.current_submission").fetchone() == ("failed",)


def test_a_failing_batch_leaves_nothing_half_written(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    r = fetched("A", b"one")
    record_fetches(con, "r1", [r])
    store_parsed(con, [ParseOutcome(r.sha256, doc("100.00"))], "t1")
    before = counts(con)
    bad = ParsedDocument("text", None, "t2", "", figures=[
        Figure("income_total", Decimal("1e20"), "amount", Decimal("0.01"), "x", (0, 1))])  # overflows DECIMAL(18,6)
    try:
        store_parsed(con, [ParseOutcome(r.sha256, bad)], "t2")
    except Exception:
        pass
    else:
        raise AssertionError("an overflowing value must fail the batch")
    assert counts(con) == before
    assert con.execute("select parser_version from staging.report").fetchone() == ("t1",)


def test_decimal_columns_built_from_text_equal_polars_own_conversion():
    import polars as pl

    from tasks.load import _FIGURE, _frame

    values = [Decimal("3698.29"), Decimal("-0.5"), None, Decimal("1E+2"), Decimal("0.1234567"),
              Decimal("123456789012.123456"), Decimal("0.000001")]
    rows = [{"sha256": "s", "seq": i, "key": "k", "kind": "value", "value": v, "measure": "amount",
             "precision": Decimal("0.01") if v is not None else None, "snippet": "x", "span_start": 0,
             "span_end": 1, "source": "text"} for i, v in enumerate(values)]
    built = _frame(rows, _FIGURE)
    assert built.equals(pl.DataFrame(rows, schema=_FIGURE)) and built.schema == _FIGURE
    assert built["value"].to_list()[3:5] == [Decimal("100.000000"), Decimal("0.123457")]
