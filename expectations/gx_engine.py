"""The Great Expectations engine: one suite, one :class:`RuleExpectation` per SQL rule (its failing
rows must not exist, at the rule's severity), validated over one whole-year batch of all units.

GX decides which rules failed and for how many rows; the rows themselves are the ones
:func:`engines.run_sql` stored from the very same SQL, and GX's count for each rule must equal the
stored failures (else :class:`GXRuleError`). The expectation is GX's ``UnexpectedRowsExpectation``
computing only its row count: the stock one also fetches the rows (a second run of every rule) and
hands them back value by value through GX's result store, which cost more than the checks
themselves and grew with the units, while Data Docs show only the count. Rounding tails (rows
within tolerance) decide no verdict, so they have no expectation: one would read as "failed"
whenever a tail exists.

Importing this module imports great_expectations (~5 s): the runner imports it only for
``engine="gx"``. GX reports metric errors in ``exception_info`` rather than raising, so an
errored expectation is turned into :class:`GXRuleError` here instead of being read as "failed".
Data Docs are built into ``data_docs_dir`` when asked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations import gx_duckdb
from expectations.catalogue import Rule
from expectations.engines import batch_query, failure_counts, rule_query

_SEVERITY = {"error": "critical", "warning": "warning"}


class GXRuleError(RuntimeError):
    """An expectation raised inside GX (bad SQL, missing view), or GX and the stored findings
    disagree: a broken check, not a failure."""


class RuleExpectation(gxe.UnexpectedRowsExpectation):
    """A catalogue rule: its query (``engines.rule_query``) returns no failing row. Observed value:
    the number of failing rows."""

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None,
                  execution_engine: Any = None) -> dict:
        count = metrics["unexpected_rows_query.row_count"]
        return {"success": count == 0, "result": {"observed_value": count}}


def run_gx(
    con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], year: int, *, data_docs_dir: Path | None = None
) -> int:
    """Validate every SQL rule through GX against the findings :func:`engines.run_sql` stored
    (inside ``facts.materialised``); returns the number of failing rows GX counted."""
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
        RuleExpectation(
            unexpected_rows_query=rule_query(rule),
            severity=_SEVERITY[rule.severity],  # type: ignore[arg-type]  # coerced
            description=f"{rule.id} {rule.title}",
            meta={"rule_id": rule.id},
        )
        for rule in rules if rule.sql is not None
    ]))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"dq_{year}", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=f"dq_{year}", validation_definitions=[validation], actions=[])
    )
    outcome = checkpoint.run()
    stored = failure_counts(con)
    counted = 0
    for run_result in outcome.run_results.values():
        for res in run_result.results:
            meta = (res.expectation_config.meta if res.expectation_config else None) or {}
            rule_id = str(meta.get("rule_id"))
            info = res.exception_info or {}
            if info.get("raised_exception") or any(
                isinstance(v, dict) and v.get("raised_exception") for v in info.values()
            ):
                raise GXRuleError(f"{rule_id}: the expectation errored inside GX: {_first_message(info)}")
            observed = res.result.get("observed_value")
            if observed != stored.get(rule_id, 0):
                raise GXRuleError(f"{rule_id}: GX counted {observed} failing rows, the findings hold "
                                  f"{stored.get(rule_id, 0)}")
            counted += observed
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
    return counted


def _first_message(info: dict[str, Any]) -> str:
    if info.get("exception_message"):
        return str(info["exception_message"])
    for v in info.values():
        if isinstance(v, dict) and v.get("exception_message"):
            return str(v["exception_message"])
    return "unknown error"
