"""juesuan.toml: one file says where the registry, warehouse and outputs are, and what each
yearly campaign requires. Paths are relative to the config file. Unknown keys are errors, because
a misspelt setting that is silently ignored is worse than one that stops the run.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tasks.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchSettings(_Strict):
    concurrency: int = Field(32, ge=1, le=1024)
    connect_timeout: float = Field(5.0, gt=0)
    read_timeout: float = Field(20.0, gt=0)
    total_timeout: float = Field(60.0, gt=0)
    max_bytes: int = Field(20 * 1024 * 1024, gt=0)
    retries: int = Field(2, ge=0, le=10)
    backoff: float = Field(0.5, ge=0)


class Campaign(_Strict):
    open: date
    deadline: date
    publication: date
    reminders: list[date] = []
    # the standard tables (T01…T09) a unit's whole submission must contain (DQ-01…DQ-04)
    required_tables: list[str] = []


class Alerts(_Strict):
    # apprise URLs; "${NAME}" is replaced from the environment so secrets stay out of the file
    bureau: list[str] = []
    unit_email: str | None = None  # apprise mailto URL template used for each unit's contact_email
    retries: int = Field(2, ge=0, le=10)


# where a collection's fetch+parse batches run (tasks/runners.py)
Runner = Literal["thread", "process", "dask"]
RUNNERS: tuple[str, ...] = get_args(Runner)


class Settings(_Strict):
    base_dir: Path
    registry: Path
    warehouse: Path
    publish_root: Path
    reports_root: Path
    batch_size: int = Field(500, ge=1)
    runner: Runner = "process"
    dask_address: str | None = None
    fetch: FetchSettings = FetchSettings()
    alerts: Alerts = Alerts()
    campaigns: dict[int, Campaign] = {}

    def campaign(self, year: int) -> Campaign | None:
        return self.campaigns.get(year)


def load_settings(path: str | Path) -> Settings:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist (copy juesuan.toml from the repository)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    base = path.resolve().parent
    paths = raw.pop("paths", {})
    unknown = set(paths) - {"registry", "warehouse", "publish", "reports"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [paths]: {', '.join(sorted(unknown))}")
    try:
        return Settings(
            base_dir=base,
            registry=base / paths.get("registry", "units.csv"),
            warehouse=base / paths.get("warehouse", "var/warehouse.duckdb"),
            publish_root=base / paths.get("publish", "publish"),
            reports_root=base / paths.get("reports", "var/reports"),
            campaigns={int(y): c for y, c in raw.pop("campaign", {}).items()},
            **raw,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
