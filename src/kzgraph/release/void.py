"""The VoID + DCAT description of a release (``void.*``): the catalogue, its data sets with
their statistics, and one distribution per file with its checksum.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kzgraph.namespaces import (
    BASE,
    DCAT,
    DCT,
    DEM,
    EU_AUTHORITY,
    FOAF,
    IANA_MEDIA_TYPES,
    OWL,
    PROV,
    RDF_TYPE,
    RDFS,
    SKOS,
    SPDX,
    VOID,
    XSD,
)
from kzgraph.release.bundle import (
    CREATOR_NAME,
    DESCRIPTION,
    DOWNLOADS,
    LICENSE,
    PART_TITLES,
    TITLE,
    VOID_NS,
    FileInfo,
    Release,
)
from kzgraph.release.canonical import sort_triples
from kzgraph.release.countries import CountryPart, country_parts, covered_years, dataset_examples

#: extension -> the EU file-type authority code (DCAT-AP's vocabulary for dct:format)
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "jsonld": "JSON_LD", "rdf": "RDF_XML"}
#: EU data themes (code -> the vocabulary's English label): Population and society (emigrant
#: statistics, diaspora organisations), Government and public sector (laws, policies,
#: institutions, political rights)
THEMES = {"SOCI": "Population and society", "GOVE": "Government and public sector"}
THEME_TAXONOMY = (EU_AUTHORITY + "data-theme", "Data theme")
#: CC BY 4.0 is an attribution licence (ADMS licence type)
LICENCE_TYPE = ("http://purl.org/adms/licencetype/Attribution", "Attribution")
KEYWORDS = {
    "kzgraph": ("diaspora", "diaspora engagement", "emigration", "migration statistics",
                "political rights", "dual citizenship", "migration policy", "linked data"),
    "ontology": ("diaspora", "diaspora engagement", "ontology", "OWL", "SKOS"),
    "shapes": ("diaspora", "SHACL", "data quality"),
}


def _fragment(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


def covered_countries(rel: Release) -> list[tuple[str, str | None, str | None]]:
    """(IRI, English label, ISO 3166-1 alpha-3) of each country a factsheet is about."""
    import pyoxigraph as ox

    factsheets = {t.subject for t in rel.graph
                  if t.predicate.value == RDF_TYPE and t.object.value == DEM + "Factsheet"}
    countries = {t.object for t in rel.graph
                 if t.subject in factsheets and t.predicate.value == DEM + "country"}
    facts: dict[Any, dict[str, str]] = {c: {} for c in countries}
    for t in rel.graph:
        if t.subject in facts and isinstance(t.object, ox.Literal):
            if t.predicate.value == RDFS + "label" and t.object.language == "en":
                facts[t.subject]["label"] = t.object.value
            elif t.predicate.value == DEM + "iso3166Alpha3":
                facts[t.subject]["alpha3"] = t.object.value
    return sorted((c.value, f.get("label"), f.get("alpha3")) for c, f in facts.items())


def subset_iri(part: CountryPart) -> str:
    """The VoID subset of a country's part of the graph (a hash IRI of the VoID file)."""
    return f"{VOID_NS}country-{part.code}"


def subset_description(part: CountryPart) -> str:
    """What a country's subset is: its factsheet(s) and what of them is in the graph."""
    sheets = []
    for sheet in part.factsheets:
        missing = [s.label for s in sheet.sections if s.missing]
        text = f"'{sheet.title}'"
        if missing:
            kept = [s.label for s in sheet.sections if not s.missing]
            text += (f" (only {'; '.join(kept) or 'no section'} recovered; not in the source: "
                     f"{'; '.join(missing)})")
        sheets.append(text)
    return (f"The part of the graph built from the EUDiF factsheet {' and '.join(sheets)}: "
            f"the resources under {part.namespace}, with their blank nodes and reified "
            "statements. Shared resources (countries, sources, concepts, the ontology) are in "
            "the whole graph only.")


