"""Where the bundled graph lives: the checkout (editable install) or the wheel's copy."""

from __future__ import annotations

import os
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


def turtle_files(*folders: str) -> list[Path]:
    """The Turtle files (.ttl, .turtle, any case) of the named bundled folders, sorted for a
    stable load order."""
    from kzgraph.rdf_files import TURTLE_SUFFIXES

    files: list[Path] = []
    for folder in folders:
        files.extend(sorted(p for p in part(folder).rglob("*")
                            if p.suffix.lower() in TURTLE_SUFFIXES and p.is_file()))
    return files


def graph_files() -> list[Path]:
    """The files of the knowledge graph itself: ontology + data."""
    return turtle_files("ontology", "data")


def shapes_files() -> list[Path]:
    return turtle_files("shapes")
