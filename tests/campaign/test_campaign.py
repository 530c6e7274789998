"""A campaign walked from opening to a clean, published district, with the status of every unit
asserted at each step (today injected; verdicts inserted as rows, no rules engine)."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import pytest

from tasks import campaign as camp
from tests.campaign.district import CAMPAIGN, YEAR, District


def statuses(d: District, today: date) -> dict[str, dict]:
    return {r["unit_code"]: r for r in camp.unit_statuses(d.con, YEAR, CAMPAIGN, today).to_dicts()}


def status_of(d: District, today: date) -> dict[str, str]:
    return {code: r["status"] for code, r in statuses(d, today).items()}


def publish(d: District, tmp_path, version: int, *shas: tuple[str, str]) -> None:
    """What tasks.publish records: a meta.publication row and a manifest naming the documents."""
    folder = tmp_path / "publish" / str(YEAR) / str(version)
    folder.mkdir(parents=True)
    subs = [{"unit_code": code, "submission_version": 1, "sha256": sha, "published": True} for code, sha in shas]
    (folder / "manifest.json").write_text(json.dumps({"inputs": {"submissions": subs}}), encoding="utf-8")
    d.con.execute("insert into meta.publication values (?, ?, ?, current_timestamp, 'x', ?, 0)",
                  [YEAR, version, str(folder), len(shas)]).fetchall()


def test_campaign_from_open_to_clean(tmp_path):
    d = District().register(("A", "甲局", "a@example.cn"), ("B", "乙中心", "b@example.cn"),
                            ("C", "丙所", "c@example.cn"), ("D", "丁站", None))

    # open: nothing yet, nobody to chase before the first reminder date
    opened = date(2025, 6, 2)
    rows = statuses(d, opened)
    assert {r["status"] for r in rows.values()} == {"not_submitted"}
    assert rows["A"]["days_remaining"] == 120 and rows["A"]["late"] is False and rows["A"]["versions"] == 0
    assert camp.needing_action(camp.unit_statuses(d.con, YEAR, CAMPAIGN, opened), CAMPAIGN, opened).is_empty()

    # partial submissions: read but unchecked, unreadable, failing; D's page is still 404
    a1 = d.submit("A", "甲局 2024 决算", datetime(2025, 8, 10, 9))
    d.submit("B", "%PDF scanned", datetime(2025, 8, 11, 9), parses=False)
    c1 = d.submit("C", "丙所 2024 决算 v1", datetime(2025, 8, 12, 9))
    d.not_found("D", datetime(2025, 8, 12, 9))
    d.verdict("C", c1, "DQ-10")
    d.passes("C", c1, "DQ-25")
    partial = date(2025, 8, 15)
    assert status_of(d, partial) == {"A": "submitted", "B": "parse_failed", "C": "errors", "D": "not_submitted"}
    rows = statuses(d, partial)
    assert rows["C"]["errors"] == 1 and rows["C"]["failed_rules"] == "DQ-10" and rows["C"]["rules_run"] == 2
    assert "scanned" in rows["B"]["parse_error"]

    # first reminder date passed: missing units join the units with errors on the chase list
    d.passes("A", a1)
    reminder = date(2025, 9, 2)
    assert camp.due_reminder(CAMPAIGN, reminder) == date(2025, 9, 1)
    frame = camp.unit_statuses(d.con, YEAR, CAMPAIGN, reminder)
    action = {r["unit_code"]: r["action"] for r in camp.needing_action(frame, CAMPAIGN, reminder).to_dicts()}
    assert set(action) == {"B", "C", "D"}
    assert "2025-09-01" in action["D"] and "DQ-10" in action["C"] and "解析" in action["B"]
    assert status_of(d, reminder)["A"] == "clean"

    # resubmissions: C corrects its document (the newest version is the one checked and shown),
    # B sends a readable file with an unexplained warning, which the bureau then waives
    c2 = d.submit("C", "丙所 2024 决算 v2", datetime(2025, 9, 25, 9))
    assert status_of(d, date(2025, 9, 25))["C"] == "submitted"  # v1's errors no longer count
    d.passes("C", c2)
    b2 = d.submit("B", "乙中心 2024 决算", datetime(2025, 9, 26, 9))
    d.passes("B", b2)
    d.verdict("B", b2, "DQ-40", "warning")
    resub = date(2025, 9, 27)
    rows = statuses(d, resub)
    assert (rows["C"]["status"], rows["C"]["versions"], rows["C"]["current_version"]) == ("clean", 2, 2)
    assert rows["C"]["last_submitted_at"] == datetime(2025, 9, 25, 9)
    assert rows["C"]["first_submitted_at"] == datetime(2025, 8, 12, 9)
    assert (rows["B"]["status"], rows["B"]["warnings"]) == ("warnings", 1)
    d.waive("B", "DQ-40")
    assert status_of(d, resub)["B"] == "waived"
    history = camp.unit_history(d.con, "C", YEAR).to_dicts()
    assert [(h["version"], h["current"], h["errors"], h["sha256"]) for h in history] == [
        (2, True, 0, c2), (1, False, 1, c1)]

    # D submits after the deadline: clean but late; the deadline is behind everybody now
    d4 = d.submit("D", "丁站 2024 决算", datetime(2025, 10, 3, 9))
    d.passes("D", d4)
    after = date(2025, 10, 5)
    rows = statuses(d, after)
    assert {c: r["status"] for c, r in rows.items()} == {"A": "clean", "B": "waived", "C": "clean", "D": "clean"}
    assert {c: r["late"] for c, r in rows.items()} == {"A": False, "B": False, "C": False, "D": True}
    assert rows["A"]["days_remaining"] == -5
    assert camp.needing_action(camp.unit_statuses(d.con, YEAR, CAMPAIGN, after), CAMPAIGN, after).is_empty()

    # publication: the documents it included are published; a later document of A is not
    publish(d, tmp_path, 1, ("A", a1), ("C", c2), ("D", d4))
    assert status_of(d, after) == {"A": "published", "B": "waived", "C": "published", "D": "published"}
    a2 = d.submit("A", "甲局 2024 决算 更正", datetime(2025, 11, 2, 9))
    assert status_of(d, date(2025, 11, 3))["A"] == "submitted"
    d.passes("A", a2)
    assert status_of(d, date(2025, 11, 3))["A"] == "clean"
    assert camp.status_counts(camp.unit_statuses(d.con, YEAR, CAMPAIGN, after)) == {
        "not_submitted": 0, "submitted": 0, "parse_failed": 0, "errors": 0, "warnings": 0, "waived": 1,
        "clean": 1, "published": 2}


def test_missing_after_deadline_is_late_and_engine_waived_warning_counts_as_waived():
    d = District().register(("A", "甲局", None), ("B", "乙中心", None))
    sha = d.submit("B", "乙中心", datetime(2025, 9, 1))
    d.verdict("B", sha, "DQ-40", "warning", "waived", explanation="主要原因是人员增加")
    rows = statuses(d, date(2025, 10, 1))
    assert (rows["A"]["status"], rows["A"]["late"]) == ("not_submitted", True)
    frame = camp.unit_statuses(d.con, YEAR, CAMPAIGN, date(2025, 10, 1))
    assert camp.needing_action(frame, CAMPAIGN, date(2025, 10, 1))["action"].to_list() == [
        "未报送（已过截止日 2025-09-30）"]
    assert (rows["B"]["status"], rows["B"]["waived"], rows["B"]["late"]) == ("waived", 1, False)
    assert camp.due_reminder(CAMPAIGN, date(2025, 10, 1)) == CAMPAIGN.deadline


def test_without_campaign_dates_are_unknown():
    d = District().register(("A", "甲局", None))
    row = camp.unit_statuses(d.con, YEAR, None, date(2025, 10, 1)).row(0, named=True)
    assert (row["status"], row["late"], row["days_remaining"]) == ("not_submitted", None, None)
    assert camp.due_reminder(None, date(2025, 10, 1)) is None


def test_errors_cannot_be_waived():
    d = District().register(("A", "甲局", None))
    sha = d.submit("A", "甲局", datetime(2025, 9, 1))
    d.verdict("A", sha, "DQ-10")
    d.waive("A", "DQ-10")
    assert status_of(d, date(2025, 9, 2))["A"] == "errors"


def test_filter_and_export(tmp_path):
    from openpyxl import load_workbook

    d = District().register(("A", "甲局", None), ("B", "乙中心", None))
    sha = d.submit("A", "甲局", datetime(2025, 9, 1))
    d.verdict("A", sha, "DQ-10")
    frame = camp.unit_statuses(d.con, YEAR, CAMPAIGN, date(2025, 9, 2))
    assert camp.filter_statuses(frame, ["errors"])["unit_code"].to_list() == ["A"]
    assert camp.filter_statuses(frame, [], late=True).is_empty()
    with pytest.raises(ValueError, match="unknown status"):
        camp.filter_statuses(frame, ["eror"])

    csv = camp.export_statuses(frame, tmp_path / "status.csv")
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("年度,单位编码,单位名称,状态代码,状态")
    assert "甲局" in text and "有错误" in text and "DQ-10" in text

    xlsx = camp.export_statuses(frame, tmp_path / "status.xlsx")
    sheet = load_workbook(xlsx)["报送状态"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["年度", "单位编码", "单位名称"] and values[1][1] == "A" and values[1][4] == "有错误"
    assert pl.read_csv(csv)["单位编码"].to_list() == ["A", "B"]
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        camp.export_statuses(frame, tmp_path / "status.json")
