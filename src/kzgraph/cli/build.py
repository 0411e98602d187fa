"""`kzgraph build` (the release folder) and `kzgraph site` (its static site only)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kzgraph.errors import EXIT_OK, ValidationFailed


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default="dist",
                   help="the release folder (default: dist); replaced only after success, and "
                        "only if it is a previous kzgraph build or empty")
    p.add_argument("--sparql-endpoint", metavar="URL", default=None,
                   help="SPARQL endpoint to advertise in the VoID (default: "
                        "$KZGRAPH_SPARQL_ENDPOINT)")
    # The former name, kept working for existing scripts; `query` and `factsheet` use
    # --endpoint for the endpoint to ask, so it is no longer shown here.
    p.add_argument("--endpoint", dest="sparql_endpoint", metavar="URL",
                   help=argparse.SUPPRESS)
    p.add_argument("--download-base", metavar="URL", default=None,
                   help="URL the files are published under, for dcat:downloadURL (default: "
                        "$KZGRAPH_DOWNLOAD_BASE or https://w3id.org/kzgraph/dist/)")
    p.add_argument("--force", action="store_true",
                   help="replace --out even if files were added to it since the last build "
                        "(they are lost)")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "build",
        help="validate, then write the release: downloads, VoID/DCAT, SHA256SUMS, site",
        description="Validate the graph, then write the release folder: the whole graph, the "
                    "ontology and the shapes in Turtle, N-Triples, JSON-LD and RDF/XML; "
                    "context.jsonld; void.* (VoID + DCAT); the static site (site/); "
                    "SHA256SUMS. Byte-identical for the same commit. An invalid graph is "
                    "refused (exit 1, report on stdout) and nothing is written.",
    )
    _common(p)
    p.set_defaults(func=run_build)

    s = subparsers.add_parser(
        "site",
        help="validate, then (re)write only the static site DIR/site/",
        description="Validate the graph, then (re)write DIR/site/: landing page, ontology "
                    "documentation, one page per resource with its Turtle/JSON-LD/RDF-XML, "
                    "and the .htaccess content negotiation recipe. The downloads in DIR are "
                    "left alone (run `kzgraph build` for those); SHA256SUMS is rewritten.",
    )
    _common(s)
    s.set_defaults(func=run_site)


def _report_and_raise(exc: ValidationFailed) -> None:
    report = getattr(exc, "report", None)
    if report is not None:
        sys.stdout.write(report.to_text().rstrip("\n") + "\n")
        sys.stdout.flush()
    raise exc


def _timed(make: Callable[[], Path], describe: Callable[[Path], str]) -> int:
    """Run a writer; on a non-conforming graph print the report and exit 1 (via the error)."""
    from kzgraph.progress import opened

    started = time.perf_counter()
    try:
        with opened("kzgraph build"):
            written = make()
    except ValidationFailed as exc:
        _report_and_raise(exc)
        raise  # pragma: no cover
    print(f"wrote {written} ({describe(written)}) in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def run_build(args: argparse.Namespace) -> int:
    from kzgraph.release import build, built_files

    return _timed(
        lambda: build(args.out, sparql_endpoint=args.sparql_endpoint,
                      download_base=args.download_base, force=args.force),
        lambda out: f"{built_files(out)} files")


def run_site(args: argparse.Namespace) -> int:
    from kzgraph.release import build_site

    return _timed(
        lambda: build_site(args.out, sparql_endpoint=args.sparql_endpoint,
                           download_base=args.download_base, force=args.force),
        lambda site: f"{sum(1 for _ in site.rglob('*.html'))} pages")
