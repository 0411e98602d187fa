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


def oxigraph_term(term: Any) -> Any:
    """The pyoxigraph term for an rdflib URIRef, BNode or Literal (ValueError for a blank node
    id pyoxigraph does not accept)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = ox.NamedNode(term.datatype) if term.datatype else None
        return ox.Literal(str(term), datatype=datatype)
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))


class OxigraphMirror:
    """pyoxigraph's copy of an rdflib graph, filled from the very quads pyoxigraph parsed for
    it. Each literal is stored as rdflib holds it (rdflib normalises lexical forms: "01" as an
    xsd:integer is "1"), blank nodes keep their ids, so both hold the same triples."""

    def __init__(self) -> None:
        import pyoxigraph as ox

        self.store = ox.Store()
        self._literals: dict[Any, Any] = {}

    def add(self, quads: list[Any], rdflib_terms: dict[Any, Any]) -> None:
        """Add parsed ``quads``; ``rdflib_terms``: each of their terms -> its rdflib term."""
        import pyoxigraph as ox

        literals = self._literals
        Literal, Quad = ox.Literal, ox.Quad  # local aliases in a hot loop
        out = []
        for quad in quads:
            value = quad.object
            if type(value) is Literal:
                stored = literals.get(value)
                if stored is None:
                    stored = literals[value] = oxigraph_term(rdflib_terms[value])
                value = stored
            out.append(Quad(quad.subject, quad.predicate, value))
        self.store.bulk_extend(out)
