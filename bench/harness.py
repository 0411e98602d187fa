"""Commands run as fresh child processes and timed: wall time, CPU time and the peak resident
memory of that very child (``os.wait4``), each command paired with its baseline in one loop."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PY = sys.executable


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    rc: int
    timed_out: bool = False


@dataclass
class Measure:
    """The runs of one command."""

    label: str
    cmd: list[str]
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not any(r.timed_out for r in self.runs)

    @property
    def wall(self) -> float | None:
        done = [r.wall for r in self.runs if not r.timed_out]
        return statistics.median(done) if done else None

    @property
    def cpu(self) -> float | None:
        done = [r.cpu for r in self.runs if not r.timed_out]
        return statistics.median(done) if done else None

    @property
    def rss(self) -> float | None:
        return max((r.rss_mb for r in self.runs), default=None)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "cmd": [short(c) for c in self.cmd],
                "median_s": self.wall, "median_cpu_s": self.cpu, "peak_rss_mb": self.rss,
                "timed_out": not self.ok and bool(self.runs),
                "runs": [{"wall_s": round(r.wall, 4), "cpu_s": round(r.cpu, 4),
                          "rss_mb": round(r.rss_mb, 1), "rc": r.rc,
                          "timed_out": r.timed_out} for r in self.runs]}


def short(arg: str) -> str:
    """An argument as stored and shown: paths relative to the repository, ``python``."""
    for base, name in ((str(RESULTS), "bench/results"), (str(ROOT), "."), (PY, "python")):
        if arg.startswith(base):
            return name + arg[len(base):]
    return arg


class Runner:
    def __init__(self, work: Path, timeout: float, as_is: bool, verbose: bool) -> None:
        self.work = work
        self.timeout = timeout
        self.verbose = verbose
        env = dict(os.environ)
        if not as_is:
            # Byte-compile once, out of the source tree, like an installed package.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        env["KZGRAPH_CACHE"] = str(work / "cache")
        env.pop("KZGRAPH_HOME", None)
        self.env = env

    def once(self, cmd: list[str], *, home: Path | None = None, out: Path | None = None,
             env: dict[str, str] | None = None, timeout: float | None = None) -> Run:
        """Run ``cmd`` as a child process: wall time, CPU time and peak RSS of that child."""
        child_env = dict(self.env)
        if home is not None:
            child_env["KZGRAPH_HOME"] = str(home)
        child_env.update(env or {})
        limit = timeout or self.timeout
        err_path = self.work / "last-stderr.txt"
        with open(out or os.devnull, "wb") as stdout, open(err_path, "wb") as stderr:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=child_env, cwd=ROOT)
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                proc.kill()

            timer = threading.Timer(limit, kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        run = Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                  proc.returncode, killed.is_set())
        if self.verbose:
            shown = " ".join(map(short, cmd))[:100]
            print(f"    {wall:8.3f} s {run.rss_mb:7.0f} MB rc={run.rc} {shown}", flush=True)
        if run.rc not in (0, 1) and not run.timed_out:
            tail = err_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"command failed ({run.rc}): {' '.join(cmd)}\n{tail}")
        return run


def runs_after(first: Run, wanted: int) -> int:
    """How many runs in all, given the first: slow commands are repeated less."""
    if first.timed_out or first.wall > 600:
        return 1
    if first.wall > 60:
        return min(wanted, 3)
    return wanted


def paired(runner: Runner, pairs: list[tuple[Measure, dict[str, Any]]], wanted: int,
           outputs: dict[str, Path] | None = None) -> None:
    """Run every measure ``wanted`` times, interleaved: run r of each, in turn (alternating
    the order of a pair between rounds). ``outputs``: label -> file for the first run's stdout."""
    limits: dict[int, int] = {}
    for r in range(wanted):
        order = pairs if r % 2 == 0 else list(reversed(pairs))
        for measure, kw in order:
            limit = limits.get(id(measure), wanted)
            if len(measure.runs) >= limit:
                continue
            out = (outputs or {}).get(measure.label) if r == 0 else None
            run = runner.once(measure.cmd, out=out, **kw)
            measure.runs.append(run)
            if len(measure.runs) == 1:
                limits[id(measure)] = runs_after(run, wanted)
