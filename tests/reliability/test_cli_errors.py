"""A damaged warehouse or a bad config gives one clear line and exit 2 from `juesuan`, never a
stack trace (run in-process through ``flows.cli.main``, as the console script does)."""

from __future__ import annotations

import sys

import pytest

from flows.cli import main


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "argv", ["juesuan", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), " ".join((captured.err + captured.out).split())


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "juesuan.toml"
    path.write_text('[paths]\nwarehouse = "w.duckdb"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("content", [b"", b"x", bytes(range(256)) * 400, b"SQLite format 3\x00" + b"\x00" * 4096],
                         ids=["empty", "one-byte", "junk", "sqlite"])
@pytest.mark.parametrize("command", [["sql", "select 1"], ["status", "--year", "2024"]], ids=["sql", "status"])
def test_damaged_warehouse_is_a_clear_message(monkeypatch, capsys, config, content, command):
    (config.parent / "w.duckdb").write_bytes(content)
    code, text = run_cli(monkeypatch, capsys, *command, "-c", str(config))
    assert code == 2, text
    assert "cannot open the warehouse" in text and "w.duckdb" in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize("toml,says", [
    (None, "does not exist"),
    ("[paths\nwarehouse = 1", "not valid TOML"),
    ('[paths]\nwarehouse = "w.duckdb"\nsecret_sauce = 1\n', "unknown key"),
    ("[fetch]\nmax_bytes = -1\n", "max_bytes"),
], ids=["missing", "bad-toml", "unknown-key", "bad-value"])
def test_bad_config_is_a_clear_message(monkeypatch, capsys, tmp_path, toml, says):
    path = tmp_path / "juesuan.toml"
    if toml is not None:
        path.write_text(toml, encoding="utf-8")
    code, text = run_cli(monkeypatch, capsys, "sql", "select 1", "-c", str(path))
    assert code == 2 and says in text and "Traceback" not in text, text


def test_missing_warehouse_is_a_clear_message(monkeypatch, capsys, config):
    code, text = run_cli(monkeypatch, capsys, "sql", "select 1", "-c", str(config))
    assert code == 2 and "no warehouse at" in text and "juesuan collect" in text, text


def test_an_sqlite_file_never_makes_duckdb_fetch_an_extension(monkeypatch, capsys, config):
    """DuckDB opens an SQLite file by downloading its sqlite extension; the warehouse check refuses
    it first (no network, no extension code loaded)."""
    (config.parent / "w.duckdb").write_bytes(b"SQLite format 3\x00" + b"\x00" * 4096)
    code, text = run_cli(monkeypatch, capsys, "sql", "select 1", "-c", str(config))
    assert code == 2 and "not a DuckDB database file" in text and "extension" not in text, text
