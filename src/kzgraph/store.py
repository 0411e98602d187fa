"""Loading RDF files: into an rdflib Graph (validation, the Python API) or a pyoxigraph Store
(fast local SPARQL).

Files are parsed by pyoxigraph's Rust parser (several times faster than rdflib's) and, for
rdflib, converted term by term; a syntax error becomes :class:`~kzgraph.errors.RDFSyntaxError`
naming the file, the 1-based line and the parser's message. While loading we record, for every
subject, the files that describe it (:class:`SourceMap`), so that a validation report can say
where a resource lives.

Heavy libraries are imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph import paths as _paths
from kzgraph import progress as _progress
from kzgraph.errors import InputError
from kzgraph.rdf_files import (
    TRIPLE_FORMATS,
    PathArg,
    RdfFormat,
    display_path,
    expand_paths,
    format_of,
    from_oxigraph_error,
    from_rdflib_error,
    load_oxigraph,
    parse_oxigraph,
    read_error,
)
from kzgraph.terms import OxigraphMirror, rdflib_term

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    import rdflib

__all__ = [
    "SourceMap",
    "cache_dir",
    "expand_paths",
    "graph",
    "iter_quads",
    "load_files",
    "load_store",
    "oxigraph_store",
    "source_map",
]

# ------------------------------------------------------------------------------------------
# Which file describes which resource
# ------------------------------------------------------------------------------------------


def node_key(term: Any) -> str:
    """A backend-neutral key for a subject: the IRI itself, or ``_:id`` for a blank node.

    Accepts rdflib and pyoxigraph terms and plain IRI strings."""
    if type(term) is str:
        return term
    name = type(term).__name__
    if name in ("BNode", "BlankNode"):
        return "_:" + (term.value if name == "BlankNode" else str(term))
    if name == "NamedNode":
        return term.value
    return str(term)


class SourceMap:
    """For each subject (IRI or blank node), the files in which it is a subject, in load order."""

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def add(self, subject: Any, file: str) -> None:
        files = self._files.setdefault(node_key(subject), [])
        if file not in files:
            files.append(file)

    def _add_keys(self, keys: Iterable[str], file: str) -> None:
        for key in keys:
            files = self._files.setdefault(key, [])
            if file not in files:
                files.append(file)

    def files(self, subject: Any) -> tuple[str, ...]:
        """The files describing ``subject`` (an rdflib/pyoxigraph term or an IRI string)."""
        return tuple(self._files.get(node_key(subject), ()))

    def subjects(self) -> list[str]:
        return list(self._files)

    def iri_count(self) -> int:
        """How many distinct IRI subjects (resources) were loaded."""
        return sum(1 for key in self._files if not key.startswith("_:"))

    def update(self, other: SourceMap) -> None:
        for key, files in other._files.items():
            mine = self._files.setdefault(key, [])
            mine.extend(f for f in files if f not in mine)

    def __contains__(self, subject: Any) -> bool:
        return node_key(subject) in self._files

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"<SourceMap: {len(self._files)} subjects>"


_SOURCES_ATTR = "_kzgraph_sources"
MIRROR_ATTR = "_kzgraph_mirror"


def source_map(graph: rdflib.Graph) -> SourceMap:
    """The :class:`SourceMap` recorded when ``graph`` was loaded by :func:`load_files`
    (an empty one for a graph built otherwise)."""
    sources = getattr(graph, _SOURCES_ATTR, None)
    return sources if isinstance(sources, SourceMap) else SourceMap()


# ------------------------------------------------------------------------------------------
# Paths
# ------------------------------------------------------------------------------------------


# ------------------------------------------------------------------------------------------
# Parse errors -> file:line: message
# ------------------------------------------------------------------------------------------

# ------------------------------------------------------------------------------------------
# Files -> rdflib.Graph
# ------------------------------------------------------------------------------------------

def _load_oxigraph_into(graph: rdflib.Graph, path: Path, fmt: RdfFormat, file: str,
                        sources: SourceMap, memo: dict[Any, Any],
                        mirror: OxigraphMirror | None = None) -> None:
    from rdflib import URIRef

    def convert(term: Any) -> Any:
        try:
            value = rdflib_term(term)
        except TypeError:
            raise InputError("RDF-star triple terms are not supported", file=file) from None
        memo[term] = value
        return value

    add = graph.store.add
    subjects: dict[Any, None] = {}
    parser = parse_oxigraph(path, fmt, file)
    quads: list[Any] | None = [] if mirror is not None else None
    try:
        for quad in parser:
            s = memo.get(quad.subject)
            if s is None:
                s = convert(quad.subject)
            p = memo.get(quad.predicate)
            if p is None:
                p = convert(quad.predicate)
            o = memo.get(quad.object)
            if o is None:
                o = convert(quad.object)
            subjects[s] = None
            add((s, p, o), graph, quoted=False)
            if quads is not None:
                quads.append(quad)
    except SyntaxError as exc:
        raise from_oxigraph_error(exc, path, fmt, file) from None
    except OSError as exc:
        raise read_error(exc, file) from None
    if mirror is not None and quads is not None:
        mirror.add(quads, memo)
    sources._add_keys((node_key(s) for s in subjects), file)
    bound = {str(ns) for _, ns in graph.namespaces()}
    for prefix, namespace in (parser.prefixes or {}).items():
        if namespace not in bound:
            graph.bind(prefix, URIRef(namespace), override=False)


def _load_rdflib_into(graph: rdflib.Graph, path: Path, fmt: RdfFormat, file: str,
                      sources: SourceMap) -> None:
    import rdflib

    part = rdflib.Graph(bind_namespaces="none")
    try:
        part.parse(str(path), format=fmt.rdflib)
    except OSError as exc:
        raise read_error(exc, file) from None
    except Exception as exc:  # every rdflib parser raises its own type
        raise from_rdflib_error(exc, fmt, file) from None
    subjects: dict[Any, None] = {}
    add = graph.store.add
    for triple in part:
        subjects[triple[0]] = None
        add(triple, graph, quoted=False)
    sources._add_keys((node_key(s) for s in subjects), file)
    for prefix, namespace in part.namespaces():
        graph.bind(prefix, namespace, override=False)


@contextlib.contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Silence rdflib's logging meanwhile: it logs a full traceback for every ill-typed literal
    (e.g. "abc"^^xsd:integer), which SHACL reports properly instead."""
    import logging

    log = logging.getLogger("rdflib")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def load_files(paths: Iterable[PathArg], *, graph: rdflib.Graph | None = None,
               sources: SourceMap | None = None, parser: str = "oxigraph") -> rdflib.Graph:
    """Parse RDF files (and folders of ``*.ttl``) into one rdflib Graph.

    The format follows the extension (.ttl, .nt, .jsonld, .rdf/.owl). Each file is parsed once;
    blank nodes are kept apart between files. The subjects of each file are recorded in a
    :class:`SourceMap` (``sources`` if given), available afterwards as ``source_map(graph)``.
    ``parser="rdflib"`` uses rdflib's own parsers instead of pyoxigraph's.

    Raises InputError for a missing or unreadable file, RDFSyntaxError (with file and 1-based
    line) for a file that does not parse."""
    if parser not in ("oxigraph", "rdflib"):
        raise ValueError(f"parser must be 'oxigraph' or 'rdflib', not {parser!r}")
    import rdflib

    files = expand_paths(paths)
    target = graph if graph is not None else rdflib.Graph()
    if sources is None:  # loading more files into a loaded graph extends its map
        sources = getattr(target, _SOURCES_ATTR, None) or SourceMap()
    memo: dict[Any, Any] = {}  # one rdflib term per distinct term: fewer objects, faster
    # pyoxigraph's copy of the graph for the SHACL engine's SPARQL, filled from the same parse
    # (converting the rdflib graph back took as long as loading it); only for a new graph.
    mirror = OxigraphMirror() if parser == "oxigraph" and not len(target) else None
    with quiet_rdflib():
        for done, path in enumerate(files, 1):
            fmt = format_of(path)
            file = display_path(path)
            if parser == "rdflib":
                _load_rdflib_into(target, path, fmt, file, sources)
            else:
                _load_oxigraph_into(target, path, fmt, file, sources, memo, mirror)
            _progress.step("files loaded", done, len(files))
    setattr(target, _SOURCES_ATTR, sources)
    setattr(target, MIRROR_ATTR, mirror if mirror is not None and parser == "oxigraph" else None)
    return target


