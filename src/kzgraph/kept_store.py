"""The files of the last incremental validation, kept on disk between runs: a pyoxigraph
(RocksDB) store in ``cache_dir()/file-store/``, one named graph per file, so that a run after an
edit replaces the graphs of the files that changed instead of parsing every file again.

``manifest.json`` next to the store says which file each graph holds (with the file's size,
times and sha256, and its prefixes, each set of prefixes written once) and how many distinct
triples and IRI subjects the graphs hold. It is written last, after the store is flushed,
and says ``"state": "updating"`` while graphs are replaced: a store a run left half-updated
(killed, Ctrl-C, a full disk) is never trusted but filled again from the files. RocksDB lets
one process open the store: a second run meanwhile loads the files into memory instead (and
says so), it neither waits nor writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.rdf_files import display_path, format_of, from_oxigraph_error, read_error

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

GRAPH = "urn:kzgraph:file:"  # and the load index, or a file's number in the kept store
#: The blank nodes that are a subject and that no IRI links to (blank nodes are a file's own: no
#: other graph can link to them), whose owner an incremental run asks for; or their graphs.
LOOSE = ("SELECT DISTINCT {what} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (isBlank(?s) && "
         "NOT EXISTS {{ GRAPH ?g {{ ?x ?q ?s }} FILTER isIRI(?x) }}) {only} }}")
# Prefix declarations of Turtle (@prefix and SPARQL-style PREFIX), for writing IRIs in reports.
_PREFIX = re.compile(rb"(?im)^\s*(?:@prefix|prefix)\s+([A-Za-z][\w.\-]*)?:\s*<([^>\s]*)>")
#: Distinct triples over all files (a triple stated in two files counts once); IRI subjects.
TRIPLES = ("SELECT (COUNT(*) AS ?n) WHERE "
           "{ SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
IRI_SUBJECTS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER isIRI(?s) }"
_FORMAT = 2
_PART = 50_000  # quads per bulk_extend
_UNIQUE_TRIPLES = ("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
                   "FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (?h != <{g}>) }} }}")
_UNIQUE_SUBJECTS = ("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
                    "FILTER (isIRI(?s) && NOT EXISTS {{ GRAPH ?h {{ ?s ?q ?v }} "
                    "FILTER (?h != <{g}>) }}) }}")


def folder() -> Path:
    from kzgraph.store import cache_dir

    return cache_dir() / "file-store"


class Kept:
    """The opened store, brought up to date with ``paths``: ``graphs[i]`` is the named graph
    of ``paths[i]``, ``prefixes[i]`` its prefix declarations."""

    def __init__(self, store: pyoxigraph.Store, manifest: dict[str, Any],
                 paths: list[Path]) -> None:
        self.store = store
        entries = manifest["files"]
        self.graphs = [entries[_key(p)]["graph"] for p in paths]
        self.prefixes = [entries[_key(p)]["prefixes"] for p in paths]
        self.loose = [g for p, g in zip(paths, self.graphs, strict=True)
                      if entries[_key(p)]["loose"]]
        self.triples: int = manifest["triples"]
        self.resources: int = manifest["resources"]


def open_kept(paths: list[Path], memory: Any = None) -> Kept | None:
    """The kept store, up to date with the files (None when another run has it open or the
    cache folder cannot hold it: the caller loads the files into memory). ``memory``: an
    in-memory store holding the files already (graph ``GRAPH`` + load index), to fill the kept
    store from if it must be filled again. Raises what loading a broken file raises."""
    import pyoxigraph as ox

    root = folder()
    try:
        root.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(root / "store"))
    except (OSError, RuntimeError) as exc:  # RuntimeError: RocksDB found the store damaged
        if isinstance(exc, OSError) and "lock" in str(exc).lower():
            print(f"kzgraph: another kzgraph run is using {root}; this run loads the files "
                  "into memory", file=sys.stderr)
            return None
        _discard(root)  # a damaged store: start again
        try:
            store = ox.Store(str(root / "store"))
        except (OSError, RuntimeError):
            return None
    _prune_logs(root / "store")
    manifest = _read(root)
    try:
        if manifest is None:
            manifest = _rebuild(store, root, paths, memory)
        else:
            _update(store, root, manifest, paths)
    except (OSError, RuntimeError):
        return None  # a full disk, a read-only folder: the caller loads into memory
    return Kept(store, manifest, paths)


def _prune_logs(store: Path, keep: int = 4) -> None:
    """Delete RocksDB's older information logs: it starts one at every opening and keeps a
    thousand (130 MB at N = 100), none of which the store needs."""
    with contextlib.suppress(OSError):
        old = sorted(n for n in os.listdir(store) if n.startswith("LOG.old."))
        for name in old[:-keep] if len(old) > 2 * keep else ():
            with contextlib.suppress(OSError):
                os.unlink(store / name)


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _versions() -> list[str]:
    import pyoxigraph

    from kzgraph.version import __version__

    return [__version__, pyoxigraph.__version__]


def _read(root: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(manifest, dict) or manifest.get("format") != _FORMAT
            or manifest.get("versions") != _versions() or manifest.get("state") != "ok"
            or not isinstance(manifest.get("files"), dict)):
        return None
    try:
        declared = manifest.pop("declared")
        for entry in manifest["files"].values():
            entry["prefixes"] = declared[entry["prefixes"]]
    except (KeyError, IndexError, TypeError):
        return None
    return manifest


def _write(root: Path, manifest: dict[str, Any]) -> None:
    # Files of one kind declare the same prefixes: written once each in "declared" (at
    # N = 100 the manifest was 1.6 MB, mostly the same prefixes, read and written every run).
    declared: dict[tuple[tuple[str, str], ...], int] = {}
    files = {}
    for name, entry in manifest.get("files", {}).items():
        index = declared.setdefault(tuple(entry["prefixes"].items()), len(declared))
        files[name] = {**entry, "prefixes": index}
    written = {**manifest, "files": files, "declared": [dict(d) for d in declared]}
    tmp = root / f".manifest.{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.write_text(json.dumps(written), encoding="utf-8")
        os.replace(tmp, root / "manifest.json")
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _discard(root: Path) -> None:
    """Move the store aside (one rename), then delete it."""
    gone = root.with_name(f".{root.name}-gone-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with contextlib.suppress(OSError):
        os.replace(root, gone)
        shutil.rmtree(gone, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)


def _stat(path: Path) -> list[int] | None:
    """Size and times of a file not written within RACY_NS (else None: hash it next time)."""
    from kzgraph.store import RACY_NS

    try:
        st = os.stat(path)
    except OSError:
        return None
    if max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - RACY_NS:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def load_file(store: Any, path: Path, graph: str) -> bytes:
    """Load the file into ``store`` as the named graph ``graph``; its bytes. A broken or
    unreadable file raises kzgraph's InputError, naming it."""
    import pyoxigraph as ox

    fmt = format_of(path)
    try:
        data = path.read_bytes()
        store.load(data, format=getattr(ox.RdfFormat, fmt.oxigraph),
                   base_iri=path.resolve().as_uri(), to_graph=ox.NamedNode(graph))
    except SyntaxError as exc:
        raise from_oxigraph_error(exc, path, fmt, display_path(path)) from None
    except OSError as exc:
        raise read_error(exc, display_path(path)) from None
    return data


