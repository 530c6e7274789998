"""The data-quality rule catalogue and its runners.

Map of the package (nothing here imports great_expectations or prefect at import time):

- ``catalogue.toml`` + ``sql/DQ-xx.sql``: one declaration and one failing-rows query per rule;
  ``catalogue.py`` loads them strictly (:func:`load_catalogue`, :data:`RULES_VERSION`).
- ``engines.py``: the queries both engines run; the plain DuckDB engine ("sql").
- ``facts.py``: the staging views the rules read, materialised once per run (``dq_facts``).
- ``gx_engine.py`` / ``gx_duckdb.py``: the Great Expectations engine ("gx") and the workarounds
  that make GX 1.24's SQL path work on DuckDB.
- ``runner.py``: :func:`run_checks` over a year of the warehouse, writing ``dq.run`` / ``dq.result``.
- ``document.py``: :func:`check_document` for one file without a warehouse.
- ``evidence.py``: provenance and the document's own explanations; ``waivers.py``: :func:`waive`.
- ``results.py``: :class:`RuleResult`, :class:`CheckRunSummary`, :func:`results_json`.
- ``feedback.py``: :func:`write_unit_feedback` (per unit, XLSX + HTML quoting the unit's own
  sentences); ``report.py``: :func:`write_check_report` (the bureau's rules × units page);
  templates in ``templates/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.catalogue import CatalogueError, Rule, load_catalogue, rules_version
from expectations.results import CheckRunSummary, RuleResult, results_json
from expectations.waivers import WaiverRefused, waive

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

    from expectations.runner import run_checks
    from tasks.model import ParsedDocument

RULES_VERSION: str = rules_version()


def __getattr__(name: str) -> object:
    # run_checks on first use: the runner imports polars (0.5 s), which a process that only writes
    # feedback (feedback.py's workers) or answers a quick command never needs
    if name == "run_checks":
        from expectations.runner import run_checks

        return run_checks
    raise AttributeError(f"module 'expectations' has no attribute {name!r}")


def check_document(doc: ParsedDocument, *, submission_level: bool = False) -> list[RuleResult]:
    # Imported here: it pulls in the loader (polars) only when a single file is checked.
    from expectations.document import check_document as _check

    return _check(doc, submission_level=submission_level)


def write_unit_feedback(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> list[Path]:
    """Per unit of ``year``: ``<unit>.html`` and ``<unit>.xlsx`` feedback in ``out_dir``."""
    from expectations.feedback import write_unit_feedback as _write

    return _write(con, year, out_dir)


def write_check_report(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> Path:
    """The bureau's ``check_report.html`` for ``year`` in ``out_dir`` (unit links to ``units/``)."""
    from expectations.report import write_check_report as _write

    return _write(con, year, out_dir)


__all__ = [
    "RULES_VERSION", "CatalogueError", "CheckRunSummary", "Rule", "RuleResult", "WaiverRefused",
    "check_document", "load_catalogue", "results_json", "run_checks", "waive", "write_check_report",
    "write_unit_feedback",
]
