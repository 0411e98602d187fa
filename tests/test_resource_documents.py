"""Each resource's own RDF files are a document a linked-data browser can use on its own:
the description, the incoming links, the labels and types of the resources it links to and
that link to it, and a header (foaf:Document, licence, void:inDataset)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, SKOS, BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, VOID

from kzgraph.release import build

ROOT = Path(__file__).parent.parent
BASE = "https://w3id.org/kzgraph/"
KZVOID = BASE + "void#"
NEIGHBOUR_PROPS = {RDF.type, RDFS.label, SKOS.prefLabel}
FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}

#: resource path -> the country subset it is in (None: shared, in the whole dataset only)
RESOURCES = {
    "id/kz/law-149-vi-2018": "kz",        # a Kazakh law
    "id/ua/factsheet": "ua",              # Ukraine's factsheet
    "id/country/kazakhstan": None,        # a country
    "vocab/document-type/law": None,      # a concept
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("documents") / "dist", root=ROOT)


@pytest.fixture(scope="module")
def whole(dist: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(dist / "kzgraph.nt", format="nt")


@pytest.fixture(scope="module")
def void(dist: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(dist / "void.ttl", format="turtle")


def document(dist: Path, path: str, ext: str) -> rdflib.Graph:
    file = dist / "site" / f"{path}.{ext}"
    if ext == "jsonld":  # offline: the context is embedded, nothing is fetched
        data = json.loads(file.read_text("utf-8"))
        assert isinstance(data["@context"], dict)
    return rdflib.Graph().parse(file, format=FORMAT[ext])


def iris(nodes: object) -> set[URIRef]:
    return {n for n in nodes if isinstance(n, URIRef)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", RESOURCES)
@pytest.mark.parametrize("ext", ["ttl", "jsonld"])
def test_a_resource_document_stands_on_its_own(dist: Path, whole: rdflib.Graph,
                                               void: rdflib.Graph, path: str,
                                               ext: str) -> None:
    g = document(dist, path, ext)
    me = URIRef(BASE + path)
    # The resource's own description is all there.
    for p, o in whole.predicate_objects(me):
        if not isinstance(o, BNode):
            assert (me, p, o) in g, (p, o)
    # Every resource linking to it, with the link, as the page lists them.
    linking = iris(whole.subjects(None, me))
    for s in linking:
        for p in whole.predicates(s, me):
            assert (s, p, me) in g, (s, p)
    linked = iris(whole.objects(me, None))
    assert linked and (linking or path.startswith("id/kz/law"))
    # Their labels and types, and nothing more of them.
    for n in (linked | linking) - {me}:
        for p in NEIGHBOUR_PROPS:
            for o in whole.objects(n, p):
                assert (n, p, o) in g, (n, p, o)
        assert {p for p, o in g.predicate_objects(n) if o != me} <= NEIGHBOUR_PROPS
    # The header: this file, about the resource, under the dataset's licence, in the dataset.
    doc = URIRef(f"{BASE}{path}.{ext}")
    assert (doc, RDF.type, FOAF.Document) in g
    assert set(g.objects(doc, FOAF.primaryTopic)) == {me}
    assert set(g.objects(doc, DCTERMS.license)) == \
        set(void.objects(URIRef(KZVOID + "kzgraph"), DCTERMS.license))
    expected = {URIRef(KZVOID + "kzgraph")}
    if RESOURCES[path]:
        expected.add(URIRef(f"{KZVOID}country-{RESOURCES[path]}"))
    assert set(g.objects(doc, VOID.inDataset)) == expected
    for dataset in expected:  # the IRIs the VoID describes
        assert (dataset, RDF.type, VOID.Dataset) in void


def test_labels_of_what_a_law_points_at(dist: Path) -> None:
    g = document(dist, "id/kz/law-149-vi-2018", "ttl")
    assert (URIRef(BASE + "vocab/document-type/law"), SKOS.prefLabel,
            Literal("law", lang="en")) in g
    assert (URIRef(BASE + "id/kz/law-on-the-assembly-of-the-people"), RDFS.label,
            Literal("Law on the Assembly of the People of Kazakhstan", lang="en")) in g
    country = document(dist, "id/country/kazakhstan", "ttl")
    assert (URIRef(BASE + "id/kz/factsheet"), RDF.type,
            URIRef(BASE + "ontology#Factsheet")) in country


def test_every_resource_file_parses_and_has_its_header(dist: Path) -> None:
    import pyoxigraph as ox

    site = dist / "site"
    stems = sorted({p.with_suffix("") for folder in ("id", "vocab")
                    for p in (site / folder).rglob("*.var")})
    assert len(stems) > 100
    for stem in stems:
        iri = BASE + stem.relative_to(site).as_posix()
        counts = set()
        for ext in FORMAT:
            file = stem.parent / f"{stem.name}.{ext}"
            triples = list(ox.parse(path=str(file), format=ox.RdfFormat.from_extension(ext)))
            header = {(t.predicate.value, t.object.value) for t in triples
                      if t.subject == ox.NamedNode(f"{iri}.{ext}")}
            assert (str(FOAF.primaryTopic), iri) in header, file
            assert (str(VOID.inDataset), KZVOID + "kzgraph") in header, file
            counts.add(len(triples))
        assert len(counts) == 1, stem  # the four formats say the same
