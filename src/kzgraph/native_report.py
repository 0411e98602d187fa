"""The native engine's results written as a validation report's results: the same fields, texts
and messages pySHACL's report gives (kzgraph.validation turns either into ValidationResults).

Only the few result nodes are converted to rdflib terms. Messages a shape does not give are
pySHACL's generic ones, made with pySHACL's own stringify_node (imported only then), so the two
engines print the same report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from kzgraph.file_store import FileStore
from kzgraph.namespaces import RDFS, SH, SKOS
from kzgraph.shacl_native import NativeEngine, RawResult
from kzgraph.shacl_paths import named_ancestor, nearest_owner, path_text
from kzgraph.store import node_key

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

_LABELS = (RDFS + "label", SKOS + "prefLabel")


class NativeReport:
    """Converts :class:`RawResult` objects into the keyword arguments of a ValidationResult."""

    def __init__(self, engine: NativeEngine, files: FileStore, prefixes: list[tuple[str, str]]):
        self.engine = engine
        self.files = files
        self.shapes = engine.shapes.graph
        self._prefixes = prefixes
        self._data: rdflib.Graph | None = None
        self._described: set[Any] = set()

    def results(self, raw: list[RawResult]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        rows, labels = [], {}
        for r in raw:
            focus = self.written(r.focus, r.focus)
            owner, via = self.owner(r.focus)
            resource = node_key(owner)
            if resource not in labels and not resource.startswith("_:"):
                label = self.label(owner)
                if label:
                    labels[resource] = label
            files = self.files.files_of(r.focus) or (self.files.files_of(self.engine.ox(owner))
                                                     if owner != focus else ())
            value = self.written(r.value, r.focus) if r.value is not None else None
            shape = r.shape.node
            if type(shape).__name__ == "BNode":
                shape = named_ancestor(self.shapes, shape)
            rows.append({
                "resource": resource, "focus_node": node_key(focus),
                "path": self._path(r.path), "value": _value_text(value),
                "message": self.message(r), "severity": r.shape.severity.removeprefix(SH),
                "source_shape": str(shape) if shape is not None else None,
                "constraint": r.component, "files": files, "via": via,
                "details": self._details(r)})
        return rows, labels

    def written(self, term: Any, focus: Any) -> Any:
        """The rdflib term for ``term`` as the data writes it (see FileStore.as_written)."""
        return self.engine.rdf(self.files.as_written(term, focus))

    def _path(self, path: Any) -> str | None:
        if path is None:
            return None
        if hasattr(path, "n3"):  # an rdflib node of the shapes graph
            return path_text(self.shapes, path)
        return str(path.value)  # a data IRI bound to ?path by a SPARQL constraint

    def owner(self, focus: Any) -> tuple[Any, tuple[str, ...]]:
        """For a blank node: the IRI resource linking to it and the predicates on the way
        (as kzgraph.validation does on an rdflib graph)."""
        import pyoxigraph as ox

        if not isinstance(focus, ox.BlankNode):
            return self.written(focus, focus), ()

        def links(node: Any) -> Iterator[tuple[Any, str]]:
            for q in self.files.store.quads_for_pattern(None, None, node, None):
                yield q.subject, q.predicate.value

        def iri(node: Any) -> str | None:
            return None if isinstance(node, ox.BlankNode) else node.value

        owner, via = nearest_owner(focus, links, iri)
        if owner is None:
            return self.engine.rdf(focus), ()
        return self.written(owner, owner), via

    def label(self, node: Any) -> str | None:
        import pyoxigraph as ox

        subject = self.engine.ox(node)
        if not isinstance(subject, ox.NamedNode):
            return None
        best: tuple[int, str] | None = None
        for rank, predicate in enumerate(_LABELS):
            for q in self.files.store.quads_for_pattern(subject, ox.NamedNode(predicate), None,
                                                        None):
                literal: Any = q.object
                language = getattr(literal, "language", None)
                score = rank * 3 + (0 if language in ("en", None) else 1 if language else 2)
                if best is None or (score, literal.value) < best:
                    best = (score, literal.value)
        return best[1] if best else None

    def _details(self, r: RawResult) -> tuple[tuple[str | None, str], ...]:
        found: set[tuple[str, str]] = set()
        pending = list(r.details)
        while pending:
            detail = pending.pop()
            found.add((self._path(detail.path) or "", self.message(detail)))
            pending.extend(detail.details)
        return tuple((path or None, message) for path, message in sorted(found))

    def message(self, r: RawResult) -> str:
        messages = [self._format(str(m), r) for m in r.messages]
        languages = [getattr(m, "language", None) for m in r.messages]
        if messages:
            return sorted(zip(messages, languages, strict=True),
                          key=lambda ml: (ml[1] not in ("en", None), ml[0]))[0][0]
        return self._generic(r)

    def _format(self, text: str, r: RawResult) -> str:
        """pySHACL's substitution of {?var} and {$var} in a SPARQL-based result's message."""
        for var, val in (r.bindings or {}).items():
            shown = str(self.written(val, r.focus))
            text = re.sub("{[?$]" + re.escape(var) + "}", _literally(shown), text)
        return text

    # -- pySHACL's generic messages ------------------------------------------------------------

    def _data_graph(self, *nodes: Any) -> rdflib.Graph:
        """An rdflib graph with the data's prefixes and the triples of the blank nodes that a
        message writes out."""
        import rdflib

        if self._data is None:
            self._data = rdflib.Graph()
            bound = {str(ns) for _, ns in self._data.namespaces()}
            for prefix, namespace in self._prefixes:
                if namespace not in bound:
                    self._data.bind(prefix, rdflib.URIRef(namespace), override=False)
        import pyoxigraph as ox

        pending = [n for n in nodes if isinstance(n, ox.BlankNode)]
        while pending:
            node = pending.pop()
            if node in self._described:
                continue
            self._described.add(node)
            for q in self.files.store.quads_for_pattern(node, None, None, None):
                self._data.add((self.engine.rdf(q.subject), self.engine.rdf(q.predicate),
                                self.written(q.object, q.subject)))
                if isinstance(q.object, ox.BlankNode):
                    pending.append(q.object)
        return self._data

    def _generic(self, r: RawResult) -> str:
        from pyshacl.rdfutil.stringify import stringify_node

        data = self._data_graph(r.focus, r.value)
        sg = self.shapes

        def s(node: Any) -> str:
            return stringify_node(sg, node)

        def d(node: Any) -> str:
            return stringify_node(data, self.written(node, r.focus))

        name = r.component.removeprefix(SH).removesuffix("ConstraintComponent")
        p = s(r.shape.path) if r.shape.path is not None else None
        parameter = r.parameter
        on = f"{d(r.focus)}->{p}" if p else d(r.focus)
        if name in ("MinCount", "MaxCount"):
            word = "Less" if name == "MinCount" else "More"
            return f"{word} than {parameter.value} values on {on}"
        if name == "HasValue":
            the_set = [s(v) for k, v in r.shape.constraints if k == "hasValue"]
            return (f"Node {on} does not contain a value in the set: {the_set}" if p else
                    f"Node {on} value is not a in the set of values: {the_set}")
        simple = {"Class": "Value does not have class {}",
                  "Datatype": "Value is not Literal with datatype {}",
                  "NodeKind": "Value is not of Node Kind {}", "MinInclusive": "Value is not >= {}",
                  "MaxInclusive": "Value is not <= {}", "MinExclusive": "Value is not > {}",
                  "MaxExclusive": "Value is not < {}", "MinLength": "String length not >= {}",
                  "MaxLength": "String length not <= {}"}
        if name in simple:
            return simple[name].format(s(parameter))
        if name == "Node":
            return (f"Value does not conform to Shape {s(parameter.node)}. "
                    "See details for more information.")
        if name == "Pattern":
            patterns = [str(v) for v in sg.objects(r.shape.node, _sh("pattern"))]
            if len(patterns) < 2:
                return f"Value does not match pattern '{patterns[0]}'"
            return "Value does not match every pattern in ('{}')".format("', '".join(patterns))
        if name == "UniqueLang":
            return "More than one String shares the same Language"
        if name == "LanguageIn":
            head = next(iter(sg.objects(r.shape.node, _sh("languageIn"))))
            return f"String language is not in {s(head)}"
        if name in ("Or", "Xone"):
            heads = list(sg.objects(r.shape.node, _sh(name.lower())))
            groups = [" , ".join(s(item) for item in sg.items(h)) for h in heads]
            joined = groups[0] if len(groups) < 2 else " and ".join(f"({g})" for g in groups)
            verb = "one or more shapes" if name == "Or" else "exactly one shape"
            return f"Node {d(r.value)} must conform to {verb} in {joined}"
        if name == "Not":
            nots = [v for k, v in r.shape.constraints if k == "not"]
            if len(nots) == 1:
                return f"Node {d(r.value)} must not conform to shape {s(nots[0].node)}"
            return (f"Node {d(r.value)} must not conform to any shapes in "
                    + " , ".join(s(n.node) for n in nots))
        if name in ("QualifiedMinCount", "QualifiedMaxCount"):
            member, low, high = next(v for k, v in r.shape.constraints
                                     if k == "qualifiedValueShape")
            counts = (f" MinCount {low}" if low is not None else "") + (
                f" MaxCount {high}" if high is not None else "")
            return f"Focus node does not conform to shape{counts}: {s(member.node)}"
        if name == "In":
            return f"Value {d(r.value)} not in list {[s(v) for v in parameter]}"
        return "(no message)"


def _literally(text: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement inserting ``text`` as is (no backslash escapes)."""
    return lambda _match: text


def _value_text(value: Any) -> str | None:
    if value is None:
        return None
    return node_key(value) if type(value).__name__ == "BNode" else str(value.n3())


def _sh(name: str) -> Any:
    from rdflib import URIRef

    return URIRef(SH + name)