def _bundled_graph_files() -> list[Path]:
    files = _paths.graph_files()
    if not files:
        raise InputError(f"no ontology or data files found under {_paths.bundle_root()}",
                         hint="run from a kzgraph checkout or set KZGRAPH_HOME to one")
    return files


@functools.cache
def graph() -> rdflib.Graph:
    """The bundled ontology + data as one rdflib Graph, parsed once per process.

    The same object is returned on every call: copy it before changing it."""
    return load_files(_bundled_graph_files())


# ------------------------------------------------------------------------------------------
# Files -> pyoxigraph.Store, with an on-disk cache
# ------------------------------------------------------------------------------------------

_CACHE_FORMAT = 1
_MEMORY_BYTES = 500_000  # below this much RDF, oxigraph_store() parses into memory
_CACHE_KEEP = 4  # cached stores kept per cache folder (the newest ones)


def cache_dir() -> Path:
    """Where kzgraph caches things: $KZGRAPH_CACHE, else $XDG_CACHE_HOME/kzgraph, else
    ~/.cache/kzgraph."""
    env = os.environ.get("KZGRAPH_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kzgraph"


def iter_quads(files: Iterable[Path]) -> Iterator[pyoxigraph.Quad]:
    """The quads of every RDF file in turn (pyoxigraph terms, blank nodes distinct per file);
    errors name the file and line."""
    for path in files:
        fmt = format_of(path)
        file = display_path(path)
        try:
            yield from parse_oxigraph(path, fmt, file)
        except SyntaxError as exc:
            raise from_oxigraph_error(exc, path, fmt, file) from None
        except OSError as exc:
            raise read_error(exc, file) from None


def _fill_store(store: pyoxigraph.Store, files: list[Path]) -> None:
    # bulk_extend writes sorted tables directly, where extend goes through RocksDB's
    # write-ahead log (N=1000: 7 s and 153 MB instead of 28 s, 865 MB); in memory both are
    # equally fast. The store is new and private until published, so no isolation is needed.
    store.bulk_extend(iter_quads(files))


def _cache_key(files: list[Path]) -> str:
    """sha256 over the files' names and bytes, the kzgraph and pyoxigraph versions."""
    import hashlib  # lazily: the bundled graph is parsed in memory, never hashed

    import pyoxigraph

    from kzgraph.version import __version__

    digest = hashlib.sha256()
    digest.update(f"kzgraph {__version__} pyoxigraph {pyoxigraph.__version__} "
                  f"cache {_CACHE_FORMAT}\n".encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise read_error(exc, display_path(path)) from None
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# The content key costs a read of every byte (~0.3 s for 9,000 files, 120 MB). A small index
# maps a *stat signature* of the files (path, device, inode, size, mtime_ns, ctime_ns) to the
# content key computed for them, so an unchanged set of files is keyed by os.stat alone. A
# change of content changes ctime (which no user call can set back) and, usually, size and
# mtime: the signature misses and the files are hashed again. Files changed less than
# RACY_NS before they were hashed are not indexed (the "racy git" problem: two writes within
# one tick of a coarse file-system clock leave the same times), so they are hashed next time.
_STAT_INDEX = "stat-index.json"
_STAT_INDEX_KEEP = 32
RACY_NS = 2_000_000_000


def _stat_signature(files: list[Path]) -> tuple[str, int] | None:
    """(sha256 of the files' stat data, newest mtime/ctime in ns); None if a file is
    missing (the content key then reports it)."""
    listing = []
    for path in files:
        try:
            listing.append((path, os.stat(path)))
        except OSError:
            return None
    return _signature_of(listing)


def _signature_of(listing: Iterable[tuple[PathArg, os.stat_result]]) -> tuple[str, int]:
    import hashlib  # lazily: the bundled graph is parsed in memory, never hashed

    import pyoxigraph

    from kzgraph.version import __version__

    digest = hashlib.sha256()
    digest.update(f"kzgraph {__version__} pyoxigraph {pyoxigraph.__version__} "
                  f"cache {_CACHE_FORMAT} stat\n".encode())
    newest = 0
    for path, st in listing:
        digest.update(f"{os.path.abspath(path)}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0"
                      f"{st.st_mtime_ns}\0{st.st_ctime_ns}\n".encode())
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    return digest.hexdigest(), newest


def _read_stat_index(root: Path) -> dict[str, Any]:
    try:
        index = json.loads((root / _STAT_INDEX).read_text(encoding="utf-8"))
        entries = index.get("entries") if index.get("format") == _CACHE_FORMAT else None
        return entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _write_stat_index(root: Path, signature: str, key: str) -> None:
    """Add signature -> key (newest entries kept); atomic, and silent when it cannot."""
    entries = _read_stat_index(root)
    entries.pop(signature, None)
    entries[signature] = key
    kept = dict(list(entries.items())[-_STAT_INDEX_KEEP:])
    import uuid

    tmp = root / f".{_STAT_INDEX}.{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"format": _CACHE_FORMAT, "entries": kept}), encoding="utf-8")
        os.replace(tmp, root / _STAT_INDEX)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _content_key(files: list[Path]) -> str:
    """The cache key of ``files`` (:func:`_cache_key`), found by stat data when they are
    unchanged since they were last hashed."""
    root = cache_dir()
    before = _stat_signature(files)
    if before is not None:
        key = _read_stat_index(root).get(before[0])
        if isinstance(key, str) and len(key) == 64:
            return key
    started = time.time_ns()
    key = _cache_key(files)
    if before is not None and before[1] < started - RACY_NS:
        after = _stat_signature(files)
        if after is not None and after[0] == before[0]:  # nothing changed while hashing
            _write_stat_index(root, before[0], key)
    return key


def _store_manifest(folder: Path) -> dict[str, list[int]]:
    """name -> [size, mtime_ns] of the database files (not RocksDB's LOG and LOCK, which
    any open may touch). A read-only open changes none of them, so any difference means the
    files were changed after the store was published: a damaged store, which RocksDB does
    not always notice (one flipped byte once made queries grow to 24 GB)."""
    manifest = {}
    for path in sorted(folder.rglob("*")):
        if path.name.startswith(("LOG", "LOCK")) or not path.is_file():
            continue
        st = path.stat()
        manifest[path.relative_to(folder).as_posix()] = [st.st_size, st.st_mtime_ns]
    return manifest


def _open_cached(entry: Path, key: str) -> pyoxigraph.Store | None:
    """The cached store if it is complete, unchanged and matches ``key``; None otherwise."""
    import pyoxigraph as ox

    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        if meta.get("key") != key or meta.get("format") != _CACHE_FORMAT:
            return None
        if meta.get("manifest") != _store_manifest(entry / "store"):
            return None  # damaged (or from before manifests): rebuilt by the caller
        # No len(store) check: pyoxigraph counts by a full scan (230 ms at N=1000). The entry
        # is published complete by one atomic rename; a broken database fails to open.
        return ox.Store.read_only(str(entry / "store"))
    except (OSError, RuntimeError, ValueError, TypeError, AttributeError):
        return None


def _prune_cache(root: Path, keep: Path) -> None:
    import shutil

    entries = sorted((p for p in root.glob("store-*") if p.is_dir() and p != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[_CACHE_KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def _build_cached(files: list[Path], key: str) -> pyoxigraph.Store:
    """Build the store in a private folder, then publish it with one atomic rename."""
    import shutil
    import uuid

    import pyoxigraph as ox

    root = cache_dir()
    entry = root / f"store-{key[:32]}"
    cached = _open_cached(entry, key) if entry.exists() else None
    if cached is not None:
        return cached
    tmp = root / f".tmp-{key[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        store = ox.Store(str(tmp / "store"))
        try:
            _fill_store(store, files)
            store.flush()
            # Compacted once, queries read fewer tables: N = 1000, compare-political-rights
            # 0.87 s to 0.60 s, compare-emigrant-stocks 1.2 s to 0.83 s, for 2 s here.
            store.optimize()
            count = len(store)
        finally:
            del store  # closes RocksDB before the folder moves
        meta = {"format": _CACHE_FORMAT, "key": key, "triples": count,
                "files": [display_path(p) for p in files],
                "manifest": _store_manifest(tmp / "store")}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if entry.exists():  # stale or corrupt (we could not open it): replace it
            shutil.rmtree(entry, ignore_errors=True)
        # If another process published the same entry first, the rename fails: use theirs.
        with contextlib.suppress(OSError):
            tmp.rename(entry)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    cached = _open_cached(entry, key)
    if cached is None:
        raise OSError(f"the cached store in {entry} does not open")
    _prune_cache(root, entry)
    return cached


def load_store(paths: Iterable[PathArg], *, cache: bool = False) -> pyoxigraph.Store:
    """Parse RDF files (and folders of ``*.ttl``) into a pyoxigraph Store (default graph).

    With ``cache=True`` the store lives on disk under :func:`cache_dir`, keyed by the sha256 of
    the files' bytes (and the kzgraph and pyoxigraph versions; files unchanged since they were
    last hashed are recognised by their stat data), and is returned read-only;
    an unusable, stale or corrupt cache entry is rebuilt, and if the cache folder cannot be
    written the store is built in memory. Errors as for :func:`load_files`."""
    import pyoxigraph as ox

    files = expand_paths(paths)
    if cache:
        key = _content_key(files)
        try:
            return _build_cached(files, key)
        except (OSError, RuntimeError):
            pass  # read-only home, full disk, RocksDB trouble: fall back to memory
    store = ox.Store()
    # In memory, Store.load (Rust from file to store) is faster than bulk_extend's Python
    # iterator of quads; a JSON-LD file may hold named graphs, which parse_oxigraph refuses.
    for path in files:
        fmt = format_of(path)
        if fmt.oxigraph in TRIPLE_FORMATS:
            load_oxigraph(store, path, fmt)
        else:
            _fill_store(store, [path])
    return store


@functools.cache
def oxigraph_store() -> pyoxigraph.Store:
    """The bundled ontology + data as a pyoxigraph Store, for fast local SPARQL.

    Below 500 kB of RDF (the bundled graph) it is parsed into memory at each start, which is
    faster than opening RocksDB; above, it is opened from the on-disk cache when the files are
    unchanged (read-only; copy the quads into a new ``pyoxigraph.Store()`` to change them),
    otherwise built and cached."""
    listing = _paths.turtle_listing(*_paths.GRAPH_FOLDERS)
    # A small graph parses faster than RocksDB opens (~8 ms vs 10-50 ms for the bundled one).
    small = sum(info.st_size for _, info in listing) < _MEMORY_BYTES
    if not small:
        cached = _open_unchanged(listing)
        if cached is not None:
            return cached
    return load_store(_bundled_graph_files(), cache=not small)


def _open_unchanged(listing: list[tuple[str, os.stat_result]]) -> pyoxigraph.Store | None:
    """The cached store of the listed files when the stat index knows them unchanged, from
    the stat data at hand (no second listing, stat or Path per file); None otherwise, and
    load_store takes the usual path (it hashes what changed, builds, reports bad files)."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for path, info in listing:  # dropped as expand_paths drops them: by (device, inode)
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            unique.append((path, info))
    key = _read_stat_index(cache_dir()).get(_signature_of(unique)[0])
    if not (isinstance(key, str) and len(key) == 64):
        return None
    entry = cache_dir() / f"store-{key[:32]}"
    return _open_cached(entry, key) if entry.exists() else None

