"""Running the rule SQL: the plain DuckDB engine, and the query shapes both engines share.

Both engines execute exactly the same text per rule: the rule's SQL, pointed at the run's
materialised facts (:mod:`expectations.facts`; run inside ``facts.materialised``), restricted to
the run's batch (every current unit of one year, in one batch) and split into failures and
rounding tails by the same predicate. The GX engine (``gx_engine``) hands these queries to
``UnexpectedRowsExpectation``; this module runs them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import duckdb

from expectations.catalogue import Rule
from expectations.facts import rewrite
from expectations.results import Finding

# What separates a failure from a rounding tail the rule also returned (see Finding.is_failure).
FAILURE_SQL = "difference is null or abs(difference) > coalesce(tolerance, 0)"

# Numbers travel as the text of a DECIMAL(18, 6) and become Decimal again in to_findings: GX would
# otherwise turn each Decimal into a float for its result store, calling inspect.stack() per value
# to warn about precision (most of a GX run's time), and money never passes through float.
_NUMBERS = ("observed", "expected", "difference", "tolerance")
_COLUMNS = (
    "unit_code, year, sha256, "
    + ", ".join(f"{n}::decimal(18, 6)::varchar as {n}" for n in _NUMBERS)
    + ", detail::varchar as detail, figure_keys::varchar as figure_keys"
)


class RuleSQLError(RuntimeError):
    """A rule's SQL does not run: a broken check, never to be read as pass or fail."""


def batch_query(year: int) -> str:
    """The one batch of a run. ``year`` is an int, so formatting it in cannot inject anything
    (GX query assets take no bound parameters)."""
    return rewrite(
        "select unit_code, year, sha256 from staging.current_submission "
        f"where parse_status = 'parsed' and year = {int(year)}"
    )


def rule_query(rule: Rule, *, failures: bool | None, batch: str = "{batch}") -> str:
    """The rule's rows inside the batch; ``failures`` picks failures or rounding tails (None: both).

    ``batch`` is GX's ``{batch}`` placeholder (which GX replaces with ``(<query>) AS subselect``)
    or that same text for the plain engine."""
    assert rule.sql is not None, rule.id
    predicate = "true" if failures is None else FAILURE_SQL if failures else f"not ({FAILURE_SQL})"
    return (
        f"select {_COLUMNS} from (\nselect r.* from (\n{rewrite(rule.sql)}\n) r\n"
        f"join {batch} using (unit_code, year, sha256)\n) where {predicate}"
    )


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def to_findings(rows: Sequence[Sequence[Any]]) -> list[Finding]:
    """Findings from rows in _COLUMNS order (numbers as text), in a stable order."""
    return sorted(
        (Finding(u, y, sha, _dec(o), _dec(e), _dec(d), _dec(t), detail, keys)
         for u, y, sha, o, e, d, t, detail, keys in rows),
        key=lambda f: (f.unit_code, f.year, f.sha256, f.detail, f.figure_keys, str(f.observed)),
    )


def run_sql(con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], year: int) -> dict[str, list[Finding]]:
    """Findings per rule id (failures and tails), straight from DuckDB: one query per rule,
    failures and tails told apart by Finding.is_failure, the predicate the GX engine puts in SQL.
    (One UNION of all rules was slower: the planner expands the staging views once per branch.)"""
    batch = f"({batch_query(year)}) AS subselect"
    out: dict[str, list[Finding]] = {}
    for rule in rules:
        if rule.sql is None:
            continue
        try:
            rows = con.execute(rule_query(rule, failures=None, batch=batch)).fetchall()
        except duckdb.Error as exc:
            raise RuleSQLError(f"{rule.id}: its SQL failed: {exc}") from exc
        out[rule.id] = to_findings(rows)
    return out
