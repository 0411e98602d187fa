"""The factsheet regenerated from the graph: ``kzgraph.factsheet(country, fmt)``.

Every fact comes from the stored queries (``queries/*.rq``; those named ``factsheet-*`` were
written for this page), run on the bundled graph, on a graph given by the caller or on a
SPARQL endpoint. Only the headings are fixed text. The page has the sections of an EUDiF
factsheet - Facts & figures, Terminology, the policy framework, Trends and achievements,
Obstacles, Spotlight, the Annex of actors - and ends with the numbered footnotes of the
factsheet and, apart, the supplementary sources; each fact carries the reference marks of the
sources it is derived from (``[^13]``, ``[^S2]``).

What is lost in the source is shown as lost: an indicator whose value was lost reads "not
available" with the reason, a footnote whose text was lost "text not available", a sector tag
"tag lost", a year "year not stated".

In HTML every resource gets an ``id`` (:func:`anchor_id` of its IRI) where it is shown first,
so a test (or a reader) can check that no resource of the graph is left out. Should a graph
hold a resource that none of the sections shows, it is listed under "Further facts" at the
end of its section rather than dropped.

Heavy libraries (jinja2, pyoxigraph) are imported inside the functions.
"""

from __future__ import annotations

import hashlib
import re
import sys
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.errors import InputError

if TYPE_CHECKING:
    from kzgraph.results import Term

FORMATS = ("md", "html")
ID_BASE = "https://w3id.org/kzgraph/id/"
COUNTRY_BASE = ID_BASE + "country/"
DEFAULT_COUNTRY = COUNTRY_BASE + "kazakhstan"
XSD = "http://www.w3.org/2001/XMLSchema#"
UNIT = "https://w3id.org/kzgraph/vocab/unit/"
INDICATOR = "https://w3id.org/kzgraph/vocab/indicator/"

#: Marks in generated files, so `--out` knows a file it may replace.
GENERATOR = "kzgraph factsheet"

#: The sections of a factsheet, by the code of their type (vocab/section scheme), in order,
#: with their fixed headings.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("facts-and-figures", "Facts & figures"),
    ("terminology", "Terminology"),
    ("policy-framework", "Overview of the policy and legislative framework"),
    ("trends-and-achievements", "Trends and achievements"),
    ("obstacles", "Obstacles"),
    ("spotlight", "Spotlight: effective practices"),
    ("annex", "Annex: list of actors"),
)

#: Sub-headings (fixed text).
HEADINGS: dict[str, str] = {
    "emigration": "Emigration",
    "destinations": "Top countries of destination",
    "remittances": "Remittances",
    "rights": "Political rights",
    "terms": "Terms",
    "replacements": "Replaced terms",
    "timeline": "Timeline",
    "documents": "Laws and policy documents",
    "findings": "Findings",
    "returnees": "Return migration",
    "institutions": "National institutions",
    "organisations": "Diaspora organisations",
    "hosted": "Organisations hosted",
    "further": "Further facts",
    "footnotes": "Footnotes",
    "supplements": "Supplementary sources",
}

#: How a document is shown as the object of an amendment or replacement.
PASSIVE = {"amends": "amended by", "replaces": "replaced by"}

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


# ------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------


def anchor_id(iri: str) -> str:
    """The HTML id of a resource in the rendered factsheet: the IRI's path under
    ``https://w3id.org/kzgraph/id/`` with ``/`` as ``-`` (``kz-term-qandas``,
    ``country-russia``); other IRIs get their last segment and a short hash."""
    if iri.startswith(ID_BASE):
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", iri[len(ID_BASE):]).strip("-")
        if slug:
            return slug
    last = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    last = re.sub(r"[^A-Za-z0-9_-]+", "-", last).strip("-") or "r"
    return f"x-{last}-{hashlib.sha1(iri.encode()).hexdigest()[:8]}"


def country_iri(value: str | None) -> str:
    """An absolute country IRI, or a slug under ``.../id/country/`` (``kazakhstan``)."""
    if value is None or not value.strip():
        return DEFAULT_COUNTRY
    value = value.strip()
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
        return COUNTRY_BASE + value
    from kzgraph.querying import expand_iri

    # As `query --param` reads an IRI: country:kazakhstan as the tables print it, or a full
    # IRI; an unknown "name:" is refused rather than asked for and found empty.
    iri = expand_iri(value)
    if iri is None:
        raise InputError(f"--country {value!r} is not a country IRI, a prefixed name such as "
                         "country:kazakhstan, or a slug such as kazakhstan")
    return iri


def _val(row: Mapping[str, Term], key: str) -> str | None:
    term = row.get(key)
    return None if term is None else term.value


def _true(row: Mapping[str, Term], key: str) -> bool:
    """A boolean column ("true" or "1"; endpoints write xsd:boolean either way)."""
    term = row.get(key)
    return term is not None and term.to_python() is True


