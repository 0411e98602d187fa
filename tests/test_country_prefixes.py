"""Result tables shorten every country's IRIs by one rule — a resource under ``id/{cc}/`` shows
as ``{cc}:`` — with no list of countries and no look at the graph; Kazakhstan's tables are as
they were."""

from __future__ import annotations

import pytest

import kzgraph
from kzgraph.namespaces import DISPLAY_PREFIXES, compact, country_namespace, country_prefix
from kzgraph.results import QueryResult, Term

ID = "https://w3id.org/kzgraph/id/"


@pytest.mark.parametrize(("iri", "shown"), [
    (ID + "kz/footnote-1", "kz:footnote-1"),
    (ID + "ua/mfa-figures", "ua:mfa-figures"),
    (ID + "fd/section-annex", "fd:section-annex"),  # any code, bundled or not
    (ID + "country/ukraine", "country:ukraine"),
    (ID + "eudif", "kzg:eudif"),
    (ID + "ua/a/b", ID + "ua/a/b"),  # not a valid local name: kept whole
    (ID + "ukr/x", ID + "ukr/x"),  # three letters: not a country namespace
    ("https://example.org/ua/x", "https://example.org/ua/x"),
])
def test_country_iris_shorten_by_rule(iri: str, shown: str) -> None:
    assert compact(iri, DISPLAY_PREFIXES) == shown


def test_no_country_is_listed_among_the_display_prefixes() -> None:
    assert not [p for p, ns in DISPLAY_PREFIXES.items() if country_prefix(ns)]
    assert country_namespace("ua") == ID + "ua/"
    with pytest.raises(ValueError):
        country_namespace("UKR")


def test_a_query_binding_the_code_elsewhere_keeps_its_meaning() -> None:
    prefixes = {**DISPLAY_PREFIXES, "ua": "http://example.org/ua#"}
    assert compact(ID + "ua/x", prefixes) == ID + "ua/x"
    assert compact("http://example.org/ua#x", prefixes) == "ua:x"


def test_tables_and_turtle_of_another_country_use_its_prefix() -> None:
    s, p = Term.iri(ID + "ua/footnote-1"), Term.iri("http://purl.org/dc/terms/isPartOf")
    graph = QueryResult("CONSTRUCT", triples=[(s, p, Term.iri(ID + "ua/factsheet"))])
    assert "@prefix ua: <https://w3id.org/kzgraph/id/ua/> ." in graph.to_turtle()
    assert "ua:footnote-1 dcterms:isPartOf ua:factsheet" in graph.to_turtle()
    assert graph.to_graph().namespace_manager.store.namespace("ua") is not None


def test_ukraines_answers_print_ua_iris() -> None:
    table = kzgraph.query("footnotes", country=ID + "country/ukraine").to_table()
    assert "ua:footnote-1" in table and ID + "ua/" not in table
    markdown = kzgraph.query("factsheet-index").to_markdown()
    assert "| kz:factsheet |" in markdown and "| ua:factsheet |" in markdown
