"""A SHACL property path (sh:path and its blank-node forms) written as a SPARQL property path."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from kzgraph.namespaces import SH

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

N = TypeVar("N")


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


def nearest_owner(node: N, links: Callable[[N], Iterable[tuple[N, str]]],
                  iri: Callable[[N], str | None]) -> tuple[N | None, tuple[str, ...]]:
    """The IRI resource that refers to the blank ``node`` through the fewest links, with the
    predicates on the way (owner first); ``links(n)``: the (subject, predicate) pairs pointing
    at n; ``iri(n)``: n's IRI, None for a blank node. Among the nearest, the smallest
    (predicates, IRI): never a blank node's id, which is
    random, so every run and either engine names the same owner. (None, ()) when no IRI
    refers to it within 50 blank nodes."""
    frontier: dict[N, tuple[str, ...]] = {node: ()}
    seen = {node}
    while frontier and len(seen) <= 50:
        owners: list[tuple[tuple[str, ...], str, N]] = []
        reached: dict[N, tuple[str, ...]] = {}
        for current, via in frontier.items():
            for subject, predicate in links(current):
                way = (predicate, *via)
                name = iri(subject)
                if name is not None:
                    owners.append((way, name, subject))
                elif subject not in seen and (subject not in reached or way < reached[subject]):
                    reached[subject] = way
        if owners:
            way, _, owner = min(owners, key=lambda o: (o[0], o[1]))
            return owner, way
        seen.update(reached)
        frontier = reached
    return None, ()