def _lexical_number(text: str) -> str:
    """A number without needless zeros: 481.0 -> 481, 0.20 -> 0.2; integers grouped."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return text
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def number(term: Term | None) -> str:
    """A numeric literal for reading: 2559711 -> 2,559,711; 481.0 -> 481."""
    if term is None:
        return ""
    if term.is_literal and term.datatype and term.datatype.startswith(XSD):
        return _lexical_number(term.value)
    return term.value


def with_unit(term: Term | None, unit: str | None) -> str:
    """A figure with its unit (unit IRI of the unit scheme): 0.2%, USD 481 million,
    1,057,280 persons."""
    text = number(term)
    if not text or not unit:
        return text
    code = unit[len(UNIT):] if unit.startswith(UNIT) else ""
    if code == "percent":
        return f"{text}%"
    if code == "usd-million":
        return f"USD {text} million"
    if code in ("persons", "families"):
        return f"{text} {code}"
    return text


def date(term: Term | str | None) -> str:
    """A date for reading: 2020-04-30 -> 30 April 2020, 2020-03 -> March 2020, 2019 -> 2019."""
    if term is None:
        return ""
    text = term if isinstance(term, str) else term.value
    m = re.fullmatch(r"(-?\d{4,})(?:-(\d\d)(?:-(\d\d))?)?(?:Z|[+-]\d\d:\d\d)?", text.strip())
    if not m:
        return text
    year, month, day = m.groups()
    if month and 1 <= int(month) <= 12:
        name = _MONTHS[int(month) - 1]
        return f"{int(day)} {name} {year}" if day else f"{name} {year}"
    return year


def years(first: str | None, last: str | None) -> str:
    """``2017–2021``, or one year when both are equal or one is missing."""
    first, last = (first or "").strip(), (last or "").strip()
    if first and last and first != last:
        return f"{first}–{last}"
    return first or last


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        if v is not None and v != "" and v not in seen:
            seen[v] = None
    return list(seen)


def _group(rows: Iterable[Mapping[str, Term]], key: str) -> dict[str, list[Mapping[str, Term]]]:
    """Rows grouped by the value of ``key``, in first-seen order."""
    out: dict[str, list[Mapping[str, Term]]] = {}
    for row in rows:
        k = _val(row, key)
        if k is not None:
            out.setdefault(k, []).append(row)
    return out


def _ref(iri: str | None, label: str | None) -> dict[str, str] | None:
    if not iri:
        return None
    return {"iri": iri, "label": label or iri}


# ------------------------------------------------------------------------------------------
# Running the stored queries
# ------------------------------------------------------------------------------------------


def _store_of(graph: Any) -> Any:
    """A store kzgraph.query runs on: None (the bundled graph), a pyoxigraph Store or rdflib
    Graph as given, or the files / folders named, loaded into a pyoxigraph Store."""
    if graph is None:
        return None
    if isinstance(graph, (str, Path)):
        graph = [graph]
    if isinstance(graph, Sequence) and all(isinstance(g, (str, Path)) for g in graph):
        from kzgraph.store import load_store

        return load_store(graph)
    return graph


class _Runner:
    """Runs stored queries for one country on one graph or endpoint; rows as dicts of Terms."""

    def __init__(self, country: str, store: Any, endpoint: str | None,
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


# ------------------------------------------------------------------------------------------
# The page model
# ------------------------------------------------------------------------------------------


class Page:
    """What the templates render: the sections' data plus the per-resource look-ups (marks,
    gaps, notes, texts, links) the templates call while rendering."""

    def __init__(self, run: Callable[..., list[dict[str, Term]]], country: str) -> None:
        self.country = country
        self._run = run
        self._shown: dict[str, None] = {}
        self._settled = False
        self.meta = self._meta()
        self._load_lookups()
        self.facts = self._facts()
        self.terminology = self._terminology()
        self.policy = self._policy()
        self.trends = self._trends()
        self.obstacles = self._obstacles()
        self.spotlight = self._spotlight()
        self.annex = self._annex()
        self.footnotes = self._footnotes()
        self.further = self._further()
        self.headings = HEADINGS
        self.sections = SECTIONS
        self.reset()

    # -- bookkeeping ------------------------------------------------------------------------
    def show(self, iri: str | None) -> str | None:
        """Note that the page shows a resource (for the "Further facts" of what is not)."""
        if iri:
            self._shown[iri] = None
        return iri

    def reset(self) -> None:
        """Forget the marks and anchors handed out by a previous rendering."""
        self._anchored: set[str] = set()
        self._supplement_numbers: dict[str, int] = {}

    # -- per-resource look-ups (called by the templates) --------------------------------------
    def anchor(self, iri: str | None) -> str:
        """The id for the first place a resource is shown; "" afterwards (ids are unique)."""
        if not iri or iri in self._anchored:
            return ""
        self._anchored.add(iri)
        return anchor_id(iri)

    def target(self, iri: str | None) -> str:
        """The fragment a link to a resource points at ("" when the page does not show it)."""
        if iri and iri in self._shown:
            return "#" + anchor_id(iri)
        return ""

    def marks(self, iri: str | None) -> list[dict[str, str]]:
        """The reference marks of a resource: its footnotes by number, then its
        supplementary sources as S1, S2... (numbered in the order the page first cites
        them). The factsheet itself gets no mark."""
        if not iri:
            return []
        return self.source_marks(self._sources.get(iri, []))

    def source_marks(self, sources: Iterable[str]) -> list[dict[str, str]]:
        footnotes, supplements = [], []
        for source in _unique(sources):
            fn = self.footnote_number.get(source)
            if fn is not None:
                footnotes.append((fn, source))
            elif source in self.supplement_info:
                if source not in self._supplement_numbers:
                    self._supplement_numbers[source] = len(self._supplement_numbers) + 1
                supplements.append((self._supplement_numbers[source], source))
        out = [{"label": str(n), "target": "#" + anchor_id(s), "kind": "footnote"}
               for n, s in sorted(footnotes)]
        out += [{"label": f"S{n}", "target": "#" + anchor_id(s), "kind": "supplement"}
                for n, s in sorted(supplements)]
        return out

    def gaps(self, iri: str | None) -> list[dict[str, str]]:
        return self._gaps.get(iri or "", [])

    def gap(self, iri: str | None, code: str) -> dict[str, str] | None:
        return next((g for g in self.gaps(iri) if g["code"] == code), None)

    def notes(self, iri: str | None) -> list[str]:
        return self._notes.get(iri or "", [])

    def annotation(self, iri: str | None) -> dict[str, list[str]]:
        """The gaps (labels) and notes (editorial notes, each once) of a resource."""
        gaps = self.gaps(iri)
        notes = _unique([*(g["note"] for g in gaps), *self.notes(iri)])
        return {"gaps": _unique(g["label"] for g in gaps), "notes": notes}

    def texts(self, iri: str | None, kind: str) -> list[str]:
        return self._texts.get((iri or "", kind), [])

    def text(self, iri: str | None, kind: str) -> str:
        found = self.texts(iri, kind)
        return found[0] if found else ""

    def links(self, iri: str | None, kind: str) -> list[dict[str, str]]:
        return self._links.get((iri or "", kind), [])

    def statements(self, iri: str | None) -> list[dict[str, Any]]:
        """Facts about a resource that other sources give (or where sources disagree)."""
        return self._statements.get(iri or "", [])

    def supplements(self) -> list[dict[str, Any]]:
        """The supplementary sources, in the order of their marks: those the page cites, then
        the country's others (the supplementary-sources query) that it does not cite."""
        listed = [s for s in self.supplement_info
                  if s in self._supplement_numbers or self.supplement_info[s]["listed"]]
        order = sorted(listed,
                       key=lambda s: (self._supplement_numbers.get(s, 10**6),
                                      self.supplement_info[s]["label"]))
        out = []
        for source in order:
            info = dict(self.supplement_info[source])
            if source not in self._supplement_numbers:
                self._supplement_numbers[source] = len(self._supplement_numbers) + 1
            info["mark"] = f"S{self._supplement_numbers[source]}"
            out.append(info)
        return out

    # -- loading ------------------------------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        rows = self._run("factsheet-metadata")
        if not rows:
            known = [f"{_val(r, 'countryLabel') or ''} <{_val(r, 'country')}>".strip()
                     for r in self._run("factsheet-index", scoped=False)]
            hint = ("countries with a factsheet: " + ", ".join(known)) if known else \
                "the graph has no factsheet (dem:Factsheet) at all"
            raise InputError(f"no factsheet for the country <{self.country}> in the graph",
                             hint=hint)
        first = rows[0]
        country = self.show(_val(first, "country"))
        return {
            "iri": _val(first, "factsheet"),
            "title": _val(first, "title") or _val(first, "label") or "",
            "label": _val(first, "label") or _val(first, "title") or "",
            "country": {"iri": country, "label": _val(first, "countryLabel") or country,
                        "alpha2": _val(first, "alpha2"), "alpha3": _val(first, "alpha3"),
                        "m49": _val(first, "m49"), "wikidata": _val(first, "wikidata")},
            "authors": self._people(rows, "author"),
            "editors": self._people(rows, "editor"),
            "publishers": self._people(rows, "publisher"),
            "created": date(first.get("created")),
            "modified": date(first.get("modified")),
            "language": _val(first, "language"),
            "extracted_from": _val(first, "extractedFrom"),
            "note": _val(first, "note"),
        }

    def _people(self, rows: list[dict[str, Term]], key: str) -> list[dict[str, Any]]:
        out = []
        for iri in _unique(_val(r, key) for r in rows):
            label = next((_val(r, key + "Label") for r in rows if _val(r, key) == iri), None)
            out.append({"iri": self.show(iri), "label": label or iri})
        return out

    def _load_lookups(self) -> None:
        run = self._run
        # Sources: footnotes (by number), supplementary sources (S-numbered when cited).
        self.footnote_number: dict[str, int] = {}
        self._footnote_rows = run("footnotes")
        for row in self._footnote_rows:
            if _val(row, "footnote") and _val(row, "footnoteNumber"):
                self.footnote_number[_val(row, "footnote") or ""] = int(
                    _val(row, "footnoteNumber") or 0)
        self.supplement_info: dict[str, dict[str, Any]] = {}
        for row in run("supplementary-sources"):
            self._add_supplement(_val(row, "source"), _val(row, "sourceLabel"),
                                 _val(row, "url"), listed=True)
        self._sources: dict[str, list[str]] = {}
        for row in run("factsheet-provenance"):
            resource, source = _val(row, "resource"), _val(row, "source")
            if not resource or not source:
                continue
            self._sources.setdefault(resource, [])
            if source not in self._sources[resource]:
                self._sources[resource].append(source)
            if _val(row, "sourceKind") == "footnote" and source not in self.footnote_number:
                self.footnote_number[source] = int(_val(row, "footnoteNumber") or 0)
            if _val(row, "sourceKind") == "supplement":
                self._add_supplement(source, _val(row, "sourceLabel"), _val(row, "sourceUrl"))
        # Gaps, notes, texts, links.
        self._gaps: dict[str, list[dict[str, str]]] = {}
        for row in run("gaps"):
            entry = {"code": _val(row, "gapCode") or "", "label": _val(row, "gapLabel") or "",
                     "note": _val(row, "note") or ""}
            bucket = self._gaps.setdefault(_val(row, "resource") or "", [])
            if entry not in bucket:
                bucket.append(entry)
        self._notes: dict[str, list[str]] = {}
        for row in run("factsheet-notes"):
            self._notes.setdefault(_val(row, "resource") or "", []).append(_val(row, "note") or "")
        self._texts: dict[tuple[str, str], list[str]] = {}
        for row in run("factsheet-texts"):
            key = (_val(row, "resource") or "", _val(row, "kind") or "")
            self._texts.setdefault(key, []).append(_val(row, "text") or "")
        self._links: dict[tuple[str, str], list[dict[str, str]]] = {}
        for row in run("factsheet-links"):
            key = (_val(row, "resource") or "", _val(row, "kind") or "")
            ref = _ref(_val(row, "target"), _val(row, "targetLabel"))
            if ref and ref not in self._links.setdefault(key, []):
                self._links[key].append(ref)
        # Statements: facts from other sources, alternative values.
        self._statements: dict[str, list[dict[str, Any]]] = {}
        self._statement_rows = run("supplementary-facts")
        for iri, group in _group(self._statement_rows, "statement").items():
            first = group[0]
            subject = _val(first, "subject") or ""
            self._statements.setdefault(subject, []).append({
                "iri": iri,
                "label": _val(first, "statementLabel") or iri,
                "predicate": _val(first, "predicate"),
                "object": first.get("object"),
                "asserted": _true(first, "asserted"),
                "sources": _unique(_val(r, "source") for r in group),
            })
        self._observations = {(_val(r, "observation") or ""): r for r in run("observations")}
        self._sections = {(_val(r, "section") or ""): r for r in run("sections")}
        self._section_type = {
            _val(r, "sectionOrder"): (_val(r, "sectionType") or "").rsplit("/", 1)[-1]
            for r in self._sections.values()}

    def _add_supplement(self, iri: str | None, label: str | None, url: str | None,
                        listed: bool = False) -> None:
        """Record a supplementary source; ``listed``: the country's own (listed even when the
        page cites none of its facts), else known from the provenance of a resource."""
        if not iri:
            return
        info = self.supplement_info.setdefault(iri, {"iri": iri, "label": label or iri,
                                                     "urls": [], "listed": listed})
        info["listed"] = info["listed"] or listed
        if label and info["label"] == iri:
            info["label"] = label
        if url and url not in info["urls"]:
            info["urls"].append(url)

    def _observation(self, iri: str | None) -> dict[str, Any] | None:
        """One observation (from the observations query) for reading."""
        row = self._observations.get(iri or "")
        if row is None:
            return None
        return {
            "iri": self.show(iri),
            "indicator": _val(row, "indicatorLabel") or "",
            "value": row.get("value"),
            "unit": _val(row, "unitLabel"),
            "year": _val(row, "year"),
            "period": _val(row, "periodLabel"),
            "dataset": _val(row, "datasetLabel"),
        }

    # -- Facts & figures --------------------------------------------------------------------
    def _facts(self) -> dict[str, Any]:
        run = self._run
        # top-destinations names the destination, not the observation: find the observation
        # (for its marks and anchor) by destination and year in the observations query.
        obs_by_destination = {(_val(r, "destinationLabel"), _val(r, "year")): o
                              for o, r in self._observations.items()
                              if _val(r, "destinationLabel")}
        destinations: list[dict[str, Any]] = []
        for row in run("top-destinations"):
            key = (_val(row, "destinationLabel"), _val(row, "year"))
            obs = obs_by_destination.get(key)
            if obs and any(d["iri"] == obs for d in destinations):
                continue  # the query gives one row per source URL: keep the first
            destinations.append({
                "iri": self.show(obs),
                "rank": _val(row, "rank"),
                "country": _ref(self.show(_val(row, "destination")),
                                _val(row, "destinationLabel")),
                "iso3": _val(row, "iso3"),
                "value": number(row.get("emigrants")),
                "year": _val(row, "year"),
                "share": _val(row, "sharePercent"),
                "dataset": _ref(self.show(_val(row, "dataset")), _val(row, "datasetLabel")),
            })
        lost: list[dict[str, Any]] = []
        for row in run("unknown-indicators"):
            iri = _val(row, "observation")
            if any(x["iri"] == iri for x in lost):
                continue
            lost.append({"iri": self.show(iri), "label": _val(row, "observationLabel"),
                         "indicator": _val(row, "indicatorLabel"),
                         "unit": _val(row, "unitLabel")})
        by_indicator = {(_val(r, "indicatorLabel"), _val(r, "year")): o
                        for o, r in self._observations.items()}
        remittances = []
        for row in run("remittances"):
            obs = by_indicator.get((_val(row, "indicatorLabel"), _val(row, "year")))
            remittances.append({
                "iri": self.show(obs), "indicator": _val(row, "indicatorLabel") or "",
                "value": with_unit(row.get("value"), _val(row, "unit")) if row.get("value")
                else "",
                "year": _val(row, "year"),
                "year_shown": (self.gap(obs, "year-not-stated") or {}).get("label")
                or _val(row, "yearShown") or "",
                "printed": _val(row, "printedText")})
        datasets = []
        for iri, group in _group(run("factsheet-datasets"), "dataset").items():
            first = group[0]
            datasets.append({
                "iri": self.show(iri), "label": _val(first, "datasetLabel") or iri,
                "kind": _val(first, "kind"), "description": _val(first, "description"),
                "publisher": _ref(self.show(_val(first, "publisher")),
                                  _val(first, "publisherLabel")),
                "distributions": [
                    {"iri": self.show(d), "label": _val(r, "distributionLabel") or d,
                     "url": _val(r, "downloadUrl")}
                    for d, r in ((_val(r, "distribution"), r) for r in group) if d],
            })
        provisions = {(_val(r, "provision") or ""): r for r in run("legal-provisions")}
        rights = []
        for iri, group in _group(run("political-rights"), "record").items():
            first = group[0]
            bases = []
            for prov in _unique(_val(r, "provision") for r in group):
                hit = next(r for r in group if _val(r, "provision") == prov)
                extra: Mapping[str, Term] = provisions.get(prov or "", {})
                bases.append({
                    "iri": self.show(prov), "article": _val(hit, "article") or "",
                    "law": _ref(self.show(_val(hit, "law")), _val(hit, "lawLabel")),
                    "quotation": _val(extra, "quotation"),
                    "description": _val(extra, "description"),
                })
            rights.append({
                "iri": self.show(iri), "label": _val(first, "recordLabel"),
                "right": _val(first, "rightLabel") or "",
                "status": _val(first, "statusLabel"),
                "method": _val(first, "votingMethodLabel"),
                "bases": bases,
            })
        return {"destinations": destinations, "lost": lost, "remittances": remittances,
                "datasets": datasets, "rights": rights}

    # -- Terminology --------------------------------------------------------------------------
    def _terminology(self) -> dict[str, Any]:
        run = self._run
        labels = _group(run("term-labels"), "term")
        documents = self._documents_by_iri()
        terms = []
        schemes: dict[str, dict[str, str]] = {}
        for iri, group in _group(run("terminology"), "term").items():
            first = group[0]
            provisions = []
            for prov in _unique(_val(r, "provision") for r in group):
                row = next(r for r in group if _val(r, "provision") == prov)
                law = _val(row, "law")
                provisions.append({"iri": self.show(prov), "article": _val(row, "article"),
                                   "law": _ref(self.show(law), _val(row, "lawLabel")),
                                   "law_details": documents.get(law or "")})
            spellings = [{"label": _val(r, "label") or "", "kind": _val(r, "labelKind") or "",
                          "property": (_val(r, "labelProperty") or "").rsplit("#", 1)[-1]}
                         for r in labels.get(iri, [])]
            for scheme in self.links(iri, "inScheme"):
                schemes.setdefault(scheme["iri"], scheme)
            terms.append({
                "iri": self.show(iri), "label": _val(first, "termLabel") or iri,
                "definition": _val(first, "definition"),
                "scope": _val(first, "scopeNote"),
                "provisions": provisions,
                "spellings": spellings,
                "meanings": self.texts(iri, "meaning"),
                "replaced_by": _val(first, "replacedByLabel"),
                "related": self.links(iri, "related"),
            })
        for scheme in schemes.values():
            self.show(scheme["iri"])
            scheme["description"] = self.text(scheme["iri"], "description")
        replacements = []
        for iri, group in _group(run("term-replacements"), "replacement").items():
            first = group[0]
            dates: list[dict[str, Any]] = []
            for row in group:
                when = _val(row, "date")
                entry = next((d for d in dates if d["value"] == when), None)
                if entry is None:
                    entry = {"value": when, "shown": date(row.get("date")),
                             "asserted": _true(row, "asserted"), "sources": []}
                    dates.append(entry)
                if _val(row, "source"):
                    entry["sources"].append(_val(row, "source"))
            dates.sort(key=lambda d: (not d["asserted"], d["value"] or ""))
            replacements.append({
                "iri": self.show(iri),
                "replaced": _ref(_val(first, "replacedTerm"), _val(first, "replacedLabel")),
                "replacing": _ref(_val(first, "replacingTerm"), _val(first, "replacingLabel")),
                "dates": dates,
                "effected_by": [_ref(self.show(e), _val(r, "effectedByLabel"))
                                for e, r in _first_rows(group, "effectedBy")],
                "proposed_by": [_ref(self.show(p), _val(r, "proposedByLabel"))
                                for p, r in _first_rows(group, "proposedBy")],
            })
        return {"schemes": list(schemes.values()), "terms": terms,
                "replacements": replacements, "findings": self._findings("terminology")}

    # -- Policy framework -------------------------------------------------------------------
    def _documents_by_iri(self) -> dict[str, dict[str, Any]]:
        cached: dict[str, dict[str, Any]] | None = getattr(self, "_documents_cache", None)
        if cached is not None:
            return cached
        run = self._run
        agents = _group(run("who-signed-or-launched"), "subject")
        changes = _group(run("amendments"), "amending")
        changed_by = _group(run("amendments"), "amended")
        implements = _group(run("document-implementation"), "implementer")
        docs: dict[str, dict[str, Any]] = {}
        for row in run("policy-documents"):
            iri = _val(row, "document") or ""
            if iri in docs:
                continue
            roles: dict[str, list[dict[str, str]]] = {}
            for a in agents.get(iri, []):
                ref = _ref(_val(a, "agent"), _val(a, "agentLabel"))
                bucket = roles.setdefault(_val(a, "roleLabel") or "", [])
                if ref and ref not in bucket:
                    bucket.append(ref)
            docs[iri] = {
                "iri": iri, "label": _val(row, "documentLabel") or iri,
                "aliases": self.texts(iri, "alias"),
                "kind": _val(row, "kindLabel") or "",
                "period": years(_val(row, "periodStart"), _val(row, "periodEnd")),
                "number": _val(row, "number") or "",
                "date": date(row.get("date")),
                "aims": self.texts(iri, "aim"),
                "descriptions": self.texts(iri, "description"),
                "quotations": self.texts(iri, "quotation"),
                "roles": [{"role": k, "agents": v} for k, v in roles.items()],
                "changes": [{"relation": _val(c, "relationLabel") or "",
                             "target": _ref(_val(c, "amended"), _val(c, "amendedLabel"))}
                            for c in changes.get(iri, [])],
                "changed_by": [{"relation": PASSIVE.get(_val(c, "relationLabel") or "",
                                                    f"{_val(c, 'relationLabel')} by"),
                                "source": _ref(_val(c, "amending"), _val(c, "amendingLabel"))}
                               for c in changed_by.get(iri, [])],
                "implements": [{"relation": _val(c, "relationLabel") or "",
                                "target": _ref(_val(c, "implemented"),
                                               _val(c, "implementedLabel"))}
                               for c in implements.get(iri, [])],
            }
        self._documents_cache = docs
        return docs

    def _policy(self) -> dict[str, Any]:
        timeline = []
        for iri, group in _group(self._run("policy-timeline"), "entry").items():
            first = group[0]
            timeline.append({
                "iri": self.show(iri), "order": _val(first, "order"),
                "years": years(_val(first, "fromYear"), _val(first, "toYear")),
                "printed": _val(first, "printedYears"),
                "description": _val(first, "description") or "",
                "about": [_ref(a, _val(r, "aboutLabel")) for a, r in _first_rows(group, "about")],
            })
        documents = list(self._documents_by_iri().values())
        for doc in documents:
            self.show(doc["iri"])
        return {"timeline": timeline, "documents": documents,
                "findings": self._findings("policy-framework")}

    # -- Trends, obstacles ------------------------------------------------------------------
    def _findings(self, section_type: str) -> list[dict[str, Any]]:
        if not hasattr(self, "_finding_rows"):
            self._finding_rows = _group(self._run("findings"), "finding")
        out = []
        for iri, group in self._finding_rows.items():
            first = group[0]
            kind = self._section_type.get(_val(first, "sectionOrder"), "trends-and-achievements")
            if kind != section_type:
                continue
            out.append({"iri": self.show(iri), "label": _val(first, "findingLabel"),
                        "description": _val(first, "description") or "",
                        "about": self.links(iri, "about")})
        return out

    def _trends(self) -> dict[str, Any]:
        figures = []
        by_indicator = {(_val(r, "indicatorLabel"), _val(r, "periodLabel"), _val(r, "year")): o
                        for o, r in self._observations.items()}
        for row in self._run("returnees"):
            candidates = [o for (ind, _period, year), o in by_indicator.items()
                          if ind == _val(row, "indicatorLabel") and year == _val(row, "year")]
            obs = candidates[0] if candidates else None
            period = self.links(obs, "period")
            for p in period:
                self.show(p["iri"])
            figures.append({
                "iri": self.show(obs), "indicator": _val(row, "indicatorLabel") or "",
                "value": number(row.get("value")), "unit": _val(row, "unitLabel") or "",
                "period": period,
                "from": _val(row, "periodStart"), "to": date(row.get("periodEnd")),
                "year": _val(row, "year"), "printed": _val(row, "printedText"),
            })
        return {"findings": self._findings("trends-and-achievements"), "figures": figures}

    def _obstacles(self) -> list[dict[str, Any]]:
        out = []
        for iri, group in _group(self._run("obstacles"), "obstacle").items():
            first = group[0]
            out.append({"iri": self.show(iri), "label": _val(first, "obstacleLabel"),
                        "category": _val(first, "categoryLabel") or "",
                        "description": _val(first, "description") or "",
                        "about": self.links(iri, "about")})
        return out

    # -- Spotlight ------------------------------------------------------------------------------
    def _spotlight(self) -> list[dict[str, Any]]:
        run = self._run
        branches = _group(run("practice-branches"), "practice")
        offers = _group(run("practice-offers"), "practice")
        events = _group(run("events"), "series")
        about: dict[str, list[str]] = {}
        for (resource, kind), targets in self._links.items():
            if kind == "about" and resource in self._observations:
                for t in targets:
                    about.setdefault(t["iri"], []).append(resource)
        out = []
        for iri, group in _group(run("practices"), "practice").items():
            first = group[0]
            event_list: list[dict[str, Any]] = []
            for event, rows in _group(events.get(iri, []), "event").items():
                e = rows[0]
                event_list.append({
                    "iri": self.show(event), "label": _val(e, "eventLabel") or event,
                    "aliases": self.texts(event, "alias"),
                    "edition": _val(e, "edition"), "date": date(e.get("startDate")),
                    "city": _val(e, "city"), "place": _val(e, "placeLabel"),
                    "places": self.links(event, "basedIn"),
                    "description": self.text(event, "description"),
                    "led_to": [_ref(x, _val(r, "ledToLabel")) for x, r in _first_rows(rows,
                                                                                       "ledTo")],
                })
            for country in (c for e in event_list for c in e["places"]):
                self.show(country["iri"])
            sectors = _unique(_val(r, "sectorShown") for r in group)
            based_in = self.links(iri, "basedIn")
            for country in based_in:
                self.show(country["iri"])
            out.append({
                "iri": self.show(iri), "label": _val(first, "practiceLabel") or iri,
                "aliases": self.texts(iri, "alias"),
                "year": _val(first, "startYear"),
                "year_shown": (self.gap(iri, "year-not-stated") or {}).get("label")
                or _val(first, "yearShown") or "",
                "sectors": sectors,
                "sector_lost": bool(self.gap(iri, "sector-tag-lost")),
                "organisers": [_ref(o, _val(r, "organiserLabel"))
                               for o, r in _first_rows(group, "organiser")],
                "cap": number(first.get("beneficiaryCap")) if first.get("beneficiaryCap")
                else "",
                "description": self.text(iri, "description"),
                "aims": self.texts(iri, "aim"),
                "branches": [{"iri": self.show(b), "label": _val(r, "branchLabel") or b,
                              "kind": _val(r, "branchKindLabel")}
                             for b, r in _first_rows(branches.get(iri, []), "branch")],
                "offers": _unique(_val(r, "offer") for r in offers.get(iri, [])),
                "based_in": based_in,
                "events": event_list,
                "figures": [o for o in (self._observation(x) for x in about.get(iri, [])) if o],
            })
        return out

    # -- Annex ----------------------------------------------------------------------------------
    def _annex(self) -> dict[str, Any]:
        run = self._run
        implements = _group(run("document-implementation"), "implementer")
        kinds: dict[str, dict[str, Any]] = {}
        for row in run("institutions-by-kind"):
            kind = _val(row, "kindLabel") or ""
            code = (_val(row, "kind") or "").rsplit("/", 1)[-1]
            bucket = kinds.setdefault(kind, {"kind": kind, "code": code, "items": {}})
            iri = _val(row, "institution") or ""
            item = bucket["items"].get(iri)
            if item is None:
                item = bucket["items"][iri] = {
                    "iri": self.show(iri), "label": _val(row, "institutionLabel") or iri,
                    "aliases": self.texts(iri, "alias"),
                    "parent": _ref(_val(row, "parent"), _val(row, "parentLabel")),
                    "responsibilities": [], "websites": [],
                    "founded": date(row.get("founded")),
                    "aims": self.texts(iri, "aim"),
                    "quotations": self.texts(iri, "quotation"),
                    "follows_up": [{"relation": _val(c, "relationLabel") or "",
                                    "target": _ref(_val(c, "implemented"),
                                                   _val(c, "implementedLabel"))}
                                   for c in implements.get(iri, [])],
                }
            for key, col in (("responsibilities", "responsibility"), ("websites", "website")):
                value = _val(row, col)
                if value and value not in item[key]:
                    item[key].append(value)
        institutions = [{"kind": k["kind"], "entries": list(k["items"].values())}
                        for k in sorted(kinds.values(), key=lambda k: _kind_rank(k["code"]))]
        members = _group(run("federation-members"), "federation")
        hosted = _group(run("hosted-organisations"), "host")
        organisations = []
        for iri, group in _group(run("diaspora-organisations"), "organisation").items():
            first = group[0]
            country = self.show(_val(first, "basedIn"))
            organisations.append({
                "iri": self.show(iri), "label": _val(first, "organisationLabel") or iri,
                "aliases": self.texts(iri, "alias"),
                "country": _ref(country, _val(first, "basedInLabel")),
                "region": _val(first, "region"), "city": _val(first, "city"),
                "kind": _val(first, "kindLabel"), "founded": _val(first, "founded"),
                "pages": _unique(_val(r, "page") for r in group),
                "aims": _unique([*(_val(r, "aim") for r in group), *self.texts(iri, "aim")]),
                "description": self.text(iri, "description"),
                "members": [{"iri": self.show(m), "label": _val(r, "memberLabel") or m,
                             "iso2": _val(r, "iso2")}
                            for m, r in _first_rows(members.get(iri, []), "member")],
                "hosts": [{"iri": self.show(h), "label": _val(r, "hostedLabel") or h,
                           "kind": _val(r, "hostedKindLabel"),
                           "country": _val(r, "hostedCountryLabel"),
                           "countries": self.links(h, "basedIn")}
                          for h, r in _first_rows(hosted.get(iri, []), "hosted")],
            })
        return {"institutions": institutions, "organisations": organisations}

    # -- Footnotes ------------------------------------------------------------------------------
    def _footnotes(self) -> list[dict[str, Any]]:
        out = []
        for iri, group in _group(self._footnote_rows, "footnote").items():
            first = group[0]
            out.append({
                "iri": iri, "number": _val(first, "footnoteNumber"),
                "text": _val(first, "printedText"),
                "urls": _unique(_val(r, "url") for r in group),
                "lost": _true(first, "textLost"),
                "note": _val(first, "note"),
            })
        return out

    # -- What no section shows ------------------------------------------------------------------
    def _further(self) -> dict[str, list[dict[str, Any]]]:
        """Resources of the factsheet that none of the sections above shows, by section type
        (a graph may hold kinds of facts this page does not know yet)."""
        self._resource_rows = self._run("factsheet-resources")
        return self._unshown(set(self._shown))

    def _unshown(self, shown: set[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        seen: set[str] = set()
        for row in self._resource_rows:
            iri = _val(row, "resource")
            if not iri or iri in shown or iri in seen:
                continue
            seen.add(iri)
            section = self._sections.get(_val(row, "section") or "", {})
            kind = (_val(section, "sectionType") or "").rsplit("/", 1)[-1] or "annex"
            cls = (_val(row, "class") or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            out.setdefault(kind, []).append({
                "iri": iri, "label": _val(row, "label") or iri, "class": cls,
                "descriptions": self.texts(iri, "description"),
                "figure": self._observation(iri),
            })
        return out

    def settle(self, anchored: set[str]) -> None:
        """After a first rendering: list under "Further facts" what the sections meant to
        show but did not (a template that skips an empty field, say), so nothing is lost."""
        listed = {x["iri"] for items in self.further.values() for x in items}
        self.further = self._unshown(anchored - listed)


#: The order in which an annex lists kinds of institution (from the head of state down);
#: kinds not named here follow, alphabetically.
ANNEX_KIND_ORDER = ("head-of-state", "ministry", "department", "assembly", "foundation",
                    "contact-centre", "non-governmental-organisation")


def _kind_rank(code: str) -> tuple[int, str]:
    try:
        return (ANNEX_KIND_ORDER.index(code), code)
    except ValueError:
        return (len(ANNEX_KIND_ORDER), code)


def _first_rows(rows: Iterable[Mapping[str, Term]], key: str
                ) -> list[tuple[str, Mapping[str, Term]]]:
    """(value, first row with it) for each distinct value of ``key``, in order."""
    out: dict[str, Mapping[str, Term]] = {}
    for row in rows:
        v = _val(row, key)
        if v is not None and v not in out:
            out[v] = row
    return list(out.items())


# ------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------

TEMPLATES = Path(__file__).parent / "templates" / "factsheet"


def _md_cell(value: Any) -> str:
    """Text for a Markdown table cell: no line breaks, pipes escaped."""
    text = "" if value is None else str(value)
    return re.sub(r"\s*[\r\n]+\s*", " ", text).replace("|", "\\|")


def _ucfirst(value: Any) -> str:
    """First letter upper-cased, the rest kept ("remittances as a share of GDP")."""
    text = "" if value is None else str(value)
    return text[:1].upper() + text[1:]


def _environment(fmt: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2html"),
                                            default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = _md_cell
    env.filters["ucfirst"] = _ucfirst
    env.filters["date"] = date
    env.globals["anchor_id"] = anchor_id
    env.globals["GENERATOR"] = GENERATOR
    return env


def render(page: Page, fmt: str = "md") -> str:
    """The page in Markdown (``md``) or HTML (``html``)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown factsheet format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not page._settled:
        # The HTML anchors say what the templates really show; what they do not goes to
        # "Further facts" (in both formats, so both show the same facts).
        _render(page, "html")
        page.settle(set(page._anchored))
        page._settled = True
    return _render(page, fmt)


def _render(page: Page, fmt: str) -> str:
    env = _environment(fmt)
    page.reset()
    template = env.get_template("factsheet.md.j2" if fmt == "md" else "factsheet.html")
    css = (TEMPLATES / "factsheet.css").read_text(encoding="utf-8") if fmt == "html" else ""
    text = template.render(page=page, css=css)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def factsheet(country: str | None = None, fmt: str = "md", graph: Any = None,
              endpoint: str | None = None, *, default_graph: str | None = None,
              timeout: float = 30.0) -> str:
    """The factsheet of ``country`` (an IRI, or a slug such as ``kazakhstan``; default
    Kazakhstan) regenerated from the graph, as Markdown (``fmt="md"``) or a printable HTML
    page (``fmt="html"``).

    ``graph``: None for the bundled graph, a pyoxigraph Store or rdflib Graph, or Turtle
    files / folders to load; ``endpoint``: a SPARQL endpoint URL instead (with
    ``default_graph``, the IRI of the named graph to ask). Raises InputError (exit code 2)
    when the graph has no factsheet for the country, EndpointError when the endpoint
    fails. ``timeout``: seconds each of its queries may take."""
    if fmt not in FORMATS:
        raise InputError(f"unknown factsheet format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if graph is not None and endpoint is not None:
        raise InputError("give either a graph or an endpoint, not both")
    iri = country_iri(country)
    if default_graph is not None and endpoint is None:
        raise InputError("default_graph is for an endpoint; give endpoint= too")
    run = _Runner(iri, _store_of(graph), endpoint, default_graph, timeout)
    return render(Page(run, iri), fmt)


def write(text: str, out: str | Path, *, force: bool = False) -> Path:
    """Write a rendered factsheet to ``out`` safely: into a temporary file beside it, then
    renamed over it, so a reader never sees half a file. Refuses a missing folder, a folder
    as target, and (unless ``force``) replacing a file that is not a previous factsheet."""
    import os
    import tempfile

    path = Path(out)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"the folder {folder} does not exist", file=str(path),
                         hint="create it first, or choose another --out")
    if path.is_dir():
        raise InputError("is a folder, not a file", file=str(path),
                         hint="give a file name, e.g. factsheet.html")
    if path.exists() and not force and not _is_factsheet(path):
        raise InputError("exists and is not a factsheet written by kzgraph; not replaced",
                         file=str(path), hint="choose another --out, or pass --force")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(folder))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as any new file (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _is_factsheet(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return GENERATOR in head


class _CallableModule(types.ModuleType):
    """``kzgraph.factsheet`` is both this module and the function: importing the module
    (``from kzgraph.factsheet import anchor_id``) rebinds the package attribute to the
    module, so the module forwards calls to :func:`factsheet`."""

    def __call__(self, country: str | None = None, fmt: str = "md", graph: Any = None,
                 endpoint: str | None = None, *, default_graph: str | None = None,
                 timeout: float = 30.0) -> str:
        return factsheet(country, fmt, graph, endpoint, default_graph=default_graph,
                         timeout=timeout)


sys.modules[__name__].__class__ = _CallableModule
