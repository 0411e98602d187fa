"""What is measured on the bundled data: the floors (bare interpreter, imports), an untimed
warm-up, and each kzgraph command paired with its naive baseline (query, validate, build)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.commands import (
    baseline_query_cmd,
    kz,
    naive_build,
    probe,
    pyshacl_validate,
    query_names,
    triples,
)
from bench.compare import count_rows, same_results
from bench.harness import PY, ROOT, Measure, Runner, paired
from bench.results import now
from bench.units import fmt_mb, fmt_r, fmt_s, ratio


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
        print(f"  {m.label:22} {fmt_s(m.wall)}  {fmt_mb(m.rss)}")
    return {m.label: m.to_dict() for m in measures}


def warm_up(runner: Runner) -> None:
    """Run every kind of command once on the bundled data, untimed: byte-compiles the modules
    (into the private pycache), builds the store cache, fills the OS page cache."""
    print("\n== warm-up (not timed)", flush=True)
    home = ROOT
    name = query_names(home)[0]
    runner.once(kz("query", name, "-f", "csv"), home=home)
    runner.once(baseline_query_cmd(home, name))
    runner.once(kz("validate"), home=home)
    runner.once(pyshacl_validate(home, runner.work))
    runner.once(kz("build", "--out", str(runner.work / "dist-bundled")), home=home)
    runner.once(naive_build(runner.work / "dist-naive-bundled", home))
    for step in ("load-store", "load-graph", "parse-rdflib", "parse-oxigraph"):
        runner.once(probe(step), home=home)


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
        b = Measure(f"rdflib {name}", baseline_query_cmd(home, name))
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
                     "ratio": ratio(a.wall, b.wall), "cpu_ratio": ratio(a.cpu, b.cpu),
                     "identical": same,
                     "rows": count_rows(outputs[a.label].read_text(encoding="utf-8"))})
        print(f"  {name:28} {fmt_s(a.wall)} vs {fmt_s(b.wall)}  x{fmt_r(ratio(a.wall, b.wall))}"
              f"  {same or 'DIFFERENT'}")

    print("  validate vs pyshacl ...", flush=True)
    v, p = validate_pair(runner, home, runs)
    print(f"  validate {fmt_s(v.wall)} vs pyshacl {fmt_s(p.wall)}"
          f"  x{fmt_r(ratio(v.wall, p.wall))}")

    print("  build vs naive build ...", flush=True)
    bld = Measure("kzgraph build", kz("build", "--out", str(work / "dist-bundled")))
    naive = Measure("naive build", naive_build(work / "dist-naive-bundled", home))
    paired(runner, [(bld, {"home": home}), (naive, {"home": home})], runs)
    print(f"  build {fmt_s(bld.wall)} vs naive {fmt_s(naive.wall)}"
          f"  x{fmt_r(ratio(bld.wall, naive.wall))}")
    return {
        "when": now(), "runs": runs, "triples": triples(home),
        "queries": rows, "mismatches": mismatches,
        "validate": pair_result(v, p),
        "build": pair_result(bld, naive),
    }


def validate_pair(runner: Runner, home: Path, runs: int) -> tuple[Measure, Measure]:
    """``kzgraph validate --full`` (the whole graph, not the run after an edit) and the
    ``pyshacl`` command on ``home``, paired; both conform."""
    v = Measure("kzgraph validate", kz("validate", "--full"))
    p = Measure("pyshacl", pyshacl_validate(home, runner.work))
    paired(runner, [(v, {"home": home}), (p, {"home": home})], runs)
    for m in (v, p):
        for r in m.runs:
            if not r.timed_out and r.rc != 0:
                raise RuntimeError(f"{m.label}: exit {r.rc} (the graph does not conform?)")
    return v, p


def pair_result(mine: Measure, baseline: Measure) -> dict[str, Any]:
    return {"kzgraph": mine.to_dict(), "baseline": baseline.to_dict(),
            "ratio": ratio(mine.wall, baseline.wall), "cpu_ratio": ratio(mine.cpu, baseline.cpu)}
