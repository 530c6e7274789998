"""Alerts after a collection run: a summary for the bureau and a notice for each unit.

``send_alerts`` is the whole stage. It reads the campaign status (:mod:`tasks.campaign`) and the
open failures of each unit's newest document, and sends

* to each unit's ``contact_email`` (through the ``alerts.unit_email`` apprise template), one
  notice listing its new failures in Chinese, quoting its own sentences, saying how to fix them
  and by when; and a reminder when it has submitted nothing by a reminder date or the deadline;
* to every ``alerts.bureau`` URL (WeCom robot, DingTalk, e-mail, JSON webhook…), the run summary.

A failure is notified once: the dedupe key is (unit, year, rule, document sha256), checked against
the deliveries recorded as sent in ``dq.alert``, so a failed delivery is tried again next run and a
new document with the same fault is notified again. Every delivery, sent or failed, is recorded with
its channel redacted. Delivery is I/O that can fail transiently, so it is retried with a small
backoff; it never raises, because a mail server being down must not stop the collection.

Secrets: URLs take ``${VAR}`` from the environment, percent-encoded (so put a password or token in
a variable, not a whole URL). The expanded URL lives only in memory; logs, ``dq.alert`` and the
summary see apprise's privacy form with every substituted value scrubbed.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import duckdb
import polars as pl

from tasks import campaign as camp
from tasks.alert_messages import bureau_message, reminder_message, rule_texts, unit_message
from tasks.config import Campaign, Settings
from warehouse.db import run
from warehouse.sql import statement

log = logging.getLogger(__name__)

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
BACKOFF = 0.5  # seconds before the first retry, doubled after each
BREAKER = 3  # unit notices failing in a row before the rest of the run stops trying


@dataclass(frozen=True, slots=True)
class Channel:
    url: str  # expanded, may hold secrets: never logged, never stored
    redacted: str
    secrets: tuple[str, ...]
    error: str | None = None  # why it cannot be used (a missing environment variable)


@dataclass(frozen=True, slots=True)
class Delivery:
    status: str  # sent | failed
    attempts: int
    error: str | None = None


@dataclass(slots=True)
class AlertSummary:
    run_id: str
    year: int
    counts: dict[str, int]
    new_errors: list[dict[str, Any]]
    needing_action: list[dict[str, Any]]  # rows of the flow's table artifact
    check_report: str | None = None
    unit_notices_sent: int = 0
    unit_notices_failed: int = 0
    duplicates_skipped: int = 0  # failures or reminders already delivered
    no_contact: list[str] = field(default_factory=list)
    bureau_sent: int = 0
    bureau_failed: int = 0
    unit_email_configured: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def brief(self) -> dict[str, Any]:
        """Counts only, for the run's summary in meta.run."""
        return {
            "new_errors": len(self.new_errors), "needing_action": len(self.needing_action),
            "unit_notices_sent": self.unit_notices_sent, "unit_notices_failed": self.unit_notices_failed,
            "duplicates_skipped": self.duplicates_skipped, "no_contact": len(set(self.no_contact)),
            "bureau_sent": self.bureau_sent, "bureau_failed": self.bureau_failed,
        }


def _expand(template: str, email: str | None) -> tuple[str, tuple[str, ...], list[str]]:
    """(URL, the secret values put into it, the variables that were not set)."""
    secrets: list[str] = []
    missing: list[str] = []

    def value_of(m: re.Match[str]) -> str:
        value = os.environ.get(m.group(1))
        if value is None:
            missing.append(m.group(1))
            return "***"
        if value:
            secrets.append(value)
        # a value lands inside a URL component: a password with "#" or "@" must not end the component
        return quote(value, safe="")

    url = _VAR.sub(value_of, template)
    if email is not None:
        url = url.replace("{email}", quote(email, safe="@"))
    password = urlsplit(url).password if "://" in url else None
    if password:
        secrets.append(password)
    return url, tuple(sorted(set(secrets), key=len, reverse=True)), missing


def channel(template: str, *, email: str | None = None) -> Channel:
    """Expand ``${VAR}`` (and ``{email}``) in an apprise URL and work out its redacted form."""
    url, secrets, missing = _expand(template, email)
    error = f"environment variable(s) {', '.join(missing)} not set" if missing else None
    with _scrubbing(secrets):  # apprise names a malformed token in its warning
        return Channel(url, _redact(url, secrets), secrets, error)


def _redact(url: str, secrets: Sequence[str]) -> str:
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    shown = plugin.url(privacy=True).split("?")[0] if plugin else f"{url.split('://')[0]}://…"
    return scrub(shown, secrets)


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return text


