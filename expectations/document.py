"""``juesuan check FILE``: the whole catalogue on one parsed document, without a warehouse.

The document is loaded into an in-memory warehouse and checked with the same SQL as a campaign
(engine "sql": GX would cost ~5 s of import for one file).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from expectations.results import RuleResult
from expectations.runner import run_checks
from tasks.load import store_parsed
from tasks.model import ParsedDocument
from tasks.parse.batch import ParseOutcome
from warehouse.db import memory

DOCUMENT_UNIT = "document"


def check_document(doc: ParsedDocument, *, submission_level: bool = False) -> list[RuleResult]:
    """Every rule on ``doc``; submission-level rules (all nine tables, timeliness) become warnings
    saying the tables are not in this file unless ``submission_level``."""
    con = memory()
    try:
        sha = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        year = doc.year or 0
        store_parsed(con, [ParseOutcome(sha, doc)], doc.parser_version)
        con.execute(
            "insert into raw.submission (unit_code, year, version, sha256, fetched_at, source_url) "
            "values ($unit, $year, 1, $sha, $at, 'file')",
            {"unit": DOCUMENT_UNIT, "year": year, "sha": sha, "at": datetime.now()},
        )
        summary = run_checks(con, year=year, run_id="check-document", engine="sql",
                             submission_level=submission_level, texts={sha: doc.text})
        return list(summary.results)
    finally:
        con.close()
