"""The naive baseline for ``kzgraph build``: rdflib + pySHACL, the way one would write it by hand.

    python bench/baseline_build.py OUTDIR [--home DIR]

Parses ontology/, data/ and shapes/ (of the checkout, or ``--home`` / $KZGRAPH_HOME) with
rdflib, validates ontology + data against the shapes with ``pyshacl.validate`` (SHACL-AF, no
inference; refuses to write when it does not conform, like ``kzgraph build``), then writes
the whole graph, the ontology and the shapes in Turtle, N-Triples, JSON-LD and RDF/XML with
rdflib's serialisers. It writes no site, no VoID and no checksums: it is a floor for the part
of ``kzgraph build`` that both do, not the same work.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    home = Path(os.environ.get("KZGRAPH_HOME") or ROOT)
    if "--home" in args:
        at = args.index("--home")
        home = Path(args[at + 1])
        del args[at:at + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(args[0])

    import pyshacl
    import rdflib

    def parse(*parts: str) -> rdflib.Graph:
        graph = rdflib.Graph()
        for part in parts:
            for path in sorted((home / part).rglob("*.ttl")):
                graph.parse(path, format="turtle")
        return graph

    ontology = parse("ontology")
    everything = parse("ontology", "data")
    shapes = parse("shapes")
    conforms, _report, text = pyshacl.validate(everything, shacl_graph=shapes,
                                               inference="none", advanced=True,
                                               allow_warnings=True)
    if not conforms:
        sys.stdout.write(text)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name, graph in (("kzgraph", everything), ("ontology", ontology), ("shapes", shapes)):
        for ext, fmt in RDF_FORMATS.items():
            graph.serialize(destination=out / f"{name}.{ext}", format=fmt)
    print(f"wrote {out} ({len(everything)} triples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
