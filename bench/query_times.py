"""Time every stored query in one process on a warm store: the tool for rewriting a query.

    python bench/query_times.py --home bench/results/work/synthetic-100 [--country c0001]
        [--queries queries/] [--runs 3] [NAME ...]

Runs the ``.rq`` files of ``--queries`` (default: this checkout's ``queries/``, so an edited
query is timed at once, not the copy inside a generated bundle) against the graph of
``--home`` (default: the checkout), with ``country`` bound to ``--country`` where the query
takes it. Prints the best of ``--runs`` per query, slowest first. The cold-process numbers
of docs/benchmarks.md come from bench/run.py; this isolates the query engine's part.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRY = "https://w3id.org/kzgraph/id/country/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these stored queries")
    parser.add_argument("--home", type=Path, help="a bundle (bench/generate.py output)")
    parser.add_argument("--country", default="c0001",
                        help="the country slug bound where a query takes `country`; "
                             "default c0001 (use kazakhstan for the bundled data)")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.home:
        os.environ["KZGRAPH_HOME"] = str(args.home.resolve())

    import kzgraph
    from kzgraph import catalogue, store

    started = time.perf_counter()
    size = len(store.oxigraph_store())
    print(f"{size:,} triples, store opened in {time.perf_counter() - started:.2f} s")
    names = args.names or sorted(p.stem for p in args.queries.glob("*.rq"))
    timings = []
    for name in names:
        stored = catalogue.get(name, args.queries)
        takes_country = any(p.name == "country" for p in stored.parameters)
        params = {"country": COUNTRY + args.country} if takes_country else {}
        best = float("inf")
        for _ in range(max(1, args.runs)):
            started = time.perf_counter()
            result = kzgraph.query(name, folder=args.queries, **params)
            best = min(best, time.perf_counter() - started)
        timings.append((best, name, len(result.triples if result.is_graph else result.rows)))
    for best, name, rows in sorted(timings, reverse=True):
        print(f"{best * 1000:8.1f} ms  {name} ({rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
