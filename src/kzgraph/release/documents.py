"""What a resource's own RDF files (``site/id/…/foo.ttl``, ``.jsonld``, ``.rdf``, ``.nt``)
say besides its description, so that each is a useful document on its own in a linked-data
browser:

* a header: the document ``{IRI}.{ext}`` (the file w3id.org serves for that IRI and
  extension) is a ``foaf:Document`` with ``foaf:primaryTopic`` the resource,
  ``dcterms:license`` the dataset's licence and ``void:inDataset`` the dataset and, for a
  resource in a country's namespace, that country's subset (the IRIs the VoID uses);
* the incoming links: every triple ``<x> p <resource>`` with ``x`` an IRI (the links the HTML
  page lists; links through a blank node are in the description of the IRI that owns it);
* for every IRI the description links to or is linked from: its ``rdfs:label``,
  ``skos:prefLabel`` and ``rdf:type``, and nothing else of it (the neighbour's full
  description is in its own document).

Only IRIs are added, so the release's content-hashed blank nodes stay as they are and the
files stay byte-identical between builds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from kzgraph.namespaces import DCT, FOAF, RDF_TYPE, RDFS, SKOS, VOID, country_prefix
from kzgraph.release.bundle import LICENSE, VOID_NS
from kzgraph.release.canonical import triple_key
from kzgraph.release.conneg import RDF_EXTS
from kzgraph.release.serialise import serialise
from kzgraph.release.site_model import Model

#: What the document says of a neighbour: enough to show it by name and kind.
NEIGHBOUR_PROPS = (RDF_TYPE, RDFS + "label", SKOS + "prefLabel")


def dataset_iris(iri: str, subsets: Iterable[str]) -> list[str]:
    """The VoID datasets a resource is in: the whole dataset, and its country's subset when
    the IRI is in the namespace of a country that has one (subsets: their codes)."""
    found = country_prefix(iri)
    datasets = [VOID_NS + "kzgraph"]
    if found is not None and found[0] in set(subsets):
        datasets.append(f"{VOID_NS}country-{found[0]}")
    return datasets


def header_triples(m: Model, term: Any, ext: str, subsets: Iterable[str]) -> list[Any]:
    """What the document ``{term}.{ext}`` says of itself."""
    ox = m.ox
    doc = ox.NamedNode(f"{term.value}.{ext}")
    out = [ox.Triple(doc, ox.NamedNode(RDF_TYPE), ox.NamedNode(FOAF + "Document")),
           ox.Triple(doc, ox.NamedNode(FOAF + "primaryTopic"), term),
           ox.Triple(doc, ox.NamedNode(DCT + "license"), ox.NamedNode(LICENSE))]
    out += [ox.Triple(doc, ox.NamedNode(VOID + "inDataset"), ox.NamedNode(d))
            for d in dataset_iris(term.value, subsets)]
    return out


def link_triples(m: Model, term: Any, description: Sequence[Any]) -> list[Any]:
    """The incoming links and neighbour labels and types of term's document (unsorted, may
    repeat triples of description)."""
    ox = m.ox
    out = []
    neighbours: set[Any] = set()
    for t in description:
        for node in (t.subject, t.object):
            if isinstance(node, ox.NamedNode):
                neighbours.add(node)
    for s, p in m.inc.get(term, ()):
        if isinstance(s, ox.NamedNode):
            out.append(ox.Triple(s, ox.NamedNode(p), term))
            neighbours.add(s)
    described = {t.subject for t in description}
    for node in neighbours - described:
        edges = m.out.get(node)
        if edges:
            out += [t for (p, o), t in zip(edges, m.triples_of(node), strict=True)
                    if p in NEIGHBOUR_PROPS and not isinstance(o, ox.BlankNode)]
    return out


def documents(m: Model, term: Any, description: Sequence[Any],
              subsets: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """(ext, bytes) of term's document in every format: the description, its links and a
    header each, sorted as the release is. The body is sorted once; each format's header
    (the one part that differs) is merged into it."""
    pm = m.pm
    key = triple_key()
    body = set(description)
    body.update(link_triples(m, term, description))
    ordered = sorted(body, key=key)
    keys = [key(t) for t in ordered]
    used = pm.used(ordered)
    for ext in RDF_EXTS:
        header = sorted((t for t in header_triples(m, term, ext, subsets) if t not in body),
                        key=key)
        triples = list(ordered)
        for t in reversed(header):  # descending, so that the earlier positions stay valid
            triples.insert(bisect.bisect_left(keys, key(t)), t)
        prefixes = dict(sorted({**used, **pm.used(header)}.items()))
        yield ext, serialise(triples, ext, pm, prefixes=prefixes)
