"""Where the bundled graph lives: the checkout (editable install) or the wheel's copy."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

#: The bundle's folders.
BUNDLE_FOLDERS = ("ontology", "data", "shapes", "queries")


def bundle_root() -> Path:
    """The folder holding ontology/, data/, shapes/ and queries/.

    KZGRAPH_HOME overrides; then the source checkout (src/kzgraph/../..); then the copy
    packed into the wheel (kzgraph/_bundled)."""
    env = os.environ.get("KZGRAPH_HOME")
    if env:
        if not Path(env).is_dir():
            from kzgraph.errors import InputError

            raise InputError(f"KZGRAPH_HOME is {env}, which is not a folder",
                             hint="point it at a folder with ontology/, data/, shapes/ and "
                                  "queries/, or unset it to use the bundled graph")
        return Path(env)
    here = Path(__file__).resolve().parent
    checkout = here.parent.parent
    if (checkout / "ontology").is_dir() and (checkout / "data").is_dir():
        return checkout
    return here / "_bundled"


def part(name: str) -> Path:
    return bundle_root() / name


def turtle_listing(*folders: str) -> list[tuple[str, os.stat_result]]:
    """(path, os.stat) of each Turtle file (.ttl, .turtle, any case) of the named bundled
    folders, in :func:`turtle_files` order.

    One scandir walk and one stat per file, with no Path objects: at 9,000 files this is what
    opening the cached store of a large bundle costs first (Path.rglob, is_file and the later
    stats took 0.3 s). As Path.rglob, a symlinked folder is not entered; as Path.is_file, a
    symlinked file counts when it leads to a regular file."""
    from kzgraph.rdf_files import TURTLE_SUFFIXES

    listing: list[tuple[str, os.stat_result]] = []
    for folder in folders:
        found = []
        pending = [str(part(folder))]
        while pending:
            try:
                entries = os.scandir(pending.pop())
            except OSError:  # missing or unreadable: rglob yields nothing either
                continue
            with entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
                        elif os.path.splitext(entry.name)[1].lower() in TURTLE_SUFFIXES:
                            info = entry.stat()
                            if stat.S_ISREG(info.st_mode):
                                found.append((entry.path, info))
        # Path order (by path components), so that both functions list the same sequence.
        found.sort(key=lambda item: item[0].split(os.sep))
        listing.extend(found)
    return listing


def turtle_files(*folders: str) -> list[Path]:
    """The Turtle files (.ttl, .turtle, any case) of the named bundled folders, sorted for a
    stable load order."""
    return [Path(path) for path, _ in turtle_listing(*folders)]


#: The folders of the knowledge graph itself.
GRAPH_FOLDERS = ("ontology", "data")


def graph_files() -> list[Path]:
    """The files of the knowledge graph itself: ontology + data."""
    return turtle_files(*GRAPH_FOLDERS)


def shapes_files() -> list[Path]:
    return turtle_files("shapes")
