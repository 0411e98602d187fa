"""Maintainer tool: rewrite tests/expected/<name>.csv from the current graph.

    python tests/update_expected.py                 # every query that has an expected file
    python tests/update_expected.py NAME [NAME ...]

A query that takes a ``country`` parameter is recorded for every bundled country: its default
(Kazakhstan) in ``<name>.csv``, every other country of a bundled factsheet in
``<name>--<country slug>.csv`` (e.g. ``political-rights--ukraine.csv``).

Run it after a deliberate change to data/ or queries/, then READ `git diff tests/expected`
against the factsheet before committing: the expected files are the hand-checked truth the
tests hold the graph to, so a diff here is a claim about the factsheet that needs checking.
"""

from __future__ import annotations

import sys
from pathlib import Path

import kzgraph

EXPECTED = Path(__file__).parent / "expected"

_FACTSHEET_COUNTRIES = """
PREFIX dem: <https://w3id.org/kzgraph/ontology#>
SELECT DISTINCT ?country WHERE { ?factsheet a dem:Factsheet ; dem:country ?country }
ORDER BY ?country
"""


def bundled_countries() -> list[str]:
    """The IRIs of the countries the bundled factsheets are about."""
    return [row["country"].value for row in kzgraph.sparql(_FACTSHEET_COUNTRIES).rows]


def country_parameter(name: str) -> kzgraph.StoredQuery | None:
    """The stored query ``name`` if it takes a ``country`` parameter, else None."""
    stored = next(q for q in kzgraph.queries() if q.name == name)
    return stored if any(p.name == "country" for p in stored.parameters) else None


def variants(name: str) -> list[tuple[str, dict[str, str]]]:
    """(expected file stem, query parameters) of every answer recorded for query ``name``."""
    stored = country_parameter(name)
    if stored is None:
        return [(name, {})]
    default = next(p.default for p in stored.parameters if p.name == "country")
    out = [(name, {})]
    for country in bundled_countries():
        if country != default:
            out.append((f"{name}--{country.rsplit('/', 1)[-1]}", {"country": country}))
    return out


def main(names: list[str]) -> int:
    targets = names or sorted({p.stem.split("--")[0] for p in EXPECTED.glob("*.csv")})
    for name in targets:
        for stem, params in variants(name):
            path = EXPECTED / f"{stem}.csv"
            new = kzgraph.query(name, params=params).to_csv(lineterminator="\n")
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if new != old:
                path.write_text(new, encoding="utf-8")
                print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
