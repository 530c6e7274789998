"""A yearly campaign as the bureau follows it: where each unit's disclosure stands, its versions,
who needs a reminder, and the status table exported for people who live in spreadsheets.

Statuses (one per unit × year, from the newest submitted version only):

``not_submitted``  nothing fetched yet
``parse_failed``   the newest document could not be read
``submitted``      read, but no rule has run on it yet
``errors``         at least one error-severity rule fails
``published``      no open error, and this very document is in a publication of the year
``warnings``       only warnings fail, and at least one is neither explained nor waived
``waived``         only warnings failed, and every one is explained or waived
``clean``          every applicable rule passes

Everything is derived from the warehouse; nothing here stores state. Prefect is not imported,
so ``juesuan status`` stays a quick command.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from tasks.config import Campaign
from warehouse.sql import statement

log = logging.getLogger(__name__)

STATUSES: dict[str, str] = {
    "not_submitted": "未报送",
    "submitted": "已报送待校验",
    "parse_failed": "无法解析",
    "errors": "有错误",
    "warnings": "有警告",
    "waived": "警告已说明",
    "clean": "校验通过",
    "published": "已发布",
}
# statuses that need the unit to do something, whatever the date
NEEDS_FIX = ("parse_failed", "errors")

# Chinese headers for the exported table (the bureau's readers), in column order.
EXPORT_LABELS: dict[str, str] = {
    "year": "年度", "unit_code": "单位编码", "unit_name": "单位名称", "status": "状态代码",
    "status_zh": "状态", "late": "是否逾期", "days_remaining": "距截止日天数", "versions": "报送版本数",
    "current_version": "当前版本", "first_submitted_at": "首次报送时间", "last_submitted_at": "最新版本时间",
    "rules_run": "已运行规则数", "errors": "错误数", "warnings": "未说明警告数", "waived": "已说明警告数",
    "failed_rules": "未通过规则", "published": "是否已发布", "parse_error": "解析错误", "sha256": "文件SHA256",
    "parent_code": "上级单位编码", "contact_email": "联系邮箱",
}


def frame_of(con: duckdb.DuckDBPyConnection, sql: str, params: object) -> pl.DataFrame:
    """A read query's whole result as polars (in DuckDB 2 only a relation has ``.pl()``)."""
    return con.sql(sql, params=params).pl()


def published_documents(con: duckdb.DuckDBPyConnection, year: int) -> list[str]:
    """``unit_code|sha256`` of every document a publication of ``year`` included.

    meta.publication records only counts; which documents went in is in each publication's
    manifest, so it is read from there (a folder moved away is skipped with a warning).
    """
    keys: set[str] = set()
    for version, path in con.execute(statement("campaign_publications"), {"year": year}).fetchall():
        manifest = Path(path) / "manifest.json"
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("publication %s v%s: cannot read %s (%s); its units are not shown as published",
                        year, version, manifest, exc)
            continue
        for sub in data.get("inputs", {}).get("submissions", []):
            if sub.get("published") and sub.get("sha256"):
                keys.add(f"{sub['unit_code']}|{sub['sha256']}")
    return sorted(keys)


def unit_statuses(
    con: duckdb.DuckDBPyConnection, year: int, campaign: Campaign | None, today: date | None = None
) -> pl.DataFrame:
    """One row per registered unit: status, late, days_remaining, versions, rule counts, ….

    Without a configured campaign, ``late`` and ``days_remaining`` are null.
    """
    today = today or date.today()
    params = {
        "year": year, "today": today, "deadline": campaign.deadline if campaign else None,
        "published": published_documents(con, year),
    }
    frame = frame_of(con, statement("campaign_status"), params)
    return frame.with_columns(
        pl.col("status").replace_strict(STATUSES, return_dtype=pl.String).alias("status_zh")
    ).select(list(EXPORT_LABELS))


def filter_statuses(frame: pl.DataFrame, statuses: Sequence[str] = (), *, late: bool | None = None) -> pl.DataFrame:
    """Rows whose status is one of ``statuses`` (all when empty), optionally only late / on-time ones."""
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown status {', '.join(unknown)}; choose from {', '.join(STATUSES)}")
    if statuses:
        frame = frame.filter(pl.col("status").is_in(list(statuses)))
    if late is not None:
        frame = frame.filter(pl.col("late").fill_null(False) == late)
    return frame


def status_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Units per status, every status present (zeros included) in the order of :data:`STATUSES`."""
    found = dict(frame.group_by("status").len().iter_rows())
    return {s: int(found.get(s, 0)) for s in STATUSES}


def unit_history(con: duckdb.DuckDBPyConnection, unit_code: str, year: int) -> pl.DataFrame:
    """Every version the unit submitted for ``year``, newest first; ``current`` marks the one checked."""
    return frame_of(con, statement("campaign_history"), {"unit_code": unit_code, "year": year})


def due_reminder(campaign: Campaign | None, today: date) -> date | None:
    """The reminder date now in force: the latest configured one on or before ``today``, or the
    deadline itself once it has passed (the overdue notice)."""
    if campaign is None:
        return None
    passed = [d for d in campaign.reminders if d <= today]
    if today > campaign.deadline:
        passed.append(campaign.deadline)
    return max(passed) if passed else None


def needing_action(frame: pl.DataFrame, campaign: Campaign | None, today: date) -> pl.DataFrame:
    """Units the bureau should chase: unreadable documents and open errors at any time, and units
    with nothing submitted once a reminder date (or the deadline) has passed."""
    reminder = due_reminder(campaign, today)
    chase = pl.col("status").is_in(list(NEEDS_FIX))
    if reminder is not None:
        chase = chase | (pl.col("status") == "not_submitted")
    action = (
        pl.when(pl.col("status") == "not_submitted")
        .then(pl.lit(_missing_text(campaign, reminder, today)))
        .when(pl.col("status") == "parse_failed")
        .then(pl.lit("文件无法解析，需重新报送"))
        .otherwise(pl.format("错误 {} 项、警告 {} 项：{}", pl.col("errors"), pl.col("warnings"),
                             pl.col("failed_rules").fill_null("")))
    )
    return frame.filter(chase).select(
        "unit_code", "unit_name", "status", "status_zh", action.alias("action"), "late", "days_remaining",
        "versions",
    )


def _missing_text(campaign: Campaign | None, reminder: date | None, today: date) -> str:
    if campaign is not None and today > campaign.deadline:
        return f"未报送（已过截止日 {campaign.deadline}）"
    return f"未报送（已过提醒日 {reminder}）" if reminder else "未报送"


def export_statuses(frame: pl.DataFrame, path: Path) -> Path:
    """Write the status table with Chinese headers: ``.csv`` (UTF-8 with BOM, so Excel opens it
    right) or ``.xlsx``."""
    path = Path(path)
    labelled = frame.rename({c: EXPORT_LABELS.get(c, c) for c in frame.columns})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        labelled.write_csv(path, include_bom=True)
    elif suffix == ".xlsx":
        labelled.write_excel(path, worksheet="报送状态", autofit=True)
    else:
        raise ValueError(f"cannot export to {path.name}: use a .csv or .xlsx file name")
    return path