class _Scrubber:
    """A log record factory that scrubs secrets from every record while it is installed.

    A logger filter sees only the records of its own logger (not those of its children), and a
    handler filter only the handlers present when it was attached; secrets reach the logs through
    many loggers (apprise names a malformed token, ``urllib3.connectionpool`` logs
    ``POST /hook/<token>`` at DEBUG, ``requests`` exceptions quote the URL). Scrubbing each record
    as it is created covers every logger, handler and thread, whatever is configured."""

    def __init__(self, secrets: Sequence[str], inner: Callable[..., logging.LogRecord]) -> None:
        self.secrets = tuple(s for s in secrets if s)
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if self.secrets:
            self._scrub(record)
        return record

    def _scrub(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it at emit time, as usual
            message = scrub(str(record.msg), self.secrets)
            record.msg = message
        else:
            clean = scrub(message, self.secrets)
            if clean != message:
                record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            clean = scrub(text, self.secrets)
            if clean != text:  # keep only the scrubbed text of the traceback
                record.exc_info, record.exc_text = None, clean
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.secrets)


_factory_lock = threading.Lock()


@contextmanager
def _scrubbing(secrets: Sequence[str]) -> Iterator[None]:
    """Scrub ``secrets`` from every log record created inside the block (any logger, any handler)."""
    with _factory_lock:
        previous = logging.getLogRecordFactory()
        scrubber = _Scrubber(secrets, previous)
        logging.setLogRecordFactory(scrubber)
    try:
        yield
    finally:
        with _factory_lock:
            if logging.getLogRecordFactory() is scrubber:
                logging.setLogRecordFactory(previous)
            else:  # another block was entered after ours and is still open: unlink ours from the chain
                _unlink(scrubber, previous)


def _unlink(scrubber: _Scrubber, previous: Callable[..., logging.LogRecord]) -> None:
    factory = logging.getLogRecordFactory()
    while isinstance(factory, _Scrubber):
        if factory.inner is scrubber:
            factory.inner = previous
            return
        factory = factory.inner


def deliver(ch: Channel, title: str, body: str, *, retries: int, backoff: float = BACKOFF) -> Delivery:
    """Send one message through one apprise URL; retried, recorded by the caller, never raises."""
    import apprise

    if ch.error:
        return Delivery("failed", 0, ch.error)
    with _scrubbing(ch.secrets):  # also when called outside send_alerts
        return _deliver(apprise, ch, title, body, retries=retries, backoff=backoff)


def _deliver(apprise: Any, ch: Channel, title: str, body: str, *, retries: int, backoff: float) -> Delivery:
    if not apprise.Apprise().add(ch.url):
        return Delivery("failed", 0, f"not a usable apprise URL: {ch.redacted}")
    error = "delivery failed"
    for attempt in range(1, retries + 2):
        # a fresh notifier per attempt: a plugin instance throttles its own next send by 5.5 s
        notifier = apprise.Apprise()
        notifier.add(ch.url)
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            try:
                # plain text: left unset, apprise reads the body as HTML and folds its line breaks
                ok = bool(notifier.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT))
                reason = captured.getvalue().strip().splitlines()
            except Exception as exc:  # a plugin bug must not stop the run either
                ok, reason = False, [f"{type(exc).__name__}: {exc}"]
        if ok:
            return Delivery("sent", attempt)
        error = reason[-1] if reason else "delivery failed"
        if attempt <= retries:
            time.sleep(backoff * 2 ** (attempt - 1))
    return Delivery("failed", retries + 1, scrub(error, ch.secrets)[:500])


class _UnitMail:
    """Unit notices through the ``alerts.unit_email`` template. After :data:`BREAKER` failures in a
    row the server is taken to be down and the rest are recorded as not tried (they are retried
    next run), so a dead mail server costs seconds, not an hour of timeouts."""

    def __init__(self, con: duckdb.DuckDBPyConnection, summary: AlertSummary, template: str, retries: int,
                 backoff: float) -> None:
        self.con, self.summary, self.template = con, summary, template
        self.retries, self.backoff = retries, backoff
        self.failed_in_row = 0

    def send(self, email: str, title: str, body: str, records: list[dict[str, Any]]) -> Delivery:
        ch = channel(self.template, email=email)
        if self.failed_in_row >= BREAKER:
            d = Delivery("failed", 0, f"not tried: the previous {BREAKER} unit notices failed")
        else:
            d = deliver(ch, title, body, retries=self.retries, backoff=self.backoff)
        self.failed_in_row = 0 if d.status == "sent" else self.failed_in_row + 1
        for r in records:
            _record(self.con, self.summary.run_id, self.summary.year, "unit", ch, d, **r)
        self.summary.unit_notices_sent += d.status == "sent"
        self.summary.unit_notices_failed += d.status == "failed"
        log.info("unit notice for %s %s via %s (%d attempts)", records[0]["unit_code"], d.status, ch.redacted,
                 d.attempts)
        return d


