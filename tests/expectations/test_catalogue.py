"""The strict loader and the declared catalogue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from expectations import RULES_VERSION, load_catalogue
from expectations.catalogue import CatalogueError, parse_catalogue

GOOD = """
[[rule]]
id = "DQ-10"
severity = "error"
tolerance = "T2"
title = "t"
message_zh = "{detail}"
message_en = "{detail}"
fix_zh = "f"
requires = ["income_total"]
"""
SQL = "-- DQ-10 header\nselect 1 as x\n"


def _dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_every_id_declared_and_unsupported_say_why():
    rules = load_catalogue()
    assert [r.id for r in rules] == [f"DQ-{i:02d}" for i in range(1, 51)]
    for r in rules:
        assert (r.sql is None) == bool(r.unsupported), r.id
        assert r.unsupported is None or len(r.unsupported) > 10
    assert len(RULES_VERSION) == 12


def test_good_catalogue_loads(tmp_path: Path):
    rules = parse_catalogue(GOOD, _dir(tmp_path, {"DQ-10.sql": SQL}))
    assert rules[0].id == "DQ-10" and rules[0].sql == SQL.strip()


@pytest.mark.parametrize(
    ("toml", "files", "match"),
    [
        (GOOD + 'colour = "red"\n', {"DQ-10.sql": SQL}, r"DQ-10: unknown key\(s\) \['colour'\]"),
        (GOOD + GOOD, {"DQ-10.sql": SQL}, "DQ-10: declared twice"),
        (GOOD, {}, "DQ-10: SQL file DQ-10.sql is missing"),
        (GOOD, {"DQ-10.sql": SQL, "DQ-11.sql": SQL}, "DQ-11: SQL file DQ-11.sql has no declaration"),
        (GOOD, {"DQ-10.sql": "select 1"}, "DQ-10: DQ-10.sql must start with a one-line"),
        (GOOD, {"DQ-10.sql": "-- h\nselect '{x}'"}, "DQ-10: DQ-10.sql contains a brace"),
        (GOOD, {"DQ-10.sql": "-- h\nselect 1; select 2"}, "DQ-10: DQ-10.sql must be a single statement"),
        (GOOD, {"DQ-10.sql": "-- h\nselect ':增减'"}, "DQ-10: DQ-10.sql has ':增减'"),
        (GOOD.replace('"error"', '"fatal"'), {"DQ-10.sql": SQL}, "DQ-10: severity must be"),
        (GOOD.replace('"T2"', '"T99"'), {"DQ-10.sql": SQL}, "DQ-10: tolerance 'T99'"),
        (GOOD.replace('message_zh = "{detail}"', 'message_zh = "{obsreved}"'), {"DQ-10.sql": SQL},
         "DQ-10: message_zh uses unknown placeholder"),
        (GOOD.replace('"DQ-10"', '"DQ10"'), {}, "id must look like DQ-01"),
        (GOOD.replace('fix_zh = "f"\n', ""), {"DQ-10.sql": SQL}, r"DQ-10: missing key\(s\) \['fix_zh'\]"),
        (GOOD + 'unsupported = "no data"\n', {"DQ-10.sql": SQL}, "DQ-10: declared unsupported but DQ-10.sql exists"),
    ],
)
def test_strict_loader_names_the_rule(tmp_path: Path, toml: str, files: dict[str, str], match: str):
    with pytest.raises(CatalogueError, match=match):
        parse_catalogue(toml, _dir(tmp_path, files))


def test_import_does_not_load_gx_or_prefect():
    code = "import sys, expectations; print('great_expectations' in sys.modules, 'prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2])
    assert out.stdout.split() == ["False", "False"]
