"""The ontology itself: documented terms, header metadata, country-agnostic vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEM = "https://w3id.org/kzgraph/ontology#"
ONTOLOGY = "https://w3id.org/kzgraph/ontology"


@pytest.fixture(scope="module")
def ontology():
    import rdflib

    graph = rdflib.Graph()
    for file in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(file)
    return graph


def test_header_has_the_metadata_a_consumer_expects(ontology):
    from rdflib import OWL, RDF, URIRef
    from rdflib.namespace import DCTERMS

    iri = URIRef(ONTOLOGY)
    assert (iri, RDF.type, OWL.Ontology) in ontology
    version = ontology.value(iri, OWL.versionIRI)
    info = ontology.value(iri, OWL.versionInfo)
    assert version is not None and str(version).endswith(f"/{info}")
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator):
        assert ontology.value(iri, prop) is not None, prop


def test_every_dem_term_has_an_english_label_and_definition(ontology):
    rows = ontology.query(
        """SELECT ?term ?kind WHERE {
             ?term a ?kind .
             FILTER (?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty))
             FILTER (STRSTARTS(STR(?term), STR(dem:)))
             FILTER NOT EXISTS { ?term rdfs:label ?l ; skos:definition ?d .
                                 FILTER (lang(?l) = "en" && lang(?d) = "en") } }""",
        initNs={"dem": DEM, "skos": "http://www.w3.org/2004/02/skos/core#"})
    assert [str(r.term) for r in rows] == []
    # and there is a real number of them: the test would pass vacuously on an empty ontology
    classes = set(ontology.subjects(predicate=None, object=None))
    assert sum(1 for t in classes if str(t).startswith(DEM)) > 60


def test_object_properties_of_dem_have_ranges_where_they_mean_something(ontology):
    from rdflib import OWL, RDF, RDFS, URIRef

    unranged = sorted(str(p) for p in ontology.subjects(RDF.type, OWL.ObjectProperty)
                      if str(p).startswith(DEM) and ontology.value(p, RDFS.range) is None)
    # Properties whose values are deliberately open (anything a finding is about, anything an
    # event led to) — every other object property has a range.
    assert unranged == [DEM + "about", DEM + "ledTo"], unranged
    assert ontology.value(URIRef(DEM + "legalBasis"), RDFS.range) == URIRef(DEM + "LegalProvision")


@pytest.mark.parametrize("folder", ["ontology", "shapes"])
def test_nothing_country_specific_in_the_model(folder):
    pattern = re.compile(r"kazakh|/id/kz/|oralman|qandas|country/[a-z]", re.IGNORECASE)
    hits = [f"{file.name}:{n}: {line.strip()}"
            for file in sorted((ROOT / folder).glob("*.ttl"))
            for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert hits == []


def test_concept_schemes_are_complete(ontology):
    from rdflib import RDF, URIRef
    from rdflib.namespace import SKOS

    for scheme in ontology.subjects(RDF.type, SKOS.ConceptScheme):
        tops = set(ontology.objects(scheme, SKOS.hasTopConcept))
        members = set(ontology.subjects(SKOS.inScheme, scheme))
        assert tops and tops == members, scheme
    dual = URIRef("https://w3id.org/kzgraph/vocab/dual-citizenship")
    assert {str(c).rsplit("/", 1)[1] for c in ontology.subjects(SKOS.inScheme, dual)} == {
        "allowed", "allowed-with-conditions", "not-allowed"}
