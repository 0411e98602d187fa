"""The canonical form of a bundle, kept by the content of its files: a rebuild of unchanged
files reads its three graphs back instead of parsing, relabelling and sorting them again (at
N = 100, 0.5 s instead of 2 s, all of it before the first page can be rendered).

An entry is named by the key a conformance memo has (:func:`kzgraph.conformance_memo.key`:
the SHA-256 of every ontology, data and shapes file, of the package's source and of the
library versions), so it holds exactly what loading those bytes with this code gives: the
graph, ontology and shapes as N-Triples in canonical order (the order of :mod:`canonical`),
the prefixes and the statistics; and, once a build wrote them, the size and SHA-256 of the
downloads made of those graphs, which depend on nothing else: a rebuild links the previous
build's file that has them instead of writing it again. It is written to a temporary folder
that is renamed into place, and an entry that cannot be read is a miss, never an error.
Entries live in ``$KZGRAPH_CACHE/canonical/``; the newest two stay (at N = 1000 one is
500 MB).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_FORMAT = 1

#: Entries kept (a build and the one before it).
_KEEP = 2

_PARTS = ("graph", "ontology", "shapes")


@dataclass
class Canonical:
    """A bundle's graphs in canonical order, its prefixes (name -> namespace) and the
    graph's statistics."""

    graph: list[Any]
    ontology: list[Any]
    shapes: list[Any]
    prefixes: dict[str, str]
    counts: dict[str, Any]
    #: download name -> (size, SHA-256), once a build has written them
    downloads: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class Entry:
    """A release's place in the cache: its name, whether it is there, and what is known of
    the downloads made from it."""

    name: str
    kept: bool
    downloads: dict[str, tuple[int, str]] = field(default_factory=dict)


def key(ontology: Sequence[Path], data: Sequence[Path], shapes: Sequence[Path]) -> str | None:
    """The name of the entry for these files; None if one cannot be read."""
    from kzgraph import conformance_memo

    found = conformance_memo.key([*ontology, *data], shapes)
    return None if found is None else f"{_FORMAT}-{found[:40]}"


def _folder() -> Path:
    from kzgraph.store import cache_dir

    return cache_dir() / "canonical"


def load(name: str | None) -> Canonical | None:
    """The entry of that name, or None if there is none or it cannot be read."""
    if name is None:
        return None
    entry = _folder() / name
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        graph, ontology, shapes = (_read(entry / f"{part}.nt") for part in _PARTS)
        if [len(graph), len(ontology), len(shapes)] != meta["sizes"]:
            return None  # cut short
        downloads = {name: (int(size), str(sha256))
                     for name, (size, sha256) in meta.get("downloads", {}).items()}
        os.utime(entry)  # the newest entries are kept
        return Canonical(graph, ontology, shapes, meta["prefixes"], meta["counts"], downloads)
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return None  # pyoxigraph's parse errors are SyntaxErrors


def _read(path: Path) -> list[Any]:
    import pyoxigraph as ox

    # .triple: half the time of Triple(q.subject, q.predicate, q.object)
    return [q.triple for q in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES)]


def _meta(canonical: Canonical) -> str:
    return json.dumps({"sizes": [len(canonical.graph), len(canonical.ontology),
                                 len(canonical.shapes)],
                       "prefixes": canonical.prefixes, "counts": canonical.counts,
                       "downloads": canonical.downloads})


def keep(name: str | None, canonical: Canonical) -> None:
    """Write the entry of that name, or only its description if it is there (to add the
    downloads' checksums). A cache that cannot be written is no error."""
    if name is None:
        return
    import pyoxigraph as ox

    folder = _folder()
    entry = folder / name
    tmp = folder / f".{name}.{os.getpid()}"
    try:
        if entry.is_dir():
            tmp.write_text(_meta(canonical), encoding="utf-8")
            os.replace(tmp, entry / "meta.json")
            return
        tmp.mkdir(parents=True)
        for part in _PARTS:
            with open(tmp / f"{part}.nt", "wb") as file:
                ox.serialize(getattr(canonical, part), output=file,
                             format=ox.RdfFormat.N_TRIPLES)
        (tmp / "meta.json").write_text(_meta(canonical), encoding="utf-8")
        os.rename(tmp, entry)  # fails if another process put it there first
        entries = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        kept = 0
        for old in entries:  # the newest entries, and what other writers are writing now
            if old.name.startswith("."):
                if time.time() - old.stat().st_mtime > 3600:  # left by a killed process
                    shutil.rmtree(old, ignore_errors=True)
            elif old == entry or kept < _KEEP:
                kept += 1
            else:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            if tmp.is_dir():
                shutil.rmtree(tmp)
            elif tmp.exists():
                tmp.unlink()
