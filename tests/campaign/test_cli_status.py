"""`juesuan status` and `juesuan history` on a warehouse file, through the real typer app."""

from __future__ import annotations

from datetime import datetime

from typer.testing import CliRunner

from flows.cli import app
from tests.campaign.district import District
from warehouse import db

CONFIG = """
[paths]
registry = "units.csv"
warehouse = "w.duckdb"

[campaign.2024]
open = 2025-06-01
deadline = 2025-09-30
publication = 2025-10-31
reminders = [2025-09-01]
"""


def warehouse(tmp_path):
    (tmp_path / "juesuan.toml").write_text(CONFIG, encoding="utf-8")
    con = db.connect(tmp_path / "w.duckdb")
    d = District(con).register(("A", "甲局", None), ("B", "乙中心", None), ("C", "丙所", None))
    a1 = d.submit("A", "甲局 v1", datetime(2025, 8, 1, 10))
    d.verdict("A", a1, "DQ-10")
    a2 = d.submit("A", "甲局 v2", datetime(2025, 9, 3, 10))
    d.verdict("A", a2, "DQ-29")
    b = d.submit("B", "乙中心", datetime(2025, 10, 2, 10))
    d.passes("B", b)
    con.close()
    return str(tmp_path / "juesuan.toml")


def test_status_filters_and_exports(tmp_path):
    config = warehouse(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["status", "-c", config, "--year", "2024", "--today", "2025-10-05"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "3 of 3 units" in result.output and "截止 2025-09-30" in result.output
    assert "有错误" in result.output and "v2/2" in result.output and "DQ-29" in result.output
    assert "-5" in result.output  # days remaining, past the deadline

    out = tmp_path / "errors.csv"
    result = runner.invoke(app, ["status", "-c", config, "-y", "2024", "--status", "errors,not_submitted",
                                 "--export", str(out)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["A", "C"]

    result = runner.invoke(app, ["status", "-c", config, "-y", "2024", "--late", "--today", "2025-10-05",
                                 "--export", str(tmp_path / "late.xlsx")], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and "2 of 3 units" in result.output  # B came late, C never came
    assert (tmp_path / "late.xlsx").stat().st_size > 0

    result = runner.invoke(app, ["status", "-c", config, "-y", "2024", "--status", "bogus"])
    assert result.exit_code == 2 and "unknown status bogus" in result.output


def test_history_shows_the_newest_version_as_current(tmp_path):
    config = warehouse(tmp_path)
    result = CliRunner().invoke(app, ["history", "A", "-c", config, "-y", "2024"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip().startswith("│ v")]
    assert "v2 (current)" in lines[0] and "DQ-29" in lines[0] and "v1" in lines[1] and "DQ-10" in lines[1]
    missing = CliRunner().invoke(app, ["history", "C", "-c", config, "-y", "2024"])
    assert missing.exit_code == 1
