"""What is measured at N synthetic countries (bench/generate.py): load, validate, every
stored query for a synthetic country and for Kazakhstan, build; some parts at a time."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any

from bench.commands import (
    baseline_query_cmd,
    graph_files,
    kz,
    naive_build,
    probe,
    query_names,
    query_params,
    script,
    triples,
)
from bench.compare import count_rows, same_results
from bench.harness import Measure, Runner, paired, runs_after
from bench.results import BENCH_PARTS, now
from bench.scenarios import pair_result, validate_pair
from bench.units import fmt_mb, fmt_r, fmt_s, ratio


def scale(runner: Runner, n: int, runs: int, baseline_max: int, seed: int,
          only: list[str] | None, parts: tuple[str, ...] = BENCH_PARTS,
          quick: bool = False) -> dict[str, Any]:
    """One N: the ``parts`` measured (a rerun of some parts is merged into the stored
    results by :class:`bench.results.ResultsStore`). ``quick``: queries for the synthetic
    country only, no rdflib query baseline, no naive build."""
    work = runner.work
    home = work / f"synthetic-{n}"
    print(f"\n== N = {n} synthetic countries ({home})", flush=True)
    result: dict[str, Any] = {"when": now(), "n": n, "seed": seed, "runs": runs}
    gen = Measure("generate", script("generate.py", str(n), str(home), "--seed", str(seed)))
    gen.runs.append(runner.once(gen.cmd))  # deterministic: regenerating gives the same bytes
    result["generate"] = gen.to_dict()
    result["triples"] = triples(home)
    result["files"] = len(graph_files(home))
    print(f"  generated {result['triples']} triples in {result['files']} files "
          f"({fmt_s(gen.wall)})", flush=True)

    if "load" in parts:
        result["load"] = _load(runner, home, n, runs)
    else:  # the store cache the queries open, built untimed
        runner.once(probe("load-store"), home=home)
    if "validate" in parts:
        result["validate"] = _validate(runner, home, runs)
    if "queries" in parts:
        result.update(_queries(runner, home, work, n, runs, baseline_max, only, quick))
    if "build" in parts:
        result["build"] = _build(runner, home, work, n, runs, baseline_max, quick)
    return result


def _load(runner: Runner, home: Path, n: int, runs: int) -> dict[str, Any]:
    work = runner.work
    print("  load ...", flush=True)
    cold = Measure("store, cold cache (parse + write RocksDB)", probe("load-store"))
    warm = Measure("store, warm cache (open)", probe("load-store"))
    graph = Measure("rdflib Graph via pyoxigraph parser (validate's load)", probe("load-graph"))
    oxi = Measure("pyoxigraph parser, in-memory store", probe("parse-oxigraph"))
    rdf = Measure("rdflib parser (baseline)", probe("parse-rdflib"))
    runner.once(warm.cmd, home=home)  # fills the shared cache for the warm runs and queries
    wanted = runs
    while len(cold.runs) < wanted:  # each run with an empty cache folder of its own
        scratch = work / f"cache-cold-{n}"
        shutil.rmtree(scratch, ignore_errors=True)
        cold.runs.append(runner.once(cold.cmd, home=home, env={"KZGRAPH_CACHE": str(scratch)}))
        shutil.rmtree(scratch, ignore_errors=True)
        wanted = runs_after(cold.runs[0], runs)
    paired(runner, [(m, {"home": home}) for m in (warm, graph, oxi, rdf)], runs)
    for m in (cold, warm, graph, oxi, rdf):
        print(f"    {m.label:52} {fmt_s(m.wall)} {fmt_mb(m.rss)}")
    return {m.label: m.to_dict() for m in (cold, warm, graph, oxi, rdf)}


def _validate(runner: Runner, home: Path, runs: int) -> dict[str, Any]:
    print("  validate vs pyshacl ...", flush=True)
    v, p = validate_pair(runner, home, runs)
    print(f"    validate {fmt_s(v.wall)} {fmt_mb(v.rss)} vs pyshacl {fmt_s(p.wall)} "
          f"{fmt_mb(p.rss)}  x{fmt_r(ratio(v.wall, p.wall))}")
    return pair_result(v, p)


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
        print(f"    median {fmt_s(statistics.median(m.wall or 0 for _, m in measures))}, "
              f"slowest {slowest[0]} {fmt_s(slowest[1].wall)}")
    result["queries"] = per_country
    if not quick and (work / "out").is_dir():
        result["kazakhstan_changed"] = kazakhstan_changed(work, n, names)

    # --- rdflib query baseline (small N only: rdflib's engine does not scale) ----------
    if n <= baseline_max and not quick:
        print(f"  rdflib baseline for {len(names)} queries (1 run each) ...", flush=True)
        base: dict[str, Any] = {}
        for name in names:
            kv = query_params(home, name, "c0001")
            m = Measure(f"rdflib {name}", baseline_query_cmd(home, name, *kv))
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
        naive = Measure("naive build", naive_build(work / f"dist-naive-{n}", home))
        bld_pairs.append((naive, {"home": home}))
    paired(runner, bld_pairs, runs)
    files = sum(1 for p in (work / f"dist-{n}").rglob("*") if p.is_file())
    print(f"    build {fmt_s(bld.wall)} {fmt_mb(bld.rss)} ({files} files)")
    shutil.rmtree(work / f"dist-{n}", ignore_errors=True)
    return {"kzgraph": bld.to_dict(), "baseline": naive.to_dict() if naive else None,
            "ratio": ratio(bld.wall, naive.wall) if naive else None, "files": files}
