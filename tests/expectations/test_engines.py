"""The GX engine gives the same dq.result rows as the SQL engine (the one GX test: import ~5 s),
and the GX-on-DuckDB workarounds still hold for the pinned GX version."""

from __future__ import annotations

from pathlib import Path

from expectations import run_checks
from tests.expectations.helpers import add_unit, doc, fig
from warehouse.db import memory


def test_gx_and_sql_engines_write_identical_results(tmp_path: Path):
    con = memory()
    for i in range(205):  # more failing units than GX's default 200-row cap on unexpected rows
        add_unit(con, f"U{i:03d}", 2024, doc(
            fig("income_total", "100.00"), fig("expenditure_total", f"{100 + i % 3}.00"),
            fig("basic_expenditure", "93.09"), fig("personnel_expense", "63.85"), fig("public_expense", "29.24"),
            fig("operating_expense", f"{29 + i % 3}.00"), text=f"doc {i}"))
    sql = run_checks(con, year=2024, run_id="sql", engine="sql")
    sql_rows = con.execute("select * exclude (run_id) from dq.result order by all").fetchall()
    gx = run_checks(con, year=2024, run_id="gx", engine="gx", data_docs_dir=tmp_path / "docs")
    gx_rows = con.execute("select * exclude (run_id) from dq.result order by all").fetchall()
    assert gx_rows == sql_rows
    assert sql.errors == gx.errors > 200
    assert (tmp_path / "docs" / "index.html").exists()
    assert con.execute("select engine, data_docs from dq.run where run_id = 'gx'").fetchone() == (
        "gx", str(tmp_path / "docs"))

    # regression for expectations/gx_duckdb.py: without the buffering fix every metric errors
    from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

    from expectations import gx_duckdb
    from expectations.catalogue import load_catalogue
    from expectations.gx_engine import GXRuleError, run_gx

    rule = next(r for r in load_catalogue() if r.id == "DQ-10")
    SqlAlchemyExecutionEngine.execute_query = gx_duckdb._original_execute_query  # type: ignore[method-assign]
    try:
        import great_expectations.expectations.metrics.query_metric_provider as qmp

        qmp.MAX_RESULT_RECORDS = 200  # type: ignore[misc]
        from unittest import mock

        from expectations.facts import materialised

        with mock.patch.object(gx_duckdb, "apply", lambda: None), materialised(con, 2024):
            try:
                run_gx(con, [rule], 2024)
            except GXRuleError:
                pass  # the errored expectation is reported as broken, never as "failed"
            else:
                raise AssertionError("GX 1.24 on duckdb-engine works unpatched now: drop gx_duckdb")
    finally:
        gx_duckdb.apply()
