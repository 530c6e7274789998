"""Named SQL statements used by the tasks, one file each, so no task holds a multi-line SQL string."""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@cache
def statement(name: str) -> str:
    path = HERE / f"{name}.sql"
    if not path.exists():
        raise KeyError(f"no SQL statement {name!r} in {HERE}")
    return path.read_text(encoding="utf-8")
