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
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from kzgraph.namespaces import DCT, FOAF, RDF_TYPE, RDFS, SKOS, VOID, country_prefix
from kzgraph.release.bundle import LICENSE, VOID_NS
from kzgraph.release.caches import Bounded
from kzgraph.release.canonical import triple_key
from kzgraph.release.conneg import RDF_EXTS
from kzgraph.release.serialise import JsonldForms, check_rdfxml_properties, serialise
from kzgraph.release.site_model import Model

#: What the document says of a neighbour: enough to show it by name and kind.
NEIGHBOUR_PROPS = (RDF_TYPE, RDFS + "label", SKOS + "prefLabel")


def dataset_iris(iri: str, subsets: Collection[str]) -> list[str]:
    """The VoID datasets a resource is in: the whole dataset, and its country's subset when
    the IRI is in the namespace of a country that has one (subsets: their codes)."""
    found = country_prefix(iri)
    datasets = [VOID_NS + "kzgraph"]
    if found is not None and found[0] in subsets:
        datasets.append(f"{VOID_NS}country-{found[0]}")
    return datasets


def header_said(m: Model) -> list[tuple[Any, Any]]:
    """(predicate, object) of what a document says of itself besides its datasets; None
    stands for the resource."""
    ox = m.ox
    return [(ox.NamedNode(RDF_TYPE), ox.NamedNode(FOAF + "Document")),
            (ox.NamedNode(FOAF + "primaryTopic"), None),
            (ox.NamedNode(DCT + "license"), ox.NamedNode(LICENSE))]


