"""SHACL validation of the graph: :func:`validate` -> :class:`ValidationReport`.

Validation is fully offline (no inference, no ``owl:imports``, no SERVICE; SHACL-SPARQL
constraints and SHACL-AF ``sh:SPARQLTarget`` work). The native engine (kzgraph.shacl_native)
runs the shapes it implements, pySHACL the others; both give pySHACL's report. sh:Warning and
sh:Info results are reported but do not break conformance.

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

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kzgraph import conformance_memo
from kzgraph import paths as _paths
from kzgraph import store as _store
from kzgraph.errors import InputError
from kzgraph.namespaces import RDFS, SH, SKOS
from kzgraph.shacl_engine import internals_supported, offline_and_quiet, run_pyshacl
from kzgraph.shacl_paths import named_ancestor, nearest_owner, path_text
from kzgraph.validation_report import ValidationReport, ValidationResult, stable_blank_nodes

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

__all__ = ["ValidationReport", "ValidationResult", "validate"]

_LABELS = (RDFS + "label", SKOS + "prefLabel")

#: Evaluate pyshacl's SPARQL (targets, constraints) with pyoxigraph; False: rdflib only.
FAST_SPARQL = True


# ------------------------------------------------------------------------------------------
# Report graph -> results
# ------------------------------------------------------------------------------------------


def _owner(graph: rdflib.Graph, node: Any) -> tuple[Any, tuple[str, ...]]:
    """For a blank node in the data: the IRI resource linking to it and the predicates on
    the way, owner first (itself and none when no IRI does)."""
    from rdflib import BNode

    owner, via = nearest_owner(node, lambda n: ((s, str(p)) for s, p in
                                                graph.subject_predicates(n)),
                               lambda n: None if isinstance(n, BNode) else str(n))
    return (node, ()) if owner is None else (owner, via)


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
    seen: set[Any] = set()
    while pending:
        detail = pending.pop()
        if detail in seen:
            continue
        seen.add(detail)
        path = graph.value(detail, URIRef(SH + "resultPath"))
        found.add((path_text(graph, path) if path is not None else "", _message(graph, detail)))
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
            shape = named_ancestor(shapes, shape)
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
                path=path_text(report, path) if path is not None else None,
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
    return stable_blank_nodes(rows), labels


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


ENGINES = ("kzgraph", "pyshacl")


def validate(paths: Iterable[_store.PathArg] | None = None,
             shapes: Iterable[_store.PathArg] | None = None, *,
             ontology: Iterable[_store.PathArg] | None = None,
             engine: str = "kzgraph", incremental: bool = False) -> ValidationReport:
    """Validate RDF data against SHACL shapes.

    paths:    data files or folders; default: the bundled ontology + data (``kzgraph.graph()``).
    shapes:   shapes files or folders; default: the bundled shapes/.
    ontology: merged into the data when ``paths`` is given; default: the bundled ontology/
              (pass ``[]`` for none).
    engine:   "kzgraph": kzgraph's native engine on pyoxigraph (kzgraph.shacl_native), or,
              for shapes using a SHACL feature it does not implement (rules, sh:closed,
              property pair constraints ...), pySHACL with its SPARQL run by pyoxigraph;
              "pyshacl": plain ``pyshacl.validate``, the reference (same report, slower).
    incremental: with the kzgraph engine, validate again only what changed since the last
              run with the same shapes, ontology and file list (see kzgraph.validation_cache).
              Off by default: a result two links away from an edit keeps its previous value,
              so a gate (CI, ``kzgraph build``) validates the whole graph.

    Raises InputError (exit 2) for missing or malformed files or unusable shapes."""
    import rdflib

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if paths is None:
        files = _paths.graph_files()
        if not files:
            raise InputError(f"no ontology or data files found under {_paths.bundle_root()}",
                             hint="run from a kzgraph checkout or set KZGRAPH_HOME to one")
        ontology_files = _paths.turtle_files("ontology")
    else:
        ontology_files = (_paths.turtle_files("ontology") if ontology is None
                          else _store.expand_paths(ontology))
        files = _store.expand_paths([*ontology_files, *_store.expand_paths(paths)])
    data_files = [_store.display_path(p) for p in files]
    shape_files = (_paths.shapes_files() if shapes is None else _store.expand_paths(shapes))
    if not shape_files:
        raise InputError(f"no SHACL shapes found in {_paths.part('shapes')}",
                         hint="add shapes/*.ttl, or pass shapes files with --shapes")
    if engine == "kzgraph":
        from kzgraph.native_validation import validate_native
        from kzgraph.shapes_cache import read_shapes

        names = [_store.display_path(p) for p in shape_files]
        shapes_graph, model = read_shapes(shape_files,
                                          check=lambda graph: _require_shapes(graph, names))
        fixed = {*ontology_files, *shape_files} if incremental else None
        memo = None if incremental else conformance_memo.key(files, shape_files)
        report = (validate_native(files, shapes_graph, model, shape_files, fixed=fixed)
                  if model is not None else None)
        if report is not None:
            if report.conforms and memo is not None and \
                    conformance_memo.key(files, shape_files) == memo:
                conformance_memo.remember(memo)
            return report
    # pySHACL gets the shapes as loaded (with the files' source map), not from the cache
    shapes_graph = _store.load_files(shape_files)
    _require_shapes(shapes_graph, [_store.display_path(p) for p in shape_files])
    data = _store.graph() if paths is None else _store.load_files(files)
    sources = _store.source_map(data)

    target = data
    has_rules = (None, rdflib.URIRef(SH + "rule"), None) in shapes_graph
    if has_rules and paths is None:
        # SHACL rules add triples to the graph validated; keep the shared graph() clean.
        target = rdflib.Graph()
        target += data
        for prefix, namespace in data.namespaces():
            target.bind(prefix, namespace, override=False)

    cache = None
    if engine == "kzgraph" and incremental and not has_rules and internals_supported():
        from kzgraph.validation_cache import ValidationCache

        fixed = {*ontology_files, *shape_files}
        cache = ValidationCache([p for p in files if p not in fixed], fixed)
    focus, touched = (cache.focus(target, sources, _owner) if cache and cache.incremental
                      else (None, set()))
    with offline_and_quiet():
        # Rules change the graph while validating, which a copy would not see.
        conforms, report_graph = run_pyshacl(target, shapes_graph,
                                             mirror=FAST_SPARQL and not has_rules,
                                             focus=focus, reference=engine == "pyshacl")
        results, labels = _results(report_graph, target, shapes_graph, sources)
    if cache is not None:
        if focus is not None:
            results = stable_blank_nodes([*results, *map(ValidationResult.from_dict,
                                                           cache.previous_results(touched))])
            conforms = not any(r.severity == "Violation" for r in results)
            for r in results:
                if r.resource not in labels and not r.resource.startswith("_:"):
                    label = _label(target, rdflib.URIRef(r.resource))
                    if label:
                        labels[r.resource] = label
        cache.save([r.to_dict() for r in results], sources)

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
