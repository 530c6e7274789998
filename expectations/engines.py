"""Running the rule SQL: the plain DuckDB engine, and the query shapes both engines share.

Both engines execute exactly the same text per rule: the rule's SQL, pointed at the run's
materialised facts (:mod:`expectations.facts`; run inside ``facts.materialised``), restricted to
the run's batch (every current unit of one year, in one batch) and split into failures and
rounding tails by the same predicate. The GX engine (``gx_engine``) hands these queries to
``UnexpectedRowsExpectation``; this module runs them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from expectations.catalogue import Rule
from expectations.facts import SCHEMA, rewrite
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


# Where both engines leave the rows their rules returned (numbers as text, as in _COLUMNS), in the
# run's scratch ``dq_facts`` database: the findings of 100 000 units never sit in Python at once;
# the runner reads them back one chunk of units at a time (:func:`read_findings`).
FINDINGS = f"{SCHEMA}.finding"
_FINDING_COLUMNS = ("rule_id", "unit_code", "year", "sha256", *_NUMBERS, "detail", "figure_keys")


def new_findings(con: duckdb.DuckDBPyConnection) -> None:
    """An empty findings table (inside ``facts.materialised``)."""
    con.execute(
        f"create or replace table {FINDINGS} (rule_id varchar, unit_code varchar, year integer, sha256 varchar, "
        + ", ".join(f"{n} varchar" for n in _NUMBERS) + ", detail varchar, figure_keys varchar)"
    ).fetchall()


def store_findings(con: duckdb.DuckDBPyConnection, rule_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append one rule's rows (mappings with the _COLUMNS names, as GX returns them)."""
    if not rows:
        return
    frame = pl.DataFrame(
        {"rule_id": [rule_id] * len(rows),
         **{c: [row[c] for row in rows] for c in _FINDING_COLUMNS[1:]}},
        schema={c: pl.Int32 if c == "year" else pl.String for c in _FINDING_COLUMNS},
    )
    name = f"incoming_finding_{id(frame)}"
    con.register(name, frame)
    try:
        con.execute(f"insert into {FINDINGS} select * from {name}").fetchall()
    finally:
        con.unregister(name)


def read_findings(
    con: duckdb.DuckDBPyConnection, first_unit: str, last_unit: str
) -> dict[tuple[str, str, str], list[Finding]]:
    """The findings of the units ``first_unit``..``last_unit``, by (rule id, unit, sha256), each
    list in to_findings order."""
    rows = con.execute(
        f"select rule_id, {', '.join(_FINDING_COLUMNS[1:])} from {FINDINGS} "
        "where unit_code between $lo and $hi order by rule_id, unit_code, sha256",
        {"lo": first_unit, "hi": last_unit},
    ).fetchall()
    grouped: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for rule_id, *row in rows:
        grouped.setdefault((rule_id, row[0], row[2]), []).append(tuple(row))
    return {k: to_findings(v) for k, v in grouped.items()}


def run_sql(con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], year: int) -> int:
    """Every rule's rows (failures and tails) into :data:`FINDINGS`, straight from DuckDB: one
    query per rule, failures and tails told apart by Finding.is_failure, the predicate the GX
    engine puts in SQL. (One UNION of all rules was slower: the planner expands the staging views
    once per branch.) Returns the number of rows."""
    batch = f"({batch_query(year)}) AS subselect"
    new_findings(con)
    for rule in rules:
        if rule.sql is None:
            continue
        try:
            con.execute(
                f"insert into {FINDINGS} select '{rule.id}', * from ({rule_query(rule, failures=None, batch=batch)})"
            ).fetchall()
        except duckdb.Error as exc:
            raise RuleSQLError(f"{rule.id}: its SQL failed: {exc}") from exc
    return con.execute(f"select count(*) from {FINDINGS}").fetchone()[0]  # type: ignore[index]
