"""A district: its units, their documents, and the folder the demo serves and the tests read."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from tasks.synth import figures as F
from tasks.synth.formats import to_docx, to_html, to_text
from tasks.synth.model import ENCODINGS, EXTENSIONS, FAULT_FAMILIES, FORMATS, TEMPLATES, SyntheticUnit
from tasks.synth.names import guess_unit_name, plan_units
from tasks.synth.narrative import render_blocks

# which part of the draw a fault needs to be non-zero before it can break it
_NEEDS = {"DQ-29": "sangong", "DQ-31": "reception", "DQ-35": "procurement"}


def make_district(
    n_units: int = 36,
    *,
    year: int = 2024,
    seed: int = 0,
    real_documents: Sequence[Path] = (),
    fault_rate: float = 0.15,
    missing_rate: float = 0.08,
    formats: Sequence[str] = ("text",),
    encodings: Sequence[str] = ("utf-8",),
) -> list[SyntheticUnit]:
    """``n_units`` synthetic units, parents before children, plus one unit per real document.

    A real document about a unit the plan already has (e.g. 西湖镇人民政府) becomes that unit's
    document; any other is appended with the next code. Real units state no ``figures`` here.
    """
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unsupported format {fmt!r}; choose from {FORMATS}")
    for enc in encodings:
        if enc not in ENCODINGS:
            raise ValueError(f"unsupported encoding {enc!r}; choose from {ENCODINGS}")
    rng = random.Random(seed)
    plan = list(plan_units(n_units))
    width = max(3, len(str(len(plan) + len(real_documents))))

    order = list(range(len(plan)))
    rng.shuffle(order)
    n_missing = round(missing_rate * len(plan))
    missing = set(order[:n_missing])
    submitting = order[n_missing:]
    families = list(FAULT_FAMILIES)
    rng.shuffle(families)
    chosen = sorted(submitting[: round(fault_rate * len(submitting))])
    fault_of = {idx: families[k % len(families)] for k, idx in enumerate(chosen)}  # every family before repeats

    units: list[SyntheticUnit] = []
    for i, (name, parent, unit_type, kind) in enumerate(plan):
        family = fault_of.get(i)
        template = rng.choice(TEMPLATES)
        fmt = formats[rng.randrange(len(formats))]
        enc = encodings[rng.randrange(len(encodings))]
        draft = F.draw(rng, kind, unit_type, _NEEDS.get(family[0]) if family else None)
        pct_q = F.Q2 if template == "zongji" else F.Q1
        fig, changes, tails = F.finish(rng, draft, family, rng.randrange(100) < 65, pct_q)
        project = draft.c["project_expenditure"]
        funds = F.frac(rng, project, 4000, 10000) or project
        tables = template != "halfwidth" and rng.randrange(2) == 0
        count = rng.randint(1, 3) if tables else rng.randint(1, 12)
        fig["perf_projects_count"] = Decimal(count)
        fig["perf_projects_funds"] = F.wan(funds)
        code = f"JJ{i + 1:0{width}d}"
        units.append(SyntheticUnit(
            unit_code=code, unit_name=name, parent_code=f"JJ{parent + 1:0{width}d}" if parent is not None else None,
            unit_type=unit_type, contact_email=_email(code), figures=fig, changes=changes, faults=family or (),
            submits=i not in missing, template=template, fmt=fmt,
            encoding="utf-8" if fmt == "docx" else enc,  # a docx is a zip of UTF-8 XML whatever is asked
            tails=tails, perf_projects=F.projects(rng, kind, funds, count, year) if tables else (), kind=kind,
        ))

    by_name = {u.unit_name: k for k, u in enumerate(units)}
    for path in real_documents:
        real = _real_unit(Path(path))
        k = by_name.get(real.unit_name)
        if k is not None and units[k].real_document is None:
            old = units[k]
            units[k] = replace(real, unit_code=old.unit_code, parent_code=old.parent_code, unit_type=old.unit_type,
                               contact_email=old.contact_email)
        else:
            code = f"JJ{len(units) + 1:0{width}d}"
            units.append(replace(real, unit_code=code, contact_email=_email(code)))
            by_name.setdefault(real.unit_name, len(units) - 1)
    return units


def _email(code: str) -> str:
    return f"{code.lower()}@demo.juesuan.example"


def _real_unit(path: Path) -> SyntheticUnit:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        try:
            data.decode("utf-8")
            enc = "utf-8"
        except UnicodeDecodeError:
            enc = "gb18030"
    fmt = {".htm": "html", ".html": "html", ".docx": "docx", ".pdf": "pdf", ".xlsx": "xlsx"}.get(
        path.suffix.lower(), "text")
    name = (guess_unit_name(data.decode(enc, errors="replace")) if fmt in ("text", "html") else None) or path.stem
    unit_type = "事业" if name.endswith(("学校", "中学", "小学", "幼儿园", "医院", "中心", "院")) else "行政"
    return SyntheticUnit(unit_code="", unit_name=name, parent_code=None, unit_type=unit_type, contact_email="",
                         figures={}, changes={}, faults=(), submits=True, template="real", fmt=fmt, encoding=enc,
                         real_document=path, kind="real")


def render_text(unit: SyntheticUnit, year: int) -> str:
    """The narrative text (for a real document: its decoded text)."""
    if unit.real_document is not None:
        return unit.real_document.read_bytes().decode(unit.encoding, errors="replace")
    return to_text(render_blocks(unit, year))


def render(unit: SyntheticUnit, year: int) -> bytes:
    """The document bytes in the unit's format and encoding (a real document verbatim)."""
    if unit.real_document is not None:
        return unit.real_document.read_bytes()
    if unit.fmt == "text":
        return to_text(render_blocks(unit, year)).encode(unit.encoding)
    if unit.fmt == "html":
        return to_html(unit, year, render_blocks(unit, year)).encode(unit.encoding)
    if unit.fmt == "docx":
        return to_docx(render_blocks(unit, year))
    raise ValueError(f"cannot render format {unit.fmt!r}")


