"""Running the rule SQL: the findings both engines judge, and the query shapes they share.

Each rule's SQL, pointed at the run's materialised facts (:mod:`expectations.facts`; run inside
``facts.materialised``) and restricted to the run's batch (every current unit of one year), runs
once straight in DuckDB (:func:`run_sql`): its rows, failures and rounding tails, go to the
findings table without passing through Python. The GX engine (``gx_engine``) then validates the
same text, restricted to failures, as ``UnexpectedRowsExpectation``s and must count exactly the
failures stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from expectations.catalogue import Rule
from expectations.facts import SCHEMA, rewrite
from expectations.results import Finding

# What separates a failure from a rounding tail the rule also returned (see Finding.is_failure).
FAILURE_SQL = "difference is null or abs(difference) > coalesce(tolerance, 0)"

# Every number as a DECIMAL(18, 6), as dq.result keeps it: money never passes through float.
_NUMBERS = ("observed", "expected", "difference", "tolerance")
_COLUMNS = (
    "unit_code, year, sha256, "
    + ", ".join(f"{n}::decimal(18, 6) as {n}" for n in _NUMBERS)
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


def rule_query(rule: Rule, *, batch: str = "{batch}", flag: bool = False) -> str:
    """The rule's failing rows inside the batch, or with ``flag`` every row it returned (failures
    and rounding tails) and an ``is_failure`` column telling them apart.

    ``batch`` is GX's ``{batch}`` placeholder (which GX replaces with ``(<query>) AS subselect``)
    or that same text for the plain run."""
    assert rule.sql is not None, rule.id
    columns, predicate = (f"{_COLUMNS}, ({FAILURE_SQL}) as is_failure", "true") if flag else (_COLUMNS, FAILURE_SQL)
    return (
        f"select {columns} from (\nselect r.* from (\n{rewrite(rule.sql)}\n) r\n"
        f"join {batch} using (unit_code, year, sha256)\n) where {predicate}"
    )


def to_findings(rows: Sequence[Sequence[Any]]) -> list[Finding]:
    """Findings from rows in _COLUMNS order, in a stable order."""
    return sorted(
        (Finding(*row) for row in rows),
        key=lambda f: (f.unit_code, f.year, f.sha256, f.detail, f.figure_keys, str(f.observed)),
    )


# Where the rules' rows wait (in _COLUMNS order), in the run's scratch ``dq_facts``
# database: the findings of 100 000 units never sit in Python at once; the runner reads back one
# chunk of units at a time (:func:`read_findings`), and only the units with findings.
FINDINGS = f"{SCHEMA}.finding"
_FINDING_COLUMNS = ("unit_code", "year", "sha256", *_NUMBERS, "detail", "figure_keys")


def read_findings(
    con: duckdb.DuckDBPyConnection, first_unit: str, last_unit: str
) -> dict[tuple[str, str, str], list[Finding]]:
    """The findings of the units ``first_unit``..``last_unit``, by (rule id, unit, sha256), each
    list in to_findings order."""
    rows = con.execute(
        f"select rule_id, {', '.join(_FINDING_COLUMNS)} from {FINDINGS} "
        "where unit_code between $lo and $hi order by rule_id, unit_code, sha256",
        {"lo": first_unit, "hi": last_unit},
    ).fetchall()
    grouped: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for rule_id, *row in rows:
        grouped.setdefault((rule_id, row[0], row[2]), []).append(tuple(row))
    return {k: to_findings(v) for k, v in grouped.items()}


def failure_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Failing rows stored per rule (rules without any are absent)."""
    return dict(con.execute(
        f"select rule_id, count(*) from {FINDINGS} where is_failure group by rule_id"
    ).fetchall())


def run_sql(con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], year: int) -> int:
    """Every rule's rows (failures and tails) into :data:`FINDINGS`, straight from DuckDB: one
    query per rule. (One UNION of all rules was slower: the planner expands the staging views once
    per branch.) Returns the number of rows."""
    batch = f"({batch_query(year)}) AS subselect"
    con.execute(
        f"create or replace table {FINDINGS} (rule_id varchar, unit_code varchar, year integer, "
        "sha256 varchar, " + ", ".join(f"{n} decimal(18, 6)" for n in _NUMBERS)
        + ", detail varchar, figure_keys varchar, is_failure boolean)"
    ).fetchall()
    for rule in rules:
        if rule.sql is None:
            continue
        try:
            con.execute(
                f"insert into {FINDINGS} select '{rule.id}', * from ({rule_query(rule, batch=batch, flag=True)})"
            ).fetchall()
        except duckdb.Error as exc:
            raise RuleSQLError(f"{rule.id}: its SQL failed: {exc}") from exc
    return con.execute(f"select count(*) from {FINDINGS}").fetchone()[0]  # type: ignore[index]
