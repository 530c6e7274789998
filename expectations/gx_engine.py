"""The Great Expectations engine: one suite, one ``UnexpectedRowsExpectation`` per SQL rule (plus
an ``info`` one for its rounding tails), validated over one whole-year batch of all units; the
rows they return go to the run's findings table (``engines.FINDINGS``).

GX reports metric errors in ``exception_info`` rather than raising, so an errored expectation is
turned into :class:`GXRuleError` here instead of being read as "failed". Data Docs are built into
``data_docs_dir`` when asked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from expectations.catalogue import Rule
from expectations.engines import batch_query, new_findings, rule_query, store_findings

_SEVERITY = {"error": "critical", "warning": "warning"}
# Unexpected rows Data Docs show per expectation (the observed count gives the total).
DOCS_SAMPLE_ROWS = 50


class GXRuleError(RuntimeError):
    """An expectation raised inside GX (bad SQL, missing view): a broken check, not a failure."""


def run_gx(
    con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], year: int, *, data_docs_dir: Path | None = None
) -> int:
    """Every rule's rows into ``engines.FINDINGS`` (as :func:`engines.run_sql`); returns their number."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from expectations import gx_duckdb

    gx_duckdb.apply()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql(  # type: ignore[call-arg]  # kwargs is a pydantic field GX's stub omits
        name="warehouse", connection_string="duckdb:///:memory:", kwargs=gx_duckdb.engine_kwargs(con)
    )
    batch = source.add_query_asset(name=f"units_{year}", query=batch_query(year)).add_batch_definition_whole_table(
        "all_units"
    )
    # All expectations at construction: suite.add_expectation re-serialises the stored suite each
    # time (quadratic in the number of rules).
    suite = context.suites.add(gx.ExpectationSuite(name=f"juesuan_dq_{year}", expectations=[
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=rule_query(rule, failures=failures),
            severity=_SEVERITY[rule.severity] if failures else "info",  # type: ignore[arg-type]  # coerced
            description=f"{rule.id} {rule.title}" + ("" if failures else " (尾差,允许范围内)"),
            meta={"rule_id": rule.id, "failures": failures},
        )
        for rule in rules if rule.sql is not None for failures in (True, False)
    ]))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"dq_{year}", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=f"dq_{year}", validation_definitions=[validation], actions=[],
                      result_format={"result_format": "COMPLETE"})
    )
    outcome = checkpoint.run()
    # COMPLETE is the only format that hands back the unexpected rows. Each expectation's rows go
    # to the findings table as soon as they are read and are then cut down to a sample, in the
    # result and in the context's (in-memory) validation store, so neither holds 100 000 units'
    # rows while the runner judges them, and Data Docs (built afterwards) render a sample.
    new_findings(con)
    stored = 0
    for key, run_result in outcome.run_results.items():
        for res in run_result.results:
            meta = (res.expectation_config.meta if res.expectation_config else None) or {}
            rule_id = str(meta.get("rule_id"))
            info = res.exception_info or {}
            if info.get("raised_exception") or any(
                isinstance(v, dict) and v.get("raised_exception") for v in info.values()
            ):
                raise GXRuleError(f"{rule_id}: the expectation errored inside GX: {_first_message(info)}")
            details = res.result.get("details") or {}
            rows = details.get("unexpected_rows") or []
            if len(rows) != res.result.get("observed_value", len(rows)):
                raise GXRuleError(f"{rule_id}: GX returned {len(rows)} of {res.result['observed_value']} rows")
            store_findings(con, rule_id, rows)
            stored += len(rows)
            if len(rows) > DOCS_SAMPLE_ROWS:
                details["unexpected_rows"] = rows[:DOCS_SAMPLE_ROWS]
                details["unexpected_rows_shown"] = f"{DOCS_SAMPLE_ROWS} of {len(rows)}"
            del rows
        context.validation_results_store.set(key, run_result)
    if data_docs_dir is not None:
        context.add_data_docs_site(
            site_name="juesuan",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(Path(data_docs_dir).resolve())},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        context.build_data_docs(site_names=["juesuan"])
    return stored


def _first_message(info: dict[str, Any]) -> str:
    if info.get("exception_message"):
        return str(info["exception_message"])
    for v in info.values():
        if isinstance(v, dict) and v.get("exception_message"):
            return str(v["exception_message"])
    return "unknown error"
