"""The stored queries: grlc decorators and parameter declarations, parsing by two parsers,
grlc-compatibility rules, and the errors of a bad catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzgraph import catalogue
from kzgraph.catalogue import StoredQuery, iter_problems
from kzgraph.errors import InputError, QueryNotFoundError, SPARQLSyntaxError
from kzgraph.querying import check_syntax

FIXTURE_QUERIES = Path(__file__).parent / "fixtures" / "query" / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"


def all_stored() -> list[StoredQuery]:
    """Every stored query: the bundled ones (queries/) and the fixture ones."""
    return catalogue.queries() + catalogue.queries(FIXTURE_QUERIES)


def ids(queries: list[StoredQuery]) -> list[str]:
    return [f"{q.path.parent.parent.name}/{q.name}" if q.path else q.name for q in queries]


STORED = all_stored()


def test_the_bundled_catalogue_is_not_empty() -> None:
    names = [q.name for q in catalogue.queries()]
    assert "countries" in names
    assert names == sorted(names)


@pytest.mark.parametrize("stored", STORED, ids=ids(STORED))
def test_each_stored_query_parses_with_pyoxigraph_and_rdflib(stored: StoredQuery) -> None:
    from rdflib.plugins.sparql import prepareQuery

    assert check_syntax(stored.text, str(stored.path)) == stored.form
    parsed = prepareQuery(stored.text)
    assert parsed.algebra.name.upper().startswith(stored.form)


@pytest.mark.parametrize("stored", STORED, ids=ids(STORED))
def test_each_stored_query_follows_the_conventions(stored: StoredQuery) -> None:
    assert list(iter_problems(stored)) == []
    assert stored.summary
    assert stored.path is not None and stored.path.stem == stored.name
    assert stored.method == "GET"


@pytest.mark.parametrize("stored", STORED, ids=ids(STORED))
def test_grlc_finds_the_same_parameters(stored: StoredQuery) -> None:
    """grlc takes the variables of rdflib's algebra ``_vars`` that match its regex, but not
    rdflib's aggregate variables ``__agg_N__``, as parameters; the catalogue must find exactly
    those. (``_vars`` lacks variables used only in BIND: grlc would not see such a parameter.)"""
    import re

    from rdflib.plugins.sparql import prepareQuery

    variables = [str(v) for v in prepareQuery(stored.text).algebra["_vars"]]
    grlc_names = {catalogue.GRLC_VARIABLE.match(v).group("name") for v in variables
                  if catalogue.GRLC_VARIABLE.match(v) and not re.match(r"__agg_\d+__", v)}
    assert {p.name for p in stored.parameters} == grlc_names


def test_decorators_of_a_stored_query() -> None:
    q = catalogue.get("emigrant-stock")
    assert q.summary.startswith("Emigrants of a country")
    assert "\n" in q.description  # a multi-line YAML block
    assert q.tags == ("statistics", "emigration")
    assert q.method == "GET" and q.endpoint_in_url is False
    assert q.ordered is True and q.form == "SELECT"
    country = q.parameter("country")
    assert (country.type, country.required, country.variable) == ("iri", False, "_country_iri")
    assert country.default == "https://w3id.org/kzgraph/id/country/kazakhstan"
    year = q.parameter("year")
    assert (year.type, year.datatype, year.required, year.default) == (
        "gYear", XSD + "gYear", False, None)
    assert year.describe() == "year: xsd:gYear (optional)"
    assert country.describe().startswith("country: iri = https://")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = "#+ summary: test\nPREFIX ex: <https://example.org/>\n"


# variable -> (name, type, datatype, lang, declared required); grlc's own reading of each.
DECLARATIONS = [
    ("?_text", ("text", "string", None, None, True)),
    ("?__text", ("text", "string", None, None, False)),
    ("?_text_string", ("text", "string", None, None, True)),
    ("?_text_literal", ("text", "string", None, None, True)),
    ("?_country_iri", ("country", "iri", None, None, True)),
    ("?_label_en", ("label", "langString", None, "en", True)),
    ("?_label_kk", ("label", "langString", None, "kk", True)),
    ("?_n_integer", ("n", "integer", XSD + "integer", None, True)),
    ("?_n_nonNegativeInteger", ("n", "integer", XSD + "nonNegativeInteger", None, True)),
    ("?_share_decimal", ("share", "decimal", XSD + "decimal", None, True)),
    ("?_ratio_double", ("ratio", "double", XSD + "double", None, True)),
    ("?_flag_boolean", ("flag", "boolean", XSD + "boolean", None, True)),
    ("?_day_date", ("day", "date", XSD + "date", None, True)),
    ("?_at_dateTime", ("at", "dateTime", XSD + "dateTime", None, True)),
    ("?_year_gYear", ("year", "gYear", XSD + "gYear", None, True)),
    ("?__year_xsd_gYear", ("year", "gYear", XSD + "gYear", None, False)),
    ("?_month_gYearMonth", ("month", "gYearMonth", XSD + "gYearMonth", None, True)),
    ("?_n_number", ("n", "number", None, None, True)),
    ("?_code_exa_code", ("code", "literal", "https://example.org/code", None, True)),
    # grlc reads a two-letter middle part as a language, before any prefix
    ("?_code_ex_code", ("code", "langString", None, "ex", True)),
]


@pytest.mark.parametrize(("variable", "expected"), DECLARATIONS,
                         ids=[d[0] for d in DECLARATIONS])
def test_parameter_declarations(tmp_path: Path, variable: str, expected: tuple) -> None:
    text = (HEAD + "PREFIX exa: <https://example.org/>\n"
            f"SELECT ?s WHERE {{ ?s ex:p {variable} }}\n")
    q = catalogue.load(write(tmp_path, "q", text))
    (p,) = q.parameters
    lang = p.lang
    assert (p.name, p.type, p.datatype, lang, p.variable.startswith("_")
            and not p.variable.startswith("__")) == expected
    assert p.required == expected[4]  # no default here


def test_a_parameter_used_twice_is_one_parameter(tmp_path: Path) -> None:
    q = catalogue.load(write(tmp_path, "q", HEAD + "SELECT ?s WHERE { ?s ex:p ?_c_iri . "
                                                   "?s ex:q ?o FILTER(?o != ?_c_iri) }"))
    assert [p.name for p in q.parameters] == ["c"]


@pytest.mark.parametrize(("text", "fragment"), [
    (HEAD + "SELECT ?s WHERE { ?s ex:p ?_c_iri . ?s ex:q ?_c }", "declared twice"),
    (HEAD + "SELECT ?s WHERE { ?s ex:p ?_c_frobnicate }", "unknown type suffix '_frobnicate'"),
    (HEAD + "SELECT ?s WHERE { ?s ex:p ?_c_nope_code }", "prefix 'nope:' is not declared"),
    ("#+ summary: x\n#+ defaults:\n#+   country: a\nSELECT ?s WHERE { ?s ?p ?_country_iri }",
     "must be a YAML list"),
    ("#+ summary: x\n#+ defaults:\n#+   - nothing: a\nSELECT ?s WHERE { ?s ?p ?_c_iri }",
     "'nothing', which is not a parameter"),
    ("#+ summary: x\n#+ defaults:\n#+   - year: 20x9\nSELECT ?s WHERE { ?s ?p ?_year_gYear }",
     "default of 'year'"),
    ("#+ summary: x\n#+ defaults:\n#+   - c: not an iri\nSELECT ?s WHERE { ?s ?p ?_c_iri }",
     "default of 'c'"),
    ("#+ summary: [unclosed\nSELECT ?s WHERE { ?s ?p ?o }", "not valid YAML"),
    ("#+ summary: x\nINSERT DATA { <a:b> <a:c> <a:d> }", "not a SPARQL query"),
])
def test_bad_declarations_are_input_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, "bad", text)
    with pytest.raises(InputError) as info:
        catalogue.load(path)
    assert fragment in info.value.message
    assert str(path) in info.value.message


def test_a_yaml_error_names_the_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad", "# comment\n#+ summary: ok\n#+ tags: [a\nSELECT * { ?s ?p ?o }")
    with pytest.raises(InputError) as info:
        catalogue.load(path)
    assert info.value.line in (3, 4)


def test_enumerate_restricts_values(tmp_path: Path) -> None:
    q = catalogue.get("labels", FIXTURE_QUERIES)
    assert q.parameter("language").enum == ("en", "kk", "ru")


def test_unknown_query_names_the_closest() -> None:
    with pytest.raises(QueryNotFoundError) as info:
        catalogue.get("contries")
    assert "closest: countries" in info.value.message
    with pytest.raises(QueryNotFoundError) as info:
        catalogue.get("zzzzzzzz")
    assert "kzgraph queries" in info.value.message
    with pytest.raises(QueryNotFoundError):
        catalogue.get("../queries/countries")


def test_problems_a_grlc_author_must_avoid(tmp_path: Path) -> None:
    projected = catalogue.load(write(tmp_path, "a", HEAD + "SELECT ?s ?_c_iri WHERE "
                                                    "{ ?s ex:p ?_c_iri }"))
    assert any("projected" in p for p in iter_problems(projected))
    sub = catalogue.load(write(tmp_path, "c", HEAD + "SELECT ?s WHERE { ?s ex:r ?x "
                                               "{ SELECT ?s WHERE { ?s ex:p ?__c_iri } } }"))
    assert any("sub-SELECT" in p for p in iter_problems(sub))
    no_default = catalogue.load(write(tmp_path, "d", HEAD + "SELECT ?s WHERE { ?s ex:p ?_c }"))
    assert any("has no default" in p for p in iter_problems(no_default))


def test_query_text_helpers() -> None:
    text = ("PREFIX ex: <https://example.org/>\n# SELECT in a comment { \n"
            "SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ex:p \"}\" ; ex:q ?b } GROUP BY ?a "
            "ORDER BY ?a")
    assert catalogue.query_form(text) == "SELECT"
    assert catalogue.projected_variables(text) == ["a", "n"]
    assert catalogue.has_order_by(text)
    assert not catalogue.has_order_by("SELECT * WHERE { { SELECT ?x WHERE { ?x ?p ?o } "
                                      "ORDER BY ?x } }")
    assert catalogue.query_form("DELETE WHERE { ?s ?p ?o }") is None
    assert catalogue.declared_prefixes(text) == {"ex": "https://example.org/"}
    construct = "CONSTRUCT { ?s ex:p ?o } WHERE { ?s ex:q ?o }"
    first, last = catalogue.where_clause(catalogue.tokens(construct))
    toks = catalogue.tokens(construct)
    assert toks[first].start == construct.index("WHERE") + 6
    assert toks[last].start == len(construct) - 1


def test_a_stored_query_with_a_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "broken", "#+ summary: broken\nSELECT ?s WHERE {\n  ?s ?p \n}\n")
    from kzgraph.querying import query

    with pytest.raises(SPARQLSyntaxError) as info:
        query("broken", folder=tmp_path)
    assert info.value.message.startswith(f"{path}:4:")
    assert "SPARQL syntax error" in info.value.message
    assert (info.value.line, info.value.file) == (4, str(path))


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_syntax_error_is_reported_at_its_place_in_the_file(tmp_path: Path,
                                                             engine: str) -> None:
    # The parameter's VALUES block goes right after the WHERE brace, on the error's line, and
    # the SERVICE clause would be refused: the syntax error still comes first, at its column
    # in the file.
    text = ("#+ summary: broken\n#+ defaults:\n#+   - thing: https://example.org/x\n"
            "SELECT ?s WHERE { ?s ?p ?_thing_iri . SERVICE <https://example.org/sparql> "
            "{ ?s ?p } }\n")
    path = write(tmp_path, "broken", text)
    from kzgraph.querying import query

    with pytest.raises(SPARQLSyntaxError) as direct:
        check_syntax(text, str(path))
    with pytest.raises(SPARQLSyntaxError) as info:
        query("broken", folder=tmp_path, engine=engine)  # type: ignore[arg-type]
    assert info.value.message == direct.value.message
    assert (info.value.file, info.value.line) == (str(path), 4)
    assert info.value.message.startswith(f"{path}:4:{direct.value.column}: SPARQL syntax error")


# -- the decoded decorators are cached across runs -------------------------------------------

CACHED_TEXT = "#+ summary: Cached\n#+ tags:\n#+   - a\nSELECT * WHERE { ?s ?p ?o }\n"


@pytest.fixture
def decorator_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KZGRAPH_CACHE", str(tmp_path))
    monkeypatch.setattr(catalogue, "_decorators", None)
    monkeypatch.setattr(catalogue, "_decorators_changed", False)
    return tmp_path / "decorators.json"


def test_decorators_are_read_from_the_cache_without_pyyaml(
        decorator_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import sys

    first = catalogue.parse(CACHED_TEXT, "q")
    catalogue.save_decorator_cache()
    saved = json.loads(decorator_cache.read_text(encoding="utf-8"))
    assert list(saved["entries"]) == [" summary: Cached\n tags:\n   - a"]

    monkeypatch.setattr(catalogue, "_decorators", None)  # as in a new process
    monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` now fails
    again = catalogue.parse(CACHED_TEXT, "q")
    assert again == first and again.tags == ("a",) and again.summary == "Cached"
    again.decorators["summary"] = "changed by a caller"
    assert catalogue.parse(CACHED_TEXT, "q").decorators["summary"] == "Cached"
    with pytest.raises(ImportError):  # an edited block is decoded again
        catalogue.parse(CACHED_TEXT.replace("Cached", "Edited"), "q")


def test_a_broken_decorator_cache_is_ignored_and_replaced(decorator_cache: Path) -> None:
    import json

    decorator_cache.write_text('{"format": 1, "entries": ', encoding="utf-8")
    assert catalogue.parse(CACHED_TEXT, "q").summary == "Cached"
    catalogue.save_decorator_cache()
    assert json.loads(decorator_cache.read_text(encoding="utf-8"))["format"] == 1


def test_values_json_would_change_are_not_cached(decorator_cache: Path) -> None:
    text = "#+ summary: Dated\n#+ issued: 2020-03-01\nSELECT * WHERE { ?s ?p ?o }\n"
    import datetime

    assert catalogue.parse(text, "q").decorators["issued"] == datetime.date(2020, 3, 1)
    catalogue.save_decorator_cache()
    assert not decorator_cache.exists()


def test_a_second_kzgraph_query_does_not_import_pyyaml(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "KZGRAPH_CACHE": str(tmp_path)}
    probe = ("import sys, kzgraph; kzgraph.query('countries'); "
             "print('yaml' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, check=True).stdout.strip() for _ in range(2)]
    assert runs == ["True", "False"]
