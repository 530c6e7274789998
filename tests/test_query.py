import pytest

from tasks.query import ReadOnlyViolation, run_readonly
from warehouse import db


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    con.execute("insert into core.unit values ('A1', '区财政局', null, '行政', 'http://x/a', null, current_timestamp)")
    con.close()
    return path


def snapshot(path):
    with db.connect(path, read_only=True) as con:
        return con.execute("select * from core.unit").fetchall(), con.execute(
            "select count(*) from duckdb_tables()").fetchone()


def test_select_answers(warehouse):
    cols, rows = run_readonly(warehouse, "select unit_code, unit_name from core.unit")
    assert cols == ["unit_code", "unit_name"] and rows == [("A1", "区财政局")]


@pytest.mark.parametrize(
    "query",
    [
        "delete from core.unit",
        "insert into core.unit select * from core.unit",
        "update core.unit set unit_name = 'x'",
        "drop table core.unit",
        "create table t as select 1",
        "attach 'other.duckdb' as o",
        "copy core.unit to 'out.csv'",
        "install httpfs",
        "load httpfs",
        "pragma enable_profiling",
        "set enable_external_access = true",
        "select 1; delete from core.unit",
        "select * from read_csv('/etc/passwd')",
        "checkpoint",
    ],
)
def test_writes_and_escapes_are_refused(warehouse, query, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(warehouse)
    with pytest.raises(ReadOnlyViolation):
        run_readonly(warehouse, query)
    assert snapshot(warehouse) == before
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()
