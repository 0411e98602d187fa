"""`kzgraph new-country SLUG --code CC [--label NAME] [--alpha2 XX] [--alpha3 XXX]
[--wikidata QID] [--title TEXT] [--out DIR]`: the skeleton of a new country's factsheet."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Write the skeleton of a new country's factsheet, which validates as written:
DIR/CC/factsheet.ttl with the factsheet (CC:factsheet), its seven sections (one per concept of
the section scheme) and a placeholder footnote (CC:footnote-1), every value not yet entered
marked with dem:gap and a note saying what to enter; and, if the country is not yet described
in DIR, its entry appended to DIR/shared/countries.ttl (its prefixes added once).
Identifiers are written only as given. Nothing existing is overwritten."""

EPILOG = """\
exit codes:
  0  written (the files are listed on stderr)
  2  nothing written: DIR/CC/ or an IRI under https://w3id.org/kzgraph/id/CC/ already exists,
     the country already has a factsheet, a malformed argument, a new country without
     --label and --alpha2, or a data file that does not parse

example:
  kzgraph new-country georgia --code ge --label Georgia --alpha2 GE --alpha3 GEO --wikidata Q230
  kzgraph validate"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "new-country", help="write the skeleton of a new country's factsheet",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slug", metavar="SLUG",
                        help="the country's slug: its IRI is "
                             "https://w3id.org/kzgraph/id/country/SLUG (e.g. 'georgia')")
    parser.add_argument("--code", required=True, metavar="CC",
                        help="the two-letter namespace of the factsheet's resources, the "
                             "ISO 3166-1 alpha-2 code in lower case (e.g. 'ge'): they are "
                             "written under https://w3id.org/kzgraph/id/CC/ and shown as CC:")
    parser.add_argument("--label", metavar="NAME",
                        help="the country's English name (required if the country is new; "
                             "default: its label in the data)")
    parser.add_argument("--alpha2", metavar="XX",
                        help="ISO 3166-1 alpha-2 code (required if the country is new)")
    parser.add_argument("--alpha3", metavar="XXX", help="ISO 3166-1 alpha-3 code")
    parser.add_argument("--wikidata", metavar="QID", help="the country's Wikidata item (Q…)")
    parser.add_argument("--title", metavar="TEXT",
                        help="the factsheet's title as printed (default: the series title "
                             "with the country's name, marked as not yet checked)")
    parser.add_argument("--out", metavar="DIR",
                        help="the data folder to write into (default: the bundle's data/, "
                             "under KZGRAPH_HOME if set)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kzgraph.country_skeleton import new_country
    from kzgraph.rdf_files import display_path

    result = new_country(args.slug, args.code, args.label, alpha2=args.alpha2,
                         alpha3=args.alpha3, wikidata=args.wikidata, title=args.title,
                         data=args.out)
    for path in result.written:
        print(f"wrote {display_path(path)}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print("next: fill in the factsheet section by section (README: How to add a country), "
          "then run kzgraph validate", file=sys.stderr)
    return 0
