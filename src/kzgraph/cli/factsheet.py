"""`kzgraph factsheet`: the factsheet of a country regenerated from the graph.

Only argparse at import time; the handler imports the renderer (jinja2, pyoxigraph)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "factsheet", help="regenerate a country's factsheet from the graph (Markdown or HTML)",
        description="Render a country's diaspora engagement factsheet from the graph: Facts & "
                    "figures, Terminology, the policy timeline, Trends and achievements, "
                    "Obstacles, Spotlight practices, the Annex of actors, the footnotes and the "
                    "supplementary sources. Every fact comes from the stored queries; what the "
                    "source lost is shown as lost.",
        epilog="exit codes: 0 written; 2 no factsheet for the country, a bad argument, an "
               "output folder that does not exist, or an output file that is not a previous "
               "factsheet (see --force).")
    p.add_argument("--country", metavar="SLUG|IRI",
                   help="the country: a slug such as 'kazakhstan', a prefixed name such as "
                        "'country:kazakhstan', or the full IRI, as query --param takes it "
                        "(default Kazakhstan)")
    p.add_argument("--format", "-f", dest="fmt", choices=("md", "html"), default="md",
                   help="Markdown (default) or a printable HTML page")
    p.add_argument("--out", "-o", metavar="FILE",
                   help="write to FILE (atomically) instead of standard output")
    p.add_argument("--force", action="store_true",
                   help="replace --out even if it is not a factsheet written by kzgraph")
    p.add_argument("--graph", "-g", metavar="PATH", action="append",
                   help="Turtle file or folder to render instead of the bundled graph "
                        "(repeatable)")
    p.add_argument("--endpoint", "-e", metavar="URL",
                   help="a SPARQL endpoint to ask instead of the bundled graph")
    p.add_argument("--default-graph", metavar="IRI",
                   help="the endpoint's graph to ask (default-graph-uri)")
    p.add_argument("--timeout", "-t", type=float, default=30.0, metavar="S",
                   help="seconds each query may take, on the graph or the endpoint "
                        "(default 30; Ctrl-C stops it)")
    p.set_defaults(func=cmd_factsheet)


def cmd_factsheet(args: argparse.Namespace) -> int:
    from kzgraph.factsheets import factsheet, write

    text = factsheet(args.country, args.fmt, graph=args.graph, endpoint=args.endpoint,
                     default_graph=args.default_graph, timeout=args.timeout)
    if args.out:
        path = write(text, args.out, force=args.force)
        print(f"wrote {path}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
