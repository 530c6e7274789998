"""Thin Prefect task wrappers around the stage functions: one task per step, one batch of units per
task run (never one unit: a task run costs the server ~150 ms). This is the only module of
``tasks/`` that imports Prefect, so quick commands (parse, check, status, sql) stay quick.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks import freshness, pipeline, registry
from tasks import load as loader
from tasks.config import Settings
from tasks.fetch import FetchOptions, Previous
from tasks.pipeline import BatchInput, BatchResult
from tasks.registry import Unit

if TYPE_CHECKING:
    from tasks.publish import Publication
from warehouse import db
from warehouse.sql import statement

# rows of the run's table artifact: the Prefect UI shows a page of them, and a province has
# ~12 000 units needing action, which the check report's CSV lists in full
ARTIFACT_ROWS = 500


def new_run_id(kind: str, year: int) -> str:
    return f"{kind}-{year}-{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@task(name="sync-registry", cache_policy=NO_CACHE)
def sync_registry(settings: Settings) -> list[Unit]:
    units = registry.read_units(settings.registry)
    with db.connect(settings.warehouse) as con:
        registry.sync_units(con, units)
    return units


@task(name="sync-campaign", cache_policy=NO_CACHE)
def sync_campaign(settings: Settings, year: int) -> None:
    """The year's campaign requirements into meta.campaign, for the submission-level rules."""
    campaign = settings.campaign(year)
    if campaign is None:
        return
    with db.connect(settings.warehouse) as con:
        db.run(con, statement("upsert_campaign"), {
            "year": year, "open": campaign.open, "deadline": campaign.deadline,
            "publication": campaign.publication, "required_tables": campaign.required_tables,
        })


class PriorState(NamedTuple):
    """What the warehouse holds for the year before a collection starts."""

    previous: dict[str, Previous]  # per unit: its newest document and that download's validators
    parsed: frozenset[str]  # documents parsed by this parser version
    attempted: frozenset[str]  # units fetched before, documents or not


@task(name="prior-state", cache_policy=NO_CACHE)
def prior_state(settings: Settings, year: int, parser_version: str) -> PriorState:
    with db.connect(settings.warehouse) as con:
        return PriorState(loader.previous_versions(con, year), loader.parsed_shas(con, year, parser_version),
                          loader.attempted_units(con, year))


@task(name="fetch-and-parse", cache_policy=NO_CACHE)
def fetch_and_parse(
    batch: BatchInput, year: int, options: FetchOptions, parser_version: str, max_documents: int | None = None,
) -> BatchResult:
    return pipeline.fetch_and_parse(batch.units, year, previous=batch.previous, parsed_shas=batch.parsed_shas,
                                    options=options, parser_version=parser_version, max_documents=max_documents)


@task(name="load-batch", cache_policy=NO_CACHE)
def load_batch(settings: Settings, run_id: str, batch: BatchResult) -> int:
    with db.connect(settings.warehouse) as con:
        return pipeline.load(con, run_id, batch)


@task(name="parse-leftovers", cache_policy=NO_CACHE)
def parse_leftovers(settings: Settings, year: int, parser_version: str) -> int:
    with db.connect(settings.warehouse) as con:
        return pipeline.parse_leftovers(con, year, parser_version)


@task(name="validate", cache_policy=NO_CACHE)
def validate(settings: Settings, year: int, run_id: str) -> dict:
    from expectations import RULES_VERSION, run_checks

    with db.connect(settings.warehouse) as con:
        # nothing the checks read changed since the last completed run: the verdicts stand (tasks/freshness.py)
        inputs = freshness.check_inputs(con, year, RULES_VERSION)
        if freshness.checks_current(con, year, inputs):
            return {"skipped": "no document, waiver or rule changed since the last check", "inputs": inputs}
        summary = run_checks(
            con, year=year, run_id=run_id, engine="gx", data_docs_dir=settings.reports_root / str(year) / "gx",
            keep="none",  # the verdicts are in dq.result; holding them all here would not scale
        )
    return {"engine": summary.engine, "units": summary.units, "results": summary.rows,
            "errors": summary.errors, "warnings": summary.warnings, "seconds": round(summary.seconds, 2),
            "data_docs": summary.data_docs, "inputs": inputs}


@task(name="check-report", cache_policy=NO_CACHE)
def check_report(settings: Settings, year: int, checks: dict | None = None) -> Path:
    from expectations.report import REPORT_NAME, write_check_report, write_unit_feedback

    out = settings.reports_root / str(year)
    if checks and checks.get("skipped") and (out / REPORT_NAME).exists():
        return out / REPORT_NAME  # same verdicts, units and rules as last time: the same pages
    with db.connect(settings.warehouse) as con:
        write_unit_feedback(con, year, out / "units")
        return write_check_report(con, year, out)


@task(name="alert", cache_policy=NO_CACHE)
def alert(settings: Settings, year: int, run_id: str, check_report: Path) -> dict:
    """Unit notices and the bureau summary; the units needing action become the run's table artifact.
    A failed delivery is recorded in dq.alert, never raised."""
    from prefect.artifacts import create_table_artifact

    from tasks.alert import send_alerts

    with db.connect(settings.warehouse) as con:
        summary = send_alerts(con, settings, year, run_id, check_report=check_report)
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
    shown = summary.needing_action[:ARTIFACT_ROWS]
    more = len(summary.needing_action) - len(shown)
    create_table_artifact(
        key=f"units-needing-action-{year}", table=shown,
        description=f"**{year}: units needing action** ({counts})"
                    + (f"; the first {len(shown)} shown, {more} more" if more else "")
                    + f". Check report: {summary.check_report} (every unit: check_units.csv beside it)",
    )
    return summary.brief()


@task(name="publish", cache_policy=NO_CACHE)
def publish(settings: Settings, year: int, rules_version: str, parser_version: str) -> Publication:
    from tasks.publish import publish as write_publication

    with db.connect(settings.warehouse) as con:
        return write_publication(
            con, year, settings.publish_root, rules_version=rules_version, parser_version=parser_version
        )


@task(name="summarize", cache_policy=NO_CACHE)
def summarize(settings: Settings, year: int) -> dict[str, int]:
    with db.connect(settings.warehouse) as con:
        cur = con.execute(statement("collection_summary"), {"year": year})
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))  # type: ignore[arg-type]


@task(name="start-run", cache_policy=NO_CACHE)
def start_run(settings: Settings, run_id: str, year: int, parser_version: str, rules_version: str) -> None:
    with db.connect(settings.warehouse) as con:
        db.run(con, statement("run_start"), {"run_id": run_id, "kind": "collect", "year": year,
                                             "parser_version": parser_version, "rules_version": rules_version})


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_run(settings: Settings, run_id: str, status: str, summary: dict) -> None:
    import json

    with db.connect(settings.warehouse) as con:
        db.run(con, statement("run_finish"), {"run_id": run_id, "status": status,
                                              "summary": json.dumps(summary, default=str, ensure_ascii=False)})
