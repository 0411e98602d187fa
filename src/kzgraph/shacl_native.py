"""A SHACL engine on pyoxigraph: every shape checked for all its focus nodes at once.

pySHACL validates one focus node at a time in Python on rdflib, which takes minutes at the scale
of many countries. Here each target is one SPARQL query, the values of each path one query over
the whole graph (cached), class membership one query per class, and each SPARQL-based constraint
one query over the graph whose rows are then grouped by focus node. The constraint components
follow pySHACL's own evaluation (the reference engine, compared result by result in
tests/test_native_engine.py), including its treatment of ill-typed literals and comparisons.
Shapes using a feature implemented here raise :class:`~kzgraph.shacl_shapes.Unsupported` when
read, never a wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kzgraph import progress
from kzgraph.namespaces import RDF, RDFS, SH, XSD
from kzgraph.shacl_batches import anchor, anchorable, batchable, inject, solution_rows
from kzgraph.shacl_shapes import Shape, ShapesGraph, SparqlQuery, Unsupported
from kzgraph.terms import oxigraph_term, rdflib_term

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

_COMPONENT = {
    "class": "ClassConstraintComponent", "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent", "minCount": "MinCountConstraintComponent",
    "maxCount": "MaxCountConstraintComponent", "hasValue": "HasValueConstraintComponent",
    "node": "NodeConstraintComponent", "or": "OrConstraintComponent",
    "xone": "XoneConstraintComponent", "not": "NotConstraintComponent",
    "pattern": "PatternConstraintComponent", "minInclusive": "MinInclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent",
    "maxExclusive": "MaxExclusiveConstraintComponent",
    "uniqueLang": "UniqueLangConstraintComponent", "languageIn": "LanguageInConstraintComponent",
    "sparql": "SPARQLConstraintComponent", "in": "InConstraintComponent",
    "minLength": "MinLengthConstraintComponent", "maxLength": "MaxLengthConstraintComponent",
}
#: Datatypes whose values are often written in a form the store does not keep ("2.50", "1e3").
_RESHAPED = frozenset(XSD + t for t in ("decimal", "double", "float", "boolean", "dateTime",
                                        "time", "duration"))
_IRI_PATH = re.compile(r"\^?<[^<>\s]*>")  # a predicate, or its inverse
_STEPS_PATH = re.compile(r"\^?<[^<>\s]*>|\(\^?<[^<>\s]*>(\|\^?<[^<>\s]*>)+\)")  # or (a|b|...)
_FEW = 2000  # validating at most this many focus nodes: ask the store about each one
_BOUND_QUERIES = 20  # more nodes than this to bind one by one: one whole-graph query instead


@dataclass(eq=False)
class RawResult:
    """One validation result in pyoxigraph terms, before it is written for people."""

    focus: Any
    shape: Shape
    component: str
    path: Any = None          # an rdflib path node of the shapes graph, or a data IRI (SPARQL)
    value: Any = None
    messages: list[Any] = field(default_factory=list)  # rdflib Literals; [] = generic message
    parameter: Any = None     # what the generic message names (the class, the count ...)
    details: list[RawResult] = field(default_factory=list)
    #: a SPARQL-based result's variables, which its message templates ({?var}) name
    bindings: dict[str, Any] | None = None


class NativeEngine:
    """Validates a pyoxigraph store (every named graph seen as one data graph)."""

    def __init__(self, store: pyoxigraph.Store, shapes: ShapesGraph,
                 written: Callable[[Any, Any], Any] | None = None, few: int = _FEW) -> None:
        """``written(literal, focus)``: the literal as the data writes it, where the store
        keeps another (canonical) form; sh:pattern and the length constraints read it.
        ``few``: up to this many focus nodes, each is asked of the store (on a store on disk,
        where a query over the whole graph costs more, more nodes than in memory)."""
        import pyoxigraph as ox

        self._ox = ox
        self._few = few
        self.store = store
        self.shapes = shapes
        self._pairs: dict[str, dict[Any, list[Any]]] = {}
        self._instances: dict[Any, set[Any]] = {}
        self._superclasses: dict[Any, set[Any]] = {}
        self._node_classes: dict[Any, set[Any]] = {}
        self._conformance: dict[int, dict[Any, list[RawResult]]] = {}
        self._rdflib: dict[Any, Any] = {}
        self._ox_terms: dict[Any, Any] = {}
        self._written = written
        self._per_node = False  # values fetched per focus node (a run on a few focus nodes)
        self._node_values: dict[tuple[str, Any], list[Any]] = {}
        self._predicates: dict[Any, set[Any]] = {}  # see _predicates_of
        self._anchors: dict[Any, tuple[str, tuple[Any, Any] | None]] = {}  # see anchor

    # -- data access ---------------------------------------------------------------------------

    def _query(self, text: str, this: Any = None) -> Any:
        substitutions = {self._ox.Variable("this"): this} if this is not None else None
        try:
            return self.store.query(text, use_default_graph_as_union=True,
                                    substitutions=substitutions)
        except SyntaxError as exc:
            raise Unsupported(f"a SPARQL query pyoxigraph cannot parse ({exc})") from None

    def ox(self, term: Any) -> Any:
        found = self._ox_terms.get(term)
        if found is None:
            found = self._ox_terms[term] = oxigraph_term(term)
        return found

    def rdf(self, term: Any) -> Any:
        found = self._rdflib.get(term)
        if found is None:
            found = rdflib_term(term)
            if not isinstance(term, self._ox.Literal):  # literals are many, and met once
                self._rdflib[term] = found
        return found

    def lexical(self, term: Any) -> str:
        """The string pySHACL matches sh:pattern and the length constraints against."""
        ox = self._ox
        if isinstance(term, ox.NamedNode) or (isinstance(term, ox.Literal) and (
                term.language or term.datatype.value == XSD + "string")):
            return str(term.value)
        return str(self.rdf(term))  # rdflib normalises some lexical forms

    def _datatype_matches(self, v: Any, rule: str) -> bool:
        """pySHACL's sh:datatype test; rdflib is asked only whether a literal of the very
        datatype is well-typed."""
        if not isinstance(v, self._ox.Literal):
            return False
        if rule == RDFS + "Literal":
            return True
        if v.language:  # rdflib: no datatype, a language
            return rule == RDF + "langString"
        datatype = v.datatype.value
        if datatype == XSD + "string":  # rdflib: a plain literal, no datatype
            return rule == XSD + "string"
        if datatype != rule:
            return rule == RDFS + "Datatype"
        return _well_typed(self.rdf(v), rule)

    def pairs(self, path: str) -> dict[Any, list[Any]]:
        """subject -> its values along ``path`` (a SPARQL property path), over the whole graph."""
        found = self._pairs.get(path)
        if found is None:
            found = {}
            for s, o in self._query(f"SELECT DISTINCT ?s ?o WHERE {{ ?s {path} ?o }}"):
                found.setdefault(s, []).append(o)
            self._pairs[path] = found
        return found

    def values(self, path: str, node: Any) -> list[Any]:
        """The values of ``node`` along ``path`` (for a few nodes: one bound query each)."""
        key = (path, node)
        found = self._node_values.get(key)
        if found is None:
            if isinstance(node, self._ox.Literal):
                found = []  # a literal has no values (and cannot be a query's subject)
            elif _STEPS_PATH.fullmatch(path):
                # Predicates (either way; one or alternatives): read from the indexes (a query
                # costs ~10x more, thousands of times in a run on a few focus nodes). Each
                # file is a graph of the store, so a value stated in two files is met twice.
                found = list(dict.fromkeys(v for step in _IRI_PATH.findall(path)
                                           for v in self._step(step, node)))
            else:
                found = [row[1] for row in self._query(  # pyoxigraph binds projected variables
                    f"SELECT DISTINCT ?this ?o WHERE {{ ?this {path} ?o }}", this=node)]
            self._node_values[key] = found
        return found

    def _step(self, step: str, node: Any) -> Iterator[Any]:
        """The values of node along one predicate written ``<p>`` or ``^<p>``."""
        predicate = self._ox.NamedNode(step.lstrip("^")[1:-1])
        if step[0] == "^":
            return (q.subject for q in self.store.quads_for_pattern(None, predicate, node, None))
        return (q.object for q in self.store.quads_for_pattern(node, predicate, None, None))

    def instances(self, cls: Any) -> set[Any]:
        found = self._instances.get(cls)
        if found is None:
            text = (f"SELECT DISTINCT ?s WHERE {{ ?s <{RDF}type>/<{RDFS}subClassOf>* "
                    f"<{cls}> }}")
            found = self._instances[cls] = {row[0] for row in self._query(text)}
        return found

    def is_instance(self, node: Any, cls: Any) -> bool:
        """Whether ``node rdf:type/rdfs:subClassOf* cls``, asked of ``node``'s types alone."""
        if isinstance(node, self._ox.Literal):
            return False
        found = self._node_classes.get(node)
        if found is None:
            found = self._node_classes[node] = set()
            for q in self.store.quads_for_pattern(node, self._ox.NamedNode(RDF + "type"), None,
                                                  None):
                found |= self._classes_of(q.object)
        return self._ox.NamedNode(str(cls)) in found

    def _classes_of(self, cls: Any) -> set[Any]:
        """``cls`` and its superclasses (rdfs:subClassOf*)."""
        found = self._superclasses.get(cls)
        if found is None:
            found = {cls}
            if not isinstance(cls, self._ox.Literal):
                found.update(row[1] for row in self._query(
                    f"SELECT DISTINCT ?this ?c WHERE {{ ?this <{RDFS}subClassOf>* ?c }}", this=cls))
            self._superclasses[cls] = found
        return found

    # -- targets ---------------------------------------------------------------------------------

    def focus_nodes(self, shape: Shape, only: set[Any] | None = None) -> set[Any]:
        """The shape's focus nodes (among ``only``, when given)."""
        if only is not None and len(only) <= self._few:
            return self._focus_among(shape, only)
        nodes: set[Any] = set()
        for cls in shape.target_classes:
            nodes |= self.instances(cls)
        nodes.update(self.ox(n) for n in shape.target_nodes)
        for p in shape.target_subjects_of:
            nodes.update(self.pairs(f"<{p}>"))
        for p in shape.target_objects_of:
            nodes.update(o for values in self.pairs(f"<{p}>").values() for o in values)
        for target in shape.sparql_targets:
            nodes.update(row["this"] for row in self._query(target.text)
                         if row["this"] is not None)
        return nodes if only is None else nodes & only

    def _focus_among(self, shape: Shape, only: set[Any]) -> set[Any]:
        """focus_nodes for a few candidates: each asked of the store, not the whole graph."""
        nodes = {n for n in only if n in {self.ox(t) for t in shape.target_nodes}}
        for cls in shape.target_classes:
            nodes.update(n for n in only if self.is_instance(n, cls))
        store = self.store
        if shape.target_subjects_of:
            wanted = {self.ox(p) for p in shape.target_subjects_of}
            nodes.update(n for n in only if not wanted.isdisjoint(self._predicates_of(n)))
        for p in shape.target_objects_of:
            predicate = self.ox(p)
            nodes.update(n for n in only if next(store.quads_for_pattern(None, predicate, n, None),
                                                 None))
        for target in shape.sparql_targets:
            nodes.update(row["this"] for row in self._among(target.text, only, target=True))
        return nodes

    def _among(self, text: str, nodes: Iterable[Any], *, target: bool = False
               ) -> list[dict[str, Any]]:
        """The rows of a SELECT projecting ?this, for these values of ?this only: one query with
        ``VALUES ?this`` where that means the same (see _batchable); the blank nodes, which a
        query cannot name, reached from a neighbour it can (see _anchored); else one bound query
        per node."""
        wanted = set(nodes)
        blank = self._ox.BlankNode
        written = [n for n in wanted if not isinstance(n, blank)]
        rows: list[dict[str, Any]] = []
        if batchable(text, target=target):
            for start in range(0, len(written), 1000):
                values = " ".join(str(n) for n in written[start:start + 1000])
                batch = inject(text, f"VALUES ?this {{ {values} }}")
                rows.extend(solution_rows(self._query(batch)))
            singles = [n for n in wanted if isinstance(n, blank)]
            if singles and anchorable(text):
                found, singles = self._anchored(text, singles)
                rows.extend(found)
        else:
            singles = list(wanted)
        if len(singles) > _BOUND_QUERIES:  # a bound query can cost what a whole one does
            rows.extend(solution_rows(self._query(text), this_in=set(singles)))
        else:
            for n in singles:
                rows.extend(solution_rows(self._query(text, this=n)))
        return [row for row in rows if row.get("this") in wanted]

    def _anchored(self, text: str, blanks: list[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
        """The rows of ``text`` for ?this among (a superset of) ``blanks``, each blank node
        reached from an IRI linking to it, or by a link of its own to an IRI or a literal,
        written in a VALUES clause (pyoxigraph then starts there; binding ?this alone can make
        it evaluate the whole pattern for each node). Returns the rows and the blank nodes with
        no such link."""
        # (a, p): the blank node is the object of a p (into) or has a as its value of p (out)
        into: set[tuple[Any, Any]] = set()
        out: set[tuple[Any, Any]] = set()
        left = []
        for b in blanks:
            found = self._anchors.get(b)
            if found is None:
                found = self._anchors[b] = anchor(self.store, b)
            way, pair = found
            if pair is None:
                left.append(b)
            else:
                (into if way == "into" else out).add(pair)
        rows: list[dict[str, Any]] = []
        for pairs, pattern in ((into, "?kzgraph_anchor_a ?kzgraph_anchor_p ?this ."),
                               (out, "?this ?kzgraph_anchor_p ?kzgraph_anchor_a .")):
            listed = sorted(pairs, key=str)
            for start in range(0, len(listed), 1000):
                values = " ".join(f"({a} {p})" for a, p in listed[start:start + 1000])
                rows.extend(solution_rows(self._query(inject(
                    text, f"VALUES (?kzgraph_anchor_a ?kzgraph_anchor_p) {{ {values} }} "
                          f"{pattern}"))))
        return rows, left

    def _predicates_of(self, node: Any) -> set[Any]:
        """The predicates of node's triples (read once: several shapes target subjects of
        a dozen predicates each)."""
        found = self._predicates.get(node)
        if found is None:
            found = self._predicates[node] = set() if isinstance(node, self._ox.Literal) else {
                q.predicate for q in self.store.quads_for_pattern(node, None, None, None)}
        return found

    # -- validation ------------------------------------------------------------------------------

    def validate(self, only: set[Any] | None = None) -> list[RawResult]:
        """The results of every shape with targets; ``only``: just these focus nodes."""
        results: list[RawResult] = []
        # Memory stays bounded at scale: the values of a path are dropped once no shape still
        # to run reads them, and conformance to nested shapes is kept per top shape only.
        uses = [_paths_of(shape, set()) for shape in self.shapes.top]
        pending: dict[str, int] = {}
        for paths in uses:
            for path in paths:
                pending[path] = pending.get(path, 0) + 1
        self._per_node = only is not None and len(only) <= self._few
        for done, shape in enumerate(self.shapes.top, 1):
            results.extend(self.evaluate(shape, self.focus_nodes(shape, only)))
            for path in uses[done - 1]:
                pending[path] -= 1
                if not pending[path]:
                    self._pairs.pop(path, None)
            self._conformance.clear()
            progress.step("shapes done", done, len(self.shapes.top))
        return results

    def evaluate(self, shape: Shape, focus: Iterable[Any]) -> list[RawResult]:
        focus = list(focus)
        if not focus:
            return []
        if shape.is_property_shape and self._per_node:
            fv = {f: self.values(shape.path_sparql or "", f) for f in focus}
        elif shape.is_property_shape:
            pairs = self.pairs(shape.path_sparql or "")
            fv = {f: pairs.get(f, []) for f in focus}
        else:
            fv = {f: [f] for f in focus}
        results: list[RawResult] = []
        for name, parameter in shape.constraints:
            results.extend(self._constraint(shape, name, parameter, fv))
        for prop in shape.properties:
            results.extend(self.evaluate(prop, focus))
        return results

    def conformance(self, shape: Shape, nodes: Iterable[Any]) -> dict[Any, list[RawResult]]:
        """node -> the results of validating it against ``shape`` (empty: it conforms)."""
        known = self._conformance.setdefault(id(shape), {})
        new = [n for n in dict.fromkeys(nodes) if n not in known]
        if new:
            for n in new:
                known[n] = []
            for r in self.evaluate(shape, new):
                known[r.focus].append(r)
        return known

    def _result(self, shape: Shape, name: str, focus: Any, value: Any = None,
                parameter: Any = None, **more: Any) -> RawResult:
        return RawResult(focus=focus, shape=shape, component=SH + _COMPONENT[name],
                         path=shape.path, value=value, messages=list(shape.messages),
                         parameter=parameter, **more)

    def _constraint(self, shape: Shape, name: str, parameter: Any,
                    fv: dict[Any, list[Any]]) -> list[RawResult]:
        if name == "sparql":
            return self._sparql(shape, parameter, fv)
        if name == "qualifiedValueShape":
            return self._qualified(shape, parameter, fv)
        if name in ("minCount", "maxCount"):
            n = int(parameter)
            low = name == "minCount"
            return [self._result(shape, name, f, parameter=parameter) for f, vs in fv.items()
                    if (len(vs) < n if low else len(vs) > n)]
        if name == "hasValue":
            wanted = self.ox(parameter)
            return [self._result(shape, name, f, parameter=parameter) for f, vs in fv.items()
                    if wanted not in vs]
        if name == "uniqueLang":
            if getattr(parameter, "value", False) is not True:
                return []
            return [self._result(shape, name, f) for f, vs in fv.items()
                    for _ in range(_duplicate_languages(vs))]
        if name in ("node", "not", "or", "xone"):
            return self._logical(shape, name, parameter, fv)
        check = self._value_check(name, parameter)
        if name in ("pattern", "minLength", "maxLength") and self._written is not None:
            written = self._written

            def lexical_check(v: Any, f: Any) -> bool:
                # The lexical form as written can differ from the store's where a value fails,
                # or for the types whose usual written forms are not canonical ("2.50").
                ok = check(v)
                if (not ok or (isinstance(v, ox.Literal) and v.datatype.value in _RESHAPED)):
                    ok = check(written(v, f))
                return ok

            ox = self._ox
            return [self._result(shape, name, f, v, parameter=parameter) for f, vs in fv.items()
                    for v in vs if not lexical_check(v, f)]
        return [self._result(shape, name, f, v, parameter=parameter) for f, vs in fv.items()
                for v in vs if not check(v)]

    def _value_check(self, name: str, parameter: Any) -> Any:
        ox = self._ox
        if name == "class" and self._per_node:
            return lambda v: self.is_instance(v, parameter)
        if name == "class":
            members = self.instances(parameter)
            return members.__contains__
        if name == "nodeKind":
            kinds = {"IRI": (ox.NamedNode,), "BlankNode": (ox.BlankNode,),
                     "Literal": (ox.Literal,), "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode),
                     "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
                     "IRIOrLiteral": (ox.NamedNode, ox.Literal)}
            allowed = kinds.get(str(parameter).removeprefix(SH))
            if allowed is None:
                raise Unsupported(f"sh:nodeKind {parameter}")
            return lambda v: isinstance(v, allowed)
        if name == "datatype":
            return lambda v: self._datatype_matches(v, str(parameter))
        if name == "pattern":
            return lambda v: not isinstance(v, ox.BlankNode) and bool(
                parameter.match(self.lexical(v)) or parameter.search(self.lexical(v)))
        if name == "languageIn":
            wanted = {str(x).lower() for x in parameter}
            return lambda v: _language_in(v, wanted)
        if name == "in":
            allowed_terms = {self.ox(x) for x in parameter}
            return allowed_terms.__contains__
        if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            return lambda v: _in_range(self.rdf(v), parameter, name)
        if name in ("minLength", "maxLength"):
            n = int(parameter)
            low = name == "minLength"
            return lambda v: not isinstance(v, ox.BlankNode) and (
                len(self.lexical(v)) >= n if low else len(self.lexical(v)) <= n)
        raise Unsupported(f"sh:{name}")

    def _logical(self, shape: Shape, name: str, parameter: Any,
                 fv: dict[Any, list[Any]]) -> list[RawResult]:
        values = [v for vs in fv.values() for v in vs]
        if not values:
            return []
        members: list[Shape] = parameter if isinstance(parameter, list) else [parameter]
        verdicts = [self.conformance(member, values) for member in members]
        results = []
        for f, vs in fv.items():
            for v in vs:
                conforming = sum(1 for verdict in verdicts if not verdict[v])
                if name == "node" and conforming == 0:
                    results.append(self._result(shape, name, f, v, parameter=parameter,
                                                details=verdicts[0][v]))
                elif ((name == "not" and conforming) or (name == "or" and not conforming)
                      or (name == "xone" and conforming != 1)):
                    results.append(self._result(shape, name, f, v, parameter=parameter))
        return results

    def _qualified(self, shape: Shape, parameter: Any,
                   fv: dict[Any, list[Any]]) -> list[RawResult]:
        member, low, high = parameter
        verdict = self.conformance(member, [v for vs in fv.values() for v in vs])
        results = []
        for f, vs in fv.items():
            count = sum(1 for v in vs if not verdict[v])
            for bound, exceeded, component in ((high, high is not None and count > high, "Max"),
                                               (low, low is not None and count < low, "Min")):
                if exceeded:
                    results.append(RawResult(
                        focus=f, shape=shape, path=shape.path, messages=list(shape.messages),
                        component=SH + f"Qualified{component}CountConstraintComponent",
                        parameter=bound))
        return results

    def _sparql(self, shape: Shape, query: SparqlQuery,
                fv: dict[Any, list[Any]]) -> list[RawResult]:
        focus = list(fv)
        rows: dict[Any, list[dict[str, Any]]] = {}
        if len(focus) <= self._few or not batchable(query.text):
            found = self._among(query.text, focus)
        else:
            wanted = set(focus)
            found = [row for row in solution_rows(self._query(query.text))
                     if row.get("this") in wanted]
        for row in found:
            rows.setdefault(row["this"], []).append(row)
        results = []
        for f in focus:
            seen: list[tuple[Any, ...]] = []
            for row in rows.get(f, ()):
                path, value = row.pop("path", None), row.pop("value", None)
                this = row.pop("this", None)
                if path is None and value is None and this is None:
                    continue
                key = (this, path, value, sorted(row.items(), key=lambda kv: kv[0]))
                if key in seen:
                    continue
                seen.append(key)
                value = value if value is not None else f
                bound = {**row, "this": this or f, "value": value}
                if path is not None:
                    bound["path"] = path
                results.append(RawResult(
                    focus=this or f, shape=shape, component=SH + _COMPONENT["sparql"],
                    path=path, value=value, bindings=bound, messages=[
                        *query.messages, *(m for m in shape.messages if m not in query.messages)]))
        return results


def _paths_of(shape: Shape, seen: set[int]) -> set[str]:
    """The paths whose values validating ``shape`` reads (targets included)."""
    if id(shape) in seen:
        return set()
    seen.add(id(shape))
    paths = {f"<{p}>" for p in (*shape.target_subjects_of, *shape.target_objects_of)}
    if shape.path_sparql:
        paths.add(shape.path_sparql)
    nested: list[Shape] = list(shape.properties)
    for _name, parameter in shape.constraints:
        if isinstance(parameter, Shape):
            nested.append(parameter)
        elif isinstance(parameter, list):
            nested.extend(p for p in parameter if isinstance(p, Shape))
        elif isinstance(parameter, tuple):
            nested.append(parameter[0])
    for member in nested:
        paths |= _paths_of(member, seen)
    return paths


def _duplicate_languages(values: list[Any]) -> int:
    import pyoxigraph as ox

    seen: set[str] = set()
    duplicates: set[str] = set()
    for v in values:
        if isinstance(v, ox.Literal) and v.language:
            low = v.language.lower()
            (duplicates if low in seen else seen).add(low)
    return len(duplicates)


def _well_typed(v: Any, rule: str) -> bool:
    """pySHACL's test of a literal whose datatype is ``rule``: not ill-typed for rdflib, and of
    the Python type rdflib gives that datatype."""
    from datetime import date, datetime, time
    from decimal import Decimal

    if getattr(v, "ill_typed", None) is True:
        return False
    expected = {XSD + "integer": int, XSD + "float": float, XSD + "decimal": Decimal,
                XSD + "boolean": bool, XSD + "date": date, XSD + "time": time,
                XSD + "dateTime": datetime}.get(rule)
    return expected is None or isinstance(v.value, expected)  # type: ignore[arg-type]


def _language_in(v: Any, wanted: set[str]) -> bool:
    if not getattr(v, "language", None):  # an IRI, a blank node or a literal with no language
        return False
    lang = str(v.language).lower()
    return "*" in wanted or lang in wanted or lang.split("-")[0] in wanted


def _in_range(v: Any, bound: Any, name: str) -> bool:
    """pySHACL's value range test: blank nodes, IRIs and incomparable literals fail."""
    import datetime

    from rdflib import Literal

    if not isinstance(v, Literal):
        return False
    if isinstance(v.value, str) != isinstance(bound.value, str):
        return False
    try:
        if v.eq(bound):
            order = 0
        elif v.value.__class__ in (datetime.datetime, datetime.time):
            order = 0 if v.value == bound.value else 1 if v.value > bound.value else -1
        else:
            order = 1 if v > bound else -1
    except (TypeError, NotImplementedError):
        return False
    return {"minInclusive": order >= 0, "maxInclusive": order <= 0,
            "minExclusive": order > 0, "maxExclusive": order < 0}[name]
