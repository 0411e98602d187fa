"""A SHACL property path (sh:path and its blank-node forms) written as a SPARQL property path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kzgraph.namespaces import SH

if TYPE_CHECKING:  # pragma: no cover
    import rdflib


def path_text(graph: rdflib.Graph, node: Any) -> str:
    """A SHACL path as a SPARQL property path (IRIs written <...>); an IRI path is bare."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection

    def text(n: Any, depth: int, top: bool = False) -> str:
        if isinstance(n, URIRef):
            return f"<{n}>"
        if not isinstance(n, BNode) or depth > 20:
            return str(n)
        if (n, RDF.first, None) in graph:
            sequence = "/".join(text(x, depth + 1) for x in Collection(graph, n))
            return sequence if top else f"({sequence})"
        for predicate, template in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"),
                                    ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
            target = graph.value(n, URIRef(SH + predicate))
            if target is not None:
                return template.format(text(target, depth + 1))
        alternatives = graph.value(n, URIRef(SH + "alternativePath"))
        if alternatives is not None:
            return "(" + "|".join(text(x, depth + 1) for x in Collection(graph, alternatives)) + ")"
        return "_:" + str(n)

    return str(node) if isinstance(node, URIRef) else text(node, 0, top=True)


def named_ancestor(graph: rdflib.Graph, node: Any) -> Any:
    """The nearest IRI node that (through blank nodes and lists) refers to ``node``."""
    from rdflib import BNode

    seen: set[Any] = set()
    current = node
    while isinstance(current, BNode) and current not in seen and len(seen) < 50:
        seen.add(current)
        parents = sorted(graph.subjects(None, current), key=lambda s: (isinstance(s, BNode), s))
        if not parents:
            return None
        current = parents[0]
    return None if isinstance(current, BNode) else current
