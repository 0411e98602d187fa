"""Running queries locally: parameters (types, errors, injection), both engines agreeing on
every stored query, ad-hoc SPARQL and its syntax errors, result formats, and the CLI."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kzgraph import catalogue, store
from kzgraph.catalogue import Parameter, StoredQuery
from kzgraph.errors import InputError, ParameterError, QueryNotFoundError, SPARQLSyntaxError
from kzgraph.querying import bind, convert, inject_values, query, sparql
from kzgraph.results import QueryResult, Term

pytest.register_assert_rewrite("virtuoso")  # before the import: helpful assert messages
from query_cases import FIXTURE_HOME, FIXTURE_QUERIES, fixture_cases, fixture_runs  # noqa: E402
from virtuoso import assert_same_answers  # noqa: E402

XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "https://example.org/kzgraph-test/"
KZ = "https://w3id.org/kzgraph/id/country/kazakhstan"
RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def fixture_stores() -> dict[str, Any]:
    files = sorted((FIXTURE_HOME / "data").glob("*.ttl"))
    return {"oxigraph": store.load_store(files), "rdflib": store.load_files(files)}


def fx(name: str, stores: dict[str, Any], engine: str = "oxigraph", **params: Any) -> QueryResult:
    return query(name, folder=FIXTURE_QUERIES, store=stores[engine], params=params)


# --------------------------------------------------------------------------------------------
# Both engines give the same answers to every stored query
# --------------------------------------------------------------------------------------------

BUNDLED = catalogue.queries()
FIXTURE_RUNS = fixture_runs()


@pytest.mark.parametrize("stored", BUNDLED, ids=[q.name for q in BUNDLED])
def test_bundled_query_same_on_oxigraph_and_rdflib(stored: StoredQuery) -> None:
    ox = query(stored.name)
    rl = query(stored.name, engine="rdflib")
    assert (ox.source, rl.source) == ("oxigraph", "rdflib")
    assert_same_answers(ox, rl, ordered=stored.ordered, drop_empty_rows=True)


@pytest.mark.parametrize(("stored", "params"), FIXTURE_RUNS,
                         ids=[f"{q.name}-{i}" for i, (q, _) in enumerate(FIXTURE_RUNS)])
def test_fixture_query_same_on_oxigraph_and_rdflib(stored: StoredQuery, params: dict,
                                                   fixture_stores: dict) -> None:
    ox = fx(stored.name, fixture_stores, **params)
    rl = fx(stored.name, fixture_stores, "rdflib", **params)
    assert_same_answers(ox, rl, ordered=stored.ordered, drop_empty_rows=True)


def test_every_case_names_a_fixture_query_and_its_parameters() -> None:
    # cases.json is the one list of parameter sets: a stale name would silently run nothing.
    queries = {q.name: q for q in catalogue.queries(FIXTURE_QUERIES)}
    for name, cases in fixture_cases().items():
        assert name in queries, f"cases.json: no fixture query {name}"
        declared = {p.name for p in queries[name].parameters}
        for case in cases:
            unknown = set(case) - declared
            assert not unknown, f"cases.json, {name}: {unknown} are not its parameters"


def test_answers_on_the_fixture_graph(fixture_stores: dict) -> None:
    records = fx("records", fixture_stores)
    assert sorted(r["record"].value for r in records) == [EX + "r1", EX + "r2"]
    assert [r["record"].value for r in fx("records", fixture_stores, year=2019)] == [EX + "r1"]
    assert [r["record"].value for r in fx("records", fixture_stores, flag=False)] == [EX + "r2"]
    summary = fx("country-summary", fixture_stores).to_python()
    assert summary == [{"records": 2, "total": 19, "meanAmount": pytest.approx(6.375),
                        "firstYear": 1991, "maxRatio": 1500.0, "years": 2}]
    assert bool(fx("has-country", fixture_stores)) is True
    assert bool(fx("has-country", fixture_stores, code="XX")) is False
    labels = fx("labels", fixture_stores, language="kk")
    assert [r["label"].value for r in labels] == ["Қазақстан"]
    assert labels[0]["label"].lang == "kk"
    card = fx("country-card", fixture_stores)
    assert card.form == "CONSTRUCT" and len(card) == 5


# --------------------------------------------------------------------------------------------
# Parameters: types, conversion, errors
# --------------------------------------------------------------------------------------------


def param(ptype: str, **kw: Any) -> Parameter:
    datatype = kw.pop("datatype", None)
    if datatype is None and ptype not in ("iri", "string", "langString", "number"):
        datatype = XSD + ptype
    return Parameter(name="p", variable="_p", type=ptype, required=True, datatype=datatype,
                     **kw)


GOOD = [
    ("iri", KZ, Term.iri(KZ)),
    ("iri", "country:kazakhstan", Term.iri(KZ)),  # a prefix the query declares
    ("string", 'a "b" } #', Term.literal('a "b" } #')),
    ("langString", "Astana", Term.literal("Astana", lang="en")),
    ("integer", "42", Term.literal("42", XSD + "integer")),
    ("integer", " -7 ", Term.literal("-7", XSD + "integer")),
    ("integer", 42, Term.literal("42", XSD + "integer")),
    ("decimal", "3.14", Term.literal("3.14", XSD + "decimal")),
    ("decimal", 2, Term.literal("2", XSD + "decimal")),
    ("double", "1.5e3", Term.literal("1.5e3", XSD + "double")),
    ("double", 0.5, Term.literal("0.5", XSD + "double")),
    ("boolean", "true", Term.literal("true", XSD + "boolean")),
    ("boolean", "0", Term.literal("false", XSD + "boolean")),
    ("boolean", True, Term.literal("true", XSD + "boolean")),
    ("date", "2020-03-01", Term.literal("2020-03-01", XSD + "date")),
    ("dateTime", "2020-03-01T10:00:00Z", Term.literal("2020-03-01T10:00:00Z", XSD + "dateTime")),
    ("gYear", "2019", Term.literal("2019", XSD + "gYear")),
    ("gYear", 2019, Term.literal("2019", XSD + "gYear")),
    ("gYear", 33, Term.literal("0033", XSD + "gYear")),
    ("gYearMonth", "2020-03", Term.literal("2020-03", XSD + "gYearMonth")),
    ("number", "7", Term.literal("7", XSD + "integer")),
    ("number", "7.5", Term.literal("7.5", XSD + "decimal")),
]


@pytest.mark.parametrize(("ptype", "value", "expected"), GOOD,
                         ids=[f"{t}-{v!r}" for t, v, _ in GOOD])
def test_values_convert_to_rdf_terms(ptype: str, value: Any, expected: Term) -> None:
    extra = {"lang": "en"} if ptype == "langString" else {}
    term = convert(param(ptype, **extra), value,
                   prefixes={"country": "https://w3id.org/kzgraph/id/country/"})
    assert term == expected


BAD = [
    ("iri", "kazakhstan"), ("iri", "https://x.org/a b"), ("iri", "<https://x.org/a>"),
    ("iri", "http://x> } INSERT DATA {"), ("iri", 42), ("string", 42),
    ("integer", "4.2"), ("integer", "1; DELETE"), ("integer", "12abc"), ("integer", True),
    ("decimal", "1e3"), ("decimal", "NaN"), ("double", "fast"), ("boolean", "yes"),
    ("date", "2020-02-30"), ("date", "2020-3-1"), ("dateTime", "2020-03-01 10:00"),
    ("gYear", "20x9"), ("gYear", "19"), ("gYear", "2019-01"), ("gYearMonth", "2020-13"),
    ("number", "one"),
]


@pytest.mark.parametrize(("ptype", "value"), BAD, ids=[f"{t}-{v!r}" for t, v in BAD])
def test_bad_values_name_the_parameter_and_the_type(ptype: str, value: Any) -> None:
    extra = {"lang": "en"} if ptype == "langString" else {}
    with pytest.raises(ParameterError) as info:
        convert(param(ptype, **extra), value, query="q")
    message = info.value.message
    assert message.startswith("query 'q': parameter 'p' (")
    assert repr(value if isinstance(value, str) else repr(value)) in message
    assert "\n" not in message


def test_bounded_integer_types_check_their_range() -> None:
    small = param("integer", datatype=XSD + "nonNegativeInteger")
    assert convert(small, "0").value == "0"
    with pytest.raises(ParameterError, match="out of the range of xsd:nonNegativeInteger"):
        convert(small, "-1")


def test_bind_applies_defaults_and_checks_names() -> None:
    stored = catalogue.get("records", FIXTURE_QUERIES)
    terms = bind(stored, {"year": 2019})
    assert terms == {"_country_iri": Term.iri(KZ),
                     "__year_xsd_gYear": Term.literal("2019", XSD + "gYear")}
    assert bind(stored, {"year": None}) == {"_country_iri": Term.iri(KZ)}
    with pytest.raises(ParameterError) as info:
        bind(stored, {"yaer": 2019})
    assert "has no parameter 'yaer'" in info.value.message
    assert "year (xsd:gYear)" in info.value.message and "country (iri)" in info.value.message
    with pytest.raises(ParameterError, match="takes no parameters"):
        bind(catalogue.get("notes", FIXTURE_QUERIES), {"x": 1})


def test_a_missing_required_parameter(tmp_path: Path) -> None:
    (tmp_path / "q.rq").write_text("#+ summary: q\nSELECT ?s WHERE { ?s ?p ?_thing_iri }")
    with pytest.raises(ParameterError) as info:
        query("q", folder=tmp_path)
    assert info.value.message == ("query 'q': missing required parameter 'thing' (iri: an "
                                  "absolute IRI, e.g. https://w3id.org/kzgraph/id/country/"
                                  "kazakhstan); give --param thing=VALUE")


def test_enumerated_values(fixture_stores: dict) -> None:
    with pytest.raises(ParameterError, match="not one of en, kk, ru"):
        fx("labels", fixture_stores, language="de")


def test_unknown_query_name() -> None:
    with pytest.raises(QueryNotFoundError, match="closest: countries"):
        query("countrys")


# --------------------------------------------------------------------------------------------
# Injection: a hostile value is one literal or a ParameterError, never a changed query
# --------------------------------------------------------------------------------------------

HOSTILE = [
    '"} ; DROP ALL #',
    "<http://x> } INSERT DATA { <http://x> <http://y> <http://z> }",
    "1; DELETE",
    "quote \" apostrophe ' backslash \\ newline \n carriage \r tab \t end",
    "?_x } UNION { ?s ?p ?o",
    '""" ; CLEAR DEFAULT ; """',
    "\\u0022 } # \\\" ",
    "2019\" } ; DROP ALL #",
    "https://x.org/a> } ; DROP ALL ; <b",
]
ECHO = catalogue.get("echo", FIXTURE_QUERIES)


@pytest.mark.parametrize("value", HOSTILE, ids=[f"v{i}" for i in range(len(HOSTILE))])
@pytest.mark.parametrize("p", ECHO.parameters, ids=[p.name for p in ECHO.parameters])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_injection_on_every_parameter_type(p: Parameter, value: str, engine: str,
                                           fixture_stores: dict) -> None:
    size = len(fixture_stores[engine])
    try:
        result = fx("echo", fixture_stores, engine, **{p.name: value})
    except ParameterError as exc:
        assert f"parameter '{p.name}' ({p.type_label})" in exc.message
        assert p.type not in ("string", "langString", "literal")  # text is never refused
    else:
        # The query kept its shape: one row, the same columns, the value echoed as one literal.
        assert p.type in ("string", "langString", "literal")
        assert len(result.variables) == 15
        (row,) = result.rows
        assert row[p.name].value == value and row[p.name].kind == "literal"
        assert set(row) == {p.name}
    assert len(fixture_stores[engine]) == size


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_hostile_text_matches_only_as_data(engine: str, fixture_stores: dict) -> None:
    utopia = "https://w3id.org/kzgraph/id/country/utopia"
    hit = fx("records", fixture_stores, engine, country=utopia, note='"} ; DROP ALL #')
    assert [r["record"].value for r in hit] == [EX + "r3"]
    assert bool(fx("has-country", fixture_stores, engine, code='"} ; DROP ALL #')) is False


def test_inject_values_keeps_the_text() -> None:
    stored = catalogue.get("records", FIXTURE_QUERIES)
    terms = bind(stored, {"note": 'a "} b\nc', "year": "2019"})
    text = inject_values(stored.text, terms)
    where = stored.text.index("WHERE {") + len("WHERE {")
    block = text[where:len(text) - (len(stored.text) - where)]
    assert text[:where] == stored.text[:where] and text.endswith(stored.text[where:])
    assert block == (" VALUES ?_country_iri { <https://w3id.org/kzgraph/id/country/kazakhstan> }"
                     ' VALUES ?__note { "a \\"} b\\nc" }'
                     ' VALUES ?__year_xsd_gYear { "2019"^^<http://www.w3.org/2001/XMLSchema#gYear>'
                     " } ")
    assert text.count("\n") == stored.text.count("\n")  # positions stay those of the file


def test_inject_values_skips_a_construct_template() -> None:
    stored = catalogue.get("country-card", FIXTURE_QUERIES)
    text = inject_values(stored.text, bind(stored, {}))
    template, where = text.split("WHERE", 1)
    assert "VALUES" not in template and where.lstrip().startswith("{ VALUES ?_country_iri")


def test_inject_values_refuses_what_it_cannot_bind() -> None:
    one = {"_x": Term.iri("https://x.org/")}
    with pytest.raises(ParameterError, match="sub-SELECT"):
        inject_values("SELECT * WHERE { SELECT ?s WHERE { ?s ?p ?_x } }", one)
    with pytest.raises(ParameterError, match="no WHERE"):
        inject_values("CONSTRUCT WHERE { ?s ?p ?_x }", one)
    with pytest.raises(ValueError):  # pyoxigraph refuses to write an invalid IRI
        inject_values("SELECT * WHERE { ?s ?p ?_x }", {"_x": Term.iri("x> } INSERT {")})


def test_inject_values_reaches_a_subselect_that_uses_the_parameter() -> None:
    """A parameter is one value wherever it is written (grlc's substitution, rdflib's
    initBindings): a sub-SELECT using it gets its own VALUES, nested ones too."""
    one = {"_x": Term.iri("https://x.org/")}
    block = "VALUES ?_x { <https://x.org/> }"
    text = inject_values("SELECT ?s WHERE { ?s ?p ?_x { SELECT ?s (COUNT(*) AS ?n) WHERE "
                         "{ ?s ?q ?_x } GROUP BY ?s } }", one)
    assert text == (f"SELECT ?s WHERE {{ {block}  ?s ?p ?_x {{ SELECT ?s (COUNT(*) AS ?n) "
                    f"WHERE {{ {block}  ?s ?q ?_x }} GROUP BY ?s }} }}")
    nested = inject_values("SELECT ?s WHERE { ?s ?p ?_x { SELECT ?s WHERE { ?s ?q ?o "
                           "{ SELECT ?o WHERE { ?o ?r ?_x } } } } }", one)
    assert nested.count(block) == 2 and f"{{ SELECT ?o WHERE {{ {block}" in nested


@pytest.mark.parametrize("subselect", [
    "SELECT ?s ?_x WHERE { ?s ?q ?_x }",               # projected: joined with the outer VALUES
    "SELECT * WHERE { ?s ?q ?_x }",                    # projected by *
    "SELECT ?s (?o AS ?_x) WHERE { ?s ?q ?o }",        # a value of its own
    "SELECT ?s WHERE { ?s ?q ?o BIND(?o AS ?_x) }",
    "SELECT ?s WHERE { VALUES ?_x { 1 } ?s ?q ?_x }",
    "SELECT ?s WHERE { ?s ?q ?o }",                    # not used
])
def test_inject_values_leaves_a_subselect_where_the_name_is_not_the_parameter(
        subselect: str) -> None:
    text = inject_values(f"SELECT ?s WHERE {{ ?s ?p ?_x {{ {subselect} }} }}",
                         {"_x": Term.iri("https://x.org/")})
    assert text.count("VALUES ?_x { <https://x.org/> }") == 1
    assert text.endswith(f"?s ?p ?_x {{ {subselect} }} }}")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_parameter_in_a_subselect_means_the_same_on_both_engines(engine: str) -> None:
    data = ("<https://x.org/s> <https://x.org/p> <https://x.org/a> , <https://x.org/b> .\n"
            "<https://x.org/t> <https://x.org/p> <https://x.org/b> .\n")
    text = ("SELECT ?s ?n WHERE { ?s <https://x.org/p> ?_v { SELECT ?s (COUNT(*) AS ?n) "
            "WHERE { ?s <https://x.org/p> ?_v } GROUP BY ?s } } ORDER BY ?s")
    if engine == "oxigraph":
        import pyoxigraph
        store = pyoxigraph.Store()
        store.load(data.encode(), pyoxigraph.RdfFormat.TURTLE)
        rows = [(r["s"].value, r["n"].value)
                for r in store.query(inject_values(text, {"_v": Term.iri("https://x.org/a")}))]
    else:
        import rdflib
        graph = rdflib.Graph().parse(data=data, format="turtle")
        rows = [(str(r[0]), str(r[1])) for r in
                graph.query(text, initBindings={"_v": rdflib.URIRef("https://x.org/a")})]
    assert rows == [("https://x.org/s", "1")]  # not 2: the sub-SELECT counts ?_v = a only


# --------------------------------------------------------------------------------------------
# Ad-hoc SPARQL and syntax errors
# --------------------------------------------------------------------------------------------


def test_adhoc_queries_of_every_form() -> None:
    rows = sparql("PREFIX dem: <https://w3id.org/kzgraph/ontology#>\n"
                  "SELECT ?c WHERE { ?c a dem:Country } ORDER BY ?c")
    assert KZ in [r["c"].value for r in rows]
    assert sparql("ASK { ?s ?p ?o }").boolean is True
    graph = sparql("CONSTRUCT { ?s a <https://x.org/C> } WHERE { ?s a ?t } LIMIT 3")
    assert graph.is_graph and len(graph) == 3
    assert sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2", engine="rdflib").source == "rdflib"


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("SELECT ?x WHERE { ?x ?p }", 1, "SPARQL syntax error"),
    ("PREFIX a: <https://x.org/>\nSELECT ?x WHERE {\n  ?x a:p ?o .\n  FILTER(\n}", 5,
     "SPARQL syntax error"),
    ("PREFIX a: <https://x.org/>\nSELECT * WHERE {\n  ?s b:c ?o }", 3, "undeclared prefix 'b:'"),
    ("DROP ALL", 1, "not a SPARQL query"),
    ("INSERT DATA { <http://x> <http://y> <http://z> }", 1, "not a SPARQL query"),
])
def test_syntax_errors_give_message_and_position(text: str, line: int, fragment: str) -> None:
    with pytest.raises(SPARQLSyntaxError) as info:
        sparql(text)
    err = info.value
    assert err.line == line and isinstance(err.column, int)
    assert err.message.startswith(f"query:{line}:{err.column}: ")
    assert fragment in err.message and "\n" not in err.message


def test_rdflib_engine_reports_the_same_syntax_errors() -> None:
    with pytest.raises(SPARQLSyntaxError, match=r"^query:1:\d+: SPARQL syntax error"):
        sparql("SELECT ?x WHERE { ?x ?p }", engine="rdflib")


def test_arguments_that_do_not_fit() -> None:
    with pytest.raises(InputError, match="unknown engine"):
        sparql("ASK {}", engine="jena")
    with pytest.raises(InputError, match="not both"):
        sparql("ASK {}", "http://127.0.0.1:9/sparql", engine="rdflib")
    with pytest.raises(InputError, match="default_graph is for remote"):
        sparql("ASK {}", default_graph="https://x.org/g")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def test_json_is_sparql_results_json(fixture_stores: dict) -> None:
    result = fx("records", fixture_stores, year=1991)
    doc = json.loads(result.to_json())
    assert doc["head"] == {"vars": ["record", "label", "count", "amount", "ratio", "flag", "day",
                                    "moment", "year", "month", "note", "code"]}
    (b,) = doc["results"]["bindings"]
    assert b["record"] == {"type": "uri", "value": EX + "r2"}
    assert b["label"] == {"type": "literal", "value": "Second record", "xml:lang": "en"}
    assert b["count"] == {"type": "literal", "value": "7", "datatype": XSD + "integer"}
    assert b["note"] == {"type": "literal", "value": 'He said "hi"\nthen left \\ a backslash'}
    assert "code" not in b  # unbound
    assert set(doc) == {"head", "results"}
    assert json.loads(fx("has-country", fixture_stores).to_json()) == {"head": {},
                                                                        "boolean": True}
    with pytest.raises(InputError, match="is a graph"):
        fx("country-card", fixture_stores).to_json()


def test_json_round_trip_through_term_from_json(fixture_stores: dict) -> None:
    result = fx("notes", fixture_stores)
    doc = json.loads(result.to_json())
    back = [{k: Term.from_json(v) for k, v in b.items()} for b in doc["results"]["bindings"]]
    assert back == result.rows
    assert Term.from_json({"type": "typed-literal", "value": "1",
                           "datatype": XSD + "integer"}) == Term.literal("1", XSD + "integer")
    assert Term.from_json({"type": "literal", "value": "x",
                           "datatype": XSD + "string"}) == Term.literal("x")


def test_csv_is_sparql_results_csv(fixture_stores: dict) -> None:
    text = fx("notes", fixture_stores).to_csv()
    import csv

    lines = text.split("\r\n")
    assert lines[0] == "record,note,period,begins,text,codeType"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_record = {r["record"]: r for r in rows}
    assert by_record[EX + "r2"]["note"] == 'He said "hi"\nthen left \\ a backslash'
    assert by_record[EX + "r2"]["period"].startswith("_:")
    assert by_record[EX + "r4"]["note"] == ""
    assert by_record[EX + "r1"]["codeType"] == EX + "code"


def test_tables(fixture_stores: dict) -> None:
    result = fx("records", fixture_stores, year=1991)
    table = result.to_table()
    assert table.splitlines()[0].split() == result.variables
    assert "(1 row)" in table and "\n" not in table.splitlines()[2]
    markdown = fx("notes", fixture_stores).to_markdown()
    assert markdown.startswith("| record | note | period |")
    assert 'He said "hi"<br>then left \\\\ a backslash' in markdown
    assert "| ex:r1 |" in markdown  # IRIs shortened with the query's own prefixes
    assert fx("labels", fixture_stores).to_markdown().splitlines()[2].startswith("| Қазақстан")
    assert str(fx("has-country", fixture_stores)).splitlines()[2] == "true"


def test_dataframe_has_typed_columns(fixture_stores: dict) -> None:
    import pandas as pd

    df = fx("records", fixture_stores).to_dataframe().sort_values("count").reset_index(drop=True)
    # datetime64's unit (ns, us) depends on the pandas version
    dtypes = {k: re.sub(r"\[\w+(, (\w+))?\]", r" \2", str(v)).strip() if str(v).startswith(
        "datetime64") else str(v) for k, v in df.dtypes.items()}
    assert dtypes == {"record": "string", "label": "string", "count": "Int64",
                      "amount": "Float64", "ratio": "Float64", "flag": "boolean",
                      "day": "datetime64", "moment": "datetime64 UTC",
                      "year": "Int64", "month": "period[M]", "note": "string",
                      "code": "string"}
    assert df["count"].tolist() == [7, 12]
    assert df["amount"].tolist() == [0.25, 12.5]
    assert df["year"].tolist() == [1991, 2019]
    assert df["day"][0] == pd.Timestamp("1991-12-16")
    assert df["moment"][1] == pd.Timestamp("2023-12-01T10:30:00Z")
    assert str(df["month"][0]) == "1991-12"
    assert df["code"].isna().tolist() == [True, False]
    assert df["record"][0] == EX + "r2"
    summary = fx("country-summary", fixture_stores).to_dataframe()
    assert str(summary["meanAmount"].dtype) == "Float64" and summary["records"][0] == 2
    assert fx("has-country", fixture_stores).to_dataframe()["boolean"].tolist() == [True]
    card = fx("country-card", fixture_stores).to_dataframe()
    assert list(card.columns) == ["subject", "predicate", "object"] and len(card) == 5


def test_graph_results(fixture_stores: dict) -> None:
    card = fx("country-card", fixture_stores)
    turtle = card.to_turtle()
    import pyoxigraph as ox

    assert len(list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == 5
    assert len(card.to_graph()) == 5
    assert card.to_ntriples().count("\n") == 5
    with pytest.raises(InputError):
        fx("records", fixture_stores).to_turtle()


def test_result_protocol(fixture_stores: dict) -> None:
    result = fx("records", fixture_stores)
    assert len(result) == 2 and len(list(result)) == 2 and result[0] is result.rows[0]
    assert bool(result) and not bool(fx("records", fixture_stores, year=1800))
    assert "SELECT 2 rows" in repr(result)
    assert fx("has-country", fixture_stores, code="XX").boolean is False


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fixture_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's bundled graph and queries are those of tests/fixtures/query."""
    monkeypatch.setenv("KZGRAPH_HOME", str(FIXTURE_HOME))
    store.oxigraph_store.cache_clear()
    store.graph.cache_clear()
    yield FIXTURE_HOME
    store.oxigraph_store.cache_clear()
    store.graph.cache_clear()