def send_alerts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    year: int,
    run_id: str,
    today: date | None = None,
    *,
    check_report: Path | str | None = None,
    backoff: float = BACKOFF,
) -> AlertSummary:
    """Notify units of new failures and missing submissions, then send the bureau its summary."""
    today = today or date.today()
    campaign = settings.campaign(year)
    statuses = camp.unit_statuses(con, year, campaign, today)
    report = str(check_report or settings.reports_root / str(year))
    summary = AlertSummary(
        run_id=run_id, year=year, counts=camp.status_counts(statuses), new_errors=[],
        needing_action=camp.needing_action(statuses, campaign, today).to_dicts(), check_report=report,
        unit_email_configured=bool(settings.alerts.unit_email),
    )
    failures = camp.frame_of(con, statement("alert_open_failures"), {"year": year})
    new = [f"{u}|{r}|{sha}" for u, r, sha in
           con.execute(statement("alert_mark_seen"), {"year": year, "run_id": run_id}).fetchall()]
    # picked in polars: every open failure as a dict, evidence and all, was ~50 MB at 100 000 units
    summary.new_errors = failures.filter(
        pl.concat_str("unit_code", "rule_id", "sha256", separator="|").is_in(new)
    ).select("unit_code", "unit_name", "rule_id", "message").to_dicts()
    sent = {k for (k,) in con.execute(statement("alert_sent_keys"), {"year": year}).fetchall()}
    cfg = settings.alerts
    retries = cfg.retries
    with _scrubbing(_all_secrets([*cfg.bureau, cfg.unit_email or ""])):
        if cfg.unit_email:
            mail = _UnitMail(con, summary, cfg.unit_email, retries, backoff)
            _unit_failures(mail, failures, sent, campaign, today)
            _reminders(mail, statuses, sent, campaign, today)
        title, body = bureau_message(summary, campaign, today)
        for template in cfg.bureau:
            ch = channel(template)
            d = deliver(ch, title, body, retries=retries, backoff=backoff)
            _record(con, run_id, year, "bureau", ch, d)
            summary.bureau_sent += d.status == "sent"
            summary.bureau_failed += d.status == "failed"
            log.info("bureau summary %s via %s (%d attempts)", d.status, ch.redacted, d.attempts)
    return summary


def _all_secrets(templates: Sequence[str]) -> list[str]:
    return [s for t in templates if t for s in _expand(t, None)[1]]


def _record(con: duckdb.DuckDBPyConnection, run_id: str, year: int, audience: str, ch: Channel, d: Delivery,
            *, unit_code: str | None = None, rule_id: str | None = None, sha256: str | None = None,
            dedupe_key: str | None = None) -> None:
    run(con, statement("alert_record"), {
        "run_id": run_id, "audience": audience, "unit_code": unit_code, "year": year, "rule_id": rule_id,
        "sha256": sha256, "channel": ch.redacted, "dedupe_key": dedupe_key, "status": d.status,
        "attempts": d.attempts, "error": d.error,
    })


def _unit_failures(mail: _UnitMail, failures: pl.DataFrame, sent: set[str], campaign: Campaign | None,
                   today: date) -> None:
    summary, texts = mail.summary, rule_texts()
    for (unit_code,), rows in failures.group_by("unit_code", maintain_order=True):
        fresh = [r for r in rows.to_dicts() if r["dedupe_key"] not in sent]
        summary.duplicates_skipped += rows.height - len(fresh)
        if not fresh:
            continue
        if not fresh[0]["contact_email"]:
            summary.no_contact.append(str(unit_code))
            continue
        title, body = unit_message(fresh, rows.height - len(fresh), texts, campaign, today, summary.year)
        mail.send(fresh[0]["contact_email"], title, body, [
            {"unit_code": r["unit_code"], "rule_id": r["rule_id"], "sha256": r["sha256"],
             "dedupe_key": r["dedupe_key"]} for r in fresh])


def _reminders(mail: _UnitMail, statuses: pl.DataFrame, sent: set[str], campaign: Campaign | None,
               today: date) -> None:
    summary, reminder = mail.summary, camp.due_reminder(campaign, today)
    if reminder is None or campaign is None:
        return
    for r in statuses.filter(pl.col("status") == "not_submitted").to_dicts():
        key = f"remind|{r['unit_code']}|{summary.year}|{reminder}"
        if key in sent:
            summary.duplicates_skipped += 1
        elif not r["contact_email"]:
            summary.no_contact.append(r["unit_code"])
        else:
            title, body = reminder_message(r, campaign, today, summary.year)
            mail.send(r["contact_email"], title, body, [{"unit_code": r["unit_code"], "dedupe_key": key}])
