"""Secrets and hostile names, end to end: collect a district, check it, send alerts (to a working
SMTP server with login, a JSON webhook with a token, and a dead mail server), publish; then search
every byte written (warehouse file, publication, reports), every log record and dq.alert for the
secrets; and make sure no unit code or name became a path outside the output folders."""

from __future__ import annotations

import csv
import json
import logging
import socket
import threading
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from tasks import demo
from tasks.errors import RegistryError
from tasks.fileserver import serve_directory
from tasks.registry import read_units

YEAR = 2024
SMTP_USER = "juesuan"
SECRETS = {"SMTP_PASSWORD": "Pw-7f3!kq9#Zt/x", "HOOK_TOKEN": "tok9f8e7d6c5b4a3210"}
HOSTILE_NAME = "../../../evil/单位\\..\\x"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), quote(secret, safe="@")}


@contextmanager
def _smtp():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    received: list[bytes] = []

    class Box:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(envelope.original_content)
            return "250 OK"

    def auth(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        return AuthResult(success=data.login == SMTP_USER.encode() and data.password == SECRETS["SMTP_PASSWORD"].encode())

    port = free_port()
    controller = Controller(Box(), hostname="127.0.0.1", port=port, auth_require_tls=False, authenticator=auth)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@contextmanager
def _webhook():
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The whole run once, with DEBUG logging on (what an operator turns on to chase a problem)."""
    from expectations import RULES_VERSION, run_checks
    from tasks import pipeline, registry
    from tasks.alert import send_alerts
    from tasks.config import load_settings
    from tasks.fetch import FetchOptions
    from tasks.parse import PARSER_VERSION
    from tasks.publish import publish
    from warehouse import db

    tmp_path = tmp_path_factory.mktemp("secrets")
    records = _Records()
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(records)
    root_logger.setLevel(logging.DEBUG)
    with pytest.MonkeyPatch.context() as mp, _smtp() as (smtp_port, mails), _webhook() as (hook_port, hooks):
        for k, v in SECRETS.items():
            mp.setenv(k, v)
        root = tmp_path / "district"
        try:
            with serve_directory(root / "files") as base:
                config = demo.prepare(root, year=YEAR, base_url=base, n_units=8, seed=5)
                # a hostile unit name (codes are validated by the registry; names are free text)
                rows = list(csv.reader((root / "units.csv").open(encoding="utf-8")))
                rows[2][1] = HOSTILE_NAME
                with (root / "units.csv").open("w", encoding="utf-8", newline="") as f:
                    csv.writer(f).writerows(rows)
                dead = free_port()
                config.write_text(config.read_text(encoding="utf-8") + f"""
[alerts]
bureau = ["json://127.0.0.1:{hook_port}/hook/${{HOOK_TOKEN}}",
          "mailto://{SMTP_USER}:${{SMTP_PASSWORD}}@127.0.0.1:{dead}?to=bureau@example.org&from=czj@example.gov.cn"]
unit_email = "mailto://{SMTP_USER}:${{SMTP_PASSWORD}}@127.0.0.1:{smtp_port}?to={{email}}&from=czj@example.gov.cn"
retries = 0
""", encoding="utf-8")
                settings = load_settings(config)
                with db.connect(settings.warehouse) as con:
                    units = registry.read_units(settings.registry)
                    registry.sync_units(con, units)
                    batch = pipeline.fetch_and_parse(units, YEAR, previous={}, parsed_shas=frozenset(),
                                                     options=FetchOptions(retries=0), parser_version=PARSER_VERSION)
                    pipeline.load(con, "run-s", batch)
                    run_checks(con, year=YEAR, run_id="run-s", engine="sql")
                    summary = send_alerts(con, settings, YEAR, "run-s", today=date(YEAR + 1, 9, 21), backoff=0)
                    pub = publish(con, YEAR, settings.publish_root, rules_version=RULES_VERSION,
                                  parser_version=PARSER_VERSION)
                    try:
                        from expectations import write_check_report, write_unit_feedback
                    except (ImportError, AttributeError):
                        write_unit_feedback = write_check_report = None  # not written yet by its owner
                    if write_unit_feedback is not None:
                        write_unit_feedback(con, YEAR, settings.reports_root / str(YEAR) / "units")
                        write_check_report(con, YEAR, settings.reports_root / str(YEAR))
                    tables = {t: con.execute(f"select * from {t}").fetchall() for t in ("dq.alert", "meta.run")}
        finally:
            root_logger.removeHandler(records)
            root_logger.setLevel(old_level)
    return {"root": root, "tmp": tmp_path, "settings": settings, "summary": summary, "pub": pub, "tables": tables,
            "logs": records.lines, "mails": mails, "hooks": hooks}


def leaks(text: str) -> list[str]:
    return [name for name, s in SECRETS.items() for f in forms(s) if f in text]


def test_the_channels_really_carried_the_secrets(scenario):
    # so that their absence everywhere else means something
    assert any(SECRETS["HOOK_TOKEN"] in p for p in scenario["hooks"]), scenario["hooks"]
    assert scenario["mails"], "no unit notice reached the SMTP server (login with the secret password failed?)"
    assert scenario["summary"].bureau_failed >= 1  # the dead mail server: error paths are where leaks happen


def test_no_secret_in_warehouse_tables_or_summary(scenario):
    for table, rows in scenario["tables"].items():
        assert not leaks(repr(rows)), f"secret in {table}"
    assert not leaks(json.dumps(scenario["summary"].as_dict(), default=str, ensure_ascii=False))


def test_no_secret_in_any_file_written(scenario):
    for path in scenario["tmp"].rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for name, s in SECRETS.items():
                for f in forms(s):
                    assert f.encode() not in data and f.encode("utf-16-le") not in data, f"{name} in {path}"


def test_no_secret_in_the_logs_even_at_debug(scenario):
    assert not [line for line in scenario["logs"] if leaks(line)], "secret in the logs"


def test_no_unit_name_or_code_became_a_path(scenario):
    root, tmp = scenario["root"], scenario["tmp"]
    assert not list(tmp.parent.rglob("evil")) and not (tmp.parent.parent / "evil").exists()
    outputs = [root / "files", root / "publish", root / "reports", root / "gx"]
    for path in root.rglob("*"):
        if path.is_file() and path.parent != root:
            assert any(path.is_relative_to(o) for o in outputs), path
    assert scenario["pub"].path.is_relative_to(scenario["settings"].publish_root)


@pytest.mark.parametrize("code", ["../x", "a/b", "a\\b", ".", "..", "a b", "a\x00b", "a.b", "~root", "$HOME"])
def test_unit_codes_that_could_become_paths_are_refused(tmp_path, code):
    (tmp_path / "units.csv").write_text(
        f'unit_code,unit_name,source\n"{code}",单位,http://x.example/{{unit_code}}\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="unit_code"):
        read_units(tmp_path / "units.csv")


@pytest.mark.parametrize("code", ["../../etc/passwd", "a/b", "..", ".", "", "CON", "nul", "单位/名称", "a\x00b", "x" * 300])
def test_feedback_file_names_are_safe_whatever_the_code(code):
    """Codes reach the feedback writer from the warehouse too (rows from older registries)."""
    from expectations.feedback import safe_name

    stem = safe_name(code)
    assert stem and "/" not in stem and "\\" not in stem and "\x00" not in stem and stem not in (".", "..")
    assert not stem.startswith(".") and len(stem) <= 64
    assert stem.upper() not in ("CON", "NUL")
