"""Running the factsheet's stored queries for one country, on the bundled graph, a graph the
caller gives, or a SPARQL endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from kzgraph.errors import InputError

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

    from kzgraph.querying import LocalStore
    from kzgraph.results import Term

#: A graph to render: Turtle files or folders, a pyoxigraph Store or an rdflib Graph.
GraphSource: TypeAlias = "str | Path | Sequence[str | Path] | pyoxigraph.Store | rdflib.Graph"


def _store_of(graph: GraphSource | None) -> LocalStore | None:
    """A store kzgraph.query runs on: None (the bundled graph), a pyoxigraph Store or rdflib
    Graph as given, or the files / folders named, loaded into a pyoxigraph Store."""
    if graph is None:
        return None
    if isinstance(graph, (str, Path)):
        graph = [graph]
    if isinstance(graph, Sequence):
        if not all(isinstance(g, (str, Path)) for g in graph):
            raise InputError("graph= takes Turtle files or folders, a pyoxigraph Store or an "
                             "rdflib Graph")
        from kzgraph.store import load_store

        return load_store(graph)
    return graph


class _Runner:
    """Runs stored queries for one country on one graph or endpoint; rows as dicts of Terms."""

    def __init__(self, country: str, store: LocalStore | None, endpoint: str | None,
                 default_graph: str | None = None, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.country = country
        self.store = store
        self.endpoint = endpoint
        self.default_graph = default_graph

    def __call__(self, name: str, *, scoped: bool = True) -> list[dict[str, Term]]:
        from kzgraph.querying import query

        params = {"country": self.country} if scoped else {}
        result = query(name, endpoint=self.endpoint, store=self.store,
                       default_graph=self.default_graph, params=params,
                       timeout=self.timeout)
        return list(result.rows)
