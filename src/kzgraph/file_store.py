"""RDF files in one in-memory pyoxigraph store, a named graph per file, for the native SHACL
engine: the files are parsed in Rust with no Python object per triple, and a validation result
can still say which files describe its resource (the graphs its subject is in).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph import kept_store, progress
from kzgraph.kept_store import GRAPH, IRI_SUBJECTS, LOOSE, TRIPLES, prefixes_of
from kzgraph.rdf_files import (
    PathArg,
    display_path,
    expand_paths,
    format_of,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

_PLAIN = ("http://www.w3.org/2001/XMLSchema#string",
          "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")


class FileStore:
    """The files' triples (``store``, one named graph each) and what a report needs of them.

    kept: use the store kept on disk between runs (kzgraph.kept_store), brought up to date with
    the files that changed; in memory when another run has it or the cache folder cannot."""

    def __init__(self, paths: Iterable[PathArg], *, kept: bool = False) -> None:
        import pyoxigraph as ox

        self.paths: list[Path] = expand_paths(paths)
        self.files = [display_path(p) for p in self.paths]
        self.prefixes: dict[str, str] = {}
        self._originals: dict[int, dict[Any, Any]] = {}
        self._counts: tuple[int, int] | None = None
        opened = None
        self._kept = kept  # asked for: keep() need not try again
        if kept:
            opened = kept_store.open_kept(self.paths)
        if opened is not None:
            self.store: pyoxigraph.Store = opened.store
            self._index = {graph: i for i, graph in enumerate(opened.graphs)}
            for declared in opened.prefixes:
                for prefix, namespace in declared.items():
                    self.prefixes.setdefault(prefix, namespace)
            self._counts = (opened.triples, opened.resources)
            self._loose: list[str] | None = opened.loose
            return
        self._loose = None
        self.store = ox.Store()
        self._index = {f"{GRAPH}{i}": i for i in range(len(self.paths))}
        for index, path in enumerate(self.paths):
            self._load(index, path)
            progress.step("files loaded", index + 1, len(self.paths))

    def _load(self, index: int, path: Path) -> None:
        data = kept_store.load_file(self.store, path, f"{GRAPH}{index}")
        for prefix, namespace in prefixes_of(path, data).items():
            self.prefixes.setdefault(prefix, namespace)

    @property
    def kept(self) -> bool:
        """Whether the files are in the store kept on disk (kzgraph.kept_store)."""
        return self._counts is not None

    def loose_blank_nodes(self) -> list[Any]:
        """The blank nodes that are a subject and that no IRI links to."""
        def ask(only: str) -> list[Any]:
            solutions: Any = self.store.query(LOOSE.format(what="?s", only=only))
            return [row[0] for row in solutions]

        if self._loose is None:
            return ask("")
        # the kept store knows which files have some: ask those files only
        return [node for graph in self._loose for node in ask(f"VALUES ?g {{ <{graph}> }}")]

    def keep(self) -> None:
        """Leave these files in the kept store for the next run (from this in-memory store
        where the kept one must be filled again)."""
        if not self._kept:
            kept_store.open_kept(self.paths, memory=self.store)

    def _graph_index(self, quad: Any) -> int:
        """The load index of the file a quad comes from (its named graph)."""
        return self._index[quad.graph_name.value]

    def as_written(self, term: Any, near: Any) -> Any:
        """``term`` as a file writes it: the store keeps valid numbers, booleans and dates in
        canonical form ("481.0" as "481"), the files (and rdflib, pySHACL's parser) keep the
        written form. Looked up in the files describing ``near`` (the resource the literal is
        a value of; for a literal focus node, in the files that state it)."""
        import pyoxigraph as ox

        if not isinstance(term, ox.Literal) or term.language or term.datatype.value in _PLAIN:
            return term
        if isinstance(near, ox.Literal):
            indexes = list(dict.fromkeys(
                self._graph_index(q) for q in itertools.islice(
                    self.store.quads_for_pattern(None, None, near, None), 16)))
        else:
            indexes = self._graphs_of(near)
        for index in indexes:
            found = self._written(index).get(term)
            if found is not None:
                return found
        return term

    def _written(self, index: int) -> dict[Any, Any]:
        """canonical literal -> the literal as written, for the literals of file ``index``
        whose written form is not canonical."""
        found = self._originals.get(index)
        if found is None:
            import pyoxigraph as ox

            found = self._originals[index] = {}
            path = self.paths[index]
            scratch = ox.Store()
            s, p = ox.NamedNode("urn:kzgraph:s"), ox.NamedNode("urn:kzgraph:p")
            try:
                quads = list(ox.parse(path=str(path), format=getattr(
                    ox.RdfFormat, format_of(path).oxigraph), base_iri=path.resolve().as_uri()))
            except (SyntaxError, OSError):
                return found  # the file changed since it was loaded: keep canonical forms
            for quad in quads:
                o = quad.object
                if isinstance(o, ox.Literal) and not o.language and o.datatype.value not in _PLAIN:
                    scratch.add(ox.Quad(s, p, o))
                    canonical = next(iter(scratch)).object
                    scratch.clear()
                    if canonical != o:
                        found.setdefault(canonical, o)
        return found

    def _graphs_of(self, subject: Any) -> list[int]:
        if not hasattr(subject, "value") or type(subject).__name__ == "Literal":
            return []
        return sorted({self._graph_index(q)
                       for q in self.store.quads_for_pattern(subject, None, None, None)})

    def files_of(self, subject: Any) -> tuple[str, ...]:
        """The files in which ``subject`` (a pyoxigraph term) is a subject, in load order."""
        return tuple(self.files[i] for i in self._graphs_of(subject))

    def triple_count(self) -> int:
        """Distinct triples over all files (a triple stated in two files counts once)."""
        if self._counts is not None:
            return self._counts[0]
        return kept_store.count(self.store, TRIPLES)

    def iri_subject_count(self) -> int:
        if self._counts is not None:
            return self._counts[1]
        return kept_store.count(self.store, IRI_SUBJECTS)
