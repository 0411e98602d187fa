"""pySHACL run offline on an rdflib graph, with its SPARQL (targets, constraints) evaluated by
pyoxigraph on a mirror of the graph where the query allows it, since rdflib's SPARQL is the slow
part of a validation. Broken shapes become an InputError.

This is the one module that relies on pySHACL's internals (its data graph class, Shape.validate
and Shape.focus_nodes). They are used only with the pySHACL releases in :data:`TESTED_PYSHACL`;
with any other, validation runs plain pySHACL (slower, same results) and says so on stderr.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kzgraph import progress
from kzgraph.errors import InputError
from kzgraph.store import MIRROR_ATTR
from kzgraph.terms import OxigraphMirror, oxigraph_term, rdflib_term

if TYPE_CHECKING:  # pragma: no cover
    import rdflib


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
        loaded = getattr(graph, MIRROR_ATTR, None)  # filled while the files were parsed
        if isinstance(loaded, OxigraphMirror) and len(loaded.store) == len(graph):
            self.store = loaded.store
        else:
            self.store = ox.Store()
            self.store.bulk_extend(ox.Quad(convert(s), convert(p), convert(o))
                                   for s, p, o in graph)
        self.prefixes = {prefix: str(ns) for prefix, ns in graph.namespaces()}
        self.unsupported: set[str] = set()

    def _convert(self, term: Any) -> Any:
        found = self.to_ox.get(term)
        if found is not None:
            return found
        try:
            value = oxigraph_term(term)
        except ValueError:  # a blank node id pyoxigraph does not accept: a fresh one, mapped back
            value = self._ox.BlankNode()
        self.to_ox[term] = value
        self.to_rdf.setdefault(value, term)
        return value

    def _back(self, term: Any) -> Any:
        found = self.to_rdf.get(term)
        if found is not None:
            return found
        return rdflib_term(term)

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
            rows: list[Mapping[Variable, Any]] = [
                {name: back(value) for name, value in zip(names, solution, strict=True)
                 if value is not None} for solution in answer]
        except (SyntaxError, ValueError, TypeError, OSError, RuntimeError):
            self.unsupported.add(text)
            return None
        result = Result("SELECT")
        result.vars = names
        result.bindings = rows
        return result


@functools.cache
def _data_graph_class() -> Any:  # a class made on first use: pyshacl is imported lazily
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

        # pyshacl's base class declares query(**kwargs), yet RdfLibDataGraph and its callers
        # pass the arguments positionally, as rdflib's Graph.query does.
        def query(  # type: ignore[override]
                self, query_object: Any, processor: Any = "sparql", result: Any = "sparql",
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
def offline_and_quiet() -> Iterator[None]:
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

    head: BNode | URIRef
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
    original_sparql = SPARQLBasedConstraint.__dict__["_validate_sparql_query"]
    original_report = Validator.__dict__["create_validation_report"]
    clone.clone_list = _clone_list  # clone_blank_node looks it up in its module
    SPARQLBasedConstraint._validate_sparql_query = _sparql_violations  # type: ignore[method-assign]
    Validator.create_validation_report = classmethod(  # type: ignore[method-assign,assignment]
        _validation_report)
    try:
        yield
    finally:
        clone.clone_list = original
        SPARQLBasedConstraint._validate_sparql_query = original_sparql  # type: ignore[method-assign]
        Validator.create_validation_report = original_report  # type: ignore[method-assign]


#: The pySHACL releases whose internals this module was tested with: from the first (included)
#: to the second (excluded).
TESTED_PYSHACL = ((0, 40), (0, 41))


def _installed_version(package: str) -> str:
    """The installed version of package: read from the one dist-info folder beside it when
    there is one (importing importlib.metadata and searching with it costs an incremental
    run 17 ms), else as importlib.metadata finds it."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        site = os.path.dirname(os.path.dirname(spec.origin))
        with contextlib.suppress(OSError):
            found = [n for n in os.listdir(site) if n.endswith(".dist-info")
                     and n.split("-", 1)[0].lower().replace(".", "_") == package]
            if len(found) == 1:
                with open(os.path.join(site, found[0], "METADATA"), encoding="utf-8") as meta:
                    for line in meta:
                        if line.startswith("Version:"):
                            return line.split(":", 1)[1].strip()
                        if not line.strip():
                            break
    from importlib.metadata import version

    return version(package)


def pyshacl_version() -> tuple[int, ...]:
    parts = []
    for part in _installed_version("pyshacl").split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def internals_supported() -> bool:
    """Whether the installed pySHACL is one this module's use of its internals was tested with."""
    low, high = TESTED_PYSHACL
    return low <= pyshacl_version() < high


@functools.cache
def _warn_untested() -> None:  # once per process
    import sys

    low, high = TESTED_PYSHACL
    version = ".".join(map(str, pyshacl_version()))
    print(f"kzgraph: pySHACL {version} is outside the range kzgraph was tested with "
          f"(>= {'.'.join(map(str, low))}, < {'.'.join(map(str, high))}); validating with "
          "plain pySHACL, which is slower and validates the whole graph every time",
          file=sys.stderr)


@contextlib.contextmanager
def _shape_hooks(wanted: frozenset[Any] | None) -> Iterator[None]:
    """While pySHACL runs: count the shapes done for the progress line and, given ``wanted``,
    keep only those nodes among each shape's targets (pySHACL's own ``focus_nodes`` option
    drops blank nodes)."""
    from pyshacl.shape import Shape

    validate, focus_nodes = Shape.validate, Shape.focus_nodes
    done = 0

    def counted(self: Any, executor: Any, target_graph: Any, focus: Any = None,
                *args: Any, **kwargs: Any) -> Any:
        nonlocal done
        answer = validate(self, executor, target_graph, focus, *args, **kwargs)
        if focus is None:  # a shape validated on its own targets, not nested in another
            done += 1
            progress.step("shapes done", done)
        return answer

    def restricted(self: Any, data_graph: Any, debug: bool = False) -> Any:
        found = focus_nodes(self, data_graph, debug=debug)
        return found if wanted is None else {node for node in found if node in wanted}

    setattr(Shape, "validate", counted)  # noqa: B010 - mypy refuses assigning a method
    setattr(Shape, "focus_nodes", restricted)  # noqa: B010
    try:
        yield
    finally:
        setattr(Shape, "validate", validate)  # noqa: B010
        setattr(Shape, "focus_nodes", focus_nodes)  # noqa: B010


def run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph, *, mirror: bool,
                focus: frozenset[Any] | None = None,
                reference: bool = False) -> tuple[bool, rdflib.Graph]:
    """Validate ``data``. ``focus``: validate only these focus nodes (IRIs or blank nodes of
    ``data``). ``reference``: plain ``pyshacl.validate`` on the rdflib graph, nothing of
    kzgraph's (no pyoxigraph SPARQL, no focus, no progress)."""
    import pyparsing
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    if not reference and not internals_supported():
        _warn_untested()
        reference = True
    if reference and focus is not None:
        raise ValueError("the reference engine validates the whole graph (no focus)")
    target: Any = data if reference else _fast_data_graph(data, mirror=mirror)
    hooks = contextlib.nullcontext() if reference else _shape_hooks(focus)
    try:
        linear = contextlib.nullcontext() if reference else _linear_pyshacl()
        with hooks, linear:
            conforms, report, _text = pyshacl.validate(
                target, shacl_graph=shapes, ont_graph=None,
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
