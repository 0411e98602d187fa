"""kzgraph: a linked-data knowledge graph of a country's diaspora engagement.

The public API (names are imported lazily so that ``import kzgraph`` stays cheap)::

    kzgraph.validate(paths=None) -> ValidationReport
    kzgraph.graph() -> rdflib.Graph            # the bundled ontology + data, cached
    kzgraph.queries() -> list[StoredQuery]
    kzgraph.query(name, endpoint=None, **params) -> QueryResult
    kzgraph.sparql(text, endpoint=None) -> QueryResult
    kzgraph.build(out="dist") -> Path
    kzgraph.factsheet(country=None, fmt="md") -> str
    kzgraph.new_country(slug, code, label=None, alpha2=None, ...) -> NewCountry
"""

from __future__ import annotations

from typing import Any

from kzgraph.errors import (
    EndpointError,
    InputError,
    KzgraphError,
    ParameterError,
    QueryNotFoundError,
    RDFSyntaxError,
    SPARQLSyntaxError,
    ValidationFailed,
)
from kzgraph.namespaces import BASE, ONTOLOGY
from kzgraph.version import __version__

_LAZY = {
    "validate": ("kzgraph.validation", "validate"),
    "ValidationReport": ("kzgraph.validation", "ValidationReport"),
    "graph": ("kzgraph.store", "graph"),
    "queries": ("kzgraph.catalogue", "queries"),
    "StoredQuery": ("kzgraph.catalogue", "StoredQuery"),
    "query": ("kzgraph.querying", "query"),
    "sparql": ("kzgraph.querying", "sparql"),
    "QueryResult": ("kzgraph.results", "QueryResult"),
    "build": ("kzgraph.release", "build"),
    "factsheet": ("kzgraph.factsheets", "factsheet"),
    "new_country": ("kzgraph.country_skeleton", "new_country"),
}

__all__ = [
    "BASE",
    "ONTOLOGY",
    "EndpointError",
    "InputError",
    "KzgraphError",
    "ParameterError",
    "QueryNotFoundError",
    "RDFSyntaxError",
    "SPARQLSyntaxError",
    "ValidationFailed",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kzgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
