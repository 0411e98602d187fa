"""The stored queries of queries/: they parse, carry grlc decorators, take the country as a
parameter, and return exactly the expected rows (tests/expected/<name>.csv) on the bundled
graph with their default parameters, on both local engines.

The expected CSV files were written by running each query once and then checked by hand
against the factsheet text (tests/test_data_facts.py says where it is looked up). Cells compare
as the query's values: numbers as numbers (``481`` = ``481.0``), booleans as booleans,
everything else by its lexical form or IRI; an empty cell is an unbound variable. Rows compare
as lists: every stored query has an ORDER BY that makes its order total.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

import kzgraph
from kzgraph import catalogue
from kzgraph.catalogue import StoredQuery
from kzgraph.results import INTEGER_DATATYPES, NUMERIC_DATATYPES, XSD, QueryResult, Term
from query_cases import EXAMPLES, EXPECTED, FIXTURE_HOME, WHOLE_GRAPH, questions, scope

KAZAKHSTAN = "https://w3id.org/kzgraph/id/country/kazakhstan"
KZ = "https://w3id.org/kzgraph/id/kz/"

SECTION_TAGS = {"facts-and-figures", "terminology", "policy-framework",
                "trends-and-achievements", "obstacles", "spotlight", "annex"}

ALL = catalogue.queries()
BY_NAME = {q.name: q for q in ALL}
#: The research questions of this suite (one file each in queries/, one CSV each in
#: tests/expected/). The other stored queries (the query engine's examples, the factsheet
#: page's) are checked here for syntax, decorators and country scoping only.
OURS = questions(ALL)


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
    assert len(OURS) >= 30
    missing = sorted(n for n in {*EXAMPLES, *WHOLE_GRAPH} if n not in BY_NAME)
    assert not missing, f"no queries/<name>.rq for {missing}"
    no_csv = [q.name for q in OURS if not (EXPECTED / f"{q.name}.csv").is_file()]
    assert not no_csv, f"no tests/expected/<name>.csv for {no_csv}"
    examples_with_csv = sorted(n for n in EXAMPLES if (EXPECTED / f"{n}.csv").is_file())
    assert not examples_with_csv, f"expected rows, so not examples: {examples_with_csv}"
    stray = sorted(p.stem for p in EXPECTED.glob("*.csv")
                   if p.stem.split("--")[0] not in BY_NAME)
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
    names = {p.name: p for p in stored.parameters}
    if stored.name in WHOLE_GRAPH:
        assert scope(stored) == "graph", "about the whole graph: no country or resource"
        return
    if scope(stored) == "resource":  # one resource, given by IRI: Kazakhstan's by default
        resource = names["resource"]
        assert resource.type == "iri" and (resource.default or "").startswith(KZ)
        return
    assert "country" in names, "a country-scoped query takes ?_country_iri"
    country = names["country"]
    assert (country.type, country.variable, country.default) == ("iri", "_country_iri",
                                                                 KAZAKHSTAN)


# --------------------------------------------------------------------------------------------
# Our questions: expected rows on both engines
# --------------------------------------------------------------------------------------------

def _answers() -> list[Any]:
    """Every recorded answer: (query, expected file stem, parameters); a country-parameterised
    query once per bundled country (see tests/update_expected.py)."""
    from update_expected import variants

    return [pytest.param(stored, stem, params, id=stem)
            for stored in OURS
            for stem, params in variants(stored.name)]


@pytest.mark.parametrize(("stored", "stem", "params"), _answers())
def test_expected_rows_with_pyoxigraph(stored: StoredQuery, stem: str,
                                       params: dict[str, str]) -> None:
    result = kzgraph.query(stored.name, params=params)
    assert result.source == "oxigraph"
    assert_rows(result, stem)


@pytest.mark.parametrize(("stored", "stem", "params"), _answers())
def test_expected_rows_with_rdflib(stored: StoredQuery, stem: str,
                                   params: dict[str, str]) -> None:
    result = kzgraph.query(stored.name, engine="rdflib", params=params)
    assert result.source == "rdflib"
    assert_rows(result, stem)


def test_every_bundled_country_has_its_recorded_answers() -> None:
    from update_expected import bundled_countries

    countries = bundled_countries()
    assert len(countries) >= 2, countries
    for country in countries:
        if country != KAZAKHSTAN:
            slug = country.rsplit("/", 1)[-1]
            assert (EXPECTED / f"political-rights--{slug}.csv").exists(), slug


def test_term_replacement_with_a_plain_date_has_one_row_per_source() -> None:
    """A replacement whose date is a plain dcterms:date (no rdf:Statement) gets its own source,
    one row, never one row per labelled resource of the graph."""
    import pyoxigraph as ox
    import rdflib

    from kzgraph import paths

    files = [*paths.graph_files(), FIXTURE_HOME / "plain-date-replacement.ttl"]
    store = ox.Store()
    graph = rdflib.Graph()
    for f in files:
        store.load(path=f, format=ox.RdfFormat.TURTLE)
        graph.parse(f, format="turtle")
    country = "https://w3id.org/kzgraph/id/country/plainland"
    for engine, data in (("oxigraph", store), ("rdflib", graph)):
        result = kzgraph.query("term-replacements", store=data, engine=engine, country=country)
        rows = [{v: cell(row.get(v)) for v in ("replacement", "date", "source", "sourceLabel",
                                                "footnoteNumber")} for row in result.rows]
        assert rows == [{"replacement": "https://w3id.org/kzgraph/id/pl/replacement-old-new",
                         "date": "2021-06-01", "source": "https://w3id.org/kzgraph/id/pl/footnote-1",
                         "sourceLabel": "Footnote 1", "footnoteNumber": 1}], engine


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


#: Questions about one country (those across countries answer about every country, a copy
#: of Kazakhstan included, by design).
ONE_COUNTRY = [q for q in OURS if "across-countries" not in q.tags]


@pytest.mark.parametrize("stored", ONE_COUNTRY, ids=ids(ONE_COUNTRY))
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
