"""Migrations 006 (staging.figure, section and perf_indicator rebuilt without primary keys) and 007
(staging.document_text's text stored with zstd): every row, column type, NOT NULL and kept key
survives."""

import duckdb
import pytest

from tasks.load import record_fetches, store_parsed
from tasks.parse.batch import ParseOutcome
from tests.test_load import doc, fetched
from warehouse import db

TABLES = ("staging.figure", "staging.section", "staging.perf_indicator")


def up_to(con: duckdb.DuckDBPyConnection, last: int) -> None:
    """Apply the migrations up to ``last`` the way db.migrate records them."""
    db.run(con, "create schema if not exists meta")
    db.run(con, "create table meta.schema_migration (version integer primary key, name varchar not null, "
                "applied_at timestamp not null)")
    for version, name, path in db.migrations():
        if version <= last:
            db.run(con, path.read_text(encoding="utf-8"))
            db.run(con, "insert into meta.schema_migration values (?, ?, current_timestamp)", [version, name])


def shape(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    schema, name = table.split(".")
    return con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [schema, name]).fetchall()


def primary_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select schema_name, table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY'").fetchall()}


@pytest.fixture
def at_005(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    up_to(con, 5)
    for code, value in (("A", "100.00"), ("B", "250.50")):
        r = fetched(code, value.encode())
        record_fetches(con, "r1", [r])
        store_parsed(con, [ParseOutcome(r.sha256, doc(value))], "t1")
    db.run(con, "insert into staging.section values (?, 0, '一、收入', 1, 's1', 0)", [r.sha256])
    db.run(con, "insert into staging.perf_indicator (sha256, project_no, seq, name) values (?, 1, 0, '完成率')",
           [r.sha256])
    yield con
    con.close()


def test_the_migration_keeps_rows_types_and_not_null(at_005):
    con = at_005
    before = {t: (shape(con, t), con.execute(f"select * from {t} order by all").fetchall()) for t in TABLES}
    assert set(TABLES) <= primary_keys(con)
    assert all(rows for _, rows in before.values())

    assert db.migrate(con) == ["006_staging_keys", "007_document_text_zstd"]

    assert not set(TABLES) & primary_keys(con)
    for t in TABLES:
        assert (shape(con, t), con.execute(f"select * from {t} order by all").fetchall()) == before[t], t
    with pytest.raises(duckdb.ConstraintException):  # NOT NULL still holds
        db.run(con, "insert into staging.figure (sha256, seq) values ('x', 0)")



def test_document_text_is_rebuilt_with_zstd_keeping_rows_and_its_key(at_005):
    con = at_005
    table = "staging.document_text"
    before = (shape(con, table), con.execute(f"select * from {table} order by all").fetchall())
    assert before[1] and table in primary_keys(con)

    db.migrate(con)
    db.run(con, "checkpoint")  # compression is chosen when the rows are written to the file

    assert (shape(con, table), con.execute(f"select * from {table} order by all").fetchall()) == before
    assert table in primary_keys(con)
    with pytest.raises(duckdb.ConstraintException):
        db.run(con, f"insert into {table} select * from {table} limit 1")
    compression = {c for (c,) in con.execute(
        "select compression from pragma_storage_info('staging.document_text') "
        "where column_name = 'text' and segment_type = 'VARCHAR'").fetchall()}
    assert compression == {"ZSTD"}
