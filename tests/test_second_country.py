"""A second, fictional country (Freedonia, tests/fixtures/second-country/) is described with the
same ontology/ and shapes/ and data alone, and sits next to Kazakhstan in one graph without its
facts mixing with Kazakhstan's.

Validation goes through kzgraph.validation.validate; set KZGRAPH_TESTS_RAW_PYSHACL=1 to call
pyshacl directly instead.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FREEDONIA = ROOT / "tests" / "fixtures" / "second-country"
FD = "https://w3id.org/kzgraph/id/fd/"
COUNTRY = "https://w3id.org/kzgraph/id/country/"
VOCAB = "https://w3id.org/kzgraph/vocab/"
RAW_ENV = "KZGRAPH_TESTS_RAW_PYSHACL"

PREFIXES = """
PREFIX country: <https://w3id.org/kzgraph/id/country/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dem: <https://w3id.org/kzgraph/ontology#>
PREFIX indicator: <https://w3id.org/kzgraph/vocab/indicator/>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
"""

KAZAKHSTAN_STOCK = [("russia", 2559711), ("germany", 940296), ("ukraine", 224467),
                    ("belarus", 69084), ("united-states", 31199)]
FREEDONIA_STOCK = [("sylvania", 48213), ("germany", 12345), ("kazakhstan", 2021)]


def _files(*folders: Path) -> list[Path]:
    return [f for folder in folders for f in sorted(folder.rglob("*.ttl"))]


def validate_files(files: list[Path]) -> tuple[bool, list[str]]:
    """Validate ontology/ + ``files`` against shapes/: (conforms, one line per result)."""
    if not os.environ.get(RAW_ENV):
        try:
            from kzgraph.validation import validate
        except ImportError:
            pass
        else:
            report = validate(files)
            return report.conforms, [
                f"{r.focus_node} {r.source_shape} {r.constraint} {r.path}: {r.message}"
                for r in report.results]
    import pyshacl
    import rdflib

    data = _load(*_files(ROOT / "ontology"), *files)
    shapes = _load(*_files(ROOT / "shapes"))
    conforms, _report, text = pyshacl.validate(
        data, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True)
    assert isinstance(_report, rdflib.Graph), f"pyshacl could not validate: {text}"
    return bool(conforms), [text] if not conforms else []


def _load(*files: Path):
    import rdflib

    graph = rdflib.Graph()
    for file in files:
        graph.parse(file)
    return graph


@functools.cache
def _freedonia():
    return _load(*_files(FREEDONIA))


@functools.cache
def _combined():
    return _load(*_files(ROOT / "ontology", ROOT / "data", FREEDONIA))


def _rows(graph, query: str, **bindings) -> list:
    return list(graph.query(PREFIXES + query, initBindings=bindings or None))


# ------------------------------------------------------------------------------------------
# Freedonia alone
# ------------------------------------------------------------------------------------------

REQUIRED_KINDS = {  # what the second country must describe, and how many at least
    "https://w3id.org/kzgraph/ontology#Factsheet": 1,
    "https://w3id.org/kzgraph/ontology#FactsheetSection": 7,
    "https://w3id.org/kzgraph/ontology#Footnote": 3,
    "http://purl.org/linked-data/cube#Observation": 2,
    "https://w3id.org/kzgraph/ontology#PoliticalRightRecord": 1,
    "https://w3id.org/kzgraph/ontology#Term": 1,
    "https://w3id.org/kzgraph/ontology#PolicyDocument": 1,
    "https://w3id.org/kzgraph/ontology#LegalProvision": 1,
    "https://w3id.org/kzgraph/ontology#Institution": 1,
    "https://w3id.org/kzgraph/ontology#DiasporaOrganisation": 1,
    "https://w3id.org/kzgraph/ontology#Practice": 1,
    "https://w3id.org/kzgraph/ontology#Obstacle": 1,
    "https://w3id.org/kzgraph/ontology#Finding": 1,
    "https://w3id.org/kzgraph/ontology#TimelineEntry": 1,
}


def test_freedonia_describes_every_kind_of_fact():
    from rdflib import RDF, URIRef

    graph = _freedonia()
    counts = {kind: sum(1 for s in graph.subjects(RDF.type, URIRef(kind))
                        if str(s).startswith(FD)) for kind in REQUIRED_KINDS}
    short = {k.rsplit("#", 1)[-1]: (counts[k], n) for k, n in REQUIRED_KINDS.items()
             if counts[k] < n}
    assert not short, f"(found, needed): {short}"
    practice_sectors = _rows(graph, """
        SELECT ?sector WHERE { ?p a dem:Practice ; dem:sector ?sector }""")
    assert practice_sectors
    provisions = _rows(graph, """
        SELECT ?provision WHERE { ?provision a dem:LegalProvision ;
                                     <http://data.europa.eu/eli/ontology#is_part_of> ?doc .
                                  ?doc a dem:PolicyDocument }""")
    assert provisions


def test_freedonia_conforms_with_the_ontology_alone():
    conforms, results = validate_files(_files(FREEDONIA))
    assert conforms, "\n".join(results)


def test_freedonia_uses_only_terms_of_the_ontology():
    """Nothing had to be added to ontology/: every property, class and vocabulary concept the
    fixture uses is declared there (or is an RDF/RDFS/OWL built-in)."""
    from rdflib import OWL, RDF, RDFS, Literal

    ontology = _load(*_files(ROOT / "ontology"))
    kinds = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
             OWL.AnnotationProperty, RDF.Property}
    builtins = {RDF.type, RDFS.label, RDFS.comment,
                RDF.Statement, RDF.subject, RDF.predicate, RDF.object}  # reification
    undeclared = set()
    unknown_concepts = set()
    for s, p, o in _freedonia():
        terms = [p, o] if p == RDF.type else [p]
        for term in terms:
            if term not in builtins and not any((term, RDF.type, k) in ontology for k in kinds):
                undeclared.add(str(term))
        if not isinstance(o, Literal) and str(o).startswith(VOCAB) \
                and (o, RDF.type, None) not in ontology:
            unknown_concepts.add(str(o))
        assert not str(s).startswith(VOCAB), f"the fixture adds vocabulary: {s}"
    assert not undeclared, f"not declared in ontology/: {sorted(undeclared)}"
    assert not unknown_concepts, f"not in ontology/vocab.ttl: {sorted(unknown_concepts)}"


def test_freedonia_is_marked_fictional():
    from rdflib import RDFS, SKOS, URIRef

    for file in _files(FREEDONIA):
        assert file.read_text(encoding="utf-8").startswith("# FICTIONAL TEST DATA"), file.name
    graph = _freedonia()
    freedonia = URIRef(COUNTRY + "freedonia")
    for resource in (freedonia, URIRef(FD + "factsheet")):
        notes = [str(n) for p in (RDFS.comment, SKOS.editorialNote)
                 for n in graph.objects(resource, p)]
        assert any("fictional" in n.lower() for n in notes), resource
    # user-assigned ISO codes only, and no link to a real-world item
    codes = _rows(graph, """
        SELECT ?a2 ?a3 WHERE { country:freedonia dem:iso3166Alpha2 ?a2 ; dem:iso3166Alpha3 ?a3 }""")
    assert [(str(r.a2), str(r.a3)) for r in codes] == [("XF", "XFD")]
    assert not list(graph.objects(freedonia, SKOS.exactMatch))
    assert not [o for o in graph.objects() if "wikidata.org" in str(o)]
    # Freedonia's own resources live under id/fd/ (countries under id/country/)
    own = {str(s) for s in graph.subjects()
           if isinstance(s, URIRef) and not str(s).startswith(COUNTRY)}  # not interval ends
    assert own and all(s.startswith(FD) for s in own), sorted(own - {s for s in own
                                                                    if s.startswith(FD)})


# ------------------------------------------------------------------------------------------
# Freedonia next to Kazakhstan
# ------------------------------------------------------------------------------------------


def test_combined_graph_conforms():
    conforms, results = validate_files(_files(ROOT / "data", FREEDONIA))
    assert conforms, "\n".join(results)


STOCK_QUERY = """
    SELECT ?destination ?value WHERE {
        ?obs a qb:Observation ; dem:indicator indicator:emigrant-stock ;
             dem:origin ?origin ; dem:destination ?destination ; sdmx-measure:obsValue ?value .
    } ORDER BY DESC(?value)"""


@pytest.mark.parametrize(("origin", "expected"), [
    ("kazakhstan", KAZAKHSTAN_STOCK), ("freedonia", FREEDONIA_STOCK)])
def test_each_country_gets_its_own_emigrant_stock(origin: str, expected: list):
    from rdflib import URIRef

    found = _rows(_combined(), STOCK_QUERY, origin=URIRef(COUNTRY + origin))
    assert [(str(r.destination).removeprefix(COUNTRY), r.value.toPython()) for r in found] \
        == expected


@pytest.mark.parametrize(("origin", "expected"), [
    ("kazakhstan", KAZAKHSTAN_STOCK), ("freedonia", FREEDONIA_STOCK)])
def test_stored_emigrant_stock_query_keeps_countries_apart(origin: str, expected: list):
    """queries/emigrant-stock.rq (country parameter ?_country_iri) over the combined graph."""
    from rdflib import URIRef

    text = (ROOT / "queries" / "emigrant-stock.rq").read_text(encoding="utf-8")
    found = list(_combined().query(text, initBindings={"_country_iri": URIRef(COUNTRY + origin)}))
    assert [(str(r.destination).removeprefix(COUNTRY), r.emigrants.toPython())
            for r in found] == expected


def test_every_observation_is_in_the_data_set_of_its_origin():
    found = _rows(_combined(), """
        SELECT ?origin (COUNT(?obs) AS ?all) (COUNT(?owned) AS ?own) WHERE {
            ?obs a qb:Observation ; dem:origin ?origin .
            OPTIONAL { ?obs qb:dataSet/dem:country ?origin . BIND (?obs AS ?owned) }
        } GROUP BY ?origin""")
    counts = {str(r.origin).removeprefix(COUNTRY): (r["all"].toPython(), r.own.toPython())
              for r in found}
    assert set(counts) == {"kazakhstan", "ukraine", "freedonia"}
    assert counts["freedonia"] == (4, 4)
    for bundled in ("kazakhstan", "ukraine"):
        assert counts[bundled][0] >= 5
        assert counts[bundled][0] == counts[bundled][1]


def test_each_factsheet_keeps_its_own_footnotes_and_sections():
    found = _rows(_combined(), """
        SELECT ?factsheet ?country (COUNT(DISTINCT ?footnote) AS ?footnotes)
               (COUNT(DISTINCT ?section) AS ?sections) (MAX(?number) AS ?last) WHERE {
            ?factsheet a dem:Factsheet ; dem:country ?country ; dcterms:hasPart ?section .
            ?footnote a dem:Footnote ; dcterms:isPartOf ?factsheet ; dem:footnoteNumber ?number .
        } GROUP BY ?factsheet ?country""")
    summary = {str(r.country).removeprefix(COUNTRY): (r.footnotes.toPython(),
               r.sections.toPython(), r.last.toPython()) for r in found}
    assert summary == {"kazakhstan": (28, 7, 28), "ukraine": (4, 7, 4), "freedonia": (4, 7, 4)}
    # a section belongs to exactly one factsheet
    shared = _rows(_combined(), """
        SELECT ?section WHERE { ?a dcterms:hasPart ?section . ?b dcterms:hasPart ?section .
                                ?a a dem:Factsheet . ?b a dem:Factsheet . FILTER (?a != ?b) }""")
    assert shared == []


def test_shared_destination_stays_one_country():
    """Germany and Kazakhstan are described by both datasets: they merge into one resource
    with one label and one code each (the shapes' maxCount would catch a mismatch)."""
    found = _rows(_combined(), """
        SELECT ?country (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?code) AS ?codes)
        WHERE { ?country a dem:Country ; rdfs:label ?label ; dem:iso3166Alpha2 ?code .
                FILTER (?country IN (country:germany, country:kazakhstan)) }
        GROUP BY ?country""")
    assert sorted((str(r.country).removeprefix(COUNTRY), r["labels"].toPython(),
                   r.codes.toPython()) for r in found) == [
        ("germany", 1, 1), ("kazakhstan", 1, 1)]
    codes = {str(o) for o in _combined().objects(None, None)
             if re.fullmatch(r"X[A-Z]{1,2}", str(o))}
    assert codes == {"XF", "XFD", "XS", "XSY"}
