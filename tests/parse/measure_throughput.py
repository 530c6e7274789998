"""Parser throughput, so the figure is reproducible (not a test: nothing here asserts a time).

    .venv/bin/python -m tests.parse.measure_throughput            # sample + generated mix
    .venv/bin/python -m tests.parse.measure_throughput --rounds 9 --docx

Prints documents per second on one core for

- the full 11 KB sample (tests/corpus/00_cq_jiangjin_dsj_2024_full.txt), parsed over and over;
- a generated mix from the sample-district generator (text and HTML pages in utf-8, utf-8-sig,
  gb18030 and utf-16; ``--docx`` adds DOCX), each document different.

Both CPU time (``process_time``: what the parser costs, steady on a busy machine) and wall time
are reported, as the best and the median of ``--rounds`` rounds. The parser caches the analysis
of wordings it has seen (label lookups, headings, table cells), which is what a real campaign
sees too (a district's documents share their wording); ``--cold`` clears those caches before
every document to show the cost of a document whose wordings are all new.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tasks.parse import PARSER_VERSION, parse_bytes

SAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "00_cq_jiangjin_dsj_2024_full.txt"


def clear_caches() -> None:
    from tasks.parse import narrative, normalise, perf, sections

    for fn in (
        narrative.decimal_of,
        narrative._seg_info,
        perf._dec,
        perf._row_label,
        perf._unparen,
        sections.section_id,
        sections._line_kind,
    ):
        fn.cache_clear()
    normalise._RUN_SEPARATOR.clear()


def _round(docs: Sequence[bytes], repeat: int, before: Callable[[], None] | None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for parsing ``docs`` ``repeat`` times."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for data in docs:
            if before:
                before()
            parse_bytes(data)
    return time.process_time() - cpu0, time.perf_counter() - wall0


def measure(docs: Sequence[bytes], *, repeat: int, rounds: int, cold: bool) -> dict[str, float]:
    before = clear_caches if cold else None
    _round(docs[: max(1, len(docs) // 4)], 1, before)  # warm up imports and caches
    n = repeat * len(docs)
    cpu, wall = [], []
    gc.collect()
    for _ in range(rounds):
        c, w = _round(docs, repeat, before)
        cpu.append(n / c)
        wall.append(n / w)
    return {
        "cpu_best": max(cpu),
        "cpu_median": statistics.median(cpu),
        "wall_best": max(wall),
        "wall_median": statistics.median(wall),
    }


def generated(n: int, *, docx: bool, seed: int = 2024) -> list[bytes]:
    from tasks.synth import ENCODINGS, make_district, render

    formats = ("text", "html", "docx") if docx else ("text", "html")
    units = make_district(n, seed=seed, formats=formats, encodings=ENCODINGS, missing_rate=0.0)
    return [render(u, 2024) for u in units]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--units", type=int, default=120, help="generated documents in the mix")
    ap.add_argument("--docx", action="store_true", help="put DOCX into the generated mix")
    ap.add_argument(
        "--cold", action="store_true", help="clear the parser's wording caches before each document"
    )
    args = ap.parse_args(argv)

    sample = SAMPLE.read_bytes()
    mix = generated(args.units, docx=args.docx)
    print(
        f"parser {PARSER_VERSION}; {'cold' if args.cold else 'warm'} caches; best / median of {args.rounds} rounds"
    )
    rows = [
        (
            f"sample {SAMPLE.name} ({len(sample) / 1024:.1f} KB)",
            measure([sample], repeat=200, rounds=args.rounds, cold=args.cold),
        ),
        (
            f"generated mix: {len(mix)} docs ({'text, html, docx' if args.docx else 'text, html'}; 4 encodings), "
            f"{sum(map(len, mix)) / len(mix) / 1024:.1f} KB avg",
            measure(mix, repeat=1 if args.docx else 2, rounds=args.rounds, cold=args.cold),
        ),
    ]
    for label, r in rows:
        print(label)
        print(
            f"  CPU  {r['cpu_best']:7.0f} docs/s best  {r['cpu_median']:7.0f} median"
            f"\n  wall {r['wall_best']:7.0f} docs/s best  {r['wall_median']:7.0f} median"
        )


if __name__ == "__main__":
    main()
