"""The VoID + DCAT description of a release (``void.*``): the catalogue, its data sets with
their statistics, and one distribution per file with its checksum.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kzgraph.namespaces import (
    BASE,
    DCAT,
    DCT,
    FOAF,
    OWL,
    RDF_TYPE,
    SPDX,
    VOID,
    XSD,
)
from kzgraph.release.bundle import (
    CREATOR_NAME,
    DESCRIPTION,
    FACTSHEET,
    LICENSE,
    PART_TITLES,
    PARTS,
    TITLE,
    VOID_NS,
    FileInfo,
    Release,
    example_resources,
)
from kzgraph.release.canonical import sort_triples


def _fragment(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


def void_triples(rel: Release, files: Sequence[FileInfo]) -> list[Any]:
    """The VoID + DCAT description of the release (no blank nodes: every node is an IRI in
    the kzvoid: namespace, so that it needs no canonicalisation)."""
    import pyoxigraph as ox

    N = ox.NamedNode
    out: list[Any] = []

    def lit(value: Any, dt: str | None = None, lang: str | None = None) -> Any:
        if lang:
            return ox.Literal(str(value), language=lang)
        return ox.Literal(str(value), datatype=N(dt)) if dt else ox.Literal(str(value))

    def add(s: str, p: str, o: Any) -> None:
        out.append(ox.Triple(N(s), N(p), o if not isinstance(o, str) else N(o)))

    catalog, agent = VOID_NS + "catalog", VOID_NS + "kzgraph-developers"
    datasets = {name: VOID_NS + name for name in PARTS}
    c = rel.counts

    add(agent, RDF_TYPE, FOAF + "Organization")
    add(agent, RDF_TYPE, DCT + "Agent")
    add(agent, FOAF + "name", lit(CREATOR_NAME))

    def describe(node: str, title: str, description: str) -> None:
        add(node, DCT + "title", lit(title, lang="en"))
        add(node, DCT + "description", lit(description, lang="en"))
        add(node, DCT + "issued", lit(rel.issued, XSD + "date"))
        add(node, DCT + "modified", lit(rel.modified, XSD + "date"))
        add(node, DCT + "license", LICENSE)
        add(node, DCT + "creator", agent)
        add(node, DCT + "publisher", agent)
        add(node, DCAT + "version", lit(rel.version))
        add(node, OWL + "versionInfo", lit(rel.version))

    add(catalog, RDF_TYPE, DCAT + "Catalog")
    describe(catalog, TITLE, DESCRIPTION)
    add(catalog, FOAF + "homepage", BASE)
    for name in PARTS:
        add(catalog, DCAT + "dataset", datasets[name])

    main = datasets["kzgraph"]
    for name in PARTS:
        node = datasets[name]
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, RDF_TYPE, DCAT + "Dataset")
        title = TITLE if name == "kzgraph" else f"kzgraph {name}"
        describe(node, title, DESCRIPTION if name == "kzgraph" else PART_TITLES[name])
        add(node, DCT + "source", FACTSHEET)
        add(node, VOID + "triples", lit(len(rel.part(name)), XSD + "integer"))
        add(node, VOID + "uriSpace", lit(BASE))
        if rel.endpoint and name != "shapes":
            add(node, VOID + "sparqlEndpoint", rel.endpoint)
    add(main, VOID + "subset", datasets["ontology"])
    add(main, DCAT + "landingPage", BASE)
    add(main, VOID + "rootResource", FACTSHEET)
    add(main, VOID + "entities", lit(c["entities"], XSD + "integer"))
    add(main, VOID + "distinctSubjects", lit(c["distinct_subjects"], XSD + "integer"))
    add(main, VOID + "distinctObjects", lit(c["distinct_objects"], XSD + "integer"))
    add(main, VOID + "classes", lit(len(c["classes"]), XSD + "integer"))
    add(main, VOID + "properties", lit(len(c["properties"]), XSD + "integer"))
    for iri in example_resources(rel):
        add(main, VOID + "exampleResource", iri)
    for ns in c["vocabularies"]:
        add(main, VOID + "vocabulary", ns)
    for cls, n in c["classes"].items():
        node = VOID_NS + "class-" + _fragment(rel.prefixes.curie(cls))
        add(main, VOID + "classPartition", node)
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, VOID + "class", cls)
        add(node, VOID + "entities", lit(c["class_entities"][cls], XSD + "integer"))
        add(node, VOID + "distinctSubjects", lit(n, XSD + "integer"))
    for prop, n in c["properties"].items():
        node = VOID_NS + "property-" + _fragment(rel.prefixes.curie(prop))
        add(main, VOID + "propertyPartition", node)
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, VOID + "property", prop)
        add(node, VOID + "triples", lit(n, XSD + "integer"))

    for f in files:
        if f.part not in datasets:
            continue
        dist = VOID_NS + "dist-" + _fragment(f.name)
        url = rel.download_base + f.name
        add(datasets[f.part], DCAT + "distribution", dist)
        add(datasets[f.part], VOID + "dataDump", url)
        add(dist, RDF_TYPE, DCAT + "Distribution")
        add(dist, DCT + "title", lit(f"{f.part}: {f.format_label}", lang="en"))
        add(dist, DCAT + "mediaType",
            "https://www.iana.org/assignments/media-types/" + f.media_type)
        add(dist, DCAT + "byteSize", lit(f.size, XSD + "nonNegativeInteger"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCT + "license", LICENSE)
        add(dist, DCT + "issued", lit(rel.modified, XSD + "date"))
        sum_node = dist + "-sha256"
        add(dist, SPDX + "checksum", sum_node)
        add(sum_node, RDF_TYPE, SPDX + "Checksum")
        add(sum_node, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(sum_node, SPDX + "checksumValue", lit(f.sha256, XSD + "hexBinary"))
    return sort_triples(set(out))
