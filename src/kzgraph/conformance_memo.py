"""What a full validation found conforming, remembered by the content of its inputs, so that
``kzgraph build`` does not validate again a graph that ``kzgraph validate`` (or the previous
build) just validated in full.

The key is the SHA-256 of every data, ontology and shapes file, the source of the kzgraph
package and the versions of the libraries it validates with: a full validation of the same
key gives the same answer, so a remembered one is as good as a new one. Only conformance is
remembered (a graph that fails is validated again, for its report), only a full validation
with kzgraph's engine is (an incremental one may keep a result an edit changed), and only
when the inputs were the same bytes before and after it (a file edited while it ran is not
vouched for). Entries are empty files in ``$KZGRAPH_CACHE/conforms/``; the newest few stay.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

_FORMAT = 1

#: Remembered inputs kept (a few branches or checkouts side by side).
_KEEP = 16


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a block at a time."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


@functools.cache  # once per process: a validation takes a key before and after it
def _code() -> str:
    """The kzgraph package's source and the versions of what it validates with: a change
    to either may change a result."""
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    for name in ("pyshacl", "pyoxigraph", "rdflib"):
        with contextlib.suppress(PackageNotFoundError):
            digest.update(f"{name}={version(name)}\0".encode())
    return digest.hexdigest()


def key(data: Iterable[Path], shapes: Iterable[Path]) -> str | None:
    """The key of a validation of data (ontology included) against shapes; None if a file
    cannot be read (then nothing is remembered)."""
    try:
        parts = [sorted((str(Path(p).resolve()), file_sha256(Path(p))) for p in set(files))
                 for files in (data, shapes)]
    except OSError:
        return None
    return hashlib.sha256(json.dumps([_FORMAT, _code(), *parts]).encode()).hexdigest()


def _entry(found: str) -> Path:
    from kzgraph.store import cache_dir

    return cache_dir() / "conforms" / found[:40]


def known(found: str | None) -> bool:
    """Whether a full validation with this key conformed."""
    return found is not None and _entry(found).is_file()


def remember(found: str | None) -> None:
    """Record that a full validation with this key conformed (a cache that cannot be
    written is no error)."""
    if found is None:
        return
    entry = _entry(found)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.touch()
        entries = sorted(entry.parent.iterdir(), key=lambda p: p.stat().st_mtime_ns,
                         reverse=True)
        for stale in entries[_KEEP:]:
            if stale != entry:
                os.unlink(stale)
    except OSError:
        pass