def test_cli_lists_the_queries(run_cli: RunCli, fixture_home: Path) -> None:
    code, out, _ = run_cli("queries")
    assert code == 0
    assert "records " in out and "Records of a country" in out
    assert "--param country: iri = https://w3id.org/kzgraph/id/country/kazakhstan" in out
    assert "--param year: xsd:gYear (optional)" in out
    code, out, _ = run_cli("queries", "--format", "json")
    doc = {q["name"]: q for q in json.loads(out)}
    assert doc["labels"]["parameters"][1] == {"name": "language", "type": "string",
                                              "required": False, "default": "kk",
                                              "variable": "?_language"}


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_cli_query_formats(run_cli: RunCli, fixture_home: Path, fmt: str) -> None:
    code, out, err = run_cli("query", "records", "--param", "year=1991", "--format", fmt)
    assert (code, err) == (0, "")
    assert "Second record" in out and "First record" not in out
    if fmt == "json":
        assert json.loads(out)["results"]["bindings"][0]["count"]["value"] == "7"


def test_cli_query_with_rdflib_and_turtle(run_cli: RunCli, fixture_home: Path) -> None:
    code, out, _ = run_cli("query", "country-card", "-f", "turtle", "--engine", "rdflib")
    assert code == 0 and "schema:Country" in out
    code, _, err = run_cli("query", "country-card", "-f", "json")
    assert code == 2 and "is a graph" in err


