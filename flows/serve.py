"""``juesuan serve``: run the deployments of deploy/prefect.yaml from this process, without a work pool.

deploy/prefect.yaml is the only place schedules, parameters and concurrency limits are written;
``prefect deploy`` reads it for a work pool, and this module reads it for Prefect's ``serve``, so the
two can never disagree. Only what ``serve`` can honour is taken over (no work pool, no pull steps).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.schedules import Schedule

PREFECT_YAML = Path(__file__).resolve().parents[1] / "deploy" / "prefect.yaml"


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    specs = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("deployments") or []
    if not specs:
        raise ValueError(f"{path} declares no deployments")
    return specs


def build_deployments(
    path: Path = PREFECT_YAML, *, config: str | None = None, year: int | None = None
) -> list[RunnerDeployment]:
    """One runner deployment per entry; ``config`` / ``year`` replace the file's parameters."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig

    deployments = []
    for spec in deployment_specs(path):
        flow = _flow(spec["entrypoint"])
        parameters = dict(spec.get("parameters") or {})
        parameters.update({k: v for k, v in (("config", config), ("year", year)) if v is not None})
        limit = spec.get("concurrency_limit")
        deployments.append(flow.to_deployment(
            name=spec["name"],
            description=spec.get("description"),
            tags=spec.get("tags"),
            parameters=parameters,
            schedules=[_schedule(s) for s in spec.get("schedules") or []],
            concurrency_limit=ConcurrencyLimitConfig(**limit) if isinstance(limit, dict) else limit,
        ))
    return deployments


def serve(path: Path = PREFECT_YAML, *, config: str | None = None, year: int | None = None) -> None:
    """Run the schedules until interrupted (pausing them again on the way out)."""
    from prefect import serve as prefect_serve

    from tasks.runners import ensure_writer_limit

    deployments = build_deployments(path, config=config, year=year)
    ensure_writer_limit()
    prefect_serve(*deployments)


def _flow(entrypoint: str) -> Any:
    # "flows/collect.py:yearly_collection" → the flow object of the installed module flows.collect,
    # so the deployment points at the same code the CLI runs (not a second copy loaded by path)
    file, name = entrypoint.rsplit(":", 1)
    module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def _schedule(item: dict[str, Any]) -> Schedule:
    from prefect.schedules import Cron, Interval

    common = {"timezone": item.get("timezone"), "active": item.get("active", True),
              "parameters": item.get("parameters") or {}, "slug": item.get("slug")}
    if "cron" in item:
        return Cron(item["cron"], day_or=item.get("day_or", True), **common)
    if "interval" in item:
        return Interval(item["interval"], anchor_date=item.get("anchor_date"), **common)
    raise ValueError(f"schedule {item} has neither cron nor interval (the only kinds juesuan uses)")
