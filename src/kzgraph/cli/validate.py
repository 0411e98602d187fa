"""`kzgraph validate [PATH ...] [--shapes PATH]... [--format text|json]`"""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Validate the knowledge graph against its SHACL shapes, fully offline (no owl:imports are
fetched, no inference). Without PATH: the bundled ontology/ and data/ against shapes/.
With PATH (files or folders of *.ttl): those data files, merged with the bundled ontology.
Violations are reported grouped by resource, with the property, the message and the file
where the resource is described; sh:Warning and sh:Info results are shown but do not fail."""

EPILOG = """\
exit codes:
  0  the graph conforms (a one-line summary is printed)
  1  violations (the report is printed on stdout)
  2  unusable input: a missing file, malformed RDF (file:line: message), unusable shapes

--format json prints {conforms, triples, resources, data_files, shapes_files, counts, results[]};
each result has resource, focus_node, via, path, value, message, severity, source_shape,
constraint and files.  --shapes takes one file or folder; repeat it for more, so that
`validate --shapes shapes/ mydata/` validates mydata/ (every shapes file must hold shapes)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate the graph against the SHACL shapes",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="data files or folders (default: the bundled ontology/ and data/)")
    # One PATH per --shapes: with nargs="+" a data folder after it became more shapes and the
    # bundled data was validated instead (a false "conforms").
    parser.add_argument("--shapes", action="append", metavar="PATH",
                        help="a shapes file or folder, repeatable (default: the bundled "
                             "shapes/)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="report format (default: text)")
    parser.add_argument("--engine", choices=("kzgraph", "pyshacl"), default="kzgraph",
                        help="kzgraph (default): kzgraph's own engine on pyoxigraph, every "
                             "shape checked for all its focus nodes at once (pySHACL, with its "
                             "SPARQL on pyoxigraph, for shapes using SHACL features it lacks); "
                             "pyshacl: plain pySHACL on the whole graph, the reference")
    parser.add_argument("--incremental", action="store_true",
                        help="after an edit, validate again only what the changed files touch "
                             "(the previous results are kept in the cache folder); quicker "
                             "while editing, but a result two links away from the edit keeps "
                             "its previous value: gates such as CI validate in full")
    parser.add_argument("--full", action="store_true",
                        help="validate the whole graph (the default; overrides --incremental)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kzgraph.errors import EXIT_OK, EXIT_VIOLATIONS
    from kzgraph.progress import opened
    from kzgraph.validation import validate

    with opened("kzgraph validate"):
        report = validate(args.paths or None, args.shapes or None, engine=args.engine,
                          incremental=args.incremental and not args.full)
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        sys.stdout.write(report.to_text())
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS
