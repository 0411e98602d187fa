"""What the tests know about the stored queries beyond what each query declares, in one place.

The catalogue (:func:`kzgraph.queries`) gives each stored query's name, tags and parameters;
the scope of a query (one country, one resource, the whole graph) follows from its parameters.
What is test data is declared here once, for every test module: the queries meant to be about
the whole graph, the examples that have no hand-checked expected rows, and the parameter sets
each fixture query of tests/fixtures/query runs with (its cases.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kzgraph.catalogue import StoredQuery

TESTS = Path(__file__).resolve().parent
EXPECTED = TESTS / "expected"
FIXTURE_HOME = TESTS / "fixtures" / "query"
FIXTURE_QUERIES = FIXTURE_HOME / "queries"

#: Stored queries about the whole graph: they take neither a country nor a resource.
WHOLE_GRAPH = {
    "countries": "every country of the graph",
    "search-labels": "a text search over all labels",
    "factsheet-index": "lists the factsheets of all countries",
    # Questions across countries: their answer spans every bundled country.
    "compare-political-rights": "compares every country of a factsheet",
    "compare-remittances": "compares every country of a factsheet",
    "compare-emigrant-stocks": "compares every country of a factsheet",
    "bilateral-corridor": "two countries, given by IRI",
}

#: The query engine's examples: checked for syntax, decorators and scope, with no expected rows
#: in tests/expected/. Every other stored query has them.
EXAMPLES = {"countries", "search-labels", "emigrant-stock"}

#: The tag of the queries written for the factsheet page (tests/test_factsheet.py).
FACTSHEET_TAG = "factsheet"


def scope(stored: StoredQuery) -> str:
    """"country" for a query about one country (it takes ``country``), "resource" for one
    about one resource (it takes ``resource``), else "graph"."""
    names = {p.name for p in stored.parameters}
    if "country" in names:
        return "country"
    return "resource" if "resource" in names else "graph"


def questions(queries: list[StoredQuery]) -> list[StoredQuery]:
    """The research questions: the stored queries that are neither examples nor written for
    the factsheet page, each with its expected rows in tests/expected/."""
    return [q for q in queries if q.name not in EXAMPLES and FACTSHEET_TAG not in q.tags]


def param_cases(name: str) -> list[dict[str, str]]:
    """The parameter sets a fixture query runs with: its defaults ({}) and cases.json's."""
    return [{}, *fixture_cases().get(name, [])]


def fixture_cases() -> dict[str, list[dict[str, str]]]:
    """tests/fixtures/query/cases.json: fixture query name -> parameter sets (values as text)."""
    cases = json.loads((FIXTURE_HOME / "cases.json").read_text(encoding="utf-8"))
    return {k: v for k, v in cases.items() if not k.startswith("_")}


def fixture_runs() -> list[tuple[StoredQuery, dict[str, str]]]:
    """Every fixture query with every parameter set it runs with."""
    import kzgraph

    return [(q, params) for q in kzgraph.queries(FIXTURE_QUERIES) for params in
            param_cases(q.name)]
