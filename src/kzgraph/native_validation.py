"""Validation with the native engine (kzgraph.shacl_native): the files in a pyoxigraph store,
the report as pySHACL would give it, and, with ``incremental``, only what an edit touches
validated again (the bookkeeping of kzgraph.validation_cache, asked of the store), on the store
kept on disk between such runs (kzgraph.kept_store).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph import store as _store
from kzgraph.file_store import FileStore
from kzgraph.native_report import NativeReport
from kzgraph.shacl_native import _FEW, NativeEngine
from kzgraph.shacl_shapes import ShapesGraph, Unsupported
from kzgraph.validation_report import ValidationReport, ValidationResult, stable_blank_nodes

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

#: On the store kept on disk a query over the whole graph costs several times what it costs in
#: memory (N = 1000: an edit touching 2,500 nodes took minutes that way), so up to this many
#: focus nodes are each asked of the store.
_KEPT_FEW = 50_000


def validate_native(files: list[Path], shapes_graph: rdflib.Graph, model: ShapesGraph,
                    shape_files: list[Path], *,
                    fixed: set[Path] | None = None) -> ValidationReport | None:
    """The report of the native engine, or None when the shapes need pySHACL.

    model: the shapes of shapes_graph, resolved (kzgraph.shapes_cache.read_shapes);
    fixed: for an incremental run, the files (ontology, shapes) whose change means a full run;
    None for a full run."""
    cache = None
    if fixed is not None:
        from kzgraph.validation_cache import ValidationCache

        cache = ValidationCache([p for p in files if p not in fixed], fixed)
    # After an edit, the files in the store kept between runs, the changed ones replaced; a
    # full run (quicker on an in-memory store) fills that store for the next run.
    loaded = FileStore(files, kept=cache is not None and cache.incremental)
    engine = NativeEngine(loaded.store, model, written=loaded.as_written,
                          few=_KEPT_FEW if loaded.kept else _FEW)
    report = NativeReport(engine, loaded, list(loaded.prefixes.items()))
    only: set[Any] | None = None
    touched: set[str] = set()
    with _store.quiet_rdflib():  # rdflib logs a traceback for each ill-typed literal it reads
        if cache is not None and cache.incremental:
            view = _StoreView(loaded, engine, report)
            nodes, touched = cache.focus(view, _BlankSubjects(loaded),  # type: ignore[arg-type]
                                         view.owner)
            only = {engine.ox(n) for n in nodes}
        try:
            raw = engine.validate(only)
        except Unsupported:
            return None
        rows, labels = report.results(raw)
        results = [ValidationResult(**row) for row in rows]
        if cache is not None and only is not None:
            from rdflib import URIRef

            for kept in cache.previous_results(touched):
                results.append(ValidationResult.from_dict(kept))
                if kept["resource"] not in labels:
                    label = report.label(URIRef(kept["resource"]))
                    if label:
                        labels[kept["resource"]] = label
    results = stable_blank_nodes(results)
    if cache is not None:
        cache.save([r.to_dict() for r in results], _store.SourceMap())
        loaded.keep()
    prefixes = {p: str(ns) for p, ns in shapes_graph.namespaces()}
    prefixes.update(loaded.prefixes)
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results, triples=loaded.triple_count(), resources=loaded.iri_subject_count(),
        data_files=list(loaded.files), shapes_files=[_store.display_path(p) for p in shape_files],
        labels=labels, prefixes=prefixes)


class _StoreView:
    """What ValidationCache.focus asks of the data graph and its source map, answered by the
    store in rdflib terms."""

    def __init__(self, loaded: FileStore, engine: NativeEngine, report: NativeReport) -> None:
        self._store = loaded.store
        self._engine = engine
        self._report = report

    def subjects(self, predicate: Any = None, obj: Any = None) -> Iterator[Any]:
        assert predicate is None
        seen = set()
        for q in self._store.quads_for_pattern(None, None, self._engine.ox(obj), None):
            if q.subject not in seen:
                seen.add(q.subject)
                yield self._engine.rdf(q.subject)

    def objects(self, subject: Any = None, predicate: Any = None) -> Iterator[Any]:
        assert predicate is None
        seen = set()
        for q in self._store.quads_for_pattern(self._engine.ox(subject), None, None, None):
            if q.object not in seen:
                seen.add(q.object)
                yield self._engine.rdf(q.object)

    def owner(self, _data: Any, node: Any) -> tuple[Any, tuple[str, ...]]:
        return self._report.owner(self._engine.ox(node))


class _BlankSubjects:
    """The part of a SourceMap that ValidationCache.focus reads: the subjects' keys (here only
    those of the blank nodes no IRI links to, the ones whose owner it asks for: the owner of a
    blank node an IRI links to is an IRI)."""

    def __init__(self, loaded: FileStore) -> None:
        self._loaded = loaded

    def subjects(self) -> list[str]:
        return [f"_:{node.value}" for node in self._loaded.loose_blank_nodes()]
