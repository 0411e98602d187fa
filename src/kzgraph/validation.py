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

import dataclasses
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph import paths as _paths
from kzgraph import store as _store
from kzgraph.errors import InputError
from kzgraph.namespaces import RDFS, SH, SKOS
from kzgraph.shacl_engine import internals_supported, offline_and_quiet, run_pyshacl
from kzgraph.shacl_paths import named_ancestor, path_text

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

__all__ = ["ValidationReport", "ValidationResult", "validate"]

_SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2}
_LABELS = (RDFS + "label", SKOS + "prefLabel")


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationResult:
        """The result :meth:`to_dict` gave."""
        return cls(**{**data, "files": tuple(data["files"]), "via": tuple(data["via"]),
                      "details": tuple((d["path"], d["message"]) for d in data["details"])})

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


#: Evaluate pyshacl's SPARQL (targets, constraints) with pyoxigraph; False: rdflib only.
FAST_SPARQL = True


# ------------------------------------------------------------------------------------------
# Report graph -> results
# ------------------------------------------------------------------------------------------


def _owner(graph: rdflib.Graph, node: Any) -> tuple[Any, tuple[str, ...]]:
    """For a blank node in the data: the IRI resource linking to it and the predicates on
    the way (nearest first resolved to owner-first order)."""
    from rdflib import BNode

    via: list[str] = []
    current = node
    seen: set[Any] = set()
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


ENGINES = ("kzgraph", "pyshacl")


def _validate_native(files: list[Path], shapes_graph: rdflib.Graph,
                     shape_files: list[Path]) -> ValidationReport | None:
    """The report of the native engine, or None when the shapes need pySHACL."""
    from kzgraph.file_store import FileStore
    from kzgraph.native_report import NativeReport
    from kzgraph.shacl_native import NativeEngine
    from kzgraph.shacl_shapes import ShapesGraph, Unsupported

    try:
        model = ShapesGraph(shapes_graph)
    except Unsupported:
        return None
    loaded = FileStore(files)
    engine = NativeEngine(loaded.store, model, written=loaded.as_written)
    with _store.quiet_rdflib():  # rdflib logs a traceback for each ill-typed literal it reads
        try:
            raw = engine.validate()
        except Unsupported:
            return None
        rows, labels = NativeReport(engine, loaded, list(loaded.prefixes.items())).results(raw)
    results = _stable_blank_nodes(ValidationResult(**row) for row in rows)
    prefixes = {p: str(ns) for p, ns in shapes_graph.namespaces()}
    prefixes.update(loaded.prefixes)
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results, triples=loaded.triple_count(), resources=loaded.iri_subject_count(),
        data_files=list(loaded.files), shapes_files=[_store.display_path(p) for p in shape_files],
        labels=labels, prefixes=prefixes)


def validate(paths: Iterable[_store.PathArg] | None = None,
             shapes: Iterable[_store.PathArg] | None = None, *,
             ontology: Iterable[_store.PathArg] | None = None,
             engine: str = "kzgraph", incremental: bool = False) -> ValidationReport:
    """Validate RDF data against SHACL shapes.

    paths:    data files or folders; default: the bundled ontology + data (``kzgraph.graph()``).
    shapes:   shapes files or folders; default: the bundled shapes/.
    ontology: merged into the data when ``paths`` is given; default: the bundled ontology/
              (pass ``[]`` for none).
    engine:   "kzgraph" (pySHACL with its SPARQL run by pyoxigraph) or "pyshacl" (plain
              ``pyshacl.validate``, the reference: same results, slower).
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
    shapes_graph = _store.load_files(shape_files)
    _require_shapes(shapes_graph, [_store.display_path(p) for p in shape_files])
    if engine == "kzgraph" and not incremental:
        report = _validate_native(files, shapes_graph, shape_files)
        if report is not None:
            return report
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
            results = _stable_blank_nodes([*results, *map(ValidationResult.from_dict,
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
