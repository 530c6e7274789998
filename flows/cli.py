"""The ``juesuan`` command (DESIGN.md §5). Thin: it parses options, calls flows or library
functions, and renders results with rich. Quick commands (parse, check, status, sql, waive) never
import Prefect or start a server; collect, demo, publish and serve run flows.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tasks.errors import JuesuanError
from warehouse.db import WarehouseBusy

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
            no_publish: Annotated[bool, typer.Option("--no-publish")] = False) -> None:
    """Run one yearly collection from the registry in juesuan.toml."""
    from flows.collect import yearly_collection

    _print_summary(yearly_collection(year=year, config=str(config), publish=not no_publish))


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
    out.print(f"\nexplore it:   juesuan --help; juesuan status -c {config} --year {year}")


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


@app.command()
def status(year: YearOpt, config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Per unit: submitted / missing / parse failed / errors / warnings / published."""
    from warehouse import db

    settings = _settings(config)
    with db.connect(settings.warehouse, read_only=True) as con:
        cur = con.execute("select * from marts.unit_status where year = ? order by unit_code", [year])
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    table = Table(title=f"{year}: {len(rows)} units")
    for c in cols:
        table.add_column(c)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
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
    pub = publication(year=year, config=str(config))
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


def main() -> None:
    try:
        app()
    except WarehouseBusy as exc:
        _exit_error(str(exc))
    except JuesuanError as exc:
        _exit_error(str(exc))
    except FileNotFoundError as exc:
        _exit_error(str(exc))


def _exit_error(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    sys.exit(2)
