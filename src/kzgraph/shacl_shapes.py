"""The shapes graph read into plain objects for the native SHACL engine (kzgraph.shacl_native).

Only what the engine implements is accepted: a shapes graph using anything else (SHACL rules,
sh:closed, property pair constraints, SPARQL constraints on property shapes, ...) raises
:class:`Unsupported`, and validation then runs pySHACL, which implements all of SHACL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kzgraph.errors import InputError
from kzgraph.namespaces import RDF, SH

if TYPE_CHECKING:  # pragma: no cover
    import rdflib


class Unsupported(Exception):
    """The shapes use a feature the native engine does not implement."""


# sh: terms the engine reads; any other sh: predicate on a shape means "not implemented here".
_PARAMETERS = {
    "class", "datatype", "nodeKind", "minCount", "maxCount", "hasValue", "node", "or", "xone",
    "not", "pattern", "flags", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
    "uniqueLang", "languageIn", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
    "sparql", "in", "minLength", "maxLength",
}
_DESCRIPTIVE = {"message", "severity", "deactivated", "path", "property", "targetClass",
                "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "name",
                "description", "order", "group", "defaultValue", "declare", "prefixes",
                "entailment", "shapesGraph", "suggestedShapesGraph", "select",
                "qualifiedValueShapesDisjoint"}
_LIST_PARAMETERS = {"or", "xone", "in", "languageIn"}
#: One constraint per value of these parameters; the others take one value per shape.
_MULTI = {"class", "node", "not", "sparql", "pattern", "or", "xone", "hasValue"}


@dataclass(eq=False)
class SparqlQuery:
    """A SELECT of a SPARQL-based constraint or target, with its prefixes and messages."""

    node: Any
    text: str
    messages: list[Any] = field(default_factory=list)


@dataclass(eq=False)
class Shape:
    node: Any
    path: Any = None                     # the sh:path node (property shapes only)
    path_sparql: str | None = None       # the path as a SPARQL property path
    severity: str = SH + "Violation"
    messages: list[Any] = field(default_factory=list)
    target_classes: list[Any] = field(default_factory=list)
    target_nodes: list[Any] = field(default_factory=list)
    target_subjects_of: list[Any] = field(default_factory=list)
    target_objects_of: list[Any] = field(default_factory=list)
    sparql_targets: list[SparqlQuery] = field(default_factory=list)
    #: (parameter local name, value): sh:class C, sh:or [shapes], sh:sparql SparqlQuery ...
    constraints: list[tuple[str, Any]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.target_subjects_of
                    or self.target_objects_of or self.sparql_targets)


class ShapesGraph:
    """Every shape of an rdflib shapes graph, resolved once."""

    def __init__(self, graph: rdflib.Graph) -> None:
        from rdflib import URIRef

        self.graph = graph
        self._sh = {name: URIRef(SH + name) for name in _PARAMETERS | _DESCRIPTIVE}
        if (None, URIRef(SH + "rule"), None) in graph:
            raise Unsupported("SHACL rules")
        self._shapes: dict[Any, Shape] = {}
        self.top: list[Shape] = [self.shape(node) for node in sorted(self._shape_nodes(), key=str)
                                 if self.shape(node).has_targets]

    def _shape_nodes(self) -> set[Any]:
        from rdflib import URIRef

        g, sh, rdf_type = self.graph, self._sh, URIRef(RDF + "type")
        nodes: set[Any] = set(g.subjects(rdf_type, URIRef(SH + "NodeShape")))
        nodes |= set(g.subjects(rdf_type, URIRef(SH + "PropertyShape")))
        for name in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target"):
            nodes |= set(g.subjects(sh[name], None))
        return nodes

    def shape(self, node: Any) -> Shape:
        found = self._shapes.get(node)
        if found is None:
            found = self._shapes[node] = Shape(node)
            self._fill(found)
        return found

    def _values(self, node: Any, name: str) -> list[Any]:
        return sorted(self.graph.objects(node, self._sh[name]), key=lambda t: (type(t).__name__, t))

    def _list(self, head: Any) -> list[Any]:
        from rdflib.collection import Collection

        return list(Collection(self.graph, head))

    def _fill(self, shape: Shape) -> None:
        from rdflib import Literal, URIRef

        g, node = self.graph, shape.node
        for p in set(g.predicates(node, None)):
            name = str(p).removeprefix(SH)
            if str(p).startswith(SH) and name not in _PARAMETERS | _DESCRIPTIVE:
                raise Unsupported(f"sh:{name}")
        deactivated = self._values(node, "deactivated")
        if any(isinstance(d, Literal) and d.value is True for d in deactivated):
            raise Unsupported("sh:deactivated")
        paths = self._values(node, "path")
        if len(paths) > 1:
            raise Unsupported("a shape with two sh:path values")
        if paths:
            from kzgraph.shacl_paths import path_text

            shape.path = paths[0]
            text = path_text(g, paths[0])
            shape.path_sparql = f"<{text}>" if isinstance(paths[0], URIRef) else text
        severities = self._values(node, "severity")
        if severities:
            shape.severity = str(severities[0])
        shape.messages = self._values(node, "message")
        shape.target_classes = self._values(node, "targetClass")
        shape.target_nodes = self._values(node, "targetNode")
        shape.target_subjects_of = self._values(node, "targetSubjectsOf")
        shape.target_objects_of = self._values(node, "targetObjectsOf")
        for target in self._values(node, "target"):
            if (target, URIRef(RDF + "type"), URIRef(SH + "SPARQLTarget")) not in g:
                raise Unsupported("a custom target type")
            shape.sparql_targets.append(self._select(target))
        if (node, URIRef(RDF + "type"), URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in g:
            raise Unsupported("implicit class targets")
        for name in sorted(_PARAMETERS):
            values = self._values(node, name)
            if not values:
                continue
            if len(values) > 1 and name not in _MULTI:
                raise Unsupported(f"two values of sh:{name}")
            if name in ("qualifiedMinCount", "qualifiedMaxCount", "flags"):
                continue  # read with sh:qualifiedValueShape, sh:pattern
            for value in values:
                shape.constraints.append((name, self._parameter(shape, name, value)))
        shape.properties = [self.shape(p) for p in self._values(node, "property")]

    def _parameter(self, shape: Shape, name: str, value: Any) -> Any:
        if name in _LIST_PARAMETERS:
            items = self._list(value)
            return [self.shape(i) for i in items] if name in ("or", "xone") else items
        if name in ("node", "not"):
            return self.shape(value)
        if name == "qualifiedValueShape":
            if self._values(shape.node, "qualifiedValueShapesDisjoint"):
                raise Unsupported("sh:qualifiedValueShapesDisjoint")
            low = self._values(shape.node, "qualifiedMinCount")
            high = self._values(shape.node, "qualifiedMaxCount")
            return (self.shape(value), int(low[0]) if low else None, int(high[0]) if high else None)
        if name == "sparql":
            if shape.is_property_shape:
                raise Unsupported("SPARQL constraints on property shapes")
            return self._select(value)
        if name == "pattern":
            flags = self._values(shape.node, "flags")
            return _compile(str(value), str(flags[0]) if flags else "")
        return value

    def _select(self, node: Any) -> SparqlQuery:
        from rdflib import URIRef

        selects = list(self.graph.objects(node, URIRef(SH + "select")))
        if len(selects) != 1:
            raise Unsupported("a SPARQL target or constraint without one sh:select")
        text = str(selects[0])
        if re.search(r"\bSERVICE\b", text, re.IGNORECASE):  # pyoxigraph would call the web
            raise InputError("a SPARQL query in the shapes uses SERVICE; validation is offline",
                             hint="remove the SERVICE clause")
        if re.search(r"[$?](currentShape|shapesGraph|PATH)\b", text):
            raise Unsupported("$currentShape, $shapesGraph or $PATH in a SPARQL query")
        projection = re.search(r"SELECT\s+(.*?)\s*(WHERE\b|\{)", text, re.IGNORECASE | re.DOTALL)
        if not projection or not re.search(r"[?$]this\b", projection.group(1)):
            raise Unsupported("a SPARQL query that does not select $this")  # pyoxigraph binds
            # only projected variables
        return SparqlQuery(node, self._prefixes(node) + text,
                           sorted(self.graph.objects(node, URIRef(SH + "message"))))

    def _prefixes(self, node: Any) -> str:
        from rdflib import URIRef

        lines: dict[str, str] = {}
        for holder in self.graph.objects(node, URIRef(SH + "prefixes")):
            for declaration in self.graph.objects(holder, URIRef(SH + "declare")):
                prefix = self.graph.value(declaration, URIRef(SH + "prefix"))
                namespace = self.graph.value(declaration, URIRef(SH + "namespace"))
                if prefix is not None and namespace is not None:
                    lines[str(prefix)] = f"PREFIX {prefix}: <{namespace}>\n"
        return "".join(lines[k] for k in sorted(lines))


def _compile(pattern: str, flags: str) -> re.Pattern[str]:
    """A SPARQL REGEX pattern and flags (XPath) as a Python pattern."""
    if "q" in flags:
        pattern = re.escape(pattern)
    bits = 0
    for flag, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL),
                      ("x", re.VERBOSE)):
        if flag in flags:
            bits |= bit
    try:
        return re.compile(pattern, bits)
    except re.error as exc:
        raise Unsupported(f"sh:pattern {pattern!r} ({exc})") from None
