"""The release per factsheet: each factsheet of the graph with its country, and the part of
the graph that is that country's (a VoID subset), its statistics and example resources.

A country's part is the union of the Concise Bounded Descriptions of the resources in its
namespace ``id/{code}/`` (see :func:`kzgraph.namespaces.country_namespace`): their triples,
those of the blank nodes they reach, and those of the reified statements about them
(``rdf:Statement`` with the resource as ``rdf:subject``). Shared resources (countries,
sources, concepts, the ontology) count in the whole dataset only. docs/release-metadata.md
explains the rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kzgraph.namespaces import (
    DCT,
    DEM,
    RDF,
    RDFS,
    SCHEMA,
    TIME,
    VOCAB_SPACE,
    country_prefix,
)
from kzgraph.release.bundle import Release, statistics

#: Properties that date a fact of the data (a dataset's temporal coverage); the dates of
#: the documents themselves (dcterms:created, issued, modified) are not coverage.
DATING = (
    DEM + "referenceYear", DEM + "periodStartYear", DEM + "periodEndYear", DEM + "startYear",
    DEM + "timelineYear", DCT + "date", SCHEMA + "startDate", SCHEMA + "foundingDate",
    TIME + "inXSDgYear", TIME + "inXSDDate")

#: Classes whose first instance stands for a country's data, in this order (after its
#: factsheet); the other classes follow, most instances first.
EXAMPLE_CLASSES = tuple(DEM + c for c in (
    "PolicyDocument", "Institution", "DiasporaOrganisation", "Practice", "Term"))

GAP_NOT_IN_SOURCE = VOCAB_SPACE + "gap/not-in-source"


@dataclass
class Section:
    iri: str
    label: str
    #: the factsheet has the section but the source text of it was not recovered
    missing: bool


@dataclass
class Factsheet:
    iri: str
    title: str
    country: str
    sections: list[Section]


@dataclass
class CountryPart:
    """One country's factsheet(s) and its part of the graph."""

    code: str
    namespace: str
    country: str
    name: str | None
    alpha3: str | None
    factsheets: list[Factsheet]
    triples: list[Any]
    counts: dict[str, Any] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    years: tuple[str, str] | None = None


def covered_years(triples: Sequence[Any]) -> tuple[str, str] | None:
    """The first and last year the triples date a fact with (see DATING), or None."""
    import pyoxigraph as ox

    years = [t.object.value[:4] for t in triples
             if t.predicate.value in DATING and isinstance(t.object, ox.Literal)
             and re.match(r"^[0-9]{4}", t.object.value)]
    return (min(years), max(years)) if years else None


def _text(out: dict[Any, list[tuple[str, Any]]], node: Any, *props: str) -> str | None:
    """The English (else untagged) literal of the first of props that node has."""
    import pyoxigraph as ox

    for prop in props:
        found = sorted((o.language != "en", o.value) for p, o in out.get(node, ())
                       if p == prop and isinstance(o, ox.Literal) and o.language in ("en", None))
        if found:
            return found[0][1]
    return None


def _cbd(out: dict[Any, list[tuple[str, Any]]], statements: dict[Any, list[Any]],
         node: Any) -> set[Any]:
    """The Concise Bounded Description of node, as its subjects: every triple of each is in
    it (node, the statements about it and the blank nodes they reach)."""
    import pyoxigraph as ox

    stack, seen = [node, *statements.get(node, ())], {node}
    seen.update(statements.get(node, ()))
    found: set[Any] = set()
    while stack:
        s = stack.pop()
        if s in out:
            found.add(s)
        for _p, o in out.get(s, ()):
            if isinstance(o, ox.BlankNode) and o not in seen:
                seen.add(o)
                stack.append(o)
    return found


def country_parts(rel: Release, examples: int = 5) -> list[CountryPart]:
    """Every country with a factsheet in the graph (by code), with its part of the graph.
    Computed once per release (the VoID and the site both ask)."""
    cache = vars(rel).setdefault("_country_parts", {})
    if examples not in cache:
        cache[examples] = _country_parts(rel, examples)
    return cache[examples]


