"""Incremental validation: after an edit, validate only what the edit touches.

A run leaves, in ``cache_dir()/validation/``, its results and, for each data file, the sha256
of its bytes (with the file's size and times: an unchanged file is not read again) and, in
``described/`` under that hash, for each IRI subject of the file, a digest of what the file
says about it (its triples and those of the blank nodes below it) with the IRIs that mentions;
a run reads those of the files that changed only. The entry is
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
import functools
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph import store as _store
from kzgraph.conformance_memo import file_sha256

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

_FORMAT = 3
_KEEP = 4  # entries kept (the newest ones)
_DESCRIBED = "described"
#: Above this share of changed data files, a full run is as quick and simpler.
FULL_RUN_SHARE = 0.5


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
        key = hashlib.sha256(json.dumps(
            [_FORMAT, __version__, pyshacl_version(), sorted(self.files),
             sorted((str(p), file_sha256(p)) for p in fixed_files)]).encode())
        self.path = _store.cache_dir() / "validation" / f"{key.hexdigest()[:32]}.json"
        self.previous = self._read()
        self._described: dict[str, dict[str, list[Any]]] = {}
        old = self.previous["files"] if self.previous else {}
        self.stats: dict[str, list[int] | None] = {}
        self.hashes = {name: self._hash(name, path, old.get(name))
                       for name, path in self.files.items()}
        self.changed = sorted(name for name in set(self.files) | set(old)
                              if old.get(name, {}).get("sha") != self.hashes.get(name))

    def _hash(self, name: str, path: Path, old: dict[str, Any] | None) -> str:
        """The file's sha256; the previous run's when its size and times are the ones that run
        saw (as the store cache does, a file changed within RACY_NS of being hashed is
        hashed again next time: a coarse clock can give two writes the same times)."""
        try:
            st = os.stat(path)
        except OSError:
            st = None
        stat = ([st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
                if st is not None else None)
        if old and stat is not None and old.get("stat") == stat and isinstance(
                old.get("sha"), str):
            self.stats[name] = stat
            return str(old["sha"])
        started = time.time_ns()
        sha = file_sha256(path)
        racy = stat is None or max(stat[1], stat[2]) >= started - _store.RACY_NS
        self.stats[name] = None if racy else stat
        return sha

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

    @functools.cached_property
    def incremental(self) -> bool:
        """Whether a run on the touched focus nodes only can stand for a full run."""
        if self.previous is None or len(self.changed) > FULL_RUN_SHARE * max(len(self.files), 1):
            return False
        old = self.previous["files"]
        return all(self._before(name) is not None for name in self.changed if name in old)

    def _before(self, name: str) -> dict[str, list[Any]] | None:
        """What the previous version of data file ``name`` described (None: not kept)."""
        old = self.previous["files"].get(name, {}) if self.previous else {}
        if not old:
            return {}
        try:
            found = json.loads(self._described_path(old["sha"], name).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return found if isinstance(found, dict) else None

    def _described_path(self, sha: str, name: str) -> Path:
        """Where what a file of these bytes describes is kept (the parse follows the
        extension)."""
        suffix = Path(name).suffix.lstrip(".").lower() or "ttl"
        return self.path.parent / _DESCRIBED / f"{sha[:40]}.{suffix}.json"

    def focus(self, data: rdflib.Graph, sources: _store.SourceMap,
              owner: Callable[[rdflib.Graph, Any], tuple[Any, tuple[str, ...]]]
              ) -> tuple[frozenset[Any], set[str]]:
        """The focus nodes to validate again, and the resources whose results they replace."""
        from rdflib import BNode, URIRef

        assert self.previous is not None
        subjects: set[str] = set()  # resources whose description changed
        mentioned: set[str] = set()
        for name in self.changed:
            before = self._before(name) or {}
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
        files = {}
        for name in self.files:
            files[name] = {"sha": self.hashes[name], "stat": self.stats.get(name)}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            (self.path.parent / _DESCRIBED).mkdir(exist_ok=True)
            # After an edit, an unchanged file's description is the one the previous run
            # kept (were it gone, the next edit of that file means a full run, which writes it)
            unchanged = set(self.files).difference(self.changed) if self.incremental else ()
            for name in self.files:
                if name in unchanged and name not in self._described:
                    continue
                kept = self._described_path(self.hashes[name], name)
                if name in self._described or not kept.exists():
                    _write_atomically(kept, json.dumps(self._now(name)))
            tmp.write_text(json.dumps({"format": _FORMAT, "files": files, "results": results}),
                           encoding="utf-8")
            os.replace(tmp, self.path)
            _prune(self.path.parent, self.path, len(files))
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _prune(folder: Path, keep: Path, files: int) -> None:
    """Keep the _KEEP newest entries, and the descriptions they refer to (looked for only once
    they outnumber the files of an entry well)."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[_KEEP:]:
        if stale != keep:
            with contextlib.suppress(OSError):
                stale.unlink()
    described = list((folder / _DESCRIBED).glob("*.json"))
    if len(described) <= 2 * files + 64:
        return
    used: set[str] = set()
    for entry in folder.glob("*.json"):
        try:
            listed = json.loads(entry.read_text(encoding="utf-8"))["files"]
            used.update(str(v["sha"])[:40] for v in listed.values())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    for path in described:
        if path.name.split(".", 1)[0] not in used:
            with contextlib.suppress(OSError):
                path.unlink()
