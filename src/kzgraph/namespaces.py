"""Every namespace kzgraph writes or reads, the display prefixes, and the one IRI shortener.

The graph's own IRIs live under :data:`BASE` (see ontology/README.md): the ontology at
``ontology#``, resources at ``id/``, controlled vocabularies at ``vocab/``. Nothing here imports
more than the lazy regex helper: every other module may import this one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kzgraph.lazy_regex import LazyPattern

# The graph's own spaces.
BASE = "https://w3id.org/kzgraph/"
ONTOLOGY = BASE + "ontology#"
DEM = ONTOLOGY
ID_SPACE = BASE + "id/"
COUNTRY_SPACE = ID_SPACE + "country/"
VOCAB_SPACE = BASE + "vocab/"
UNIT_SPACE = VOCAB_SPACE + "unit/"
INDICATOR_SPACE = VOCAB_SPACE + "indicator/"
#: the SHACL shapes (prefix dsh:); the shapes graph itself is <https://w3id.org/kzgraph/shapes>
SHAPES = BASE + "shapes#"

# W3C and other vocabularies.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
PROV = "http://www.w3.org/ns/prov#"
QB = "http://purl.org/linked-data/cube#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SCHEMA = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
#: EU Publications Office authority tables (languages, countries, file types, data themes:
#: the controlled vocabularies DCAT-AP expects)
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
WD = "http://www.wikidata.org/entity/"

RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
XSD_STRING = XSD + "string"

#: Namespaces used to shorten IRIs in ``table`` and ``markdown`` output (a query's own
#: PREFIX declarations come first). Every country's namespace is added by rule: see
#: :func:`country_namespace`.
DISPLAY_PREFIXES = {
    "dem": ONTOLOGY,
    "country": COUNTRY_SPACE,
    "kzg": ID_SPACE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCT,
    "prov": PROV,
    "qb": QB,
    "wd": WD,
}

_LOCAL = LazyPattern(r"[\w\-]+(?:[\w.\-]*[\w\-])?")

#: A country code: two lower-case letters, the ISO 3166-1 alpha-2 code of the factsheet's
#: country in lower case (``kz``, ``ua``).
COUNTRY_CODE = LazyPattern(r"[a-z]{2}")
_IN_COUNTRY_SPACE = LazyPattern(re.escape(ID_SPACE) + r"([a-z]{2})/")


def country_namespace(code: str) -> str:
    """The namespace of the resources of the factsheet of country ``code``: ``id/{code}/``.

    The rule is the one home of country namespaces: its display prefix is the code itself
    (``https://w3id.org/kzgraph/id/ua/footnote-1`` shows as ``ua:footnote-1``), so every
    country's IRIs shorten without a list of countries and without reading the graph."""
    if not COUNTRY_CODE.fullmatch(code):
        raise ValueError(f"a country code is two lower-case letters, not {code!r}")
    return f"{ID_SPACE}{code}/"


def country_prefix(iri: str) -> tuple[str, str] | None:
    """(code, namespace) if ``iri`` is in a country's namespace, else None."""
    match = _IN_COUNTRY_SPACE.match(iri)
    return (match.group(1), match.group(0)) if match else None


def with_country_prefixes(prefixes: dict[str, str], iris: Iterable[str]) -> dict[str, str]:
    """``prefixes`` plus the display prefix of every country namespace among ``iris`` whose
    code is not already bound to another namespace."""
    out = dict(prefixes)
    for iri in iris:
        found = country_prefix(iri)
        if found and found[0] not in out:
            out[found[0]] = found[1]
    return out


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``prefix:local`` for an IRI in a known namespace or a country's namespace, else the
    IRI itself."""
    best = ""
    best_prefix = ""
    for prefix, ns in with_country_prefixes(prefixes, (iri,)).items():
        if iri.startswith(ns) and len(ns) > len(best):
            local = iri[len(ns):]
            if local == "" or _LOCAL.fullmatch(local):
                best, best_prefix = ns, prefix
    return f"{best_prefix}:{iri[len(best):]}" if best else iri
