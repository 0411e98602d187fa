"""The Markdown tables of docs/benchmarks.md, rendered from the stored results (latest.json):
the targets, the floors, the bundled data against its baselines, and the growth with N."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from bench.harness import ROOT
from bench.results import BENCH_PARTS
from bench.units import fmt_mb, fmt_r, fmt_s, median

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin (written by bench/run.py) -->", "<!-- bench:end -->"


def measured_runs(result: dict[str, Any]) -> str:
    """How many runs measured one N, and when: the parts grouped by the run that measured
    them (a rerun of some parts keeps the others' runs)."""
    measured = result.get("measured") or {
        p: {"started": result.get("when"), "runs": result.get("runs")} for p in BENCH_PARTS}
    groups: dict[tuple[str, str], list[str]] = {}
    for part in BENCH_PARTS:
        if part in measured and part in result:
            m = measured[part]
            groups.setdefault((str(m.get("started")), str(m.get("runs"))), []).append(part)
    if len(groups) == 1:
        ((started, runs),) = groups
        return f"{runs} (measured {started})"
    return "; ".join(f"{', '.join(parts)}: {runs} (measured {started})"
                     for (started, runs), parts in sorted(groups.items()))




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
                    f"median {fmt_r(median(ratios))}, worst {fmt_r(worst)}; "
                    f"{sum(r <= 0.25 for r in ratios)}/{len(ratios)} queries ≤ 0.25",
                    verdict(bool(ratios) and worst is not None and worst <= 0.25)))
        v = b["validate"]["ratio"]
        out.append(("bundled: `kzgraph validate` ≤ 1.0× `pyshacl`", fmt_r(v),
                    verdict(v is not None and v <= 1.0)))
    n100 = (results.get("scale") or {}).get("100")
    if n100:
        slow = max((q["median_s"] or math.inf, f"{name} [{c}]")
                   for c, qs in n100["queries"].items() for name, q in qs.items())
        out.append(("N=100: each stored query < 1 s", f"slowest {fmt_s(slow[0])} ({slow[1]})",
                    verdict(slow[0] < 1)))
        v = n100["validate"]
        t, r = v["kzgraph"]["median_s"], v["ratio"]
        out.append(("N=100: validate < 60 s and ≤ 0.5× `pyshacl`", f"{fmt_s(t)}, ×{fmt_r(r)}",
                    verdict(t is not None and t < 60 and r is not None and r <= 0.5)))
        build = (n100.get("build") or {}).get("kzgraph") or {}
        bt = build.get("median_s")
        out.append(("N=100: build < 60 s", fmt_s(bt) if build else "-",
                    verdict(bt < 60 if bt is not None else None)))
        peaks = [q["peak_rss_mb"] for qs in n100["queries"].values() for q in qs.values()]
        peaks += [v["kzgraph"]["peak_rss_mb"], build.get("peak_rss_mb") or 0]
        peaks += [m["peak_rss_mb"] for k, m in n100["load"].items() if "baseline" not in k]
        out.append(("N=100: peak memory < 2 GB (every kzgraph command)",
                    fmt_mb(max(peaks)), verdict(max(peaks) < 2048)))
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
            + ", ".join(f"`{k}` {fmt_s(v['median_s'])}" for k, v in fl.items()) + ".")
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
        add(f"| `kzgraph query` (median of {len(ratios)} queries) | {fmt_s(median(kz_t))} | "
            f"{fmt_s(median(base_t))} | {fmt_r(median(ratios))} | {fmt_r(median(cpu_ratios))} | "
            f"≤ 0.25: {'met' if met else 'missed'} ({sum(r <= 0.25 for r in ratios)}/"
            f"{len(ratios)}; worst {worst['query']} {fmt_r(worst['ratio'])}) | "
            f"{fmt_mb(max(q['kzgraph']['peak_rss_mb'] for q in b['queries']))} / "
            f"{fmt_mb(max(q['baseline']['peak_rss_mb'] for q in b['queries']))} |")
        for key, target, limit in (("validate", "≤ 1.0", 1.0), ("build", "none", None)):
            x = b[key]
            verdict = ("" if limit is None else
                       (" met" if x["ratio"] is not None and x["ratio"] <= limit else " missed"))
            name = {"validate": "`kzgraph validate` vs `pyshacl -a -i none`",
                    "build": "`kzgraph build` vs naive build (no site)"}[key]
            add(f"| {name} | {fmt_s(x['kzgraph']['median_s'])} | "
                f"{fmt_s(x['baseline']['median_s'])} | "
                f"{fmt_r(x['ratio'])} | {fmt_r(x['cpu_ratio'])} | {target}{verdict} | "
                f"{fmt_mb(x['kzgraph']['peak_rss_mb'])} / "
                f"{fmt_mb(x['baseline']['peak_rss_mb'])} |")
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
            add(f"| {q['query']} | {q['rows']} | {fmt_s(q['kzgraph']['median_s'])} | "
                f"{fmt_s(q['baseline']['median_s'])} | {fmt_r(q['ratio'])} | "
                f"{fmt_r(q['cpu_ratio'])} |")
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

        def row(name: str, get: Any, fmt: Any = fmt_s, grow: bool = True) -> None:
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
            "rdflib Graph via pyoxigraph parser (validate's load)"]["peak_rss_mb"], fmt_mb)
        row("`kzgraph validate`", lambda r: r["validate"]["kzgraph"]["median_s"])
        row("`kzgraph validate` peak RSS",
            lambda r: r["validate"]["kzgraph"]["peak_rss_mb"], fmt_mb)
        row("`pyshacl` command", lambda r: r["validate"]["baseline"]["median_s"])
        row("`pyshacl` peak RSS", lambda r: r["validate"]["baseline"]["peak_rss_mb"], fmt_mb)
        row("validate ratio (target at N=100: ≤ 0.5)", lambda r: r["validate"]["ratio"], fmt_r,
            grow=False)
        for country, label in (("c0001", "c0001"), ("kazakhstan", "Kazakhstan")):
            row(f"queries for {label}: median", lambda r, c=country: median(
                [q["median_s"] for q in r["queries"][c].values() if q["median_s"]]))
            row(f"queries for {label}: slowest", lambda r, c=country: max(
                q["median_s"] or math.inf for q in r["queries"][c].values()))
            row(f"queries for {label}: peak RSS", lambda r, c=country: max(
                q["peak_rss_mb"] for q in r["queries"][c].values()), fmt_mb)
        row("rdflib baseline: median query (c0001)", lambda r: median(
            [q["median_s"] for q in r["query_baseline"].values() if q["median_s"]]))
        row("`kzgraph build`", lambda r: r["build"]["kzgraph"]["median_s"])
        row("`kzgraph build` peak RSS", lambda r: r["build"]["kzgraph"]["peak_rss_mb"], fmt_mb)
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
        add("Runs per N: " + ", ".join(f"N={n}: {measured_runs(sc[str(n)])}" for n in sizes)
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
            add(f"| {name} | {counts} | " + " | ".join(fmt_s(v) for v in values)
                + f" | {growth(list(zip(sizes, values, strict=True)))} |")
        add("")
        add("</details>")
        add("")
    return "\n".join(lines)


def write_docs(text: str, docs: Path = DOCS) -> None:
    """Put ``text`` between the bench markers of ``docs`` (appended when there are none)."""
    block = f"{BEGIN}\n{text}\n{END}"
    if docs.is_file():
        current = docs.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            docs.write_text(head + block + tail, encoding="utf-8")
            return
        docs.write_text(current.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")
        return
    docs.write_text(f"# Benchmarks\n\n{block}\n", encoding="utf-8")
