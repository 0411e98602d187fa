"""Stored queries cannot leak between countries: with Kazakhstan, Ukraine and the fictional
Freedonia (tests/fixtures/second-country/, which uses every class of the ontology) in one graph,
every country-scoped stored query gives each country exactly the answer it gives with that
country's data alone — no row of another country, none lost, no unbound variable multiplying
rows — on pyoxigraph and on rdflib.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import kzgraph
from kzgraph import catalogue

ROOT = Path(__file__).resolve().parents[1]
COUNTRY = "https://w3id.org/kzgraph/id/country/"
SHARED = sorted((ROOT / "data" / "shared").glob("*.ttl"))
ONTOLOGY = sorted((ROOT / "ontology").glob("*.ttl"))
COUNTRIES = {
    "kazakhstan": sorted((ROOT / "data" / "kz").glob("*.ttl")),
    "ukraine": sorted((ROOT / "data" / "ua").glob("*.ttl")),
    "freedonia": sorted((ROOT / "tests" / "fixtures" / "second-country").glob("*.ttl")),
}
NAMESPACES = {"kazakhstan": "https://w3id.org/kzgraph/id/kz/",
              "ukraine": "https://w3id.org/kzgraph/id/ua/",
              "freedonia": "https://w3id.org/kzgraph/id/fd/"}

SCOPED = [q for q in catalogue.queries() if any(p.name == "country" for p in q.parameters)]


def _store(files: list[Path]) -> Any:
    import pyoxigraph as ox

    store = ox.Store()
    for f in files:
        store.load(path=f, format=ox.RdfFormat.TURTLE)
    return store


@functools.cache
def _together() -> Any:
    return _store([*ONTOLOGY, *SHARED, *(f for files in COUNTRIES.values() for f in files)])


@functools.cache
def _alone(country: str) -> Any:
    """The graph as it would be with this one country: its files, the ontology, and the shared
    resources without their links to the other countries' factsheets (a shared destination
    country cites every factsheet that names it)."""
    import pyoxigraph as ox

    others = tuple(ns for name, ns in NAMESPACES.items() if name != country)
    store = _store([*ONTOLOGY, *COUNTRIES[country]])
    for f in SHARED:
        store.extend(q for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
                     if not (isinstance(q.object, ox.NamedNode)
                             and q.object.value.startswith(others)))
    return store


def _rows(result: Any) -> Counter:
    """The rows as a multiset of (variable, kind, value, datatype, language) tuples."""
    return Counter(
        tuple((v, *(None,) * 4) if row.get(v) is None else
              (v, row[v].kind, row[v].value, row[v].datatype, (row[v].lang or "").lower())
              for v in result.variables)
        for row in result.rows)


def _as_rdflib(store: Any) -> Any:
    import pyoxigraph as ox
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()
                                ).decode("utf-8"), format="nt")
    return graph


@functools.cache
def _rdflib_together() -> Any:
    return _as_rdflib(_together())


@functools.cache
def _rdflib_alone(country: str) -> Any:
    return _as_rdflib(_alone(country))


def test_the_fictional_country_uses_every_class_of_the_ontology() -> None:
    import pyoxigraph as ox

    ontology = _store(ONTOLOGY)
    fictional = _store(COUNTRIES["freedonia"])
    classes = {r["c"].value for r in ontology.query(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        "PREFIX dem: <https://w3id.org/kzgraph/ontology#> "
        "SELECT ?c WHERE { ?c a owl:Class . FILTER(isIRI(?c) && STRSTARTS(STR(?c), STR(dem:))) }")}
    # Vocabulary classes (indicators, sources) are described by ontology/ and the shared data.
    classes -= {"https://w3id.org/kzgraph/ontology#Indicator",
                "https://w3id.org/kzgraph/ontology#Source"}
    used = {r["c"].value for r in fictional.query("SELECT DISTINCT ?c WHERE { ?s a ?c }")}
    assert isinstance(fictional, ox.Store)
    assert sorted(classes - used) == []


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("country", sorted(COUNTRIES))
@pytest.mark.parametrize("stored", SCOPED, ids=[q.name for q in SCOPED])
def test_each_country_gets_its_own_answer_in_a_shared_graph(
        stored: catalogue.StoredQuery, country: str, engine: str) -> None:
    iri = COUNTRY + country
    if engine == "oxigraph":
        together, alone = _together(), _alone(country)
    else:
        together, alone = _rdflib_together(), _rdflib_alone(country)
    shared = kzgraph.query(stored.name, store=together, engine=engine, country=iri)
    own = kzgraph.query(stored.name, store=alone, engine=engine, country=iri)
    assert shared.variables == own.variables
    extra = _rows(shared) - _rows(own)
    lost = _rows(own) - _rows(shared)
    assert not extra and not lost, (
        f"{stored.name} for {country}: {sum(extra.values())} rows more, "
        f"{sum(lost.values())} rows fewer with the other countries in the graph\n"
        f"more: {list(extra)[:3]}\nfewer: {list(lost)[:3]}")
