"""The Great Expectations engine: one suite, one ``UnexpectedRowsExpectation`` per SQL rule (plus
an ``info`` one for its rounding tails), validated over one whole-year batch of all units.

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
from expectations.engines import batch_query, rule_query, to_findings
from expectations.results import Finding

_SEVERITY = {"error": "critical", "warning": "warning"}
_FIELDS = ("unit_code", "year", "sha256", "observed", "expected", "difference", "tolerance", "detail",
           "figure_keys")


class GXRuleError(RuntimeError):
    """An expectation raised inside GX (bad SQL, missing view): a broken check, not a failure."""


def run_gx(
    con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], year: int, *, data_docs_dir: Path | None = None
) -> dict[str, list[Finding]]:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
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
    actions: list[Any] = []
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
        actions.append(UpdateDataDocsAction(name="data_docs", site_names=["juesuan"]))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=f"dq_{year}", validation_definitions=[validation], actions=actions,
                      result_format={"result_format": "COMPLETE"})
    )
    outcome = checkpoint.run()
    rows_by_rule: dict[str, list[tuple[Any, ...]]] = {r.id: [] for r in rules if r.sql is not None}
    for run_result in outcome.run_results.values():
        for res in run_result.results:
            meta = (res.expectation_config.meta if res.expectation_config else None) or {}
            rule_id = str(meta.get("rule_id"))
            info = res.exception_info or {}
            if info.get("raised_exception") or any(
                isinstance(v, dict) and v.get("raised_exception") for v in info.values()
            ):
                raise GXRuleError(f"{rule_id}: the expectation errored inside GX: {_first_message(info)}")
            rows = (res.result.get("details") or {}).get("unexpected_rows") or []
            if len(rows) != res.result.get("observed_value", len(rows)):
                raise GXRuleError(f"{rule_id}: GX returned {len(rows)} of {res.result['observed_value']} rows")
            rows_by_rule[rule_id] += [tuple(row[f] for f in _FIELDS) for row in rows]
    return {k: to_findings(v) for k, v in rows_by_rule.items()}


def _first_message(info: dict[str, Any]) -> str:
    if info.get("exception_message"):
        return str(info["exception_message"])
    for v in info.values():
        if isinstance(v, dict) and v.get("exception_message"):
            return str(v["exception_message"])
    return "unknown error"
