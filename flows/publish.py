"""The publication flow: write the district tables for a year from the current warehouse."""

from __future__ import annotations

from prefect import flow

from tasks import runners, steps
from tasks.config import load_settings


@flow(name="publication")
def publication(year: int, config: str = "juesuan.toml") -> dict:
    from expectations import RULES_VERSION
    from tasks.parse import PARSER_VERSION

    settings = load_settings(config)
    with runners.writer_slot(settings.warehouse):  # waits for a running collection on a server
        pub = steps.publish(settings, year, RULES_VERSION, PARSER_VERSION)
    return {"path": str(pub.path), "manifest": str(pub.manifest_path), "version": pub.version, "new": pub.new}