def _country_parts(rel: Release, examples: int) -> list[CountryPart]:
    import pyoxigraph as ox

    from kzgraph.release.site_model import model_of

    m = model_of(rel)
    out, types = m.out, m.types
    rdf_subject = RDF + "subject"
    statements: dict[Any, list[Any]] = {}
    for o, edges in m.inc.items():
        about = [s for s, p in edges if p == rdf_subject]
        if about:
            statements[o] = about
    by_code: dict[str, list[Factsheet]] = {}
    for s, kinds in types.items():
        found = country_prefix(s.value) if isinstance(s, ox.NamedNode) else None
        if DEM + "Factsheet" not in kinds or found is None:
            continue
        countries = sorted(o.value for p, o in out[s] if p == DEM + "country")
        sections = []
        for p, o in out[s]:
            if p == DCT + "hasPart" and DEM + "FactsheetSection" in types.get(o, ()):
                order = [x.value for q, x in out.get(o, ()) if q == DEM + "sectionOrder"]
                gaps = {x.value for q, x in out.get(o, ()) if q == DEM + "gap"}
                sections.append((int(order[0]) if order else 1 << 30, Section(
                    o.value, _text(out, o, RDFS + "label") or o.value,
                    GAP_NOT_IN_SOURCE in gaps)))
        sections.sort(key=lambda x: (x[1].missing, x[0], x[1].label))
        by_code.setdefault(found[0], []).append(Factsheet(
            s.value, _text(out, s, RDFS + "label", DCT + "title") or s.value,
            countries[0] if countries else "", [x for _o, x in sections]))

    # The subjects in each country's namespace, and which parts each triple is in: one pass
    # over the graph for all countries, not one per country.
    in_space: dict[str, list[Any]] = {}
    for s in out:
        found = country_prefix(s.value) if isinstance(s, ox.NamedNode) else None
        if found is not None and found[0] in by_code:
            in_space.setdefault(found[0], []).append(s)
    member: dict[Any, list[str]] = {}  # subject -> the parts all its triples are in
    for code in by_code:
        subjects: set[Any] = set()
        for s in in_space.get(code, ()):
            subjects |= _cbd(out, statements, s)
        for s in subjects:
            member.setdefault(s, []).append(code)
    split: dict[str, list[Any]] = {code: [] for code in by_code}
    for t in rel.graph:
        for code in member.get(t.subject, ()):
            split[code].append(t)
    del member

    parts = []
    for code, factsheets in sorted(by_code.items()):
        factsheets.sort(key=lambda f: f.iri)
        namespace = country_prefix(factsheets[0].iri)[1]  # type: ignore[index]
        triples = split[code]
        country = ox.NamedNode(factsheets[0].country)
        part = CountryPart(code, namespace, country.value, _text(out, country, RDFS + "label"),
                           _text(out, country, DEM + "iso3166Alpha3"), factsheets, triples)
        part.counts = statistics(triples)
        part.years = covered_years(triples)
        part.examples = _examples(part, types, examples)
        parts.append(part)
    return parts


def _examples(part: CountryPart, types: dict[Any, list[str]], limit: int) -> list[str]:
    """The factsheet(s), then the first instance (by IRI) of each EXAMPLE_CLASSES, then of
    the country's other classes, most instances first."""
    import pyoxigraph as ox

    firsts: dict[str, str] = {}
    for t in part.triples:  # canonical order: sorted by subject
        s = t.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(part.namespace):
            for cls in types.get(s, ()):
                firsts.setdefault(cls, s.value)
    counts = part.counts["class_entities"]
    # The factsheet's own structure (sections, footnotes) says least about the country.
    structure = (DEM + "FactsheetSection", DEM + "Footnote")
    others = sorted((c for c in firsts if c not in EXAMPLE_CLASSES),
                    key=lambda c: (c in structure, -counts.get(c, 0), c))
    picks = [f.iri for f in part.factsheets]
    picks += [firsts[c] for c in (*EXAMPLE_CLASSES, *others) if c in firsts]
    return list(dict.fromkeys(picks))[:max(limit, len(part.factsheets))]


def dataset_examples(parts: Sequence[CountryPart], limit: int = 5) -> list[str]:
    """Example resources of the whole dataset: taken in turn from every country's (so that
    each country is shown), at least one per country."""
    picks: list[str] = []
    depth = max((len(p.examples) for p in parts), default=0)
    for i in range(depth):
        picks += [p.examples[i] for p in parts if i < len(p.examples)]
    return list(dict.fromkeys(picks))[:max(limit, len(parts))]
