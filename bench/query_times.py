"""Time every stored query in one process on a warm store: the tool for rewriting a query.

    python bench/query_times.py --home bench/results/work/synthetic-100 [--country c0001]
        [--queries queries/] [--against OLD_QUERIES/] [--runs 3] [--timeout S] [NAME ...]

Runs the ``.rq`` files of ``--queries`` (default: this checkout's ``queries/``, so an edited
query is timed at once, not the copy inside a generated bundle) against the graph of
``--home`` (default: the checkout), with ``country`` bound to ``--country`` where the query
takes it. Prints the best of ``--runs`` per query, slowest first. The cold-process numbers
of docs/benchmarks.md come from bench/run.py; this isolates the query engine's part.

``--against`` names a folder of other versions of the same queries (say, ``git archive`` of
an earlier commit): each query is then timed in both versions, the runs alternating so that
both see the same load of a shared machine, and the answers are compared (same rows, same
order). A run longer than ``--timeout`` counts as that long and is not repeated.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

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
    parser.add_argument("--against", type=Path,
                        help="time these versions of the same queries too, alternately")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds a run may take before it counts as timed out")
    args = parser.parse_args(argv)
    if args.home:
        os.environ["KZGRAPH_HOME"] = str(args.home.resolve())

    import kzgraph
    from kzgraph import catalogue, store

    started = time.perf_counter()
    size = len(store.oxigraph_store())
    print(f"{size:,} triples, store opened in {time.perf_counter() - started:.2f} s")
    folders = [args.queries] + ([args.against] if args.against else [])
    names = args.names or sorted(p.stem for p in args.queries.glob("*.rq"))

    def run(name: str, folder: Path) -> tuple[float, Any]:
        stored = catalogue.get(name, folder)
        takes_country = any(p.name == "country" for p in stored.parameters)
        params = {"country": COUNTRY + args.country} if takes_country else {}
        started = time.perf_counter()
        try:
            result = kzgraph.query(name, folder=folder, timeout=args.timeout, **params)
        except kzgraph.InputError:  # timed out: a slow query must not end the list
            return args.timeout, None
        return time.perf_counter() - started, result

    timings = []
    for name in names:
        best = [float("inf")] * len(folders)
        answers: list[Any] = [None] * len(folders)
        for _ in range(max(1, args.runs)):
            for i, folder in enumerate(folders):
                if answers[i] is None and best[i] < float("inf"):
                    continue  # timed out: not run again
                took, answers[i] = run(name, folder)
                best[i] = min(best[i], took)
        compared = None if None in answers else len({_rows(a) for a in answers}) == 1
        timings.append((best, name, [_size(a) for a in answers], compared))
    for best, name, sizes, same in sorted(timings, reverse=True):
        line = f"{best[0] * 1000:9.1f} ms  {name} ({sizes[0]})"
        if args.against:
            verdict = {True: "same answer", False: "DIFFERENT ANSWER",
                       None: "not compared"}[same]
            line += f"  against {best[1] * 1000:9.1f} ms ({sizes[1]}): {verdict}"
        print(line)
    return 0


def _size(result: Any) -> str:
    if result is None:
        return "timed out"
    return f"{len(result.triples if result.is_graph else result.rows)} rows"


def _rows(result: Any) -> Any:
    return tuple(map(str, result.triples)) if result.is_graph else tuple(
        tuple(map(str, row)) for row in result.rows)


if __name__ == "__main__":
    sys.exit(main())