@pytest.mark.parametrize(("args", "fragment"), [
    (("query", "recrods"), "unknown query 'recrods'; closest: records"),
    (("query", "records", "--param", "year=20x9"),
     "parameter 'year' (xsd:gYear): '20x9' is not a year"),
    (("query", "records", "--param", "yaer=2019"), "has no parameter 'yaer'; its parameters:"),
    (("query", "records", "--param", "year"), "expected KEY=VALUE"),
    (("query", "records", "-p", "year=2019", "-p", "year=2020"), "given twice"),
    (("query", "records", "-p", "country=not an iri"), "is not an absolute IRI"),
    (("query", "has-country", "-f", "turtle"), "for CONSTRUCT / DESCRIBE"),
])
def test_cli_errors_exit_2_with_one_line(run_cli: RunCli, fixture_home: Path,
                                         args: tuple[str, ...], fragment: str) -> None:
    code, out, err = run_cli(*args)
    assert code == 2 and out == ""
    assert fragment in err
    assert err.count("\n") == 1 and err.startswith(f"kzgraph {args[0]}: error: ")


def test_cli_sparql_from_stdin_and_file(run_cli: RunCli, fixture_home: Path,
                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("ASK { ?s ?p ?o }"))
    assert run_cli("sparql", "-")[:2] == (0, "boolean\n-------\ntrue\n")
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x\nWHERE { ?x ?p }\n")
    code, out, err = run_cli("sparql", bad)
    assert code == 2 and re.match(rf"kzgraph sparql: error: {re.escape(str(bad))}:\d+:\d+: "
                                  "SPARQL syntax error", err)
    assert err.count("\n") == 1
    code, _, err = run_cli("sparql", tmp_path / "missing.rq")
    assert code == 2 and "cannot read the query" in err
    good = tmp_path / "good.rq"
    good.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    code, out, _ = run_cli("sparql", good, "--format", "csv")
    assert code == 0 and out.startswith("n\r\n")


