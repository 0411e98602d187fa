"""The release: ``kzgraph build`` (downloads, VoID/DCAT, checksums, site) and ``kzgraph site``.

Read it top-down, each module importing only those above it:

    canonical     the graph's triples in canonical form (blank nodes, order)
    serialise     Turtle, N-Triples, JSON-LD, RDF/XML bytes of a triple list
    bundle        what a release is made of: the bundle's files, Release, dates, statistics
    countries     the release per factsheet: each country's part of the graph
    void          the VoID + DCAT description
    folder        the release folder: marker, temporary folder, swap, SHA256SUMS
    site_model    what the site shows of each resource
    charts        the landing page's emigrant-stock charts
    conneg        content negotiation: the representations, type maps and .htaccess
    site          the static site's pages
    orchestrator  build() and build_site(): validate, write, swap (imported by none of the above)

The orchestrator's names are imported lazily, so that the layers below it never load it.
"""

from __future__ import annotations

from typing import Any

from kzgraph.namespaces import (  # noqa: F401 - the namespaces the release writes
    BASE,
    DCAT,
    DCT,
    FOAF,
    ID_SPACE,
    OWL,
    RDF,
    RDF_TYPE,
    RDFS,
    SKOS,
    SPDX,
    VOCAB_SPACE,
    VOID,
    XSD,
)
from kzgraph.release.bundle import (  # noqa: F401 - re-exported
    BASE_PREFIXES,
    CREATOR_NAME,
    DEFAULT_DOWNLOAD_BASE,
    DESCRIPTION,
    DOWNLOADS,
    LICENSE,
    ONTOLOGY_IRI,
    PART_TITLES,
    TITLE,
    VOID_NS,
    FileInfo,
    Release,
    StoredQueryInfo,
    bundle_files,
    namespace_of,
    read_prefixes,
    read_queries,
    release_dates,
    statistics,
)
from kzgraph.release.canonical import canonical_triples, sort_triples  # noqa: F401
from kzgraph.release.countries import (  # noqa: F401 - re-exported
    CountryPart,
    country_parts,
    dataset_examples,
)
from kzgraph.release.folder import (  # noqa: F401 - re-exported
    MARKER,
    SUMS,
    built_files,
    check_out_dir,
    files_under,
    iter_files,
    new_temp_dir,
    swap_into_place,
    write_sums,
)
from kzgraph.release.serialise import (  # noqa: F401 - re-exported
    RDF_FORMATS,
    PrefixMap,
    jsonld_bytes,
    ntriples_bytes,
    serialise,
)
from kzgraph.release.void import void_triples  # noqa: F401

_ORCHESTRATOR = ("build", "build_site", "load_release", "validate_bundle")


def __getattr__(name: str) -> Any:
    if name in _ORCHESTRATOR:
        from kzgraph.release import orchestrator

        value = getattr(orchestrator, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kzgraph.release' has no attribute {name!r}")
