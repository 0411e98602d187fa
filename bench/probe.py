"""One measured step, run as its own (cold) process by bench/run.py.

    python bench/probe.py load-store      # kzgraph's pyoxigraph store (on-disk cache)
    python bench/probe.py load-graph      # kzgraph's rdflib Graph (what validate loads)
    python bench/probe.py parse-rdflib    # rdflib's own Turtle parser, file by file
    python bench/probe.py parse-oxigraph  # pyoxigraph's parser into an in-memory Store

The bundle is $KZGRAPH_HOME (else the checkout); prints the number of triples loaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _files() -> list[Path]:
    home = Path(os.environ.get("KZGRAPH_HOME") or ROOT)
    return [p for part in ("ontology", "data") for p in sorted((home / part).rglob("*.ttl"))]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    step = args[0] if args else ""
    if step == "load-store":
        from kzgraph import store

        print(len(store.oxigraph_store()))
    elif step == "load-graph":
        from kzgraph import store

        print(len(store.graph()))
    elif step == "parse-rdflib":
        import rdflib

        graph = rdflib.Graph()
        for path in _files():
            graph.parse(path, format="turtle")
        print(len(graph))
    elif step == "parse-oxigraph":
        import pyoxigraph as ox

        memory = ox.Store()
        for path in _files():
            memory.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        print(len(memory))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
