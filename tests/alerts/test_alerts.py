"""send_alerts against real receivers: unit notices through a local SMTP server, the bureau
summary through a local JSON webhook; dedupe, retries, failures and secrets checked in dq.alert."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import pytest

from tasks.alert import channel, deliver, send_alerts
from tasks.alert_messages import quotes
from tasks.config import Alerts
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, free_port
from tests.campaign.district import SENTENCE, YEAR, District, settings

REMINDED = date(2025, 9, 2)  # the day after the first reminder date, 28 days before the deadline


def unit_email(port: int) -> str:
    return f"mailto://{SMTP_USER}:${{SMTP_PASSWORD}}@127.0.0.1:{port}?from=czj@example.gov.cn&to={{email}}"


def district() -> tuple[District, dict[str, str]]:
    d = District().register(("A", "甲局", "a@example.cn"), ("B", "乙中心", "b@example.cn"),
                            ("C", "丙所", "c@example.cn"), ("D", "丁站", None))
    shas = {"A": d.submit("A", "甲局 2024", datetime(2025, 8, 10)), "B": d.submit("B", "乙中心", datetime(2025, 8, 11)),
            "D": d.submit("D", "丁站", datetime(2025, 8, 12))}
    d.verdict("A", shas["A"], "DQ-10")
    d.verdict("A", shas["A"], "DQ-40", "warning", message="三公经费增减变化未说明原因。",
              snippet="“三公”经费支出12.30万元，比上年增加2.10万元。")
    d.passes("A", shas["A"], "DQ-25")
    d.passes("B", shas["B"])
    d.verdict("D", shas["D"], "DQ-10")
    return d, shas


def alert_rows(d: District) -> list[dict]:
    cur = d.con.execute("select * from dq.alert order by alert_id")
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture
def secret_env(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)


def test_unit_notices_and_bureau_summary_are_delivered(tmp_path, smtp, webhook, secret_env, caplog):
    caplog.set_level(logging.DEBUG)
    d, shas = district()
    cfg = settings(tmp_path, Alerts(bureau=[webhook.url], unit_email=unit_email(smtp.port), retries=0))
    report = tmp_path / "reports" / "2024" / "check_report.html"
    summary = send_alerts(d.con, cfg, YEAR, "run-1", REMINDED, check_report=report, backoff=0)

    # A: one notice with both failures; C: the reminder; D has no address; B is clean
    assert sorted(rcpt for rcpt, _ in smtp.received) == [["a@example.cn"], ["c@example.cn"]]
    i = next(n for n, (rcpt, _) in enumerate(smtp.received) if rcpt == ["a@example.cn"])
    msg, body = smtp.received[i][1], smtp.body(i)
    assert "甲局" in msg["subject"] and "A" in msg["subject"] and "错误1项" in msg["subject"]
    assert msg["to"] == "a@example.cn"
    for text in ("DQ-10", "DQ-40", "【错误】", "【警告】", "收入总计与支出总计不相等", "三公经费增减变化未说明原因",
                 f"原文：“{SENTENCE}”", "原文：““三公”经费支出12.30万元，比上年增加2.10万元。”",
                 "文中为 1234.56，按规则应为 1230.00，相差 4.56", "如何修改：", "2025年09月30日", "还有 28 天",
                 shas["A"][:12]):
        assert text in body, text
    c = next(n for n, (rcpt, _) in enumerate(smtp.received) if rcpt == ["c@example.cn"])
    assert "丙所" in smtp.received[c][1]["subject"] and "尚未获取到贵单位2024年度" in smtp.body(c)

    # the bureau summary, as the JSON a webhook receives
    assert len(webhook.posts) == 1 and webhook.posts[0]["path"].startswith("/hooks/juesuan")
    payload = webhook.posts[0]["json"]
    assert "2024年度" in payload["title"] and "已报送 3/4" in payload["title"] and "有错误 2 家" in payload["title"]
    message = payload["message"]
    for text in ("run-1", "有错误 2", "校验通过 1", "未报送 1", "本次新发现的错误 2 项", "A 甲局 DQ-10",
                 "D 丁站 DQ-10", "需处理的单位 3 家", "C 丙所：未报送（已过提醒日 2025-09-01）",
                 "单位通知：发送 2 封，失败 0 封", "无联系邮箱、未能通知：D", str(report)):
        assert text in message, text

    assert (summary.unit_notices_sent, summary.unit_notices_failed, summary.bureau_sent) == (2, 0, 1)
    assert summary.counts["errors"] == 2 and summary.no_contact == ["D"]
    assert {(e["unit_code"], e["rule_id"]) for e in summary.new_errors} == {("A", "DQ-10"), ("D", "DQ-10")}
    assert {r["unit_code"] for r in summary.needing_action} == {"A", "C", "D"}

    rows = alert_rows(d)
    assert {(r["audience"], r["unit_code"], r["rule_id"], r["status"]) for r in rows} == {
        ("unit", "A", "DQ-10", "sent"), ("unit", "A", "DQ-40", "sent"), ("unit", "C", None, "sent"),
        ("bureau", None, None, "sent")}
    a10 = next(r for r in rows if r["rule_id"] == "DQ-10")
    assert a10["sha256"] == shas["A"] and a10["attempts"] == 1 and a10["run_id"] == "run-1"
    assert a10["channel"].startswith(f"mailto://{SMTP_USER}:") and "127.0.0.1" in a10["channel"]

    # the password reached the SMTP server (it logged in) and nowhere else
    everything = json.dumps(rows, default=str) + caplog.text + json.dumps(summary.as_dict(), default=str)
    everything += json.dumps(webhook.posts, ensure_ascii=False)
    assert SMTP_PASSWORD not in everything and "Pw-7f3" not in everything
    assert "mailto://juesuan:***@" in caplog.text or "mailto://juesuan:****@" in caplog.text


def test_a_failure_is_notified_once_per_document(tmp_path, smtp, webhook, secret_env):
    d, shas = district()
    cfg = settings(tmp_path, Alerts(bureau=[webhook.url], unit_email=unit_email(smtp.port), retries=0))
    send_alerts(d.con, cfg, YEAR, "run-1", REMINDED, backoff=0)
    assert len(smtp.received) == 2
    unit_rows = len([r for r in alert_rows(d) if r["audience"] == "unit"])

    again = send_alerts(d.con, cfg, YEAR, "run-2", REMINDED, backoff=0)
    assert len(smtp.received) == 2, "same failures, same documents, same reminder date: nothing new"
    assert len([r for r in alert_rows(d) if r["audience"] == "unit"]) == unit_rows
    assert again.duplicates_skipped == 3 and again.new_errors == [] and again.unit_notices_sent == 0
    assert len(webhook.posts) == 2 and "本次新发现的错误：无" in webhook.posts[1]["json"]["message"]

    # A resubmits: a new document with the same fault is a new failure; the next reminder date
    # reminds C again
    a2 = d.submit("A", "甲局 2024 第二版", datetime(2025, 9, 21))
    d.verdict("A", a2, "DQ-10")
    d.passes("A", a2, "DQ-25", "DQ-40")
    third = send_alerts(d.con, cfg, YEAR, "run-3", date(2025, 9, 21), backoff=0)
    assert sorted(r for r, _ in smtp.received[2:]) == [["a@example.cn"], ["c@example.cn"]]
    i = 2 + next(n for n, (r, _) in enumerate(smtp.received[2:]) if r == ["a@example.cn"])
    assert "DQ-10" in smtp.body(i) and "DQ-40" not in smtp.body(i) and "第2版" in smtp.body(i)
    assert [(e["unit_code"], e["rule_id"]) for e in third.new_errors] == [("A", "DQ-10")]
    sent_keys = [r["dedupe_key"] for r in alert_rows(d) if r["unit_code"] == "A" and r["rule_id"] == "DQ-10"]
    assert sent_keys == [f"fail|A|{YEAR}|DQ-10|{shas['A']}", f"fail|A|{YEAR}|DQ-10|{a2}"]


def test_failed_delivery_is_retried_recorded_and_never_raises(tmp_path, secret_env, caplog):
    closed = free_port()
    cfg = settings(tmp_path, Alerts(bureau=[f"json://127.0.0.1:{closed}/hook"],
                                    unit_email=unit_email(closed), retries=2))
    d, _ = district()
    summary = send_alerts(d.con, cfg, YEAR, "run-1", REMINDED, backoff=0)
    assert (summary.unit_notices_sent, summary.unit_notices_failed, summary.bureau_failed) == (0, 2, 1)
    rows = alert_rows(d)
    assert rows and {r["status"] for r in rows} == {"failed"} and {r["attempts"] for r in rows} == {3}
    assert all(r["error"] for r in rows)
    assert SMTP_PASSWORD not in json.dumps(rows, default=str) + caplog.text

    # not delivered means not deduplicated: the next run tries again
    second = send_alerts(d.con, cfg, YEAR, "run-2", REMINDED, backoff=0)
    assert second.unit_notices_failed == 2 and second.duplicates_skipped == 0
    assert len(alert_rows(d)) == 2 * len(rows)


def test_a_flaky_receiver_gets_the_summary_on_retry(tmp_path, webhook):
    webhook.refuse = 1
    d, _ = district()
    summary = send_alerts(d.con, settings(tmp_path, Alerts(bureau=[webhook.url], retries=2)), YEAR, "run-1",
                          REMINDED, backoff=0)
    assert summary.bureau_sent == 1 and len(webhook.posts) == 1
    assert "单位通知：未配置" in webhook.posts[0]["json"]["message"]
    assert [(r["audience"], r["status"], r["attempts"]) for r in alert_rows(d)] == [("bureau", "sent", 2)]


def test_missing_variable_or_malformed_token_is_a_failed_delivery(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.delenv("JUESUAN_NO_SUCH_TOKEN", raising=False)
    monkeypatch.setenv("WECOM_KEY", "not/a-valid key^secretish")  # apprise warns naming the key
    d, _ = district()
    cfg = settings(tmp_path, Alerts(bureau=["wecombot://${JUESUAN_NO_SUCH_TOKEN}", "wecombot://${WECOM_KEY}"],
                                    retries=1))
    summary = send_alerts(d.con, cfg, YEAR, "run-1", REMINDED, backoff=0)
    assert summary.bureau_failed == 2
    missing, malformed = alert_rows(d)
    assert (missing["status"], missing["attempts"]) == ("failed", 0)
    assert "JUESUAN_NO_SUCH_TOKEN not set" in missing["error"]
    assert malformed["status"] == "failed" and "not a usable apprise URL" in malformed["error"]
    leaked = caplog.text + json.dumps([missing, malformed], default=str)
    assert "secretish" not in leaked and "a-valid" not in leaked


@pytest.mark.parametrize("template", [
    "wecombot://${TOKEN}", "dingtalk://${TOKEN}/", "dingtalk://${TOKEN}@abcdef0123456789/",
    "mailtos://user:${TOKEN}@smtp.example.gov.cn?from=czj@example.gov.cn", "jsons://hooks.example.cn/${TOKEN}",
    "json://user:${TOKEN}@hooks.example.cn/in",
])
def test_channels_are_redacted(template, monkeypatch):
    secret = "s3cr3tTOKENvalue0123456789"
    monkeypatch.setenv("TOKEN", secret)
    ch = channel(template)
    assert secret in ch.url and secret not in ch.redacted and secret[:10] not in ch.redacted
    assert ch.redacted.split("://")[0] == template.split("://")[0]


def test_invalid_url_fails_without_raising():
    result = deliver(channel("nosuchscheme://x"), "t", "b", retries=3, backoff=0)
    assert (result.status, result.attempts) == ("failed", 0)


def test_quotes_are_the_units_own_snippets():
    evidence = json.dumps({"figures": [{"snippet": "甲。", "span": [0, 2]}, {"snippet": "甲。"},
                                       {"snippet": "乙。"}], "findings": [{"detail": "不是原文"}]},
                          ensure_ascii=False)
    assert quotes(evidence) == ["甲。", "乙。"]
    assert quotes(json.dumps({"snippets": ["一", "二", "三", "四"]})) == ["一", "二", "三"]
    assert quotes(None) == [] and quotes("not json") == []


def test_a_dead_mail_server_stops_being_tried_after_three_failures(tmp_path, secret_env):
    d = District().register(*[(f"U{i}", f"单位{i}", f"u{i}@example.cn") for i in range(6)])
    cfg = settings(tmp_path, Alerts(unit_email=unit_email(free_port()), retries=0))
    summary = send_alerts(d.con, cfg, YEAR, "run-1", REMINDED, backoff=0)
    assert summary.unit_notices_failed == 6
    attempts = [r["attempts"] for r in alert_rows(d)]
    assert attempts == [1, 1, 1, 0, 0, 0]
    assert all("not tried" in r["error"] for r in alert_rows(d)[3:])


def test_secrets_are_scrubbed_from_every_logger_while_delivering():
    """Any logger (urllib3's children, one with its own handler), its arguments and tracebacks."""
    from tasks.alert import _scrubbing

    secret = "tok-9f8e7d/6c5"
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    own = logging.getLogger("juesuan.test.scrub.own")
    handler, root_handler = Lines(logging.DEBUG), Lines(logging.DEBUG)
    own.addHandler(handler)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(root_handler)
    root.setLevel(logging.DEBUG)
    before = logging.getLogRecordFactory()
    try:
        with _scrubbing([secret]), _scrubbing(["other-secret"]):
            logging.getLogger("urllib3.connectionpool").debug('"POST /hook/%s HTTP/1.1" 200 0', secret)
            own.warning("url http://h/%s", "tok-9f8e7d%2F6c5")
            try:
                raise ConnectionError(f"Max retries exceeded with url: /hook/{secret}")
            except ConnectionError:
                logging.getLogger("requests.adapters").exception("failed")
        logging.getLogger("urllib3.connectionpool").debug("outside %s", "no secret here")
    finally:
        own.removeHandler(handler)
        root.removeHandler(root_handler)
        root.setLevel(old_level)
    assert logging.getLogRecordFactory() is before
    text = "\n".join(lines)
    assert "/hook/***" in text and "Max retries exceeded with url: /hook/***" in text, text
    assert secret not in text and "tok-9f8e7d%2F6c5" not in text, text
    assert "outside no secret here" in text