def test_cli_query_path_imports_neither_rdflib_nor_pandas(tmp_path: Path) -> None:
    """`kzgraph query` on the local graph stays light: no rdflib, no pandas (a cold start)."""
    env = {**__import__("os").environ, "KZGRAPH_CACHE": str(tmp_path)}
    for _ in range(2):  # the first run builds the on-disk store, the second opens it
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "kzgraph", "query", "countries",
             "--format", "csv"], capture_output=True, env=env, check=False)
        stderr = done.stderr.decode()
        assert done.returncode == 0, stderr[-2000:]
        imported = {line.split("|")[-1].strip() for line in stderr.splitlines()
                    if line.startswith("import time:")}
        assert "pyoxigraph" in imported
        assert not {m for m in imported if m.split(".")[0] in ("rdflib", "pandas", "pyshacl")}
    assert done.stdout.startswith(b"country,label,alpha2,alpha3,wikidata\r\n")


# Runs the CLI as `python -m kzgraph` does, then lists sys.modules (-X importtime does not see
# the modules imported through importlib, as the CLI imports its commands).
_MODULES_AFTER = """
import runpy, sys
listing, sys.argv = sys.argv[1], ["kzgraph", *sys.argv[2:]]
try:
    runpy.run_module("kzgraph", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    assert not exc.code, exc.code
with open(listing, "w", encoding="utf-8") as out:
    out.write("\\n".join(sys.modules))
"""


