"""kzgraph next to the floor: what plain pyoxigraph does with the same files, in the same run.

    python bench/targets.py                       # N = 100, every part
    python bench/targets.py --n 100 --runs 3 --parts query,validate,edit,build

- query:    cold ``kzgraph query top-destinations -f csv`` (bundled data) against
            bench/oxigraph_query.py, a plain script loading the same Turtle into pyoxigraph;
- validate: ``kzgraph validate --full`` at N against pyoxigraph loading the same files
            (``bench/probe.py parse-oxigraph``);
- edit:     ``kzgraph validate`` after an edit of one country's file (a label changed, in
            turn to two values), against the full run;
- build:    ``kzgraph build`` against the load, once with an empty cache folder (the
            validation runs in full) and once after a validation of the same files.

Each side is a cold process, paired in one loop (bench/harness.py). Prints a Markdown table
and writes bench/results/targets-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate
from bench.commands import kz, probe, script
from bench.harness import RESULTS, ROOT, Measure, Runner, paired
from bench.units import fmt_mb, fmt_r, fmt_s, ratio

QUERY = "top-destinations"
EDITED = "data/synthetic/c0042/countries.ttl"
LABEL = '"Country 0042"@en'


def _row(name: str, mine: Measure, floor: Measure, target: str) -> dict[str, Any]:
    return {"measure": name, "kzgraph": mine.to_dict(), "floor": floor.to_dict(),
            "ratio": ratio(mine.wall, floor.wall), "cpu_ratio": ratio(mine.cpu, floor.cpu),
            "target": target}


def _query(runner: Runner, runs: int) -> dict[str, Any]:
    mine = Measure("kzgraph query", kz("query", QUERY, "-f", "csv"))
    floor = Measure("pyoxigraph script",
                    script("oxigraph_query.py", str(ROOT / "queries" / f"{QUERY}.rq")))
    for m in (mine, floor):
        runner.once(m.cmd, home=ROOT)  # compile, fill the caches
    paired(runner, [(mine, {"home": ROOT}), (floor, {"home": ROOT})], runs)
    return _row(f"cold `kzgraph query {QUERY}`, bundled data", mine, floor, "<= 1.5")


def _edit_runs(runner: Runner, home: Path, runs: int, load: Measure) -> Measure:
    """``kzgraph validate`` after each of ``runs`` edits, paired with a load."""
    path = home / EDITED
    original = path.read_text(encoding="utf-8")
    if LABEL not in original:
        raise SystemExit(f"{EDITED} has no {LABEL}: cannot edit it")
    mine = Measure("kzgraph validate after an edit", kz("validate", "--incremental"))
    runner.once(mine.cmd, home=home)  # the run the edit follows
    try:
        for r in range(runs):
            label = f'"Country 0042 (edit {r % 2 + 1})"@en'
            path.write_text(original.replace(LABEL, label, 1), encoding="utf-8")
            first, second = (mine, load) if r % 2 == 0 else (load, mine)
            for m in (first, second):
                m.runs.append(runner.once(m.cmd, home=home))
    finally:
        path.write_text(original, encoding="utf-8")
    return mine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query-runs", type=int, default=11)
    parser.add_argument("--parts", default="query,validate,edit,build")
    parser.add_argument("--work", type=Path, default=RESULTS / "work")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    runner = Runner(args.work, 3600, as_is=False, verbose=args.verbose)
    rows = []
    if "query" in parts:
        rows.append(_query(runner, args.query_runs))
    home = args.work / f"synthetic-{args.n}"
    if not (home / generate.MARKER).exists():
        generate.generate(args.n, home)
    load = Measure("pyoxigraph load", probe("parse-oxigraph"))
    runner.once(load.cmd, home=home)
    if "validate" in parts:
        full = Measure("kzgraph validate --full", kz("validate", "--full"))
        paired(runner, [(full, {"home": home}), (load, {"home": home})], args.runs)
        rows.append(_row(f"`kzgraph validate --full`, N = {args.n}", full, load, "<= 10"))
        if "edit" in parts:
            edit = _edit_runs(runner, home, args.runs, Measure("load", load.cmd))
            rows.append({**_row(f"`kzgraph validate` after editing {EDITED}", edit, load,
                                "<= 0.15 x the full run"),
                         "full_ratio": ratio(edit.wall, full.wall)})
    if "build" in parts:
        out = args.work / f"dist-targets-{args.n}"
        cold = Measure("kzgraph build, empty cache", kz("build", "--out", str(out)))
        for _ in range(args.runs):
            cache = args.work / "cache-empty"
            shutil.rmtree(cache, ignore_errors=True)
            cold.runs.append(runner.once(cold.cmd, home=home, env={"KZGRAPH_CACHE": str(cache)}))
            load.runs.append(runner.once(load.cmd, home=home))  # its floor, in the same loop
        rows.append(_row(f"`kzgraph build`, N = {args.n}, empty cache folder", cold, load,
                         "<= 15"))
        warm = Measure("kzgraph build after validate", kz("build", "--out", str(out)))
        runner.once(kz("validate"), home=home)
        paired(runner, [(warm, {"home": home})], args.runs)
        rows.append(_row(f"`kzgraph build`, N = {args.n}, after `kzgraph validate`", warm,
                         load, "<= 15"))
    print("\n| measure | kzgraph | floor | ratio (wall) | ratio (CPU) | target | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
    for row in rows:
        mine, floor = row["kzgraph"], row["floor"]
        extra = (f" ({fmt_r(row['full_ratio'])} x the full run)" if "full_ratio" in row
                 else "")
        print(f"| {row['measure']} | {fmt_s(mine['median_s'])} | {fmt_s(floor['median_s'])} "
              f"| {fmt_r(row['ratio'])}{extra} | {fmt_r(row['cpu_ratio'])} | {row['target']} "
              f"| {fmt_mb(mine['peak_rss_mb'])} |")
    RESULTS.mkdir(parents=True, exist_ok=True)  # git-ignored: absent in a fresh checkout
    (RESULTS / f"targets-{args.n}.json").write_text(json.dumps(rows, indent=1),
                                                      encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
