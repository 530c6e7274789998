from pathlib import Path

import pytest

from tasks.errors import RegistryError
from tasks.registry import read_units, sync_units
from warehouse import db

HEADER = "unit_code,unit_name,parent_code,unit_type,source,contact_email\n"


def write(tmp_path: Path, rows: str) -> Path:
    p = tmp_path / "units.csv"
    p.write_text(HEADER + rows, encoding="utf-8")
    return p


def test_reads_units_and_formats_sources(tmp_path):
    p = write(tmp_path, "A1,区财政局,,行政,http://x/{year}/{unit_code}.txt,a@x.cn\nB2,区一中,A1,事业,/data/{unit_code},\n")
    units = read_units(p)
    assert [u.unit_code for u in units] == ["A1", "B2"]
    assert units[0].location(2024) == "http://x/2024/A1.txt"
    assert units[0].is_url and not units[1].is_url
    assert units[1].parent_code == "A1" and units[1].contact_email is None


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ("A1,甲,,行政,http://x/a,\nA1,乙,,行政,http://x/b,\n", "duplicate unit_code 'A1'"),
        ("A1,甲,,行政,ftp://x/a,\n", "not an http(s) URL"),
        ("A1,甲,,行政,http:///nohost,\n", "not an http(s) URL"),
        ("A1,甲,ZZ,行政,http://x/a,\n", "parent 'ZZ'"),
        ("A1,甲,,部队,http://x/a,\n", "unit_type '部队'"),
        ("A1,,,行政,http://x/a,\n", "empty unit_name"),
        ("A1,甲,,行政,http://x/{month},\n", "placeholder"),
        ("A/1,甲,,行政,http://x/a,\n", "unit_code may hold only"),
    ],
)
def test_bad_rows_name_file_line_and_unit(tmp_path, rows, needle):
    p = write(tmp_path, rows)
    with pytest.raises(RegistryError) as exc:
        read_units(p)
    assert needle in str(exc.value)
    assert str(p) in str(exc.value)


def test_sync_is_idempotent(tmp_path):
    p = write(tmp_path, "A1,区财政局,,行政,http://x/{year}/{unit_code}.txt,a@x.cn\n")
    con = db.connect(tmp_path / "w.duckdb")
    sync_units(con, read_units(p))
    first = con.execute("select * from core.unit").fetchall()
    sync_units(con, read_units(p))
    assert con.execute("select * from core.unit").fetchall() == first
    p.write_text(HEADER + "A1,区财政局(本级),,行政,http://x/{year}/{unit_code}.txt,a@x.cn\n", encoding="utf-8")
    sync_units(con, read_units(p))
    assert con.execute("select unit_name from core.unit").fetchone() == ("区财政局(本级)",)


def test_relative_folder_sources_are_relative_to_the_registry(tmp_path, monkeypatch):
    p = write(tmp_path, "A1,区财政局,,行政,files/{year}/{unit_code}.txt,\n")
    monkeypatch.chdir("/")
    (unit,) = read_units(p)
    assert unit.location(2024) == str(tmp_path / "files" / "2024" / "A1.txt")
