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
import sys
import time
from pathlib import Path
from typing import Any

if not __package__:  # run as a file (python bench/run.py): import bench/ as a package
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import RESULTS, Runner, short
from bench.report import DOCS, render, write_docs
from bench.results import BENCH_PARTS, ResultsStore, machine, now
from bench.scale import scale
from bench.scenarios import bundled, floors, warm_up


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
    parser.add_argument("--parts", default=",".join(BENCH_PARTS),
                        help="what to measure at scale, merged into the stored results of "
                             f"each N (default {','.join(BENCH_PARTS)})")
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
    if not parts or any(p not in BENCH_PARTS for p in parts):
        parser.error(f"--parts takes some of {','.join(BENCH_PARTS)}")
    if args.no_build:
        parts = tuple(p for p in parts if p != "build")

    args.work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    runner = Runner(args.work, args.timeout, args.as_is, args.verbose)
    results = ResultsStore(RESULTS)
    this: dict[str, Any] = {"machine": machine(), "started": now(),
                            "argv": sys.argv[1:], "as_is": args.as_is}
    started = time.perf_counter()

    def save() -> None:
        latest = results.save(this, some_queries=bool(only))
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
    print("\n" + render(results.latest))
    print(f"\ntotal {time.perf_counter() - started:.0f} s; results in "
          f"{short(str(results.latest_path))}"
          + ("" if args.no_docs else f" and {short(str(DOCS))}"))
    mismatches = (this.get("bundled") or {}).get("mismatches")
    if mismatches:
        print(f"ERROR: kzgraph and rdflib give different results for {', '.join(mismatches)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