class Documents:
    """Writes the documents of a release's resources. Their triples are named by their
    positions in the canonical graph (the Model's subjects are runs of it), so a document's
    body is put in canonical order by sorting integers, and what is known of a graph triple
    (its prefixes, a neighbour's label triples) is found once per process, not per page."""

    def __init__(self, m: Model, subsets: Iterable[str]) -> None:
        self.m = m
        self.subsets = set(subsets)
        self.graph = m.rel.graph
        self.key = triple_key()
        self.forms = JsonldForms()  # a document's prefixes are all its triples need
        # A document's prefix declarations, by the names it needs (few sets recur).
        self._prefixes: dict[frozenset[str], dict[str, str]] = Bounded(1 << 12)
        # A neighbour's labels are in the documents of all it links to or is linked from.
        self._neighbour: dict[Any, tuple[tuple[int, ...], tuple[str, ...]]] = Bounded()
        # The subjects' N-Triples forms (IRIs, "<…>", sort before blank nodes, "_:…", as in
        # the canonical order) and where their runs start: a header's place in the graph is
        # found among the subjects, not by a sort key per triple it passes.
        self._subjects = [str(s) for s in m.out]
        self._starts = [m.span(s)[0] for s in m.out]  # type: ignore[index]
        # What every header says, made once (a NamedNode checks its IRI when made).
        self._said = header_said(m)
        self._in_dataset = m.ox.NamedNode(VOID + "inDataset")
        self._datasets: dict[str, Any] = {}
        # RDF/XML names every predicate: checked once for all documents, not per document.
        check_rdfxml_properties([*m.rel.counts["properties"], *(p.value for p, _ in self._said),
                                 self._in_dataset.value])

    def place(self, t: Any) -> int:
        """Where triple t is, or would be, in the canonical graph."""
        subject = self.m.span(t.subject)
        if subject is not None:  # among the subject's own triples
            start, end = subject
            return bisect.bisect_left(self.graph, self.key(t), start, end, key=self.key)
        at = bisect.bisect_left(self._subjects, self.key(t)[1])
        return self._starts[at] if at < len(self._starts) else len(self.graph)

    def neighbour(self, node: Any) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """The positions of node's labels and types (not those with a blank node), and the
        prefixes they need."""
        found = self._neighbour.get(node)
        if found is None:
            at: list[int] = []
            span = self.m.span(node)
            if span is not None:
                blank = self.m.ox.BlankNode
                for i, (p, o) in enumerate(self.m.out[node], span[0]):
                    if p in NEIGHBOUR_PROPS and not isinstance(o, blank):
                        at.append(i)
            found = self._neighbour[node] = (  # tuples: a worker holds one per IRI
                tuple(at), tuple(self.m.pm.names_used([self.graph[i] for i in at])))
        return found

    def body(self, term: Any, nodes: Sequence[Any]) -> tuple[set[int], set[str]]:
        """The positions of the triples of term's document (those of nodes, its incoming
        links, its neighbours' labels and types) and the prefixes they need."""
        m, graph = self.m, self.graph
        names_used = m.pm.names_used
        named = m.ox.NamedNode
        body: set[int] = set()
        used: set[str] = set()
        described: set[Any] = set()
        neighbours: set[Any] = set()
        for node in nodes:
            span = m.span(node)
            if span is not None:
                described.add(node)
                body.update(range(*span))
                used |= names_used(graph[span[0]:span[1]])
                neighbours.update(o for _p, o in m.out[node] if isinstance(o, named))
        links = [m.position(s, p, term) for s, p in m.inc.get(term, ()) if isinstance(s, named)]
        if links:
            body.update(links)
            used |= names_used([graph[i] for i in links])
            neighbours.update(graph[i].subject for i in links)
        for node in neighbours - described:
            at, prefixes = self.neighbour(node)
            body.update(at)
            used.update(prefixes)
        return body, used

    def headers(self, term: Any, body: set[int]) -> Iterator[tuple[str, list[tuple[int, Any]]]]:
        """(ext, header) of each of term's documents: the header's triples in order, each
        with its place in the graph (bisect_left: before its equal, which it is if the graph
        says it too; one the body holds is left out). The headers differ in their subject
        alone, so they are sorted once."""
        m, graph = self.m, self.graph
        ox = m.ox
        said = [(p, term if o is None else o) for p, o in self._said]
        for d in dataset_iris(term.value, self.subsets):
            node = self._datasets.get(d)
            if node is None:
                node = self._datasets[d] = ox.NamedNode(d)
            said.append((self._in_dataset, node))
        by_ext = []
        for ext in RDF_EXTS:
            doc = ox.NamedNode(f"{term.value}.{ext}")
            by_ext.append((ext, [ox.Triple(doc, p, o) for p, o in said]))
        first = by_ext[0][1]
        ranks = sorted(range(len(first)), key=lambda k: self.key(first[k]))
        for ext, unsorted in by_ext:
            triples = [unsorted[k] for k in ranks]
            doc = triples[0].subject
            if doc not in m.out:  # as usual: one place for all, among the subjects
                at = bisect.bisect_left(self._subjects, str(doc))
                at = self._starts[at] if at < len(self._starts) else len(graph)
                yield ext, [(at, t) for t in triples]
                continue
            placed = [(self.place(t), t) for t in triples]
            yield ext, [(at, t) for at, t in placed
                        if not (at < len(graph) and at in body and graph[at] == t)]

    def documents(self, term: Any, nodes: Sequence[Any]) -> Iterator[tuple[str, bytes]]:
        """(ext, bytes) of term's document in every format: the triples of nodes (term and
        the blank nodes it shows), its links and a header each, sorted as the release is."""
        pm = self.m.pm
        body, used = self.body(term, nodes)
        order = sorted(body)
        ordered = [self.graph[i] for i in order]
        headers = list(self.headers(term, body))
        # The headers differ in their subject alone: the rest's prefixes are found once.
        used |= pm.names_of({x for _at, t in headers[0][1] for x in (t.predicate, t.object)})
        for ext, header in headers:
            triples = list(ordered)
            for at, t in reversed(header):  # descending, so that earlier positions stay valid
                triples.insert(bisect.bisect_left(order, at), t)
            own = pm.split(header[0][1].subject.value, keep=False)  # the document: met once
            names = frozenset(used | {own[0]} if own else used)
            prefixes = self._prefixes.get(names)
            if prefixes is None:
                prefixes = self._prefixes[names] = {p: pm.prefixes[p] for p in sorted(names)}
            yield ext, serialise(triples, ext, pm, prefixes=prefixes, forms=self.forms,
                             checked=True)
