"""The rule catalogue: ``catalogue.toml`` (one declaration per rule) plus ``sql/<id>.sql``.

The loader is strict because a rule that silently does not run looks exactly like a rule that
passes: unknown keys, duplicate or malformed ids, a missing or orphan SQL file, a SQL file with a
brace (GX formats queries with ``str.format``) or without its header comment all raise
:class:`CatalogueError` naming the rule.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

HERE = Path(__file__).parent
CATALOGUE_PATH = HERE / "catalogue.toml"
SQL_DIR = HERE / "sql"

Severity = Literal["error", "warning"]
_ID = re.compile(r"^DQ-\d{2}$")
_TOLERANCES = {"T2", "T3", "T4", "T5", "T6", "T8", "Tn", "TP", "TS", "X"}
_LEVELS = {"document", "submission"}
_REQUIRED = {"id", "severity", "tolerance", "title", "message_zh", "message_en", "fix_zh"}
_OPTIONAL = {"requires", "level", "unsupported", "unit_types", "title_en"}
# Placeholders a message may use; anything else is a typo that would crash at run time.
_PLACEHOLDERS = {"observed", "expected", "difference", "tolerance", "detail"}
# SQLAlchemy's text() reads ":name" as a bind parameter (its own pattern); GX runs rules through it.
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)")


class CatalogueError(ValueError):
    """The catalogue or its SQL files are inconsistent; the message names the rule."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    tolerance: str
    title: str
    message_zh: str
    message_en: str
    fix_zh: str
    # Each entry must hold; an entry is alternatives separated by "|", each a "+"-joined set of
    # facts (see staging.unit_fact). Missing ⇒ not_applicable.
    requires: tuple[tuple[frozenset[str], ...], ...] = ()
    level: str = "document"
    # Why the data cannot support the rule; such a rule is always not_applicable and has no SQL.
    unsupported: str | None = None
    # Only these core.unit.unit_type values (unknown type ⇒ applicable).
    unit_types: tuple[str, ...] = ()
    title_en: str = ""
    sql: str | None = None

    def applicable(self, facts: set[str]) -> bool:
        return all(any(alt <= facts for alt in entry) for entry in self.requires)

    def missing(self, facts: set[str]) -> list[str]:
        """The first alternative of each unmet requirement, for the not_applicable message."""
        out: list[str] = []
        for entry in self.requires:
            if not any(alt <= facts for alt in entry):
                out.extend(sorted(entry[0] - facts))
        return out

    def required_facts(self) -> set[str]:
        return {f for entry in self.requires for alt in entry for f in alt}


def _parse_requires(rule_id: str, raw: object) -> tuple[tuple[frozenset[str], ...], ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise CatalogueError(f"{rule_id}: requires must be a list of non-empty strings")
    return tuple(
        tuple(frozenset(p.strip() for p in alt.split("+")) for alt in entry.split("|")) for entry in raw
    )


def _check_message(rule_id: str, field: str, text: str) -> None:
    names = set(re.findall(r"\{(\w*)\}", text))
    if names - _PLACEHOLDERS:
        raise CatalogueError(f"{rule_id}: {field} uses unknown placeholder(s) {sorted(names - _PLACEHOLDERS)}")


def _rule(entry: dict, sql_dir: Path) -> Rule:
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise CatalogueError(f"rule with id {rule_id!r}: id must look like DQ-01")
    unknown = set(entry) - _REQUIRED - _OPTIONAL
    if unknown:
        raise CatalogueError(f"{rule_id}: unknown key(s) {sorted(unknown)}")
    missing = _REQUIRED - set(entry)
    if missing:
        raise CatalogueError(f"{rule_id}: missing key(s) {sorted(missing)}")
    if entry["severity"] not in ("error", "warning"):
        raise CatalogueError(f"{rule_id}: severity must be error or warning, not {entry['severity']!r}")
    if entry["tolerance"] not in _TOLERANCES:
        raise CatalogueError(f"{rule_id}: tolerance {entry['tolerance']!r} is not one of {sorted(_TOLERANCES)}")
    level = entry.get("level", "document")
    if level not in _LEVELS:
        raise CatalogueError(f"{rule_id}: level must be document or submission, not {level!r}")
    for field in ("message_zh", "message_en"):
        _check_message(rule_id, field, entry[field])
    unsupported = entry.get("unsupported")
    sql_path = sql_dir / f"{rule_id}.sql"
    sql: str | None = None
    if unsupported:
        if sql_path.exists():
            raise CatalogueError(f"{rule_id}: declared unsupported but {sql_path.name} exists")
    else:
        if not sql_path.exists():
            raise CatalogueError(f"{rule_id}: SQL file {sql_path.name} is missing")
        sql = sql_path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        if not sql.startswith("-- "):
            raise CatalogueError(f"{rule_id}: {sql_path.name} must start with a one-line '-- ' header comment")
        if "{" in sql or "}" in sql:
            raise CatalogueError(f"{rule_id}: {sql_path.name} contains a brace (GX formats queries)")
        if _BIND.search(sql):
            raise CatalogueError(f"{rule_id}: {sql_path.name} has ':{_BIND.search(sql).group(1)}', which "  # type: ignore[union-attr]
                                 "SQLAlchemy would read as a bind parameter")
        if ";" in re.sub(r"--[^\n]*", "", sql):
            raise CatalogueError(f"{rule_id}: {sql_path.name} must be a single statement")
    return Rule(
        id=rule_id, severity=entry["severity"], tolerance=entry["tolerance"], title=entry["title"],
        message_zh=entry["message_zh"], message_en=entry["message_en"], fix_zh=entry["fix_zh"],
        requires=_parse_requires(rule_id, entry.get("requires", [])), level=level,
        unsupported=unsupported, unit_types=tuple(entry.get("unit_types", ())),
        title_en=entry.get("title_en", ""), sql=sql,
    )


def parse_catalogue(text: str, sql_dir: Path) -> list[Rule]:
    data = tomllib.loads(text)
    if set(data) - {"rule"}:
        raise CatalogueError(f"catalogue: unknown top-level key(s) {sorted(set(data) - {'rule'})}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for entry in data.get("rule", []):
        rule = _rule(entry, sql_dir)
        if rule.id in seen:
            raise CatalogueError(f"{rule.id}: declared twice")
        seen.add(rule.id)
        rules.append(rule)
    orphans = sorted(p.stem for p in sql_dir.glob("*.sql") if p.stem not in seen)
    if orphans:
        raise CatalogueError(f"{orphans[0]}: SQL file {orphans[0]}.sql has no declaration in the catalogue")
    return sorted(rules, key=lambda r: r.id)


@cache
def _shipped() -> tuple[Rule, ...]:
    return tuple(parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"), SQL_DIR))


def load_catalogue() -> list[Rule]:
    """The shipped catalogue (parsed once per process)."""
    return list(_shipped())


def rules_version() -> str:
    """A hash of the declarations and every SQL file: any edit gives a new version."""
    h = hashlib.sha256(CATALOGUE_PATH.read_bytes())
    for path in sorted(SQL_DIR.glob("*.sql")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]
