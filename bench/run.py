"""kzgraph benchmarks: cold-process times and peak memory, paired with naive baselines.

    python bench/run.py --quick            # bundled data + N=10, 3 runs, c0001 only
    python bench/run.py --scale            # N = 10, 100, 1000 (long: see docs/benchmarks.md)
    python bench/run.py                    # both
    python bench/run.py --scale --sizes 100 --runs 5

Every measured command runs as a fresh process (``python -m kzgraph ...``, the baseline
scripts, the ``pyshacl`` command); each kzgraph command and its baseline run alternately in
the same loop, so both see the same machine state. Reported: the median wall time of the runs
(>= 5; see --runs), the median CPU time (user + system) and the peak resident memory of the
process (``os.wait4``'s rusage of that very child). Ratios are kzgraph / baseline.

Pairs on the bundled data:
  kzgraph query NAME -f csv   vs  bench/baseline_query.py queries/NAME.rq (rdflib parse + query)
  kzgraph validate            vs  pyshacl -a -i none -s <shapes merged> <ontology + data files>
  kzgraph build               vs  bench/baseline_build.py (rdflib + pyshacl + serialise, no site)
The query results of both must be identical (the run fails otherwise).

Scale (bench/generate.py: the bundled data + N synthetic countries, one folder each): load
(store cold / warm cache, rdflib graph, rdflib's and pyoxigraph's parsers), validate (with the
pyshacl command), every stored query for a synthetic country and for Kazakhstan, build; and how
each grows with N. Commands slower than 60 s run 3 times, slower than 600 s once.

Writes bench/results/results-<time>.json and bench/results/latest.json (the union of all runs:
a --quick run refreshes the bundled and N=10 parts) and the tables in docs/benchmarks.md
(between the bench markers). Children run with KZGRAPH_CACHE and PYTHONPYCACHEPREFIX under
bench/results/work, so the user's cache is untouched and modules are byte-compiled once, as
in an installed package (--as-is keeps the environment's PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin (written by bench/run.py) -->", "<!-- bench:end -->"
KZ = "https://w3id.org/kzgraph/id/kz/"
KAZAKHSTAN = "https://w3id.org/kzgraph/id/country/kazakhstan"
PY = sys.executable

sys.path.insert(0, str(BENCH))
import baseline_query  # noqa: E402
import generate  # noqa: E402

# ------------------------------------------------------------------------------------------
# Running one command
# ------------------------------------------------------------------------------------------


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
        return {"label": self.label, "cmd": [_short(c) for c in self.cmd],
                "median_s": self.wall, "median_cpu_s": self.cpu, "peak_rss_mb": self.rss,
                "timed_out": not self.ok and bool(self.runs),
                "runs": [{"wall_s": round(r.wall, 4), "cpu_s": round(r.cpu, 4),
                          "rss_mb": round(r.rss_mb, 1), "rc": r.rc,
                          "timed_out": r.timed_out} for r in self.runs]}


def _short(arg: str) -> str:
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
            shown = " ".join(map(_short, cmd))[:100]
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


# ------------------------------------------------------------------------------------------
# Results compared as values
# ------------------------------------------------------------------------------------------


def _cell_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return False


def same_results(a: str, b: str) -> str | None:
    """"bytes" when the CSV texts are identical, "values" when they differ only in the
    lexical form of equal numbers (pyoxigraph stores 481.0 as 481), else None."""
    if a == b:
        return "bytes"
    rows_a = list(csv.reader(io.StringIO(a)))
    rows_b = list(csv.reader(io.StringIO(b)))
    if len(rows_a) != len(rows_b) or not rows_a:
        return None
    for ra, rb in zip(rows_a, rows_b, strict=True):
        if len(ra) != len(rb) or not all(_cell_equal(x, y) for x, y in zip(ra, rb, strict=True)):
            return None
    return "values"


def count_rows(text: str) -> int:
    return max(0, len(list(csv.reader(io.StringIO(text)))) - 1)


# ------------------------------------------------------------------------------------------
# The commands
# ------------------------------------------------------------------------------------------


def kz(*args: str) -> list[str]:
    return [PY, "-m", "kzgraph", *args]


def pyshacl_cmd() -> list[str]:
    script = Path(PY).parent / "pyshacl"
    return [str(script)] if script.is_file() else [PY, "-m", "pyshacl"]


def query_names(home: Path) -> list[str]:
    return sorted(p.stem for p in (home / "queries").glob("*.rq"))


def query_params(home: Path, name: str, country: str | None) -> list[str]:
    """KEY=VALUE pairs moving the query's Kazakhstan defaults to synthetic ``country``."""
    if country is None:
        return []
    index = int(country.rsplit("c", 1)[1])
    text = (home / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    out = []
    for key, value in baseline_query.defaults(text).items():
        if value == KAZAKHSTAN:
            out.append(f"{key}={generate.country_iri(index)}")
        elif value.startswith(KZ):
            out.append(f"{key}={generate.namespace(index)}{value[len(KZ):]}")
    return out


def merged_shapes(home: Path, work: Path) -> Path:
    """pyshacl -s takes one file: the shapes files merged (Turtle, prefixes kept)."""
    import pyoxigraph as ox

    target = work / f"shapes-{home.name}.ttl"
    store = ox.Store()
    prefixes: dict[str, str] = {}
    for path in sorted((home / "shapes").rglob("*.ttl")):
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        store.extend(parser)
        prefixes.update(parser.prefixes or {})
    data = ox.serialize((q.triple for q in store), format=ox.RdfFormat.TURTLE,
                        prefixes=prefixes)
    target.write_bytes(data or b"")
    return target


def graph_files(home: Path) -> list[str]:
    return [str(p) for p in baseline_query.graph_files(home)]


# ------------------------------------------------------------------------------------------
# Sections
# ------------------------------------------------------------------------------------------


def floors(runner: Runner, runs: int) -> dict[str, Any]:
    print("\n== floors: bare interpreter and imports", flush=True)
    measures = [Measure(label, [PY, "-c", code]) for label, code in (
        ("python -c pass", "pass"), ("import pyoxigraph", "import pyoxigraph"),
        ("import rdflib", "import rdflib"), ("import pyshacl", "import pyshacl"),
        ("import pandas", "import pandas"))]
    for m in measures:  # compile once
        runner.once(m.cmd)
    paired(runner, [(m, {}) for m in measures], runs)
    for m in measures:
        print(f"  {m.label:22} {_s(m.wall)}  {_mb(m.rss)}")
    return {m.label: m.to_dict() for m in measures}


def warm_up(runner: Runner) -> None:
    """Run every kind of command once on the bundled data, untimed: byte-compiles the modules
    (into the private pycache), builds the store cache, fills the OS page cache."""
    print("\n== warm-up (not timed)", flush=True)
    home = ROOT
    name = query_names(home)[0]
    runner.once(kz("query", name, "-f", "csv"), home=home)
    runner.once([PY, str(BENCH / "baseline_query.py"), str(home / "queries" / f"{name}.rq"),
                 "--home", str(home)])
    runner.once(kz("validate"), home=home)
    runner.once([*pyshacl_cmd(), "-a", "-i", "none", "-s", str(merged_shapes(home, runner.work)),
                 *graph_files(home)])
    runner.once(kz("build", "--out", str(runner.work / "dist-bundled")), home=home)
    runner.once([PY, str(BENCH / "baseline_build.py"), str(runner.work / "dist-naive-bundled"),
                 "--home", str(home)])
    for step in ("load-store", "load-graph", "parse-rdflib", "parse-oxigraph"):
        runner.once([PY, str(BENCH / "probe.py"), step], home=home)


def bundled(runner: Runner, runs: int, only: list[str] | None) -> dict[str, Any]:
    home = ROOT
    work = runner.work
    print(f"\n== bundled data ({home})", flush=True)
    names = [n for n in query_names(home) if not only or n in only]
    out_dir = work / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    queries = []
    for name in names:
        a = Measure(f"kzgraph query {name}", kz("query", name, "-f", "csv"))
        b = Measure(f"rdflib {name}", [PY, str(BENCH / "baseline_query.py"),
                                       str(home / "queries" / f"{name}.rq"), "--home", str(home)])
        queries.append((name, a, b))
    outputs = {m.label: out_dir / f"{m.label.replace(' ', '_')}.csv"
               for _, a, b in queries for m in (a, b)}
    print(f"  {len(queries)} stored queries x {runs} runs, each with its rdflib baseline",
          flush=True)
    pairs = [(m, {"home": home}) for _, a, b in queries for m in (a, b)]
    paired(runner, pairs, runs, outputs)
    rows = []
    mismatches = []
    for name, a, b in queries:
        same = same_results(outputs[a.label].read_text(encoding="utf-8"),
                            outputs[b.label].read_text(encoding="utf-8"))
        if same is None:
            mismatches.append(name)
        rows.append({"query": name, "kzgraph": a.to_dict(), "baseline": b.to_dict(),
                     "ratio": _ratio(a.wall, b.wall), "cpu_ratio": _ratio(a.cpu, b.cpu),
                     "identical": same,
                     "rows": count_rows(outputs[a.label].read_text(encoding="utf-8"))})
        print(f"  {name:28} {_s(a.wall)} vs {_s(b.wall)}  x{_r(_ratio(a.wall, b.wall))}"
              f"  {same or 'DIFFERENT'}")

    print("  validate vs pyshacl ...", flush=True)
    shapes = merged_shapes(home, work)
    files = graph_files(home)
    v = Measure("kzgraph validate", kz("validate"))
    p = Measure("pyshacl", [*pyshacl_cmd(), "-a", "-i", "none", "-s", str(shapes), *files])
    paired(runner, [(v, {"home": home}), (p, {"home": home})], runs)
    _check_conforms(v, p)
    print(f"  validate {_s(v.wall)} vs pyshacl {_s(p.wall)}  x{_r(_ratio(v.wall, p.wall))}")

    print("  build vs naive build ...", flush=True)
    bld = Measure("kzgraph build", kz("build", "--out", str(work / "dist-bundled")))
    naive = Measure("naive build", [PY, str(BENCH / "baseline_build.py"),
                                    str(work / "dist-naive-bundled"), "--home", str(home)])
    paired(runner, [(bld, {"home": home}), (naive, {"home": home})], runs)
    print(f"  build {_s(bld.wall)} vs naive {_s(naive.wall)}  x{_r(_ratio(bld.wall, naive.wall))}")
    return {
        "when": _now(), "runs": runs, "triples": _triples(home),
        "queries": rows, "mismatches": mismatches,
        "validate": {"kzgraph": v.to_dict(), "baseline": p.to_dict(),
                     "ratio": _ratio(v.wall, p.wall), "cpu_ratio": _ratio(v.cpu, p.cpu)},
        "build": {"kzgraph": bld.to_dict(), "baseline": naive.to_dict(),
                  "ratio": _ratio(bld.wall, naive.wall), "cpu_ratio": _ratio(bld.cpu, naive.cpu)},
    }


def _check_conforms(*measures: Measure) -> None:
    for m in measures:
        for r in m.runs:
            if not r.timed_out and r.rc != 0:
                raise RuntimeError(f"{m.label}: exit {r.rc} (the graph does not conform?)")


PARTS = ("load", "validate", "queries", "build")


def scale(runner: Runner, n: int, runs: int, baseline_max: int, seed: int,
          only: list[str] | None, parts: tuple[str, ...] = PARTS,
          quick: bool = False) -> dict[str, Any]:
    """One N: the ``parts`` measured (a rerun of some parts is merged into the stored
    results by ``main``). ``quick``: queries for the synthetic country only, no rdflib query
    baseline, no naive build."""
    work = runner.work
    home = work / f"synthetic-{n}"
    print(f"\n== N = {n} synthetic countries ({home})", flush=True)
    result: dict[str, Any] = {"when": _now(), "n": n, "seed": seed, "runs": runs}
    gen = Measure("generate", [PY, str(BENCH / "generate.py"), str(n), str(home),
                               "--seed", str(seed)])
    gen.runs.append(runner.once(gen.cmd))  # deterministic: regenerating gives the same bytes
    result["generate"] = gen.to_dict()
    result["triples"] = _triples(home)
    result["files"] = len(graph_files(home))
    print(f"  generated {result['triples']} triples in {result['files']} files "
          f"({_s(gen.wall)})", flush=True)

    if "load" in parts:
        result["load"] = _load(runner, home, n, runs)
    else:  # the store cache the queries open, built untimed
        runner.once([PY, str(BENCH / "probe.py"), "load-store"], home=home)
    if "validate" in parts:
        result["validate"] = _validate(runner, home, work, runs)
    if "queries" in parts:
        result.update(_queries(runner, home, work, n, runs, baseline_max, only, quick))
    if "build" in parts:
        result["build"] = _build(runner, home, work, n, runs, baseline_max, quick)
    return result


def _load(runner: Runner, home: Path, n: int, runs: int) -> dict[str, Any]:
    work = runner.work
    print("  load ...", flush=True)
    loads: list[tuple[Measure, dict[str, Any]]] = []
    cold = Measure("store, cold cache (parse + write RocksDB)",
                   [PY, str(BENCH / "probe.py"), "load-store"])
    warm = Measure("store, warm cache (open)", [PY, str(BENCH / "probe.py"), "load-store"])
    graph = Measure("rdflib Graph via pyoxigraph parser (validate's load)",
                    [PY, str(BENCH / "probe.py"), "load-graph"])
    oxi = Measure("pyoxigraph parser, in-memory store",
                  [PY, str(BENCH / "probe.py"), "parse-oxigraph"])
    rdf = Measure("rdflib parser (baseline)", [PY, str(BENCH / "probe.py"), "parse-rdflib"])
    runner.once(warm.cmd, home=home)  # fills the shared cache for the warm runs and queries
    wanted = runs
    while len(cold.runs) < wanted:  # each run with an empty cache folder of its own
        scratch = work / f"cache-cold-{n}"
        shutil.rmtree(scratch, ignore_errors=True)
        cold.runs.append(runner.once(cold.cmd, home=home, env={"KZGRAPH_CACHE": str(scratch)}))
        shutil.rmtree(scratch, ignore_errors=True)
        wanted = runs_after(cold.runs[0], runs)
    loads = [(warm, {"home": home}), (graph, {"home": home}), (oxi, {"home": home}),
             (rdf, {"home": home})]
    paired(runner, loads, runs)
    for m in (cold, warm, graph, oxi, rdf):
        print(f"    {m.label:52} {_s(m.wall)} {_mb(m.rss)}")
    return {m.label: m.to_dict() for m in (cold, warm, graph, oxi, rdf)}


def _validate(runner: Runner, home: Path, work: Path, runs: int) -> dict[str, Any]:
    print("  validate vs pyshacl ...", flush=True)
    shapes = merged_shapes(home, work)
    v = Measure("kzgraph validate", kz("validate"))
    p = Measure("pyshacl", [*pyshacl_cmd(), "-a", "-i", "none", "-s", str(shapes),
                            *graph_files(home)])
    paired(runner, [(v, {"home": home}), (p, {"home": home})], runs)
    _check_conforms(v, p)
    print(f"    validate {_s(v.wall)} {_mb(v.rss)} vs pyshacl {_s(p.wall)} {_mb(p.rss)}"
          f"  x{_r(_ratio(v.wall, p.wall))}")
    return {"kzgraph": v.to_dict(), "baseline": p.to_dict(),
            "ratio": _ratio(v.wall, p.wall), "cpu_ratio": _ratio(v.cpu, p.cpu)}


def _queries(runner: Runner, home: Path, work: Path, n: int, runs: int, baseline_max: int,
             only: list[str] | None, quick: bool) -> dict[str, Any]:
    """The stored queries (and, for small N, the rdflib baseline): "queries",
    "kazakhstan_changed" and "query_baseline" of the results."""
    result: dict[str, Any] = {}
    names = [q for q in query_names(home) if not only or q in only]
    out_dir = work / f"out-{n}"
    out_dir.mkdir(parents=True, exist_ok=True)
    per_country: dict[str, Any] = {}
    countries = [("c0001", "synthetic country c0001")]
    if not quick:
        countries.append((None, "Kazakhstan"))
    for country, label in countries:
        print(f"  {len(names)} queries for {label} ...", flush=True)
        measures = []
        outputs = {}
        for name in names:
            params = [a for kv in query_params(home, name, country) for a in ("-p", kv)]
            m = Measure(f"{name} [{country or 'kz'}]", kz("query", name, "-f", "csv", *params))
            outputs[m.label] = out_dir / f"{name}-{country or 'kz'}.csv"
            measures.append((name, m))
        paired(runner, [(m, {"home": home}) for _, m in measures], runs, outputs)
        per_country[country or "kazakhstan"] = {
            name: {**m.to_dict(), "rows": count_rows(outputs[m.label].read_text("utf-8"))}
            for name, m in measures}
        slowest = max(measures, key=lambda nm: nm[1].wall or 0)
        print(f"    median {_s(statistics.median(m.wall or 0 for _, m in measures))}, "
              f"slowest {slowest[0]} {_s(slowest[1].wall)}")
    result["queries"] = per_country
    if not quick and (work / "out").is_dir():
        result["kazakhstan_changed"] = kazakhstan_changed(work, n, names)

    # --- rdflib query baseline (small N only: rdflib's engine does not scale) ----------
    if n <= baseline_max and not quick:
        print(f"  rdflib baseline for {len(names)} queries (1 run each) ...", flush=True)
        base: dict[str, Any] = {}
        for name in names:
            kv = query_params(home, name, "c0001")
            m = Measure(f"rdflib {name}", [PY, str(BENCH / "baseline_query.py"),
                                          str(home / "queries" / f"{name}.rq"), *kv,
                                          "--home", str(home)])
            out = out_dir / f"{name}-c0001-rdflib.csv"
            m.runs.append(runner.once(m.cmd, out=out, timeout=min(runner.timeout, 600)))
            mine = out_dir / f"{name}-c0001.csv"
            same = (same_results(mine.read_text("utf-8"), out.read_text("utf-8"))
                    if m.ok else None)
            base[name] = {**m.to_dict(), "identical": same}
        result["query_baseline"] = base

    return result


def kazakhstan_changed(work: Path, n: int, names: list[str]) -> list[str]:
    """The stored queries whose answer for Kazakhstan at N differs from its answer on the
    bundled data alone (from the CSV files the runs wrote)."""
    changed = []
    for name in names:
        mine = work / "out" / f"kzgraph_query_{name}.csv"
        there = work / f"out-{n}" / f"{name}-kz.csv"
        if mine.is_file() and there.is_file() and same_results(
                mine.read_text("utf-8"), there.read_text("utf-8")) is None:
            changed.append(name)
    return changed


def _build(runner: Runner, home: Path, work: Path, n: int, runs: int, baseline_max: int,
           quick: bool) -> dict[str, Any]:
    print("  build ...", flush=True)
    bld = Measure("kzgraph build", kz("build", "--out", str(work / f"dist-{n}")))
    bld_pairs = [(bld, {"home": home})]
    naive = None
    if n <= baseline_max and not quick:
        naive = Measure("naive build", [PY, str(BENCH / "baseline_build.py"),
                                        str(work / f"dist-naive-{n}"), "--home", str(home)])
        bld_pairs.append((naive, {"home": home}))
    paired(runner, bld_pairs, runs)
    files = sum(1 for p in (work / f"dist-{n}").rglob("*") if p.is_file())
    print(f"    build {_s(bld.wall)} {_mb(bld.rss)} ({files} files)")
    shutil.rmtree(work / f"dist-{n}", ignore_errors=True)
    return {"kzgraph": bld.to_dict(), "baseline": naive.to_dict() if naive else None,
            "ratio": _ratio(bld.wall, naive.wall) if naive else None, "files": files}


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def merge_bundled(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The bundled results updated by a rerun of some queries (validate and build too)."""
    fresh = {q["query"]: q for q in new["queries"]}
    rows = [fresh.pop(q["query"], q) for q in old["queries"]] + list(fresh.values())
    return {**old, **new, "queries": rows,
            "mismatches": [q["query"] for q in rows if q.get("identical") is None]}


def merge_scale(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """One N's stored results updated by a rerun of some parts (or some queries)."""
    before = old.get("measured") or {p: {"started": old.get("when"), "runs": old.get("runs")}
                                     for p in PARTS if p in old}
    out = {**old, **new, "measured": {**before, **new.get("measured", {})}}
    if "queries" in old and "queries" in new:
        out["queries"] = {c: {**old["queries"].get(c, {}), **new["queries"].get(c, {})}
                          for c in {*old["queries"], *new["queries"]}}
    if "kazakhstan_changed" in old and "kazakhstan_changed" in new:  # only rerun ones change
        rerun = set(new.get("queries", {}).get("kazakhstan", {}))
        out["kazakhstan_changed"] = sorted((set(old["kazakhstan_changed"]) - rerun)
                                           | set(new["kazakhstan_changed"]))
    if old.get("query_baseline") and "query_baseline" in new:
        out["query_baseline"] = {**old["query_baseline"], **new["query_baseline"]}
    return out


def _measured(result: dict[str, Any]) -> str:
    """How many runs measured one N, and when: the parts grouped by the run that measured
    them (a rerun of some parts keeps the others' runs)."""
    measured = result.get("measured") or {
        p: {"started": result.get("when"), "runs": result.get("runs")} for p in PARTS}
    groups: dict[tuple[str, str], list[str]] = {}
    for part in PARTS:
        if part in measured and part in result:
            m = measured[part]
            groups.setdefault((str(m.get("started")), str(m.get("runs"))), []).append(part)
    if len(groups) == 1:
        ((started, runs),) = groups
        return f"{runs} (measured {started})"
    return "; ".join(f"{', '.join(parts)}: {runs} (measured {started})"
                     for (started, runs), parts in sorted(groups.items()))


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _s(x: float | None) -> str:
    if x is None:
        return "timeout"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def _mb(x: float | None) -> str:
    return "" if x is None else f"{x:.0f} MB"


def _r(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _triples(home: Path) -> int:
    """Distinct triples of ontology + data (a triple stated in two files counts once)."""
    import pyoxigraph as ox

    memory = ox.Store()
    for f in graph_files(home):
        memory.bulk_load(path=f, format=ox.RdfFormat.TURTLE)
    return len(memory)


def machine() -> dict[str, Any]:
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    cpu = ""
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(), "cpu": cpu or platform.processor(), "memory": memory,
        "os": platform.platform(), "python": platform.python_version(),
        "packages": {p: version(p) for p in ("kzgraph", "rdflib", "pyshacl", "pyoxigraph",
                                              "pandas")},
        "load_average": os.getloadavg(),
    }


# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def growth(points: list[tuple[int, float | None]]) -> str:
    """How a cost grows between successive N: the exponent k of cost ~ N^k."""
    parts = []
    for (n1, t1), (n2, t2) in itertools.pairwise(points):
        if t1 and t2:
            parts.append(f"×{t2 / t1:.1f} (k={math.log(t2 / t1) / math.log(n2 / n1):.2f})")
        else:
            parts.append("-")
    return ", ".join(parts)


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for the targets of the benchmark issue."""
    out: list[tuple[str, str, str]] = []

    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "**missed**")

    b = results.get("bundled")
    if b:
        ratios = [q["ratio"] for q in b["queries"] if q["ratio"] is not None]
        worst = max(ratios, default=None)
        out.append(("bundled: cold `kzgraph query` ≤ 0.25× the rdflib script",
                    f"median {_r(_median(ratios))}, worst {_r(worst)}; "
                    f"{sum(r <= 0.25 for r in ratios)}/{len(ratios)} queries ≤ 0.25",
                    verdict(bool(ratios) and worst is not None and worst <= 0.25)))
        v = b["validate"]["ratio"]
        out.append(("bundled: `kzgraph validate` ≤ 1.0× `pyshacl`", _r(v),
                    verdict(v is not None and v <= 1.0)))
    n100 = (results.get("scale") or {}).get("100")
    if n100:
        slow = max((q["median_s"] or math.inf, f"{name} [{c}]")
                   for c, qs in n100["queries"].items() for name, q in qs.items())
        out.append(("N=100: each stored query < 1 s", f"slowest {_s(slow[0])} ({slow[1]})",
                    verdict(slow[0] < 1)))
        v = n100["validate"]
        t, r = v["kzgraph"]["median_s"], v["ratio"]
        out.append(("N=100: validate < 60 s and ≤ 0.5× `pyshacl`", f"{_s(t)}, ×{_r(r)}",
                    verdict(t is not None and t < 60 and r is not None and r <= 0.5)))
        build = (n100.get("build") or {}).get("kzgraph") or {}
        bt = build.get("median_s")
        out.append(("N=100: build < 60 s", _s(bt) if build else "-",
                    verdict(bt < 60 if bt is not None else None)))
        peaks = [q["peak_rss_mb"] for qs in n100["queries"].values() for q in qs.values()]
        peaks += [v["kzgraph"]["peak_rss_mb"], build.get("peak_rss_mb") or 0]
        peaks += [m["peak_rss_mb"] for k, m in n100["load"].items() if "baseline" not in k]
        out.append(("N=100: peak memory < 2 GB (every kzgraph command)",
                    _mb(max(peaks)), verdict(max(peaks) < 2048)))
    n1000 = (results.get("scale") or {}).get("1000")
    if n1000:
        done = (n1000["validate"]["kzgraph"]["median_s"] is not None
                and all(q["median_s"] is not None for qs in n1000["queries"].values()
                        for q in qs.values())
                and (n1000.get("build") is None
                     or n1000["build"]["kzgraph"]["median_s"] is not None))
        out.append(("N=1000 completes", "validate, every query"
                    + (", build" if n1000.get("build") else "") + " finished", verdict(done)))
    return out


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = results.get("machine", {})
    add(f"Machine: {m.get('nproc')} CPUs ({m.get('cpu')}), {m.get('memory')} RAM, "
        f"{m.get('os')}; Python {m.get('python')}; "
        + ", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items() if v)
        + ". Load average when the last part started: "
        + ", ".join(f"{x:.1f}" for x in m.get("load_average", [])) + ".")
    add("")
    goals = targets(results)
    if goals:
        add("### Targets")
        add("")
        add("| target | measured | |")
        add("| --- | --- | --- |")
        for goal, measured, ok in goals:
            add(f"| {goal} | {measured} | {ok} |")
        add("")
    fl = results.get("floors")
    if fl:
        add("Floors (cold process, median): "
            + ", ".join(f"`{k}` {_s(v['median_s'])}" for k, v in fl.items()) + ".")
        add("")
    b = results.get("bundled")
    if b:
        add(f"### Bundled data ({b['triples']} triples; {b['runs']} runs each, measured "
            f"{b['when']})")
        add("")
        add("| command | kzgraph | baseline | ratio (wall) | ratio (CPU) | target "
            "| peak RSS kzgraph / baseline |")
        add("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
        ratios = [q["ratio"] for q in b["queries"] if q["ratio"] is not None]
        cpu_ratios = [q["cpu_ratio"] for q in b["queries"] if q["cpu_ratio"] is not None]
        worst = max(b["queries"], key=lambda q: q["ratio"] or 0)
        kz_t = [q["kzgraph"]["median_s"] for q in b["queries"]]
        base_t = [q["baseline"]["median_s"] for q in b["queries"]]
        met = all(r <= 0.25 for r in ratios)
        add(f"| `kzgraph query` (median of {len(ratios)} queries) | {_s(_median(kz_t))} | "
            f"{_s(_median(base_t))} | {_r(_median(ratios))} | {_r(_median(cpu_ratios))} | "
            f"≤ 0.25: {'met' if met else 'missed'} ({sum(r <= 0.25 for r in ratios)}/"
            f"{len(ratios)}; worst {worst['query']} {_r(worst['ratio'])}) | "
            f"{_mb(max(q['kzgraph']['peak_rss_mb'] for q in b['queries']))} / "
            f"{_mb(max(q['baseline']['peak_rss_mb'] for q in b['queries']))} |")
        for key, target, limit in (("validate", "≤ 1.0", 1.0), ("build", "none", None)):
            x = b[key]
            verdict = ("" if limit is None else
                       (" met" if x["ratio"] is not None and x["ratio"] <= limit else " missed"))
            name = {"validate": "`kzgraph validate` vs `pyshacl -a -i none`",
                    "build": "`kzgraph build` vs naive build (no site)"}[key]
            add(f"| {name} | {_s(x['kzgraph']['median_s'])} | {_s(x['baseline']['median_s'])} | "
                f"{_r(x['ratio'])} | {_r(x['cpu_ratio'])} | {target}{verdict} | "
                f"{_mb(x['kzgraph']['peak_rss_mb'])} / {_mb(x['baseline']['peak_rss_mb'])} |")
        add("")
        same = [q["identical"] for q in b["queries"]]
        add(f"Results identical to rdflib's: {sum(1 for s in same if s)}/{len(same)} queries "
            f"({sum(1 for s in same if s == 'bytes')} byte for byte, "
            f"{sum(1 for s in same if s == 'values')} equal as values: pyoxigraph writes the "
            "decimal 481.0 as 481)" + (f"; DIFFERENT: {', '.join(b['mismatches'])}"
                                      if b["mismatches"] else "") + ".")
        add("")
        add("<details><summary>Every stored query (bundled data)</summary>")
        add("")
        add("| query | rows | kzgraph | rdflib baseline | ratio | CPU ratio |")
        add("| --- | ---: | ---: | ---: | ---: | ---: |")
        for q in b["queries"]:
            add(f"| {q['query']} | {q['rows']} | {_s(q['kzgraph']['median_s'])} | "
                f"{_s(q['baseline']['median_s'])} | {_r(q['ratio'])} | {_r(q['cpu_ratio'])} |")
        add("")
        add("</details>")
        add("")
    sc = results.get("scale") or {}
    sizes = sorted(int(k) for k in sc)
    if sizes:
        add("### Scale: the bundled data + N synthetic countries (bench/generate.py)")
        add("")
        head = " | ".join(f"N = {n}" for n in sizes)
        add(f"| measure | {head} | growth per ×10 N |")
        add("| --- | " + " | ".join("---:" for _ in sizes) + " | --- |")

        def row(name: str, get: Any, fmt: Any = _s, grow: bool = True) -> None:
            values = []
            for n in sizes:
                try:
                    values.append(get(sc[str(n)]))
                except (KeyError, TypeError):
                    values.append(None)
            cells = " | ".join("-" if v is None else fmt(v) for v in values)
            g = growth(list(zip(sizes, values, strict=True))) if grow else ""
            add(f"| {name} | {cells} | {g} |")

        row("triples", lambda r: r["triples"], lambda v: f"{v:,}")
        row("files", lambda r: r["files"], lambda v: f"{v:,}", grow=False)
        for label in ("store, cold cache (parse + write RocksDB)", "store, warm cache (open)",
                      "rdflib Graph via pyoxigraph parser (validate's load)",
                      "pyoxigraph parser, in-memory store", "rdflib parser (baseline)"):
            row(f"load: {label}", lambda r, k=label: r["load"][k]["median_s"])
        row("load: peak RSS, rdflib Graph", lambda r: r["load"][
            "rdflib Graph via pyoxigraph parser (validate's load)"]["peak_rss_mb"], _mb)
        row("`kzgraph validate`", lambda r: r["validate"]["kzgraph"]["median_s"])
        row("`kzgraph validate` peak RSS", lambda r: r["validate"]["kzgraph"]["peak_rss_mb"], _mb)
        row("`pyshacl` command", lambda r: r["validate"]["baseline"]["median_s"])
        row("`pyshacl` peak RSS", lambda r: r["validate"]["baseline"]["peak_rss_mb"], _mb)
        row("validate ratio (target at N=100: ≤ 0.5)", lambda r: r["validate"]["ratio"], _r,
            grow=False)
        for country, label in (("c0001", "c0001"), ("kazakhstan", "Kazakhstan")):
            row(f"queries for {label}: median", lambda r, c=country: _median(
                [q["median_s"] for q in r["queries"][c].values() if q["median_s"]]))
            row(f"queries for {label}: slowest", lambda r, c=country: max(
                q["median_s"] or math.inf for q in r["queries"][c].values()))
            row(f"queries for {label}: peak RSS", lambda r, c=country: max(
                q["peak_rss_mb"] for q in r["queries"][c].values()), _mb)
        row("rdflib baseline: median query (c0001)", lambda r: _median(
            [q["median_s"] for q in r["query_baseline"].values() if q["median_s"]]))
        row("`kzgraph build`", lambda r: r["build"]["kzgraph"]["median_s"])
        row("`kzgraph build` peak RSS", lambda r: r["build"]["kzgraph"]["peak_rss_mb"], _mb)
        row("`kzgraph build` files written", lambda r: r["build"]["files"],
            lambda v: f"{v:,}")
        add("")
        for n in sizes:
            changed = sc[str(n)].get("kazakhstan_changed")
            if changed is not None:
                add(f"- N = {n}: Kazakhstan's answers equal its answers on the bundled data alone "
                    f"for all stored queries but {len(changed)}"
                    + (f" ({', '.join(changed)}: shared resources such as other countries "
                       "gain sources and sections from every synthetic factsheet)" if changed
                       else "") + ".")
        add("")
        add("Runs per N: " + ", ".join(f"N={n}: {_measured(sc[str(n)])}" for n in sizes)
            + "; commands slower than 60 s: 3 runs, slower than 600 s: 1 run.")
        add("")
        add("<details><summary>Every stored query at scale (synthetic country c0001)</summary>")
        add("")
        add("| query | rows | " + " | ".join(f"N = {n}" for n in sizes) + " | growth |")
        add("| --- | ---: | " + " | ".join("---:" for _ in sizes) + " | --- |")
        names = sorted({q for n in sizes for q in sc[str(n)].get("queries", {}).get("c0001", {})})
        for name in names:
            values = [sc[str(n)].get("queries", {}).get("c0001", {}).get(name, {}).get(
                "median_s") for n in sizes]
            rows_ = {sc[str(n)]["queries"]["c0001"].get(name, {}).get("rows") for n in sizes}
            counts = "/".join(str(r) for r in sorted(x for x in rows_ if x is not None))
            add(f"| {name} | {counts} | " + " | ".join(_s(v) for v in values)
                + f" | {growth(list(zip(sizes, values, strict=True)))} |")
        add("")
        add("</details>")
        add("")
    return "\n".join(lines)


def write_docs(text: str) -> None:
    block = f"{BEGIN}\n{text}\n{END}"
    if DOCS.is_file():
        current = DOCS.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            DOCS.write_text(head + block + tail, encoding="utf-8")
            return
        DOCS.write_text(current.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")
        return
    DOCS.write_text(f"# Benchmarks\n\n{block}\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="See docs/benchmarks.md.")
    parser.add_argument("--quick", action="store_true", help="bundled data + N=10")
    parser.add_argument("--scale", action="store_true", help="N in --sizes (default 10,100,1000)")
    parser.add_argument("--sizes", default=None, help="comma-separated N for --scale")
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--big-runs", type=int, default=3,
                        help="runs per command for N >= 1000 (default 3)")
    parser.add_argument("--baseline-max", type=int, default=10,
                        help="largest N with the rdflib query baseline and the naive build "
                             "(default 10; the pyshacl baseline runs at every N)")
    parser.add_argument("--queries", default=None,
                        help="only these stored queries (comma-separated)")
    parser.add_argument("--no-build", action="store_true", help="skip build at scale")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="what to measure at scale, merged into the stored results of "
                             f"each N (default {','.join(PARTS)})")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds before a command is stopped (default 3600)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=RESULTS / "work")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--as-is", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE (modules recompiled every start)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    do_bundled = args.quick or not args.scale
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    elif args.quick and not args.scale:
        sizes = [10]
    else:
        sizes = [10, 100, 1000]
    only = [q.strip() for q in args.queries.split(",")] if args.queries else None
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    if not parts or any(p not in PARTS for p in parts):
        parser.error(f"--parts takes some of {','.join(PARTS)}")
    if args.no_build:
        parts = tuple(p for p in parts if p != "build")

    args.work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    runner = Runner(args.work, args.timeout, args.as_is, args.verbose)
    latest_path = RESULTS / "latest.json"
    latest: dict[str, Any] = (json.loads(latest_path.read_text(encoding="utf-8"))
                              if latest_path.is_file() else {})
    this: dict[str, Any] = {"machine": machine(), "started": _now(),
                            "argv": sys.argv[1:], "as_is": args.as_is}
    started = time.perf_counter()

    def save() -> None:
        # Read again: another run may have saved meanwhile (runs of other parts or sizes).
        if latest_path.is_file():
            latest.clear()
            latest.update(json.loads(latest_path.read_text(encoding="utf-8")))
        old_bundled = latest.get("bundled")
        latest.update({k: v for k, v in this.items() if k != "scale"})
        if only and old_bundled and "bundled" in this:  # some queries rerun: merged by name
            latest["bundled"] = merge_bundled(old_bundled, this["bundled"])
        for n, res in this.get("scale", {}).items():  # a rerun of some parts is merged
            latest.setdefault("scale", {})[n] = merge_scale(latest["scale"].get(n) or {}, res)
        stamp = this["started"].replace(":", "")
        (RESULTS / f"results-{stamp}.json").write_text(json.dumps(this, indent=1))
        latest_path.write_text(json.dumps(latest, indent=1))
        if not args.no_docs:
            write_docs(render(latest))

    warm_up(runner)
    this["floors"] = floors(runner, args.runs)
    if do_bundled:
        this["bundled"] = bundled(runner, args.runs, only)
        save()
    quick = args.quick and not args.scale
    for n in sizes:
        runs = args.big_runs if n >= 1000 else (min(args.runs, 3) if quick else args.runs)
        result = scale(runner, n, runs, args.baseline_max, args.seed, only, parts, quick)
        # Which run measured which part, with how many runs: kept when parts are rerun.
        result["measured"] = {p: {"started": this["started"], "runs": runs} for p in parts}
        this.setdefault("scale", {})[str(n)] = result
        save()
    save()
    print("\n" + render(latest))
    print(f"\ntotal {time.perf_counter() - started:.0f} s; results in "
          f"{_short(str(latest_path))}" + ("" if args.no_docs else f" and {_short(str(DOCS))}"))
    mismatches = (this.get("bundled") or {}).get("mismatches")
    if mismatches:
        print(f"ERROR: kzgraph and rdflib give different results for {', '.join(mismatches)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
