"""RDF terms between pyoxigraph and rdflib, the one place that maps one library's terms to the
other's (the engine-neutral :class:`~kzgraph.results.Term` converts itself, in results).

Files are parsed by pyoxigraph and validated by pySHACL on rdflib, so the store and the SHACL
engine both turn pyoxigraph terms into rdflib terms, and must do so identically.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kzgraph.namespaces import XSD_STRING

if TYPE_CHECKING:  # pragma: no cover
    import rdflib


def rdflib_term(term: Any) -> rdflib.URIRef | rdflib.BNode | rdflib.Literal:
    """The rdflib term for a pyoxigraph NamedNode, BlankNode or Literal; TypeError for an
    RDF-star triple term, which rdflib cannot hold."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    kind = type(term)
    if kind is ox.NamedNode:
        return URIRef(term.value)
    if kind is ox.BlankNode:
        return BNode(term.value)
    if kind is ox.Literal:
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)  # what rdflib's own parser gives for "..."
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"no rdflib term for {kind.__name__} (RDF-star triple terms)")
