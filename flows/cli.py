"""The ``juesuan`` command (DESIGN.md §5). Thin: it parses options, calls flows or library
functions, and renders results with rich. Quick commands (parse, check, status, sql, waive) never
import Prefect or start a server; collect, demo, publish and serve run flows.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tasks.config import RUNNERS
from tasks.errors import JuesuanError
from warehouse.db import WarehouseBusy, WarehouseUnreadable

# Measured on 2-core machines (STACK.md): the temporary Prefect server's first start can pass the
# default 20 s, and its telemetry lookup fails without internet.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="Collect, check and publish 部门决算公开 disclosures.")
out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="juesuan.toml to use")]
YearOpt = Annotated[int, typer.Option("--year", "-y", help="the accounts year (决算年度)")]
DEFAULT_CONFIG = Path(os.environ.get("JUESUAN_CONFIG", "juesuan.toml"))


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _settings(config: Path) -> Any:
    from tasks.config import load_settings

    return load_settings(config)


def _print_summary(result: dict[str, Any]) -> None:
    table = Table(title=f"{result['year']} collection", show_header=True)
    table.add_column("")
    table.add_column("units", justify="right")
    for label, key in [
        ("registered", "registered"), ("submitted", "submitted"), ("missing", "missing"),
        ("  of which unreachable", "unreachable"), ("failed to parse", "parse_failed"),
        ("with errors", "with_errors"), ("with warnings only", "warnings_only"), ("published", "publishable"),
    ]:
        table.add_row(label, str(result.get(key, "")))
    out.print(table)
    out.print(f"warehouse:    {result['warehouse']}")
    out.print(f"check report: {result['check_report']}")
    if result.get("publication"):
        out.print(f"publication:  {result['publication']}")


@app.command()
def collect(year: YearOpt, config: ConfigOpt = DEFAULT_CONFIG,
            no_publish: Annotated[bool, typer.Option("--no-publish")] = False,
            runner: Annotated[str | None, typer.Option(
                "--runner", help="thread | process | dask: where fetch+parse batches run (default: runner in the config)",
            )] = None) -> None:
    """Run one yearly collection from the registry in juesuan.toml."""
    from flows.collect import yearly_collection

    if runner not in (None, *RUNNERS):
        _fail(f"--runner must be one of {', '.join(RUNNERS)}, not {runner!r}")
    _check_before_flow(config)
    _print_summary(yearly_collection(year=year, config=str(config), publish=not no_publish, runner=runner))


@app.command()
def serve(config: ConfigOpt = DEFAULT_CONFIG,
          year: Annotated[int | None, typer.Option("--year", "-y", help="override the year in deploy/prefect.yaml")] = None,
          prefect_file: Annotated[Path | None, typer.Option("--prefect-file", help="deployments to serve")] = None) -> None:
    """Run the scheduled deployments of deploy/prefect.yaml from this process (no work pool needed)."""
    from flows.serve import PREFECT_YAML
    from flows.serve import serve as run_schedules

    run_schedules(prefect_file or PREFECT_YAML, config=str(config.resolve()), year=year)


@app.command()
def demo(
    year: YearOpt = 2024,
    directory: Annotated[Path, typer.Option("--dir", help="where the demo district is written")] = Path("var/demo"),
    units: Annotated[int, typer.Option(help="generated units (plus the real sample)")] = 36,
) -> None:
    """A whole yearly collection on the bundled sample district, served over local HTTP."""
    from flows.collect import yearly_collection
    from tasks import demo as sample
    from tasks.fileserver import serve_directory

    directory = directory.resolve()
    with serve_directory(directory / "files") as base_url:
        config = sample.prepare(directory, year=year, base_url=base_url, n_units=units)
        out.print(f"sample district: {directory} (served at {base_url})")
        result = yearly_collection(year=year, config=str(config))
    _print_summary(result)
    command = os.path.relpath(sys.argv[0]) if os.path.isabs(sys.argv[0]) else sys.argv[0]
    out.print(f"\nexplore it:   {command} status -c {config} --year {year}", soft_wrap=True)


@app.command()
def parse(file: Path, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Extract the canonical figures of one document, with the sentence each came from."""
    from tasks.model import ParseError
    from tasks.parse import parse_bytes, to_json

    try:
        doc = parse_bytes(file.read_bytes(), name=str(file))
    except (OSError, ParseError) as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        print(json.dumps(to_json(doc), ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=f"{file.name}: {doc.unit_name or '?'} {doc.year or ''} ({doc.format}, {doc.encoding or 'text'})")
    for col in ("key", "kind", "value", "source"):
        table.add_column(col)
    for f in doc.figures:
        table.add_row(f.key, f.kind, str(f.value), f.snippet if f.source == "text" else f.source)
    out.print(table)
    for key, figs in doc.conflicts().items():
        out.print(f"[yellow]conflict[/] {key}: " + " vs ".join(str(f.value) for f in figs))


@app.command()
def check(file: Path, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Run every rule on one document, without a warehouse. Exit 1 if any error fails."""
    from expectations import check_document, results_json
    from tasks.model import ParseError
    from tasks.parse import parse_bytes

    try:
        doc = parse_bytes(file.read_bytes(), name=str(file))
    except (OSError, ParseError) as exc:
        _fail(f"{file}: {exc}")
    report = results_json(check_document(doc))
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        table = Table(title=f"{file.name}: {report['errors']} errors, {report['warnings']} warnings")
        for col in ("rule", "severity", "status", "message"):
            table.add_column(col)
        style = {"fail": "red", "waived": "yellow", "pass": "green", "not_applicable": "dim"}
        for r in report["results"]:
            table.add_row(r["rule_id"], r["severity"], f"[{style.get(r['status'], '')}]{r['status']}[/]", r["message"] or "")
        out.print(table)
    raise typer.Exit(1 if report["errors"] else 0)


_STATUS_STYLE = {"not_submitted": "red", "parse_failed": "red", "errors": "red", "submitted": "cyan",
                 "warnings": "yellow", "waived": "green", "clean": "green", "published": "bold green"}
TodayOpt = Annotated[datetime | None, typer.Option("--today", formats=["%Y-%m-%d"], help="as of this date (default: today)")]


@app.command()
def status(
    year: YearOpt,
    config: ConfigOpt = DEFAULT_CONFIG,
    only: Annotated[list[str] | None, typer.Option(
        "--status", "-s", help="only these statuses (repeat or comma-separate): not_submitted, submitted, "
        "parse_failed, errors, warnings, waived, clean, published")] = None,
    late: Annotated[bool | None, typer.Option("--late/--on-time", help="only late / only on-time units")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="also write the rows to .csv (UTF-8 BOM) or .xlsx")] = None,
    today: TodayOpt = None,
) -> None:
    """Per unit: not submitted / submitted / parse failed / errors / warnings / waived / clean / published."""
    from tasks import campaign
    from warehouse import db

    settings = _settings(config)
    as_of = today.date() if today else datetime.now().date()
    with db.connect(settings.warehouse, read_only=True) as con:
        frame = campaign.unit_statuses(con, year, settings.campaign(year), as_of)
    try:
        shown = campaign.filter_statuses(frame, [s.strip() for o in only or [] for s in o.split(",") if s.strip()],
                                         late=late)
        if export:
            campaign.export_statuses(shown, export)
    except ValueError as exc:
        _fail(str(exc))
    counts = ", ".join(f"{campaign.STATUSES[k]} {v}" for k, v in campaign.status_counts(frame).items() if v)
    deadline = settings.campaign(year).deadline if settings.campaign(year) else None
    table = Table(title=f"{year}: {shown.height} of {frame.height} units" + (f" · 截止 {deadline}" if deadline else ""),
                  caption=counts)
    # the console view keeps what a reviewer scans for; --export carries every column
    for col, kw in (("单位", {"no_wrap": True, "max_width": 22}), ("状态", {"no_wrap": True}), ("逾期", {}),
                    ("剩余天", {"justify": "right"}), ("版本", {}), ("错", {"justify": "right"}),
                    ("警", {"justify": "right"}), ("未通过规则", {"min_width": 12})):
        table.add_column(col, **kw)
    for r in shown.iter_rows(named=True):
        table.add_row(
            f"{r['unit_code']} {r['unit_name']}", f"[{_STATUS_STYLE[r['status']]}]{r['status_zh']}[/]",
            {True: "[red]是[/]", False: "否"}.get(r["late"], ""), "" if r["days_remaining"] is None else str(r["days_remaining"]),
            f"v{r['current_version']}/{r['versions']}" if r["versions"] else "",
            str(r["errors"]), str(r["warnings"]), r["failed_rules"] or r["parse_error"] or "",
        )
    out.print(table)
    if export:
        out.print(f"exported {shown.height} rows to {export}")


@app.command()
def history(unit: str, year: YearOpt, config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Every version a unit submitted for a year, newest first; the newest is the one checked and shown."""
    from tasks import campaign
    from warehouse import db

    settings = _settings(config)
    with db.connect(settings.warehouse, read_only=True) as con:
        frame = campaign.unit_history(con, unit, year)
    if frame.is_empty():
        _fail(f"unit {unit} has submitted nothing for {year}", code=1)
    table = Table(title=f"{unit} {year}: {frame.height} version(s)")
    for col in ("version", "fetched_at", "sha256", "parse", "errors", "warnings", "waived", "failed rules"):
        table.add_column(col)
    for r in frame.iter_rows(named=True):
        table.add_row(
            f"v{r['version']}" + (" [bold](current)[/]" if r["current"] else ""), str(r["fetched_at"]),
            r["sha256"][:12], r["parse_status"], str(r["errors"]), str(r["warnings"]), str(r["waived"]),
            r["failed_rules"] or r["parse_error"] or "",
        )
    out.print(table)


@app.command()
def publish(year: YearOpt, config: ConfigOpt = DEFAULT_CONFIG,
            diff: Annotated[bool, typer.Option("--diff", help="say what changed since the last publication")] = False) -> None:
    """Write the district publication for a year (never overwrites an earlier one)."""
    from flows.publish import publication

    settings = _settings(config)
    if diff:
        from tasks.publish import diff_publications
        from warehouse import db

        with db.connect(settings.warehouse, read_only=True) as con:
            print(json.dumps(diff_publications(con, year, settings.publish_root), ensure_ascii=False, indent=2, default=str))
        return
    _check_before_flow(config)
    pub = publication(year=year, config=str(config))
    if not pub["new"]:
        out.print(f"nothing changed since version {pub['version']}: no new version written")
    out.print(f"publication: {pub['path']}\nmanifest:    {pub['manifest']}")


@app.command()
def sql(
    query: str,
    config: ConfigOpt = DEFAULT_CONFIG,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
) -> None:
    """Answer one read-only SQL query against the warehouse; writes are refused."""
    from tasks.query import ReadOnlyViolation, run_readonly

    settings = _settings(config)
    try:
        cols, rows = run_readonly(settings.warehouse, query)
    except ReadOnlyViolation as exc:
        _fail(str(exc))
    if fmt == "json":
        print(json.dumps([dict(zip(cols, r, strict=True)) for r in rows], ensure_ascii=False, default=str))
    elif fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    else:
        table = Table()
        for c in cols:
            table.add_column(c)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        out.print(table)


@app.command()
def waive(unit: str, rule: str, year: YearOpt, reason: Annotated[str, typer.Option("--reason")],
          config: ConfigOpt = DEFAULT_CONFIG,
          by: Annotated[str, typer.Option("--by", help="who accepts it")] = os.environ.get("USER", "bureau")) -> None:
    """Accept an explained warning for a unit (errors cannot be waived)."""
    from expectations import waive as record_waiver
    from warehouse import db

    settings = _settings(config)
    with db.connect(settings.warehouse) as con:
        record_waiver(con, unit, rule, year, reason, by)
    out.print(f"waived {rule} for {unit} ({year}): {reason}")


def _check_before_flow(config: Path) -> None:
    """Fail fast with the clear message, before a Prefect server starts: a bad config, or a warehouse
    another process holds (inside the flow the same errors also stop it, but under Prefect's own
    traceback log). A read-only open takes no lock when the warehouse is free."""
    from warehouse import db

    settings = _settings(config)
    if Path(settings.warehouse).exists():
        db.connect(settings.warehouse, read_only=True).close()


def main() -> None:
    try:
        app()
    except (WarehouseBusy, WarehouseUnreadable) as exc:
        _exit_error(str(exc))
    except JuesuanError as exc:
        _exit_error(str(exc))
    except FileNotFoundError as exc:
        _exit_error(str(exc))


def _exit_error(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    sys.exit(2)
