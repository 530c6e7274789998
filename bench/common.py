"""Shared pieces of the benchmark: paths, the RSS sampler, stage timers and their attribution.

Nothing here imports Prefect or Great Expectations; ``bench/run.py`` (driver), ``bench/full.py``
(the real flow) and ``bench/baseline.py`` (the bare script) all use it.
"""

from __future__ import annotations

import bisect
import json
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_VAR = Path(os.environ.get("JUESUAN_BENCH_DIR") or ROOT / "var" / "bench")
JSON_MARK = "{"


# ---------------------------------------------------------------------------------------------
# peak RSS of this process and all its descendants (the Prefect server is a child process)


class RssSampler:
    """Samples RSS (MB) of ``pid`` and its descendants every ``interval`` s in a daemon thread.

    ``mark()`` starts a new phase; ``peak(phase)`` is the highest sum seen during that phase.
    """

    def __init__(self, pid: int | None = None, interval: float = 0.05, exclude: set[int] | None = None) -> None:
        import psutil

        self._psutil = psutil
        self.proc = psutil.Process(pid or os.getpid())
        self.interval = interval
        self.exclude = exclude or set()
        self.phase = "start"
        self.peaks: dict[str, float] = defaultdict(float)
        self.own_peaks: dict[str, float] = defaultdict(float)  # this process alone
        self.samples: list[tuple[float, float]] = []  # (perf_counter, RSS MB of process + children)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def _tree(self) -> list:
        """The process and its live descendants, minus the excluded ones (e.g. the file server)."""
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
        except self._psutil.Error:
            return []
        return [p for p in procs if p.pid not in self.exclude]

    def sample(self) -> float:
        total = own = 0
        for p in self._tree():
            try:
                rss = p.memory_info().rss
            except self._psutil.Error:
                continue
            total += rss
            if p.pid == self.proc.pid:
                own = rss
        own_mb = own / 2**20
        if own_mb > self.own_peaks[self.phase]:
            self.own_peaks[self.phase] = own_mb
        return total / 2**20

    def cpu(self) -> float:
        """CPU seconds (user + system) used so far by the process and its live descendants."""
        total = 0.0
        for p in self._tree():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except self._psutil.Error:
                pass
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            mb = self.sample()
            self.samples.append((time.perf_counter(), mb))
            if mb > self.peaks[self.phase]:
                self.peaks[self.phase] = mb
            self._stop.wait(self.interval)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def mark(self, phase: str) -> None:
        self.phase = phase
        self.peaks[phase] = max(self.peaks[phase], self.sample())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def peak(self, phase: str) -> float:
        return round(self.peaks.get(phase, 0.0), 1)

    def own_peak(self, phase: str) -> float:
        return round(self.own_peaks.get(phase, 0.0), 1)


# ---------------------------------------------------------------------------------------------
# stage timers: wall intervals (+ thread CPU) of each call of a stage function


@dataclass
class Timeline:
    events: list[tuple[float, float, str, float]] = field(default_factory=list)  # start, end, stage, cpu
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)
    profile: bool = False
    sessions: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        # the outermost timed call of a thread owns the time (store_parsed inside load is "load")
        if getattr(self._local, "active", None):
            yield
            return
        self._local.active = name
        profiler = None
        if self.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002)
            try:
                profiler.start()
            except RuntimeError:  # another profiler already runs on this thread
                profiler = None
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            t1, c1 = time.perf_counter(), time.thread_time()
            self._local.active = None
            if profiler is not None:
                session = profiler.stop()
                with self._lock:
                    self.sessions[name].append(session)
            with self._lock:
                self.events.append((t0, t1, name, c1 - c0))

    def wrap(self, module: Any, attr: str, stage: str) -> None:
        """Replace ``module.attr`` by a timed wrapper (fails loudly if the target moved)."""
        fn = getattr(module, attr)
        if getattr(fn, "__bench_stage__", None):
            return
        timeline = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            with timeline.stage(stage):
                return fn(*args, **kwargs)

        timed.__bench_stage__ = stage  # type: ignore[attr-defined]
        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        setattr(module, attr, timed)

    def window(self, t0: float, t1: float) -> dict[str, Any]:
        """Attribute the wall time [t0, t1] to stages (see :func:`attribute`)."""
        with self._lock:
            events = [e for e in self.events if e[1] > t0 and e[0] < t1]
        return attribute(events, t0, t1)

    def write_profiles(self, out_dir: Path, label: str) -> list[str]:
        from pyinstrument.session import Session

        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for stage, sessions in sorted(self.sessions.items()):
            if not sessions:
                continue
            combined = sessions[0]
            for s in sessions[1:]:
                combined = Session.combine(combined, s)
            from pyinstrument.renderers import ConsoleRenderer

            text = ConsoleRenderer(unicode=True, color=False, show_all=False, time="seconds").render(combined)
            path = out_dir / f"{label}-{stage}.txt"
            path.write_text(text, encoding="utf-8")
            written.append(str(path))
        return written


def peak_by_stage(events: list[tuple[float, float, str, float]], samples: list[tuple[float, float]],
                  t0: float, t1: float) -> dict[str, float]:
    """Highest RSS sample (process + children) taken while each stage was running, within [t0, t1]."""
    out: dict[str, float] = {}
    times = [t for t, _ in samples]
    for s, e, name, _ in events:
        if e < t0 or s > t1:
            continue
        lo_i, hi_i = bisect.bisect_left(times, s), bisect.bisect_right(times, e)
        hi = max((mb for _, mb in samples[lo_i:hi_i]), default=0.0)
        out[name] = round(max(out.get(name, 0.0), hi), 1)
    return dict(sorted(out.items()))


def attribute(events: list[tuple[float, float, str, float]], t0: float, t1: float) -> dict[str, Any]:
    """Split the window's wall time among the stages active at each instant.

    Stages overlap (fetch+parse batches run on worker threads while the flow loads finished
    batches), so each instant is shared among the active calls in proportion to their number;
    time with no timed call active is orchestration overhead. Hence ``sum(seconds) + overhead
    == total`` exactly. ``busy`` is the plain sum of call durations, ``cpu`` their thread CPU.
    """
    bounds = sorted({t0, t1, *(max(t0, min(t1, e[0])) for e in events), *(max(t0, min(t1, e[1])) for e in events)})
    seconds: dict[str, float] = defaultdict(float)
    busy: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for s, e, name, c in events:
        busy[name] += min(e, t1) - max(s, t0)
        cpu[name] += c
        calls[name] += 1
    idle = 0.0
    # sweep: events sorted by start; fine for the few thousand calls a run makes
    for a, b in zip(bounds, bounds[1:], strict=False):
        if b <= a:
            continue
        mid = (a + b) / 2
        active = [name for s, e, name, _ in events if s <= mid < e]
        if not active:
            idle += b - a
            continue
        share = (b - a) / len(active)
        for name in active:
            seconds[name] += share
    r = lambda d: {k: round(v, 3) for k, v in sorted(d.items())}  # noqa: E731
    return {"seconds": r(seconds), "overhead": round(idle, 3), "busy": r(busy), "cpu": r(cpu),
            "calls": dict(sorted(calls.items())), "total": round(t1 - t0, 3)}


def emit(obj: dict[str, Any]) -> None:
    """The one JSON line a bench process ends its stdout with."""
    sys.stdout.flush()
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith(JSON_MARK):
            return json.loads(line)
    raise ValueError("no JSON line in output:\n" + text[-2000:])


def timed_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0
