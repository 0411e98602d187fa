"""The stored queries of queries/: they parse, carry grlc decorators, take the country as a
parameter, and return exactly the expected rows (tests/expected/<name>.csv) on the bundled
graph with their default parameters, on both local engines.

The expected CSV files were written by running each query once and then checked by hand
against the factsheet text (shared/seed/000_a7ba452f2a3fc99c.txt). Cells compare as the query's
values: numbers as numbers (``481`` = ``481.0``), booleans as booleans, everything else by its
lexical form or IRI; an empty cell is an unbound variable. Rows compare as lists: every stored
query has an ORDER BY that makes its order total.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

import kzgraph
from kzgraph import catalogue
from kzgraph.catalogue import StoredQuery
from kzgraph.results import INTEGER_DATATYPES, NUMERIC_DATATYPES, XSD, QueryResult, Term

EXPECTED = Path(__file__).parent / "expected"
KAZAKHSTAN = "https://w3id.org/kzgraph/id/country/kazakhstan"
KZ = "https://w3id.org/kzgraph/id/kz/"

#: The research questions of this suite (one file each in queries/, one CSV each in
#: tests/expected/). Other stored queries (the query engine's examples, the factsheet
#: generator's) are checked for syntax, decorators and country scoping only.
QUESTIONS = (
    # Facts & figures
    "top-destinations", "emigrant-stock-total-top5", "remittances", "unknown-indicators",
    "observations", "political-rights", "dual-citizenship", "external-voting",
    "legal-provisions", "emigrants-in-eu-members",
    # Terminology
    "terminology", "term-labels", "term-replacements",
    # Policy framework
    "policy-documents", "documents-in-force", "policy-timeline", "amendments",
    "document-implementation", "who-signed-or-launched", "documents-and-practices-by-topic",
    # Trends and achievements, obstacles
    "findings", "returnees", "obstacles",
    # Spotlight
    "practices", "practice-offers", "practice-branches", "practices-by-sector",
    "practices-by-year", "events",
    # Annex
    "institutions-by-kind", "institution-hierarchy", "diaspora-organisations",
    "federation-members", "hosted-organisations",
    # Provenance, gaps, structure
    "gaps", "footnotes", "sources-of", "describe-resource", "supplementary-facts",
    "supplementary-sources", "sections",
)

#: Stored queries that are about the whole graph or one resource, not one country's data.
NOT_COUNTRY_SCOPED = {
    "countries": "every country of the graph",
    "search-labels": "a text search over all labels",
    "factsheet-index": "lists the factsheets of all countries",
    "describe-resource": "one resource, given by IRI",
    "sources-of": "one resource, given by IRI",
}

SECTION_TAGS = {"facts-and-figures", "terminology", "policy-framework",
                "trends-and-achievements", "obstacles", "spotlight", "annex"}

ALL = catalogue.queries()
BY_NAME = {q.name: q for q in ALL}
OURS = [BY_NAME[name] for name in QUESTIONS if name in BY_NAME]


def ids(queries: list[StoredQuery]) -> list[str]:
    return [q.name for q in queries]


# --------------------------------------------------------------------------------------------
# Comparing results
# --------------------------------------------------------------------------------------------

def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None


def cell(term: Term | None) -> Any:
    """A term as the value a CSV cell is compared with."""
    if term is None:
        return ""
    if term.kind == "literal" and term.datatype in NUMERIC_DATATYPES:
        number = _number(term.value)
        return number if number is not None else term.value
    if term.kind == "literal" and term.datatype == XSD + "boolean":
        return term.value.strip() in ("true", "1")
    return term.value


def expected_cell(text: str, actual: Any) -> Any:
    """A CSV cell typed like the value it is compared with."""
    if isinstance(actual, bool):
        return {"true": True, "false": False}.get(text, text)
    if isinstance(actual, Decimal):
        number = _number(text)
        return number if number is not None else text
    return text


def read_expected(name: str) -> tuple[list[str], list[list[str]]]:
    with (EXPECTED / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def assert_rows(result: QueryResult, name: str, mapping: dict[str, str] | None = None) -> None:
    """``result`` has the header and, in order, the rows of tests/expected/<name>.csv (with
    ``mapping``'s IRI prefixes replaced, for a copy of the data)."""
    header, rows = read_expected(name)
    assert result.variables == header, f"{name}: columns differ"
    got = [[cell(row.get(v)) for v in result.variables] for row in result.rows]
    want = []
    for r, line in enumerate(rows):
        assert len(line) == len(header), f"{name}.csv row {r + 2}: {len(line)} cells"
        values = []
        for c, text in enumerate(line):
            for old, new in (mapping or {}).items():
                if text.startswith(old):
                    text = new + text[len(old):]
            actual = got[r][c] if r < len(got) else text
            values.append(expected_cell(text, actual))
        want.append(values)
    for r, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"{name}: row {r + 1} differs\n  got:      {g}\n  expected: {w}"
    assert len(got) == len(want), f"{name}: {len(got)} rows, expected {len(want)}"


def normalised(result: QueryResult) -> list[tuple[Any, ...]]:
    """Rows as engine-neutral tuples: numbers as numbers, language tags lower-cased."""
    out = []
    for row in result.rows:
        values: list[Any] = []
        for v in result.variables:
            term = row.get(v)
            if term is None:
                values.append(None)
            elif term.kind == "literal" and term.datatype in NUMERIC_DATATYPES | {
                    XSD + "boolean"}:
                values.append(("literal", cell(term)))
            else:
                values.append((term.kind, term.value, term.datatype, (term.lang or "").lower()))
        out.append(tuple(values))
    return out


# --------------------------------------------------------------------------------------------
# The set of queries
# --------------------------------------------------------------------------------------------

def test_at_least_thirty_research_questions_each_with_expected_rows() -> None:
    assert len(QUESTIONS) >= 30
    assert len(set(QUESTIONS)) == len(QUESTIONS)
    missing = [n for n in QUESTIONS if n not in BY_NAME]
    assert not missing, f"no queries/<name>.rq for {missing}"
    no_csv = [n for n in QUESTIONS if not (EXPECTED / f"{n}.csv").is_file()]
    assert not no_csv, f"no tests/expected/<name>.csv for {no_csv}"
    stray = sorted(p.stem for p in EXPECTED.glob("*.csv") if p.stem not in BY_NAME)
    assert not stray, f"expected results of queries that do not exist: {stray}"


def test_every_factsheet_section_has_questions() -> None:
    tagged = {t for q in OURS for t in q.tags}
    assert tagged >= SECTION_TAGS, f"sections without a query: {SECTION_TAGS - tagged}"


# --------------------------------------------------------------------------------------------
# Every stored query: syntax, decorators, grlc conventions, country scoping
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stored", ALL, ids=ids(ALL))
def test_parses_with_rdflib(stored: StoredQuery) -> None:
    from rdflib.plugins.sparql import prepareQuery

    prepareQuery(stored.text)


@pytest.mark.parametrize("stored", ALL, ids=ids(ALL))
def test_parses_with_pyoxigraph_parameters_unbound(stored: StoredQuery) -> None:
    import pyoxigraph

    # Evaluating on an empty store parses the text; parameter variables stay unbound.
    answer = pyoxigraph.Store().query(stored.text)
    assert [v.value for v in answer.variables] == catalogue.projected_variables(stored.text)
    list(answer)


@pytest.mark.parametrize("stored", ALL, ids=ids(ALL))
def test_has_summary_description_and_tags(stored: StoredQuery) -> None:
    assert stored.summary and "\n" not in stored.summary
    assert len(stored.description.splitlines()) >= 2, "a multi-line description"
    assert stored.tags and all(isinstance(t, str) and t for t in stored.tags)
    assert isinstance(stored.decorators.get("tags"), list), "#+ tags: is a YAML list"
    if "defaults" in stored.decorators:
        assert isinstance(stored.decorators["defaults"], list), "#+ defaults: is a YAML list"


@pytest.mark.parametrize("stored", OURS, ids=ids(OURS))
def test_is_grlc_compatible_and_ordered(stored: StoredQuery) -> None:
    assert list(catalogue.iter_problems(stored)) == []
    assert stored.form == "SELECT"
    assert stored.ordered, "an ORDER BY makes the answer deterministic"


def _query_body(text: str) -> str:
    """The text without comments (decorators) and PREFIX declarations."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return re.sub(r"PREFIX\s+[\w-]*:\s*<[^>]*>", "", body)


@pytest.mark.parametrize("stored", ALL, ids=ids(ALL))
def test_country_is_a_parameter_never_a_constant(stored: StoredQuery) -> None:
    body = _query_body(stored.text)
    assert KZ not in body and KAZAKHSTAN not in body, "a country's resource in the WHERE clause"
    assert not re.search(r"\bkz:", body), "a kz: resource in the query"
    if stored.name in NOT_COUNTRY_SCOPED:
        return
    names = {p.name: p for p in stored.parameters}
    assert "country" in names, "a country-scoped query takes ?_country_iri"
    country = names["country"]
    assert (country.type, country.variable, country.default) == ("iri", "_country_iri",
                                                                 KAZAKHSTAN)


# --------------------------------------------------------------------------------------------
# Our questions: expected rows on both engines
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stored", OURS, ids=ids(OURS))
def test_expected_rows_with_pyoxigraph(stored: StoredQuery) -> None:
    result = kzgraph.query(stored.name)
    assert result.source == "oxigraph"
    assert_rows(result, stored.name)


@pytest.mark.parametrize("stored", OURS, ids=ids(OURS))
def test_expected_rows_with_rdflib(stored: StoredQuery) -> None:
    result = kzgraph.query(stored.name, engine="rdflib")
    assert result.source == "rdflib"
    assert_rows(result, stored.name)


@pytest.mark.parametrize("stored", ALL, ids=ids(ALL))
def test_pyoxigraph_and_rdflib_give_the_same_rows(stored: StoredQuery) -> None:
    if any(p.required for p in stored.parameters):
        pytest.skip("needs a parameter value without default")
    ox = kzgraph.query(stored.name)
    rl = kzgraph.query(stored.name, engine="rdflib")
    assert ox.variables == rl.variables
    assert normalised(ox) == normalised(rl)


def test_typed_values_stay_typed() -> None:
    top = kzgraph.query("top-destinations").rows[0]
    assert top["emigrants"].datatype in INTEGER_DATATYPES
    assert top["year"].datatype == XSD + "gYear"
    assert top["shareOfTopFivePercent"].datatype == XSD + "decimal"
    dates = {row["date"].datatype for row in kzgraph.query("policy-documents").rows
             if "date" in row}
    assert dates == {XSD + "date", XSD + "gYear", XSD + "gYearMonth"}
    asserted = [row["asserted"].to_python() for row in kzgraph.query("term-replacements")]
    assert asserted == [True, False]


def test_parameters_change_the_answer() -> None:
    def names(result: QueryResult, column: str) -> list[str]:
        return [row[column].value for row in result.rows]

    def by_period(result: QueryResult) -> list[str]:
        return [row["document"].value for row in result.rows if row["basis"].value == "period"]

    assert by_period(kzgraph.query("documents-in-force", year=2025)) == [
        KZ + "concept-of-foreign-policy-2020-2030", KZ + "migration-policy-concept-2023-2027"]
    assert by_period(kzgraph.query("documents-in-force", year="2010")) == []
    # a law counts from its adoption: the Law on Population Migration (2011) not in 2010
    assert KZ + "law-on-population-migration" not in names(
        kzgraph.query("documents-in-force", year="2010"), "document")
    assert KZ + "law-on-population-migration" in names(
        kzgraph.query("documents-in-force", year="2011"), "document")
    rights = kzgraph.query("practices-by-sector",
                           sector="https://w3id.org/kzgraph/vocab/sector/rights")
    assert names(rights, "practice") == [KZ + "kazakh-card"]
    assert rights.rows[0]["otherSectors"].value == "1"
    sources = kzgraph.query("sources-of", resource=KZ + "replacement-oralman-qandas")
    statements = {(row["object"].value, row["asserted"].to_python()) for row in sources
                  if row["kind"].value == "statement" and row["predicate"].value.endswith(
                      "/terms/date")}
    assert statements == {("2020-04-30", True), ("2020-05-13", False)}
    other = kzgraph.query("top-destinations", country="https://w3id.org/kzgraph/id/country/"
                                                     "germany")
    assert other.rows == []


# --------------------------------------------------------------------------------------------
# Another country's data answers unchanged
# --------------------------------------------------------------------------------------------

COPY_KZ = "https://w3id.org/kzgraph/id/kz2/"
COPY_COUNTRY = "https://w3id.org/kzgraph/id/country/kazakhstan2"
# Replacements keep the IRIs' sort order against every other IRI (same first letters).
MAPPING = {KZ: COPY_KZ, KAZAKHSTAN: COPY_COUNTRY}


@pytest.fixture(scope="module")
def two_countries() -> Any:
    """The bundled graph plus a copy of every Kazakhstan resource as another country
    (kz: -> kz2:, country:kazakhstan -> country:kazakhstan2; shared resources shared)."""
    import pyoxigraph as ox

    from kzgraph import paths

    def mapped(term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            value = term.value
            if value == KAZAKHSTAN:
                return ox.NamedNode(COPY_COUNTRY)
            if value.startswith(KZ):
                return ox.NamedNode(COPY_KZ + value[len(KZ):])
        return term

    store = ox.Store()
    for f in paths.graph_files():
        store.load(path=f, format=ox.RdfFormat.TURTLE)
    copies = []
    for q in store.quads_for_pattern(None, None, None):
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            continue  # the only blank nodes are interval ends, reached through a copied IRI
        copy = ox.Quad(mapped(q.subject), q.predicate, mapped(q.object), q.graph_name)
        if copy != q:
            copies.append(copy)
    # Blank nodes of a copied resource: copy them with fresh labels.
    for q in list(store.quads_for_pattern(None, None, None)):
        if (isinstance(q.object, ox.BlankNode) and not isinstance(q.subject, ox.BlankNode)
                and mapped(q.subject) != q.subject):
            fresh = ox.BlankNode()
            copies.append(ox.Quad(mapped(q.subject), q.predicate, fresh, q.graph_name))
            for inner in store.quads_for_pattern(q.object, None, None):
                copies.append(ox.Quad(fresh, inner.predicate, mapped(inner.object),
                                      inner.graph_name))
    store.extend(copies)
    return store


def _copy_params(stored: StoredQuery) -> dict[str, str]:
    params = {}
    for p in stored.parameters:
        if p.type == "iri" and p.default:
            for old, new in MAPPING.items():
                if p.default.startswith(old):
                    params[p.name] = new + p.default[len(old):]
    return params


@pytest.mark.parametrize("stored", OURS, ids=ids(OURS))
def test_another_country_answers_unchanged(stored: StoredQuery, two_countries: Any) -> None:
    # Kazakhstan's answer does not change when another country's data is in the graph...
    assert_rows(kzgraph.query(stored.name, store=two_countries), stored.name)
    # ...and the other country gets the same answer about its own resources.
    params = _copy_params(stored)
    assert params, "a country or resource parameter"
    result = kzgraph.query(stored.name, store=two_countries, params=params)
    assert_rows(result, stored.name, mapping=MAPPING)


# --------------------------------------------------------------------------------------------
# Served by grlc: the parameter written into the text gives the same answer
# --------------------------------------------------------------------------------------------

def grlc_rewrite(stored: StoredQuery, values: dict[str, str]) -> str:
    """The query text as grlc's ``rewrite_query`` makes it: each parameter variable replaced
    by the value, written by type (``<iri>``, ``"v"^^xsd:type``, ``"v"@lang``, ``"v"``), and
    the xsd: prefix added when a datatype needs it."""
    text = stored.text
    needs_xsd = False
    for p in stored.parameters:
        value = values[p.name]
        if p.type == "iri":
            written = f"<{value}>"
        elif p.type == "langString":
            written = f'"{value}"@{p.lang}'
        elif p.type == "number":
            written = value
        elif p.datatype and p.datatype.startswith(XSD):
            written = f'"{value}"^^xsd:{p.datatype[len(XSD):]}'
            needs_xsd = True
        else:
            written = f'"{value}"'
        text = text.replace("?" + p.variable, written)
    xsd_prefix = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>"
    if needs_xsd and xsd_prefix not in text:
        text = text.replace("SELECT", xsd_prefix + "\n\nSELECT")  # every SELECT, as grlc does
    return text


@pytest.mark.parametrize("stored", OURS, ids=ids(OURS))
def test_grlc_substitution_gives_the_expected_rows(stored: StoredQuery) -> None:
    values = {p.name: p.default for p in stored.parameters}
    assert all(values.values()), "every parameter of a question has a default"
    result = kzgraph.sparql(grlc_rewrite(stored, values))  # type: ignore[arg-type]
    assert_rows(result, stored.name)
