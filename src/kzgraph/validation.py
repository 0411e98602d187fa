"""SHACL validation of the graph: :func:`validate` -> :class:`ValidationReport`.

pyshacl runs fully offline (no inference, no ``owl:imports``, SHACL-AF enabled so that
SPARQL-based constraints and ``sh:SPARQLTarget`` work); sh:Warning and sh:Info results are
reported but do not break conformance.

JSON report (``ValidationReport.to_json()``, ``kzgraph validate --format json``), keys sorted::

    {
      "conforms": bool,
      "triples": int,              # triples validated (ontology + data)
      "resources": int,            # distinct IRI subjects among them
      "data_files": [str],         # files loaded as the data graph
      "shapes_files": [str],
      "counts": {"violation": int, "warning": int, "info": int},
      "results": [                 # sorted by resource, then property, severity, message
        {
          "resource": str,         # the IRI the result is about (for a blank-node focus
                                   #   node: the IRI resource that links to it)
          "focus_node": str,       # the focus node: IRI, or "_:bN" for a blank node
          "via": [str],            # predicates from resource to a blank focus node ([] if none)
          "path": str | null,      # sh:resultPath: a predicate IRI or a SPARQL property path
          "value": str | null,     # sh:value in N-Triples syntax ("<iri>", "\"x\"@en", ...)
          "message": str,
          "severity": "Violation" | "Warning" | "Info",
          "source_shape": str | null,  # the shape's IRI; for a blank-node shape, the named
                                       #   shape that holds it
          "constraint": str | null,    # the constraint component IRI
          "files": [str],              # the files where the focus node is described
          "details": [{"path": str | null, "message": str}]  # nested results (sh:detail)
        }
      ]
    }

Blank nodes are numbered (``_:b1`` ...) in report order, so the output is stable run to run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kzgraph import paths as _paths
from kzgraph import store as _store
from kzgraph.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

__all__ = ["ValidationReport", "ValidationResult", "validate"]

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2}
_LABELS = ("http://www.w3.org/2000/01/rdf-schema#label",
           "http://www.w3.org/2004/02/skos/core#prefLabel")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, in plain strings (see the module docstring)."""

    resource: str
    focus_node: str
    path: str | None
    value: str | None
    message: str
    severity: str
    source_shape: str | None
    constraint: str | None
    files: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    #: nested results (sh:detail, e.g. why a value does not conform to sh:node): (path, message)
    details: tuple[tuple[str | None, str], ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        return (self.resource, self.via, self.focus_node, self.path or "",
                _SEVERITY_RANK.get(self.severity, 9), self.message, self.value or "",
                self.source_shape or "", self.constraint or "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = list(self.files)
        data["via"] = list(self.via)
        data["details"] = [{"path": path, "message": message} for path, message in self.details]
        return data


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`."""

    conforms: bool
    results: list[ValidationResult]
    triples: int
    resources: int = 0
    data_files: list[str] = field(default_factory=list)
    shapes_files: list[str] = field(default_factory=list)
    #: resource IRI -> its label (rdfs:label / skos:prefLabel), for the text report
    labels: dict[str, str] = field(default_factory=dict, repr=False)
    #: prefix -> namespace, to write IRIs compactly in the text report
    prefixes: dict[str, str] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return self.conforms

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def by_resource(self) -> dict[str, list[ValidationResult]]:
        """The results grouped by resource, in report order."""
        groups: dict[str, list[ValidationResult]] = {}
        for result in self.results:
            groups.setdefault(result.resource, []).append(result)
        return groups

    def summary(self) -> str:
        """One line: conformance, counts of results, triples and resources."""
        size = (f"{self.triples} triples, {self.resources} resources, "
                f"{_plural(len(self.data_files), 'data file')}, "
                f"{_plural(len(self.shapes_files), 'shapes file')}")
        others = [_plural(self.count(s), s.lower()) for s in ("Warning", "Info") if self.count(s)]
        if self.conforms:
            extra = f"; {', '.join(others)}" if others else ""
            return f"conforms ({size}){extra}"
        found = ", ".join([_plural(self.count("Violation"), "violation"), *others])
        return (f"does not conform: {found} on "
                f"{_plural(len(self.by_resource()), 'resource')} ({size})")

    def to_text(self) -> str:
        """A readable report grouped by resource, ending with the summary line."""
        short = _Compactor(self.prefixes)
        lines: list[str] = []
        for resource, results in self.by_resource().items():
            label = self.labels.get(resource)
            head = short(resource) + (f"  {json.dumps(label, ensure_ascii=False)}" if label else "")
            files = sorted({f for r in results for f in r.files})
            lines.append(head)
            if files:
                lines.append(f"  described in {', '.join(files)}")
            for r in results:
                where = []
                if r.via:
                    where.append("/".join(short(p) for p in r.via) + f" [{r.focus_node}]")
                where.append(short.path(r.path) if r.path else "(node)")
                if r.value is not None and r.value != _nt_of(r.focus_node):
                    where.append("= " + short.term(r.value))
                level = "" if r.severity == "Violation" else f"{r.severity.lower()}: "
                lines.append(f"  {' '.join(where)}: {level}{r.message}")
                shape = short(r.source_shape) if r.source_shape else "a blank-node shape"
                if r.constraint:
                    component = short(r.constraint).removeprefix("sh:")
                    shape = f"{component.removesuffix('ConstraintComponent')} in {shape}"
                lines.append(f"      [{shape}]")
                for path, message in r.details:
                    lines.append(f"      - {short.path(path) if path else '(node)'}: {message}")
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "triples": self.triples,
            "resources": self.resources,
            "data_files": list(self.data_files),
            "shapes_files": list(self.shapes_files),
            "counts": {s.lower(): self.count(s) for s in ("Violation", "Warning", "Info")},
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (keys sorted; see the module docstring for the keys)."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, ensure_ascii=False)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _nt_of(iri: str) -> str:
    return f"<{iri}>"


class _Compactor:
    """Writes IRIs as prefix:local with the graph's prefixes (longest namespace first)."""

    _LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$|^$")
    _IRI = re.compile(r"<([^<>\s]*)>")

    def __init__(self, prefixes: dict[str, str]) -> None:
        self._ns = sorted(((ns, p) for p, ns in prefixes.items() if ns),
                          key=lambda item: (-len(item[0]), item[1]))

    def __call__(self, iri: str) -> str:
        if iri.startswith("_:"):
            return iri
        for ns, prefix in self._ns:
            if iri.startswith(ns) and self._LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"

    def term(self, nt: str) -> str:
        """An N-Triples term with its IRIs (the term's, a literal's datatype) compacted."""
        return self._IRI.sub(lambda m: self(m.group(1)), nt)

    def path(self, path: str) -> str:
        return self.term(path) if "<" in path else self(path)


# ------------------------------------------------------------------------------------------
# Running pyshacl
# ------------------------------------------------------------------------------------------


#: Evaluate pyshacl's SPARQL (targets, constraints) with pyoxigraph; False: rdflib only.
FAST_SPARQL = True

_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


class _OxigraphMirror:
    """A pyoxigraph copy of the data graph that answers pyshacl's SELECT and ASK queries.

    rdflib's SPARQL engine needs seconds for the whole-graph queries of sh:SPARQLTarget and
    SPARQL constraints (FILTER NOT EXISTS over every resource); pyoxigraph needs milliseconds.
    Terms map back to the very rdflib terms of the data graph, blank nodes included, and
    pyshacl's pre-bound variables ($this ...) become pyoxigraph substitutions (SEP-0007, the
    pre-binding SHACL describes). A query pyoxigraph cannot run goes to rdflib."""

    def __init__(self, graph: rdflib.Graph) -> None:
        import pyoxigraph as ox

        self._ox = ox
        self.to_ox: dict[Any, Any] = {}
        self.to_rdf: dict[Any, Any] = {}
        convert = self._convert
        self.store = ox.Store()
        self.store.extend(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in graph)
        self.prefixes = {prefix: str(ns) for prefix, ns in graph.namespaces()}
        self.unsupported: set[str] = set()

    def _convert(self, term: Any) -> Any:
        found = self.to_ox.get(term)
        if found is not None:
            return found
        from rdflib import BNode, Literal

        ox = self._ox
        if isinstance(term, Literal):
            if term.language:
                value = ox.Literal(str(term), language=term.language)
            else:
                value = ox.Literal(str(term),
                                   datatype=ox.NamedNode(term.datatype) if term.datatype else None)
        elif isinstance(term, BNode):
            try:
                value = ox.BlankNode(str(term))
            except ValueError:  # an id pyoxigraph does not accept: a fresh one, mapped back
                value = ox.BlankNode()
        else:
            value = ox.NamedNode(str(term))
        self.to_ox[term] = value
        self.to_rdf.setdefault(value, term)
        return value

    def _back(self, term: Any) -> Any:
        found = self.to_rdf.get(term)
        if found is not None:
            return found
        from rdflib import BNode, Literal, URIRef

        ox = self._ox
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))

    def query(self, text: str, namespaces: Any, bindings: Any) -> Any:
        """An rdflib Result, or None when rdflib should answer instead."""
        if text in self.unsupported:
            return None
        from rdflib.query import Result
        from rdflib.term import Variable

        ox = self._ox
        prefixes = ({str(k): str(v) for k, v in namespaces.items()} if namespaces
                    else self.prefixes)
        substitutions = ({ox.Variable(str(k)): self._convert(v) for k, v in bindings.items()}
                         if bindings else None)
        try:
            answer = self.store.query(text, prefixes=prefixes, substitutions=substitutions)
            if isinstance(answer, ox.QueryBoolean):
                result = Result("ASK")
                result.askAnswer = bool(answer)
                return result
            if not isinstance(answer, ox.QuerySolutions):  # CONSTRUCT / DESCRIBE
                self.unsupported.add(text)
                return None
            names = [Variable(v.value) for v in answer.variables]
            back = self._back
            rows = [{name: back(value) for name, value in zip(names, solution, strict=True)
                     if value is not None} for solution in answer]
        except (SyntaxError, ValueError, TypeError, OSError, RuntimeError):
            self.unsupported.add(text)
            return None
        result = Result("SELECT")
        result.vars = names
        result.bindings = rows
        return result


@functools.cache
def _data_graph_class() -> type:
    """A pyshacl DataGraph with fast SPARQL.

    pyshacl hands the text of a SPARQL constraint or target to rdflib for every focus node.
    Queries go to the pyoxigraph mirror when there is one; otherwise each distinct text is
    parsed once (rdflib's pyparsing-based SPARQL parser takes ~10 ms per query) and the
    prepared query, with the same namespaces, evaluates identically."""
    from pyshacl.graph_abstraction import RdfLibDataGraph
    from rdflib.plugins.sparql import prepareQuery

    class FastSparqlDataGraph(RdfLibDataGraph):  # type: ignore[misc]
        _kz_prepared: dict[Any, Any]
        _kz_namespaces: dict[str, Any]
        _kz_mirror: _OxigraphMirror | None

        def register_custom_function(self, *args: Any, **kwargs: Any) -> Any:
            self._kz_mirror = None  # SHACL functions are rdflib functions here
            return super().register_custom_function(*args, **kwargs)

        def query(self, query_object: Any, processor: Any = "sparql", result: Any = "sparql",
                  initNs: Any = None, initBindings: Any = None,
                  use_store_provided: bool = True, **kwargs: Any) -> Any:
            if isinstance(query_object, str) and processor == "sparql" and not kwargs:
                if _SERVICE.search(query_object):
                    raise InputError("a SPARQL query in the shapes uses SERVICE; validation "
                                     "is offline", hint="remove the SERVICE clause")
                if self._kz_mirror is not None:
                    answer = self._kz_mirror.query(query_object, initNs, initBindings)
                    if answer is not None:
                        return answer
                if initNs:
                    key: Any = (query_object, tuple(sorted(initNs.items())))
                    namespaces = initNs
                else:  # rdflib's default: the graph's own prefixes
                    key, namespaces = query_object, self._kz_namespaces
                prepared = self._kz_prepared.get(key)
                if prepared is None:
                    prepared = self._kz_prepared[key] = prepareQuery(query_object,
                                                                      initNs=namespaces)
                query_object, initNs = prepared, namespaces
            return super().query(query_object, processor, result, initNs, initBindings,
                                 use_store_provided, **kwargs)

    return FastSparqlDataGraph


def _fast_data_graph(graph: rdflib.Graph, *, mirror: bool) -> Any:
    data_graph = _data_graph_class().from_rdflib_graph(graph)
    data_graph._kz_prepared = {}
    data_graph._kz_namespaces = dict(graph.namespaces())
    data_graph._kz_mirror = _OxigraphMirror(graph) if mirror else None
    return data_graph


@contextlib.contextmanager
def _offline_and_quiet() -> Iterator[None]:
    """No graph loading from the web by SPARQL FROM clauses; no rdflib/pyshacl log noise
    (ill-typed literals are reported by the shapes, not as logged tracebacks)."""
    import rdflib.plugins.sparql as rdflib_sparql

    loggers = [logging.getLogger(name) for name in ("rdflib", "pyshacl", "pyshacl-validate")]
    levels = [log.level for log in loggers]
    load_graphs = rdflib_sparql.SPARQL_LOAD_GRAPHS
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        rdflib_sparql.SPARQL_LOAD_GRAPHS = load_graphs
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def _clone_list(graph: Any, lnode: Any, target_graph: Any, keepid: bool = False,
                recursion: int = 0, deep_clone: bool = False) -> Any:
    """pyshacl's clone_list in linear time, with the same triples.

    pyshacl copies an RDF list that is a result's sh:value into the report by
    ``Collection.append``, which walks to the end of the list for every item: quadratic
    (2,000 items: 25 s; 8,000: 6 min). Here each cell is linked as it is made."""
    from pyshacl.rdfutil.clone import clone_node
    from rdflib import RDF, BNode, URIRef

    if isinstance(lnode, BNode):
        head = BNode(str(lnode)) if keepid else BNode()
    else:  # a list can be a named individual too
        head = URIRef(str(lnode))
    cell = None
    for item in graph.items(lnode):
        cloned = clone_node(graph, item, target_graph, recursion=recursion + 1,
                            deep_clone=deep_clone)
        if cell is None:
            cell = head
        else:
            following = BNode()
            target_graph.add((cell, RDF.rest, following))
            cell = following
        target_graph.add((cell, RDF.first, cloned))
    if cell is not None:
        target_graph.add((cell, RDF.rest, RDF.nil))
    return head


def _sparql_violations(self: Any, query: Any, init_binds: Any, target_graph: Any) -> list[Any]:
    """pyshacl's SPARQLBasedConstraint._validate_sparql_query with the duplicate check in a
    set: it searched the list of violations so far for each row (quadratic: 20,000 results
    took minutes). Same violations, same order."""
    results = target_graph.query(query, initBindings=init_binds)
    if not results or len(results.bindings) < 1:
        return []
    violations: list[Any] = []
    seen: set[Any] = set()
    failed = False
    for row in results:
        var_dict = row.asdict()
        if var_dict.pop("failure", None) is not None:
            if not failed:
                violations.append((True, var_dict))
                failed = True
            continue
        path = var_dict.pop("path", None)
        value = var_dict.pop("value", None)
        this = var_dict.pop("this", None)
        if path is None and value is None and this is None:
            continue
        try:
            key: Any = (this, path, value, frozenset(var_dict.items()))
            hash(key)
        except TypeError:  # an unhashable binding: compare as pyshacl does
            if (this, path, value, var_dict) in violations:
                continue
        else:
            if key in seen:
                continue
            seen.add(key)
        violations.append((this, path, value, var_dict))
    return violations


def _validation_report(cls: Any, sg: Any, conforms: bool, results: list[Any]) -> Any:
    """pyshacl's Validator.create_validation_report with the text joined once: it grew the
    text by += per result, which copies it every time (quadratic: 3,000 results took 35 s).
    The same report graph and text."""
    from pyshacl.consts import RDF_type, SH_conforms, SH_result, SH_ValidationReport
    from pyshacl.rdfutil.clone import clone_blank_node
    from rdflib import BNode, Graph, Literal, URIRef

    if not conforms and not results:
        raise RuntimeError("A Non-Conformant Validation Report must have at least one result.")
    head = f"Validation Report\nConforms: {conforms}\n"
    if results:
        head += f"Results ({len(results)}):\n"
    text = head + "".join(r[0] for r in sorted(results, key=lambda r: r[0]))
    vg = Graph(bind_namespaces="core")
    for prefix, namespace in sg.graph.namespace_manager.namespaces():
        vg.namespace_manager.bind(prefix, namespace)
    report = BNode()
    vg.add((report, RDF_type, SH_ValidationReport))
    vg.add((report, SH_conforms, Literal(conforms)))
    cloned: dict[Any, Any] = {}
    for _description, node, triples in results:
        vg.add((report, SH_result, node))
        for s, p, o in triples:
            if isinstance(o, tuple):
                source, value = o
                if isinstance(value, Literal):
                    o = value
                elif (source, str(value)) in cloned:
                    o = cloned[(source, str(value))]
                elif isinstance(value, BNode):
                    o = cloned[(source, str(value))] = clone_blank_node(source, value, vg,
                                                                         keepid=True)
                else:
                    o = cloned[(source, str(value))] = URIRef(str(value))
            vg.add((s, p, o))
    return vg, text


@contextlib.contextmanager
def _linear_pyshacl() -> Iterator[None]:
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
    from pyshacl.rdfutil import clone
    from pyshacl.validator import Validator

    original = clone.clone_list
    original_sparql = SPARQLBasedConstraint._validate_sparql_query
    clone.clone_list = _clone_list  # clone_blank_node looks it up in its module
    SPARQLBasedConstraint._validate_sparql_query = _sparql_violations
    original_report = Validator.__dict__["create_validation_report"]
    Validator.create_validation_report = classmethod(_validation_report)
    try:
        yield
    finally:
        clone.clone_list = original
        SPARQLBasedConstraint._validate_sparql_query = original_sparql
        Validator.create_validation_report = original_report


def _run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph, *,
                 mirror: bool) -> tuple[bool, rdflib.Graph]:
    import pyparsing
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    try:
        with _linear_pyshacl():
            conforms, report, _text = pyshacl.validate(
                _fast_data_graph(data, mirror=mirror), shacl_graph=shapes, ont_graph=None,
                inference="none", advanced=True, allow_warnings=True, inplace=True,
                do_owl_imports=False, abort_on_first=False, meta_shacl=False, js=False)
    except ReportableRuntimeError as exc:  # broken shapes: ShapeLoadError, ConstraintLoadError
        raise InputError(f"the shapes cannot be used: {exc}",
                         hint="fix the shapes files (see the SHACL reference linked above)"
                         ) from None
    except pyparsing.ParseBaseException as exc:
        raise InputError(f"a SPARQL query in the shapes does not parse: {exc}",
                         hint="fix the sh:select / sh:ask text in the shapes") from None
    if isinstance(report, ValidationFailure):  # pyshacl returns, not raises, a SHACL failure
        raise InputError(f"the shapes cannot be used: {report.message}",
                         hint="fix the shapes files")
    return bool(conforms), report


# ------------------------------------------------------------------------------------------
# Report graph -> results
# ------------------------------------------------------------------------------------------


def _path_text(graph: rdflib.Graph, node: Any) -> str:
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


def _named_ancestor(graph: rdflib.Graph, node: Any) -> Any:
    """The nearest IRI node that (through blank nodes and lists) refers to ``node``."""
    from rdflib import BNode

    seen = set()
    current = node
    while isinstance(current, BNode) and current not in seen and len(seen) < 50:
        seen.add(current)
        parents = sorted(graph.subjects(None, current), key=lambda s: (isinstance(s, BNode), s))
        if not parents:
            return None
        current = parents[0]
    return None if isinstance(current, BNode) else current


def _owner(graph: rdflib.Graph, node: Any) -> tuple[Any, tuple[str, ...]]:
    """For a blank node in the data: the IRI resource linking to it and the predicates on
    the way (nearest first resolved to owner-first order)."""
    from rdflib import BNode

    via: list[str] = []
    current = node
    seen = set()
    while isinstance(current, BNode) and current not in seen and len(seen) < 50:
        seen.add(current)
        links = sorted(graph.subject_predicates(current),
                       key=lambda sp: (isinstance(sp[0], BNode), sp[0], sp[1]))
        if not links:
            break
        current, predicate = links[0]
        via.append(str(predicate))
    if isinstance(current, BNode):
        return node, ()
    return current, tuple(reversed(via))


def _label(graph: rdflib.Graph, node: Any) -> str | None:
    from rdflib import URIRef

    best: tuple[int, str] | None = None
    for rank, predicate in enumerate(_LABELS):
        for literal in graph.objects(node, URIRef(predicate)):
            language = getattr(literal, "language", None)
            score = rank * 3 + (0 if language in ("en", None) else 1 if language else 2)
            if best is None or (score, str(literal)) < best:
                best = (score, str(literal))
    return best[1] if best else None


def _message(graph: rdflib.Graph, result: Any) -> str:
    from rdflib import URIRef

    messages = sorted(graph.objects(result, URIRef(SH + "resultMessage")),
                      key=lambda m: (getattr(m, "language", None) not in ("en", None), str(m)))
    return str(messages[0]) if messages else "(no message)"


def _details(graph: rdflib.Graph, node: Any) -> tuple[tuple[str | None, str], ...]:
    """The messages of the nested results (sh:detail, recursively), sorted."""
    from rdflib import URIRef

    found: set[tuple[str, str]] = set()
    pending = list(graph.objects(node, URIRef(SH + "detail")))
    seen = set()
    while pending:
        detail = pending.pop()
        if detail in seen:
            continue
        seen.add(detail)
        path = graph.value(detail, URIRef(SH + "resultPath"))
        found.add((_path_text(graph, path) if path is not None else "", _message(graph, detail)))
        pending.extend(graph.objects(detail, URIRef(SH + "detail")))
    return tuple((path or None, message) for path, message in sorted(found))


def _results(report: rdflib.Graph, data: rdflib.Graph, shapes: rdflib.Graph,
             sources: _store.SourceMap) -> tuple[list[ValidationResult], dict[str, str]]:
    from rdflib import BNode, Literal, URIRef

    def sh(name: str) -> Any:
        return URIRef(SH + name)

    rows = []
    labels: dict[str, str] = {}
    for node in report.objects(None, sh("result")):
        focus = report.value(node, sh("focusNode"))
        if focus is None:
            continue
        owner, via = _owner(data, focus) if isinstance(focus, BNode) else (focus, ())
        path = report.value(node, sh("resultPath"))
        value = report.value(node, sh("value"))
        severity = report.value(node, sh("resultSeverity"))
        shape = report.value(node, sh("sourceShape"))
        if isinstance(shape, BNode):
            shape = _named_ancestor(shapes, shape)
        component = report.value(node, sh("sourceConstraintComponent"))
        files = sources.files(focus) or (sources.files(owner) if owner is not focus else ())
        resource = _store.node_key(owner)
        if resource not in labels and not isinstance(owner, BNode):
            label = _label(data, owner)
            if label:
                labels[resource] = label
        rows.append(
            ValidationResult(
                resource=resource,
                focus_node=_store.node_key(focus),
                path=_path_text(report, path) if path is not None else None,
                value=(value.n3() if isinstance(value, (URIRef, Literal)) else
                       _store.node_key(value) if value is not None else None),
                message=_message(report, node),
                severity=str(severity).removeprefix(SH) if severity is not None else "Violation",
                source_shape=str(shape) if shape is not None else None,
                constraint=str(component) if component is not None else None,
                files=files,
                via=via,
                details=_details(report, node),
            ))
    return _stable_blank_nodes(rows), labels


_BNODE = re.compile(r"_:([A-Za-z0-9_\-]+)")


def _stable_blank_nodes(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Sort the results, then rename blank nodes _:b1, _:b2 ... in order of appearance:
    the ids pyshacl and the parser give are random, the report should not be."""

    def mask(r: ValidationResult) -> tuple[Any, ...]:
        return tuple(_BNODE.sub("_:", x) if isinstance(x, str) else x for x in r.sort_key())

    ordered = sorted(results, key=lambda r: (mask(r), r.sort_key()))
    names: dict[str, str] = {}

    def rename(text: str | None) -> str | None:
        if text is None or "_:" not in text:
            return text
        return _BNODE.sub(lambda m: names.setdefault(m.group(1), f"_:b{len(names) + 1}"), text)

    renamed = []
    for r in ordered:
        renamed.append(dataclasses.replace(
            r, resource=rename(r.resource) or "", focus_node=rename(r.focus_node) or "",
            path=rename(r.path), value=rename(r.value), message=rename(r.message) or "",
            details=tuple((rename(p), rename(m) or "") for p, m in r.details)))
    return renamed


# ------------------------------------------------------------------------------------------
# The entry point
# ------------------------------------------------------------------------------------------


def _require_shapes(shapes: rdflib.Graph, files: list[str]) -> None:
    """Every shapes file must describe at least one shape: an empty file or a data file given
    as shapes would otherwise check nothing and "conform"."""
    from rdflib import RDF

    sources = _store.source_map(shapes)
    with_shapes: set[str] = set()
    for s, p, o in shapes:
        if str(p).startswith(SH) or (p == RDF.type and str(o).startswith(SH)):
            with_shapes.update(sources.files(s))
    for file in files:
        if file not in with_shapes:
            raise InputError("holds no SHACL shapes (no sh: property or class in it)",
                             file=file, hint="give shapes with --shapes, and data files as "
                                             "PATH arguments (one PATH per --shapes)")


def validate(paths: Iterable[_store.PathArg] | None = None,
             shapes: Iterable[_store.PathArg] | None = None, *,
             ontology: Iterable[_store.PathArg] | None = None) -> ValidationReport:
    """Validate RDF data against SHACL shapes.

    paths:    data files or folders; default: the bundled ontology + data (``kzgraph.graph()``).
    shapes:   shapes files or folders; default: the bundled shapes/.
    ontology: merged into the data when ``paths`` is given; default: the bundled ontology/
              (pass ``[]`` for none).

    Raises InputError (exit 2) for missing or malformed files or unusable shapes."""
    import rdflib

    if paths is None:
        data = _store.graph()
        data_files = [_store.display_path(p) for p in _paths.graph_files()]
    else:
        ontology_files = (_paths.turtle_files("ontology") if ontology is None
                          else _store.expand_paths(ontology))
        files = _store.expand_paths([*ontology_files, *_store.expand_paths(paths)])
        data = _store.load_files(files)
        data_files = [_store.display_path(p) for p in files]
    shape_files = (_paths.shapes_files() if shapes is None else _store.expand_paths(shapes))
    if not shape_files:
        raise InputError(f"no SHACL shapes found in {_paths.part('shapes')}",
                         hint="add shapes/*.ttl, or pass shapes files with --shapes")
    shapes_graph = _store.load_files(shape_files)
    _require_shapes(shapes_graph, [_store.display_path(p) for p in shape_files])
    sources = _store.source_map(data)

    target = data
    has_rules = (None, rdflib.URIRef(SH + "rule"), None) in shapes_graph
    if has_rules and paths is None:
        # SHACL rules add triples to the graph validated; keep the shared graph() clean.
        target = rdflib.Graph()
        target += data
        for prefix, namespace in data.namespaces():
            target.bind(prefix, namespace, override=False)

    with _offline_and_quiet():
        # Rules change the graph while validating, which a copy would not see.
        conforms, report_graph = _run_pyshacl(target, shapes_graph,
                                              mirror=FAST_SPARQL and not has_rules)
        results, labels = _results(report_graph, target, shapes_graph, sources)

    prefixes = {p: str(ns) for p, ns in shapes_graph.namespaces()}
    prefixes.update({p: str(ns) for p, ns in data.namespaces()})
    return ValidationReport(
        conforms=conforms,
        results=results,
        triples=len(data),
        resources=sources.iri_count(),
        data_files=data_files,
        shapes_files=[_store.display_path(p) for p in shape_files],
        labels=labels,
        prefixes=prefixes,
    )
