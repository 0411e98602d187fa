"""Incremental validation: after an edit, validate only what the edit touches.

A run leaves, in ``cache_dir()/validation/``, its results and, for each data file, the sha256
of its bytes and, for each IRI subject of the file, a digest of what the file says about it
(its triples and those of the blank nodes below it) with the IRIs that mentions. The entry is
keyed by the shapes, the ontology, the list of data files and the versions of kzgraph and
pySHACL, so a change to any of those means a full run. The next run compares the files'
hashes; in the files that changed (or appeared, or went), the resources the edit touches are
those whose description changed, and with them:

- every resource that refers to one of them (one link away);
- every IRI their old or new description mentions (a misspelt property, a linked concept),
  validated as a focus node in its own right;

plus the focus nodes of the previous results that no file describes, and blank nodes no IRI
links to. pySHACL validates those focus nodes on the whole new graph; every other result is
the previous run's. Their results are exactly those a full run gives
(``tests/test_engine_parity.py`` compares both on edits of every kind).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph import store as _store

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

_FORMAT = 2
_KEEP = 4  # entries kept (the newest ones)
#: Above this share of changed data files, a full run is as quick and simpler.
FULL_RUN_SHARE = 0.5


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _described(path: Path) -> dict[str, list[Any]]:
    """What the file says about each IRI subject: a digest of its triples and of those of the
    blank nodes below it (blank node ids masked: they change at every parse), and the IRIs they
    mention. Triples of blank nodes no IRI subject of the file reaches are under "_:"."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
    about: dict[Any, list[Any]] = {}
    for quad in ox.parse(path=str(path), format=fmt):
        about.setdefault(quad.subject, []).append(quad)

    def text(term: Any) -> str:
        return "_:" if isinstance(term, ox.BlankNode) else str(term)

    out: dict[str, list[Any]] = {}
    reached: set[Any] = set()
    roots: list[Any] = [s for s in about if not isinstance(s, ox.BlankNode)]
    for root in [*roots, None]:
        lines: list[str] = []
        mentions: set[str] = set()
        pending = ([root] if root is not None
                   else [s for s in about if isinstance(s, ox.BlankNode) and s not in reached])
        seen: set[Any] = set()
        while pending:
            subject = pending.pop()
            if subject in seen:
                continue
            seen.add(subject)
            reached.add(subject)
            for quad in about.get(subject, ()):
                lines.append(f"{text(subject)} {quad.predicate} {text(quad.object)}")
                for term in (quad.subject, quad.predicate, quad.object):
                    if isinstance(term, ox.NamedNode):
                        mentions.add(term.value)
                if isinstance(quad.object, ox.BlankNode):
                    pending.append(quad.object)
        if lines:
            digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:24]
            out["_:" if root is None else root.value] = [digest, sorted(mentions)]
    return out


class ValidationCache:
    """The previous run's results for the same shapes, ontology and data file list."""

    def __init__(self, data_files: list[Path], fixed_files: Iterable[Path]) -> None:
        from kzgraph.shacl_engine import pyshacl_version
        from kzgraph.version import __version__

        self.files = {_store.display_path(p): p for p in data_files}
        self.hashes = {name: _sha(path) for name, path in self.files.items()}
        key = hashlib.sha256(json.dumps(
            [_FORMAT, __version__, pyshacl_version(), sorted(self.files),
             sorted((str(p), _sha(p)) for p in fixed_files)]).encode())
        self.path = _store.cache_dir() / "validation" / f"{key.hexdigest()[:32]}.json"
        self.previous = self._read()
        self._described: dict[str, dict[str, list[Any]]] = {}
        old = self.previous["files"] if self.previous else {}
        self.changed = sorted(name for name in set(self.files) | set(old)
                              if old.get(name, {}).get("sha") != self.hashes.get(name))

    def _read(self) -> dict[str, Any] | None:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or saved.get("format") != _FORMAT:
            return None
        if not isinstance(saved.get("files"), dict) or not isinstance(saved.get("results"), list):
            return None
        return saved

    @property
    def incremental(self) -> bool:
        """Whether a run on the touched focus nodes only can stand for a full run."""
        return (self.previous is not None
                and len(self.changed) <= FULL_RUN_SHARE * max(len(self.files), 1))

    def focus(self, data: rdflib.Graph, sources: _store.SourceMap,
              owner: Callable[[rdflib.Graph, Any], tuple[Any, tuple[str, ...]]]
              ) -> tuple[frozenset[Any], set[str]]:
        """The focus nodes to validate again, and the resources whose results they replace."""
        from rdflib import BNode, URIRef

        assert self.previous is not None
        old = self.previous["files"]
        subjects: set[str] = set()  # resources whose description changed
        mentioned: set[str] = set()
        for name in self.changed:
            before = old.get(name, {}).get("described", {})
            after = self._now(name)
            for key in set(before) | set(after):
                if before.get(key, [None])[0] != after.get(key, [None])[0]:
                    if key != "_:":
                        subjects.add(key)
                    for facts in (before.get(key), after.get(key)):
                        mentioned.update(facts[1] if facts else ())
        touched = set(subjects) | mentioned
        for key in subjects:
            if key.startswith("_:"):
                continue
            for referrer in data.subjects(None, URIRef(key)):
                touched.add(_store.node_key(owner(data, referrer)[0]
                                            if isinstance(referrer, BNode) else referrer))
        for result in self.previous["results"]:
            if not result.get("files"):
                touched.add(result["resource"])
        nodes: set[Any] = {URIRef(key) for key in touched if not key.startswith("_:")}
        # The blank nodes whose results are reported under a touched resource: those below it
        # (through blank nodes) that have it as their owner. Blank nodes no IRI links to have
        # no owner, so their old results cannot be matched: they are always validated again.
        pending = [b for n in nodes for b in data.objects(n) if isinstance(b, BNode)]
        seen: set[Any] = set()
        while pending:
            blank = pending.pop()
            if blank in seen:
                continue
            seen.add(blank)
            pending.extend(b for b in data.objects(blank) if isinstance(b, BNode))
            if _store.node_key(owner(data, blank)[0]) in touched:
                nodes.add(blank)
        for key in sources.subjects():
            if key.startswith("_:"):
                blank = BNode(key[2:])
                if isinstance(owner(data, blank)[0], BNode):
                    nodes.add(blank)
        return frozenset(nodes), touched

    def _now(self, name: str) -> dict[str, list[Any]]:
        """What the current version of data file ``name`` describes ({} once it is gone)."""
        if name not in self._described:
            path = self.files.get(name)
            self._described[name] = _described(path) if path is not None else {}
        return self._described[name]

    def previous_results(self, touched: set[str]) -> list[dict[str, Any]]:
        """The previous results about resources the edit did not touch."""
        assert self.previous is not None
        return [r for r in self.previous["results"]
                if r["resource"] not in touched and not r["resource"].startswith("_:")]

    def save(self, results: list[dict[str, Any]], sources: _store.SourceMap) -> None:
        """Record this run (atomically; a read-only or full cache folder is left as it is)."""
        old = self.previous["files"] if self.previous else {}
        files = {}
        for name in self.files:
            kept = old.get(name)
            if kept and kept.get("sha") == self.hashes[name]:
                files[name] = kept
            else:
                files[name] = {"sha": self.hashes[name], "described": self._now(name)}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"format": _FORMAT, "files": files, "results": results}),
                           encoding="utf-8")
            os.replace(tmp, self.path)
            _prune(self.path.parent, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _prune(folder: Path, keep: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[_KEEP:]:
        if stale != keep:
            with contextlib.suppress(OSError):
                stale.unlink()
