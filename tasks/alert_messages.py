"""The words of the alerts, in Chinese: unit finance staff and the bureau read them.

A unit notice names each failed rule, says what is wrong in the rule's own message, quotes the
unit's own sentences (the ``snippet`` values of ``dq.result.evidence``), shows the numbers, says how
to fix it (the catalogue's ``fix_zh``) and by when. The bureau summary stays short enough for a
WeCom or DingTalk robot; the check report holds the rest.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tasks import campaign as camp
from tasks.config import Campaign

if TYPE_CHECKING:
    from tasks.alert import AlertSummary

log = logging.getLogger(__name__)

MAX_LINES = 30  # per list in the bureau summary: WeCom robots cap a message at 4096 bytes
MAX_QUOTES = 3  # sentences quoted per rule



def rule_texts() -> dict[str, tuple[str, str]]:
    """rule id → (title, how to fix) from the rule catalogue; notices fall back to the stored
    message and generic advice when it cannot be loaded."""
    try:
        from expectations.catalogue import load_catalogue

        return {r.id: (r.title, r.fix_zh) for r in load_catalogue()}
    except Exception as exc:  # optional enrichment: a catalogue being edited must not stop alerts
        log.warning("rule catalogue unavailable for notices: %s", exc)
        return {}


def quotes(evidence: str | None, limit: int = MAX_QUOTES) -> list[str]:
    """The unit's own sentences (``snippet`` values anywhere in dq.result.evidence), first ``limit``."""
    found: list[str] = []

    def walk(node: object, quoted: bool = False) -> None:
        if isinstance(node, str):
            if quoted:
                found.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, key in ("snippet", "snippets"))
        elif isinstance(node, list):
            for item in node:
                walk(item, quoted)

    try:
        walk(json.loads(evidence) if evidence else None)
    except ValueError:
        return []
    unique = list(dict.fromkeys(s.strip() for s in found if s and s.strip()))
    return unique[:limit]


def _num(value: Decimal | None) -> str:
    if value is None:
        return "—"
    cents = value.quantize(Decimal("0.01"))
    return format(cents if cents == value else value.normalize(), "f")


def _when(campaign: Campaign | None, today: date) -> str:
    if campaign is None:
        return ""
    days = (campaign.deadline - today).days
    left = f"还有 {days} 天" if days > 0 else "今天截止" if days == 0 else f"已逾期 {-days} 天"
    return f"截止日期 {campaign.deadline:%Y年%m月%d日}（{left}）"


def unit_message(rows: list[dict[str, Any]], still_open: int, texts: dict[str, tuple[str, str]],
                 campaign: Campaign | None, today: date, year: int) -> tuple[str, str]:
    first = rows[0]
    errors = sum(r["severity"] == "error" for r in rows)
    warnings = len(rows) - errors
    name = f"{first['unit_name']}（{first['unit_code']}）"
    title = f"【决算公开】{name}{year}年度部门决算公开需修改：错误{errors}项、警告{warnings}项"
    lines = [
        f"{name}：", "",
        f"区财政局于 {today:%Y年%m月%d日} 检查了贵单位报送的{year}年度部门决算公开文件"
        f"（第{first['version']}版，SHA256 {first['sha256'][:12]}…），发现以下问题：",
    ]
    for n, r in enumerate(rows, start=1):
        rule_title, fix = texts.get(r["rule_id"], ("", ""))
        label = "错误" if r["severity"] == "error" else "警告"
        if r["rule_id"] == "PARSE":
            rule_title, fix = "文件无法读取", "请报送可复制文字的 PDF、Word、Excel 或网页版本，并确认文件完整、未加密。"
        lines += ["", f"{n}. {r['rule_id']}【{label}】{rule_title}".rstrip(), f"   问题：{r['message'] or '未通过校验'}"]
        lines += [f"   原文：“{q}”" for q in quotes(r["evidence"])]
        if r["observed"] is not None or r["expected"] is not None:
            lines.append(f"   数值：文中为 {_num(r['observed'])}，按规则应为 {_num(r['expected'])}，"
                         f"相差 {_num(r['difference'])}（允许尾差 {_num(r['tolerance'])}）")
        if not fix:
            fix = ("请核对原文与决算报表，更正后重新发布。" if r["severity"] == "error"
                   else "如数据无误，请在文中说明原因（如“主要原因是……”），或联系区财政局登记说明。")
        lines.append(f"   如何修改：{fix}")
    if still_open:
        lines += ["", f"此外，此前已通知的 {still_open} 项问题仍未解决。"]
    deadline = _when(campaign, today)
    lines += ["", f"请在{deadline}前修改并重新发布；新版本报送后将自动重新校验。" if deadline
              else "请修改后重新发布；新版本报送后将自动重新校验。",
              *(["错误项未改正前，贵单位数据不纳入全区汇总公开。"] if errors else []),
              "", "（本邮件由系统自动发送，请勿直接回复。）"]
    return title, "\n".join(lines)


def reminder_message(row: dict[str, Any], campaign: Campaign, today: date, year: int) -> tuple[str, str]:
    name = f"{row['unit_name']}（{row['unit_code']}）"
    title = f"【决算公开】提醒：{name}尚未报送{year}年度部门决算公开文件"
    body = "\n".join([
        f"{name}：", "",
        f"截至 {today:%Y年%m月%d日}，区财政局尚未获取到贵单位{year}年度部门决算公开文件。",
        f"{_when(campaign, today)}，请尽快在贵单位门户网站登记的地址发布。", "",
        "（本邮件由系统自动发送，请勿直接回复。）",
    ])
    return title, body


def bureau_message(summary: AlertSummary, campaign: Campaign | None, today: date) -> tuple[str, str]:
    c = summary.counts
    registered = sum(c.values())
    submitted = registered - c["not_submitted"]
    title = (f"【决算公开】{summary.year}年度收集情况：已报送 {submitted}/{registered}，"
             f"有错误 {c['errors']} 家，新错误 {len(summary.new_errors)} 项")
    lines = [f"运行 {summary.run_id}（{today:%Y-%m-%d}）", _when(campaign, today), "", "各状态单位数："]
    lines += [f"  {camp.STATUSES[s]} {n}" for s, n in c.items()]
    lines += _listed("本次新发现的错误", [
        f"  {e['unit_code']} {e['unit_name']} {e['rule_id']}：{e['message'] or ''}".rstrip("：")
        for e in summary.new_errors], "项")
    lines += _listed("需处理的单位", [
        f"  {a['unit_code']} {a['unit_name']}：{a['action']}" for a in summary.needing_action], "家")
    lines += ["", f"单位通知：发送 {summary.unit_notices_sent} 封，失败 {summary.unit_notices_failed} 封，"
              f"已通知过的 {summary.duplicates_skipped} 项未重复发送" if summary.unit_email_configured
              else "单位通知：未配置（alerts.unit_email），未发送"]
    if summary.no_contact:
        lines.append(f"无联系邮箱、未能通知：{', '.join(sorted(set(summary.no_contact))[:MAX_LINES])}")
    lines += [f"检查报告：{summary.check_report}"]
    return title, "\n".join(lines)


def _listed(heading: str, items: list[str], unit: str) -> list[str]:
    out = ["", f"{heading} {len(items)} {unit}：" if items else f"{heading}：无"]
    out += items[:MAX_LINES]
    if len(items) > MAX_LINES:
        out.append(f"  ……另有 {len(items) - MAX_LINES} {unit}，见检查报告")
    return out
