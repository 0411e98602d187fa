"""Every namespace kzgraph writes or reads, the display prefixes, and the one IRI shortener.

The graph's own IRIs live under :data:`BASE` (see ontology/README.md): the ontology at
``ontology#``, resources at ``id/``, controlled vocabularies at ``vocab/``. Nothing here imports
more than the lazy regex helper: every other module may import this one.
"""

from __future__ import annotations

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
WD = "http://www.wikidata.org/entity/"

RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
XSD_STRING = XSD + "string"

#: Namespaces used to shorten IRIs in ``table`` and ``markdown`` output (a query's own
#: PREFIX declarations come first).
DISPLAY_PREFIXES = {
    "dem": ONTOLOGY,
    "kz": ID_SPACE + "kz/",
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


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI itself."""
    best = ""
    best_prefix = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(best):
            local = iri[len(ns):]
            if local == "" or _LOCAL.fullmatch(local):
                best, best_prefix = ns, prefix
    return f"{best_prefix}:{iri[len(best):]}" if best else iri
