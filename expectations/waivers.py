"""Bureau waivers: an accepted explanation turns a failed warning into ``waived``. Errors are
identities or mandatory disclosures and cannot be waived."""

from __future__ import annotations

from datetime import datetime

import duckdb

from expectations.catalogue import load_catalogue


class WaiverRefused(ValueError):
    """The waiver cannot be recorded (unknown rule, error rule, empty reason)."""


def waive(
    con: duckdb.DuckDBPyConnection, unit_code: str, rule_id: str, year: int, reason: str, created_by: str
) -> None:
    """Record (or replace) the bureau's acceptance of ``unit_code``'s explanation for ``rule_id``.
    It takes effect at the next check run."""
    rules = {r.id: r for r in load_catalogue()}
    rule = rules.get(rule_id)
    if rule is None:
        raise WaiverRefused(f"unknown rule {rule_id!r}: rule ids look like DQ-01 … DQ-50")
    if rule.severity == "error":
        raise WaiverRefused(
            f"{rule_id} ({rule.title}) is an error rule and cannot be waived: the unit must correct "
            "and republish the document"
        )
    if not reason.strip():
        raise WaiverRefused("a waiver needs a reason (the explanation the bureau accepted)")
    con.execute(
        "insert or replace into dq.waiver values ($unit, $year, $rule, $reason, $by, $at)",
        {"unit": unit_code, "year": year, "rule": rule_id, "reason": reason.strip(), "by": created_by,
         "at": datetime.now()},
    )