def void_triples(rel: Release, files: Sequence[FileInfo]) -> list[Any]:
    """The VoID + DCAT description of the release (no blank nodes: every node is an IRI in
    the kzvoid: namespace, so that it needs no canonicalisation)."""
    import pyoxigraph as ox

    N = ox.NamedNode
    out: list[Any] = []

    def lit(value: Any, dt: str | None = None, lang: str | None = None) -> Any:
        if lang:
            return ox.Literal(str(value), language=lang)
        return ox.Literal(str(value), datatype=N(dt)) if dt else ox.Literal(str(value))

    def add(s: str, p: str, o: Any) -> None:
        out.append(ox.Triple(N(s), N(p), o if not isinstance(o, str) else N(o)))

    catalog, agent = VOID_NS + "catalog", VOID_NS + "kzgraph-developers"
    datasets = {name: VOID_NS + name for name in DOWNLOADS}
    c = rel.counts

    add(agent, RDF_TYPE, FOAF + "Organization")
    add(agent, RDF_TYPE, FOAF + "Agent")
    add(agent, RDF_TYPE, DCT + "Agent")
    add(agent, FOAF + "name", lit(CREATOR_NAME))
    # The things the description points at, typed as DCAT-AP expects them.
    add(LICENSE, RDF_TYPE, DCT + "LicenseDocument")
    add(LICENSE, DCT + "type", LICENCE_TYPE[0])
    add(LICENCE_TYPE[0], RDF_TYPE, SKOS + "Concept")
    add(LICENCE_TYPE[0], SKOS + "prefLabel", lit(LICENCE_TYPE[1], lang="en"))
    add(BASE, RDF_TYPE, FOAF + "Document")
    english = EU_AUTHORITY + "language/ENG"
    add(english, RDF_TYPE, DCT + "LinguisticSystem")
    taxonomy = THEME_TAXONOMY[0]
    add(taxonomy, RDF_TYPE, SKOS + "ConceptScheme")
    add(taxonomy, DCT + "title", lit(THEME_TAXONOMY[1], lang="en"))
    for code, label in THEMES.items():
        add(f"{taxonomy}/{code}", RDF_TYPE, SKOS + "Concept")
        add(f"{taxonomy}/{code}", SKOS + "inScheme", taxonomy)
        add(f"{taxonomy}/{code}", SKOS + "prefLabel", lit(label, lang="en"))
    places = []
    countries = covered_countries(rel)
    for iri, _name, alpha3 in countries:
        places.append(iri)
        if alpha3:  # the EU country table uses the ISO 3166-1 alpha-3 codes
            places.append(EU_AUTHORITY + "country/" + alpha3)
    for place in places:
        add(place, RDF_TYPE, DCT + "Location")
    years = covered_years(rel.graph)
    parts = country_parts(rel)

    def describe(node: str, title: str, description: str) -> None:
        add(node, DCT + "title", lit(title, lang="en"))
        add(node, DCT + "description", lit(description, lang="en"))
        add(node, DCT + "issued", lit(rel.issued, XSD + "date"))
        add(node, DCT + "modified", lit(rel.modified, XSD + "date"))
        add(node, DCT + "license", LICENSE)
        add(node, DCT + "creator", agent)
        add(node, DCT + "publisher", agent)
        add(node, DCAT + "version", lit(rel.version))
        add(node, OWL + "versionInfo", lit(rel.version))

    add(catalog, RDF_TYPE, DCAT + "Catalog")
    describe(catalog, TITLE, DESCRIPTION)
    add(catalog, FOAF + "homepage", BASE)
    add(catalog, DCT + "language", english)
    add(catalog, DCAT + "themeTaxonomy", taxonomy)
    for place in places:
        add(catalog, DCT + "spatial", place)
    for name in DOWNLOADS:
        add(catalog, DCAT + "dataset", datasets[name])

    main = datasets["kzgraph"]
    for name in DOWNLOADS:
        node = datasets[name]
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, RDF_TYPE, DCAT + "Dataset")
        title = TITLE if name == "kzgraph" else f"kzgraph {name}"
        describe(node, title, DESCRIPTION if name == "kzgraph" else PART_TITLES[name])
        add(node, DCT + "language", english)
        for code in THEMES:
            add(node, DCAT + "theme", f"{taxonomy}/{code}")
        for word in KEYWORDS[name]:
            add(node, DCAT + "keyword", lit(word, lang="en"))
        add(node, VOID + "triples", lit(len(rel.part(name)), XSD + "integer"))
        add(node, VOID + "uriSpace", lit(BASE))
        if rel.endpoint and name != "shapes":
            add(node, VOID + "sparqlEndpoint", rel.endpoint)
    add(main, VOID + "subset", datasets["ontology"])

    def class_partitions(dataset: str, stem: str, counts: dict[str, Any]) -> None:
        for cls, n in counts["classes"].items():
            node = VOID_NS + stem + "class-" + _fragment(rel.prefixes.curie(cls))
            add(dataset, VOID + "classPartition", node)
            add(node, RDF_TYPE, VOID + "Dataset")
            add(node, VOID + "class", cls)
            add(node, VOID + "entities", lit(counts["class_entities"][cls], XSD + "integer"))
            add(node, VOID + "distinctSubjects", lit(n, XSD + "integer"))

    for part in parts:
        node = subset_iri(part)
        add(main, VOID + "subset", node)
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, RDF_TYPE, DCAT + "Dataset")
        name = part.name or part.code
        describe(node, f"kzgraph: {name}", subset_description(part))
        add(node, DCT + "language", english)
        for code in THEMES:
            add(node, DCAT + "theme", f"{taxonomy}/{code}")
        for word in (*KEYWORDS["kzgraph"][:3], name):
            add(node, DCAT + "keyword", lit(word, lang="en"))
        add(node, DCT + "spatial", part.country)
        if part.alpha3:
            add(node, DCT + "spatial", EU_AUTHORITY + "country/" + part.alpha3)
        if part.years:
            period = node + "-temporal"
            add(node, DCT + "temporal", period)
            add(period, RDF_TYPE, DCT + "PeriodOfTime")
            add(period, DCAT + "startDate", lit(part.years[0], XSD + "gYear"))
            add(period, DCAT + "endDate", lit(part.years[1], XSD + "gYear"))
        for sheet in part.factsheets:
            add(node, PROV + "wasDerivedFrom", sheet.iri)
            add(node, VOID + "rootResource", sheet.iri)
        add(node, VOID + "uriSpace", lit(part.namespace))
        pc = part.counts
        add(node, VOID + "triples", lit(pc["triples"], XSD + "integer"))
        add(node, VOID + "entities", lit(pc["entities"], XSD + "integer"))
        add(node, VOID + "distinctSubjects", lit(pc["distinct_subjects"], XSD + "integer"))
        add(node, VOID + "distinctObjects", lit(pc["distinct_objects"], XSD + "integer"))
        add(node, VOID + "classes", lit(len(pc["classes"]), XSD + "integer"))
        add(node, VOID + "properties", lit(len(pc["properties"]), XSD + "integer"))
        for iri in part.examples:
            add(node, VOID + "exampleResource", iri)
        for ns in pc["vocabularies"]:
            add(node, VOID + "vocabulary", ns)
        if rel.endpoint:
            add(node, VOID + "sparqlEndpoint", rel.endpoint)
        class_partitions(node, f"country-{part.code}-", pc)
    # The factsheets are documents, not datasets (what dct:source expects in DCAT-AP).
    for t in rel.graph:
        if t.predicate.value == RDF_TYPE and t.object.value == DEM + "Factsheet":
            add(main, PROV + "wasDerivedFrom", t.subject.value)
    for _iri, name_en, _alpha3 in countries:
        if name_en:
            add(main, DCAT + "keyword", lit(name_en, lang="en"))
    for place in places:
        add(main, DCT + "spatial", place)
    if years:
        period = VOID_NS + "temporal"
        add(main, DCT + "temporal", period)
        add(period, RDF_TYPE, DCT + "PeriodOfTime")
        add(period, DCAT + "startDate", lit(years[0], XSD + "gYear"))
        add(period, DCAT + "endDate", lit(years[1], XSD + "gYear"))
    add(main, DCAT + "landingPage", BASE)
    for t in rel.graph:
        if t.predicate.value == RDF_TYPE and t.object.value == DEM + "Factsheet":
            add(main, VOID + "rootResource", t.subject.value)
    add(main, VOID + "entities", lit(c["entities"], XSD + "integer"))
    add(main, VOID + "distinctSubjects", lit(c["distinct_subjects"], XSD + "integer"))
    add(main, VOID + "distinctObjects", lit(c["distinct_objects"], XSD + "integer"))
    add(main, VOID + "classes", lit(len(c["classes"]), XSD + "integer"))
    add(main, VOID + "properties", lit(len(c["properties"]), XSD + "integer"))
    for iri in dataset_examples(parts):
        add(main, VOID + "exampleResource", iri)
    for ns in c["vocabularies"]:
        add(main, VOID + "vocabulary", ns)
    class_partitions(main, "", c)
    for prop, n in c["properties"].items():
        node = VOID_NS + "property-" + _fragment(rel.prefixes.curie(prop))
        add(main, VOID + "propertyPartition", node)
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, VOID + "property", prop)
        add(node, VOID + "triples", lit(n, XSD + "integer"))

    for f in files:
        if f.part not in datasets:
            continue
        dist = VOID_NS + "dist-" + _fragment(f.name)
        url = rel.download_base + f.name
        add(datasets[f.part], DCAT + "distribution", dist)
        add(datasets[f.part], VOID + "dataDump", url)
        add(dist, RDF_TYPE, DCAT + "Distribution")
        add(dist, DCT + "title", lit(f"{f.part}: {f.format_label}", lang="en"))
        add(dist, DCT + "description", lit(
            f"{PART_TITLES[f.part][0].upper()}{PART_TITLES[f.part][1:]}, as {f.format_label}.",
            lang="en"))
        add(dist, DCAT + "mediaType", IANA_MEDIA_TYPES + f.media_type)
        add(IANA_MEDIA_TYPES + f.media_type, RDF_TYPE, DCT + "MediaType")
        file_type = EU_AUTHORITY + "file-type/" + FILE_TYPES[f.ext]
        add(dist, DCT + "format", file_type)
        add(file_type, RDF_TYPE, DCT + "MediaTypeOrExtent")
        add(dist, DCAT + "byteSize", lit(f.size, XSD + "nonNegativeInteger"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCT + "license", LICENSE)
        add(dist, DCT + "issued", lit(rel.modified, XSD + "date"))
        sum_node = dist + "-sha256"
        add(dist, SPDX + "checksum", sum_node)
        add(sum_node, RDF_TYPE, SPDX + "Checksum")
        add(sum_node, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(sum_node, SPDX + "checksumValue", lit(f.sha256, XSD + "hexBinary"))
    return sort_triples(set(out))
