"""The shapes files parsed and resolved for the native engine, kept in the cache folder.

Each ``kzgraph validate`` (and the validation of a build) starts by parsing the shapes with
rdflib and resolving every shape (kzgraph.shacl_shapes): about 45 ms, a tenth of a run after
an edit. The result is pickled in ``cache_dir()/shapes/`` under a key made of the shapes
files' paths and bytes, the versions of kzgraph, rdflib and Python and the bytes of the module
that resolves the shapes, so any change to one of those parses again. Only shapes the native
engine can run are kept; a broken, unreadable or foreign entry is parsed again and replaced.
The cache folder is the user's own, as for the other caches.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kzgraph import shacl_shapes
from kzgraph import store as _store
from kzgraph.shacl_shapes import ShapesGraph, Unsupported

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

_KEEP = 8  # entries kept (the newest ones)


def read_shapes(files: list[Path], check: Callable[[rdflib.Graph], None] | None = None
                ) -> tuple[rdflib.Graph, ShapesGraph | None]:
    """The shapes graph of ``files`` and its resolved shapes (None: the native engine does
    not implement them). ``check`` is called on a graph just parsed, before it is kept (a
    kept one passed it: same files, same bytes). Raises what loading the files or ``check``
    raises."""
    import rdflib

    digest = hashlib.sha256(repr([1, sys.version_info[:2], rdflib.__version__,
                                  _version()]).encode())
    try:
        for part in [Path(shacl_shapes.__file__), *files]:
            data = part.read_bytes()
            digest.update(f"\n{os.path.abspath(part)} {len(data)}\n".encode())
            digest.update(data)
        key: str | None = digest.hexdigest()[:32]
    except OSError:
        key = None  # an unreadable file: the load below says which
    path = _store.cache_dir() / "shapes" / f"{key}.pickle"
    if key is not None:
        with contextlib.suppress(Exception):  # whatever a damaged pickle raises: parse again
            graph, model = pickle.loads(path.read_bytes())
            if isinstance(graph, rdflib.Graph) and isinstance(model, shacl_shapes.ShapesGraph):
                return graph, model
    graph = _store.load_files(files)
    if check is not None:
        check(graph)
    try:
        model = ShapesGraph(graph)
    except Unsupported:
        return graph, None
    if key is not None:
        _write(path, pickle.dumps((graph, model), protocol=pickle.HIGHEST_PROTOCOL))
    return graph, model


def _version() -> str:
    from kzgraph.version import __version__

    return __version__


def _write(path: Path, data: bytes) -> None:
    """Write atomically (a read-only or full cache folder is left as it is); keep the _KEEP
    newest entries."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        for stale in entries[_KEEP:]:
            stale.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