def _modules_after(code: str, args: list[str], env: dict[str, str], listing: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code, str(listing), *args],
                          capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return set(listing.read_text(encoding="utf-8").split("\n"))


def test_a_cli_query_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Once its decorators are cached, `kzgraph query` imports neither PyYAML, nor the other
    commands' modules, nor the standard modules only other paths use (dataclasses brings
    inspect, ast and dis): nothing of them beyond what the interpreter starts with."""
    env = {**__import__("os").environ, "KZGRAPH_CACHE": str(tmp_path / "cache")}
    listing = tmp_path / "modules.txt"
    started_with = _modules_after(
        "import sys, pyoxigraph, argparse, csv, signal, threading\n"
        "open(sys.argv[1], 'w', encoding='utf-8').write('\\n'.join(sys.modules))", [], env,
        listing)
    command = ["query", "top-destinations", "--format", "csv"]
    first = _modules_after(_MODULES_AFTER, command, env, listing)
    assert "yaml" in first | started_with  # the decorators are decoded once, then cached
    imported = _modules_after(_MODULES_AFTER, command, env, listing)
    assert {"kzgraph.querying", "kzgraph.cli.query", "pyoxigraph"} <= imported
    needless = {"yaml", "dataclasses", "inspect", "decimal", "datetime", "difflib", "rdflib",
                "pandas", "pyshacl", "SPARQLWrapper", "kzgraph.cli.validate",
                "kzgraph.cli.build", "kzgraph.cli.factsheet", "kzgraph.cli.new_country",
                "kzgraph.validation", "kzgraph.remote", "kzgraph.release"}
    assert (imported & needless) - started_with == set()