def count(store: Any, text: str) -> int:
    """The number a ``SELECT (COUNT(...) AS ?n)`` query gives."""
    return int(next(iter(store.query(text)))[0].value)


def _parse(path: Path, graph: str, into: Any = None, *, load: bool = True
           ) -> tuple[Any, dict[str, Any]]:
    """The file loaded, as the graph ``graph``, into ``into`` (default: a new in-memory
    store), and its manifest entry."""
    import pyoxigraph as ox

    scratch = into if into is not None else ox.Store()
    if load:
        data = load_file(scratch, path, graph)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise read_error(exc, display_path(path)) from None
    return scratch, {"graph": graph, "sha": hashlib.sha256(data).hexdigest(),
                     "stat": _stat(path), "prefixes": prefixes_of(path, data),
                     "loose": into is None and bool(_loose(scratch))}


def _loose(store: Any) -> set[str]:
    """The graphs of ``store`` with loose blank nodes (see LOOSE)."""
    return {row[0].value for row in store.query(LOOSE.format(what="?g", only=""))}


def _unique(store: Any, graph: str) -> tuple[int, int]:
    """(triples, IRI subjects) of ``graph`` that no other graph holds."""
    return (count(store, _UNIQUE_TRIPLES.format(g=graph)),
            count(store, _UNIQUE_SUBJECTS.format(g=graph)))


