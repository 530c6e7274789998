"""The data-quality rule catalogue and its runners.

Map of the package (nothing here imports great_expectations or prefect at import time):

- ``catalogue.toml`` + ``sql/DQ-xx.sql``: one declaration and one failing-rows query per rule;
  ``catalogue.py`` loads them strictly (:func:`load_catalogue`, :data:`RULES_VERSION`).
- ``engines.py``: the queries both engines run; the plain DuckDB engine ("sql").
- ``gx_engine.py`` / ``gx_duckdb.py``: the Great Expectations engine ("gx") and the workarounds
  that make GX 1.24's SQL path work on DuckDB.
- ``runner.py``: :func:`run_checks` over a year of the warehouse, writing ``dq.run`` / ``dq.result``.
- ``document.py``: :func:`check_document` for one file without a warehouse.
- ``evidence.py``: provenance and the document's own explanations; ``waivers.py``: :func:`waive`.
- ``results.py``: :class:`RuleResult`, :class:`CheckRunSummary`, :func:`results_json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.catalogue import CatalogueError, Rule, load_catalogue, rules_version
from expectations.results import CheckRunSummary, RuleResult, results_json
from expectations.runner import run_checks
from expectations.waivers import WaiverRefused, waive

if TYPE_CHECKING:
    from tasks.model import ParsedDocument

RULES_VERSION: str = rules_version()


def check_document(doc: ParsedDocument, *, submission_level: bool = False) -> list[RuleResult]:
    # Imported here: it pulls in the loader (polars) only when a single file is checked.
    from expectations.document import check_document as _check

    return _check(doc, submission_level=submission_level)


__all__ = [
    "RULES_VERSION", "CatalogueError", "CheckRunSummary", "Rule", "RuleResult", "WaiverRefused",
    "check_document", "load_catalogue", "results_json", "run_checks", "waive",
]