def iter_documents(units: Sequence[SyntheticUnit], year: int) -> Iterator[tuple[SyntheticUnit, bytes]]:
    """(unit, bytes) for each submitting unit, for in-memory servers and benchmarks."""
    for u in units:
        if u.submits:
            yield u, render(u, year)


def write_district(out_dir: Path, units: Sequence[SyntheticUnit], year: int, *, source_template: str) -> Path:
    """Write ``files/{year}/{unit_code}.{ext}``, ``units.csv`` and ``truth.json``; return the csv path.

    ``source_template`` goes into the registry's ``source`` column with ``{year}`` and
    ``{unit_code}`` left for the fetcher. Put ``{ext}`` in it when formats are mixed (it is replaced
    per unit). A template ending in a literal extension (``….txt``) names every file with that
    extension whatever its format: the fetcher sniffs the bytes, not the name.
    """
    files = Path(out_dir) / "files" / str(year)
    files.mkdir(parents=True, exist_ok=True)
    tail = source_template.rsplit("/", 1)[-1]
    fixed = tail.rsplit(".", 1)[1] if "{ext}" not in source_template and "." in tail and not tail.endswith("}") else None
    rows, truth = [], {}
    for u in units:
        ext = fixed or (u.real_document.suffix.lstrip(".") if u.real_document else EXTENSIONS[u.fmt]) or "txt"
        if u.submits:
            (files / f"{u.unit_code}.{ext}").write_bytes(render(u, year))
        rows.append((u.unit_code, u.unit_name, u.parent_code or "", u.unit_type, source_template.replace("{ext}", ext),
                     u.contact_email))
        truth[u.unit_code] = _truth(u)
    csv_path = Path(out_dir) / "units.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("unit_code", "unit_name", "parent_code", "unit_type", "source", "contact_email"))
        w.writerows(rows)
    (Path(out_dir) / "truth.json").write_text(
        json.dumps({"year": year, "units": truth}, ensure_ascii=False, indent=1), encoding="utf-8")
    return csv_path


def _truth(u: SyntheticUnit) -> dict[str, object]:
    # Decimals as strings: the JSON must not round-trip money through float.
    return {
        "unit_name": u.unit_name, "figures": {k: str(v) for k, v in u.figures.items()},
        "changes": {k: [str(a), None if b is None else str(b)] for k, (a, b) in u.changes.items()},
        "faults": list(u.faults), "tails": list(u.tails), "submits": u.submits, "template": u.template,
        "fmt": u.fmt, "encoding": u.encoding, "real_document": str(u.real_document) if u.real_document else None,
        "perf_projects": [
            {"name": p.name, "initial_budget": str(p.initial_budget), "adjusted_budget": str(p.adjusted_budget),
             "executed": str(p.executed), "exec_rate_pct": str(p.exec_rate_pct), "exec_score": str(p.exec_score),
             "total_score": str(p.total_score),
             "indicators": [[i.name, i.measure_unit, i.operator, str(i.target), str(i.actual), str(i.deviation_pct),
                             str(i.weight), str(i.score)] for i in p.indicators]}
            for p in u.perf_projects
        ],
    }