def _rebuild(store: Any, root: Path, paths: list[Path], memory: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    _write(root, {"format": _FORMAT, "versions": _versions(), "state": "updating"})
    store.clear()
    loaded = memory is not None
    memory = memory if loaded else ox.Store()
    files = {}
    for index, path in enumerate(paths):
        files[_key(path)] = _parse(path, f"{GRAPH}{index}", memory, load=not loaded)[1]
    loose = _loose(memory)
    for entry in files.values():
        entry["loose"] = entry["graph"] in loose
    triples, resources = count(memory, TRIPLES), count(memory, IRI_SUBJECTS)
    # bulk_extend writes sorted tables directly (see kzgraph.store._fill_store); in parts, as
    # it holds what it is given in memory (N = 100: 157 MB more at once, 71 MB in parts)
    quads = iter(memory)
    while part := list(itertools.islice(quads, _PART)):
        store.bulk_extend(part)
    store.flush()
    manifest = {"format": _FORMAT, "versions": _versions(), "state": "ok", "files": files,
                "next": len(paths), "triples": triples, "resources": resources}
    _write(root, manifest)
    return manifest


def _update(store: Any, root: Path, manifest: dict[str, Any], paths: list[Path]) -> None:
    """Replace the graphs of the files that changed, drop those of files no longer given."""
    import pyoxigraph as ox

    files: dict[str, Any] = manifest["files"]
    wanted = {_key(p) for p in paths}
    parsed = []
    touched = False
    for path in paths:
        entry = files.get(_key(path))
        if entry is not None and entry.get("stat") is not None and entry["stat"] == _stat(path):
            continue
        graph = entry["graph"] if entry else f"{GRAPH}{manifest['next']}"
        if entry is None:
            manifest["next"] += 1
        scratch, new = _parse(path, graph)  # a broken file fails before any change
        if entry is not None and entry["sha"] == new["sha"]:
            touched = touched or entry["stat"] != new["stat"]
            entry["stat"] = new["stat"]  # touched, not changed
            continue
        parsed.append((_key(path), scratch, new))
    gone = [name for name in files if name not in wanted]
    if not parsed and not gone:
        if touched:
            _write(root, manifest)  # the stat data of touched files
        return
    # what a crash from here leaves: a store to fill again (not the whole list of files)
    _write(root, {"format": _FORMAT, "versions": _versions(), "state": "updating"})
    for name in gone:
        graph = files.pop(name)["graph"]
        triples, resources = _unique(store, graph)
        store.remove_graph(ox.NamedNode(graph))
        manifest["triples"] -= triples
        manifest["resources"] -= resources
    for name, scratch, new in parsed:
        graph = new["graph"]
        if name in files:
            triples, resources = _unique(store, graph)
            manifest["triples"] -= triples
            manifest["resources"] -= resources
            store.clear_graph(ox.NamedNode(graph))
        store.extend(scratch)
        triples, resources = _unique(store, graph)
        manifest["triples"] += triples
        manifest["resources"] += resources
        files[name] = new
    store.flush()
    _write(root, manifest)


def prefixes_of(path: Path, data: bytes) -> dict[str, str]:
    """The prefixes a file declares (the first declaration of each)."""
    import pyoxigraph as ox

    found: dict[str, str] = {}
    fmt = format_of(path)
    if fmt.oxigraph == "TURTLE":
        for prefix, namespace in _PREFIX.findall(data):
            found.setdefault((prefix or b"").decode(), namespace.decode())
        return found
    parser = ox.parse(data, format=getattr(ox.RdfFormat, fmt.oxigraph),  # its parser knows them
                      base_iri=path.resolve().as_uri())
    for _ in parser:
        pass
    for prefix, namespace in (parser.prefixes or {}).items():
        found.setdefault(prefix, namespace)
    return found
