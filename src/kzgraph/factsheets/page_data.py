"""The look-ups of one country's factsheet, loaded from the stored queries: the metadata, the
sources of every resource (footnote numbers, supplementary sources), its gaps, notes, texts and
links; and the bookkeeping of what the page shows. The section builders
(:mod:`kzgraph.factsheets.sections`) and the templates read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kzgraph.errors import InputError
from kzgraph.factsheets.values import (
    _group,
    _ref,
    _true,
    _unique,
    _val,
    anchor_id,
    date,
)
from kzgraph.iri_input import close_countries

if TYPE_CHECKING:
    from kzgraph.results import Term


class PageData:
    """The per-resource look-ups (marks, gaps, notes, texts, links) of one country's factsheet
    and what the page shows so far."""

    # Filled on first use by the section builders.
    _documents_cache: dict[str, dict[str, Any]]
    _finding_rows: dict[str, list[Mapping[str, Term]]]

    def __init__(self, run: Callable[..., list[dict[str, Term]]], country: str) -> None:
        self.country = country
        self._run = run
        self._shown: dict[str, None] = {}
        self.meta = self._meta()
        self._load_lookups()

    # -- bookkeeping ------------------------------------------------------------------------
    def show(self, iri: str | None) -> str | None:
        """Note that the page shows a resource (for the "Further facts" of what is not)."""
        if iri:
            self._shown[iri] = None
        return iri

    @property
    def shown(self) -> frozenset[str]:
        """The resources the page shows (each gets an anchor where it is shown first)."""
        return frozenset(self._shown)

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

    def label(self, iri: str) -> str:
        """The English label of a resource of the factsheet (its IRI when it has none)."""
        return self._labels.get(iri) or iri

    def resources_in(self, section_type: str) -> set[str]:
        """The resources stated in the factsheet's section(s) of a type (dem:inSection)."""
        return {_val(r, "resource") or "" for r in self._resource_rows
                if self.section_type_of(_val(r, "section")) == section_type}

    def section_type_of(self, section: str | None) -> str:
        row = self._sections.get(section or "", {})
        return (_val(row, "sectionType") or "").rsplit("/", 1)[-1]

    def section_gap(self, section_type: str) -> dict[str, str] | None:
        """The gap of a section said to be missing from the source (not-in-source): the
        section is unknown, not empty."""
        for section in self._sections:
            if self.section_type_of(section) == section_type:
                found = self.gap(section, "not-in-source")
                if found:
                    return found
        return None

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
            index = self._run("factsheet-index", scoped=False)
            known = [f"{_val(r, 'countryLabel') or ''} <{_val(r, 'country')}>".strip()
                     for r in index]
            hint = ("countries with a factsheet: " + ", ".join(known)) if known else \
                "the graph has no factsheet (dem:Factsheet) at all"
            close = close_countries(self.country, [_val(r, "country") or "" for r in index])
            if close:
                hint = f"did you mean {' or '.join(close)}? {hint}"
            raise InputError(f"no factsheet for the country <{self.country}> in the graph",
                             hint=hint)
        first = rows[0]
        country = self.show(_val(first, "country"))
        editors = self._people(rows, "editor")
        publishers = self._people(rows, "publisher")
        return {
            "iri": _val(first, "factsheet"),
            "title": _val(first, "title") or _val(first, "label") or "",
            "label": _val(first, "label") or _val(first, "title") or "",
            "country": {"iri": country, "label": _val(first, "countryLabel") or country,
                        "alpha2": _val(first, "alpha2"), "alpha3": _val(first, "alpha3"),
                        "m49": _val(first, "m49"), "wikidata": _val(first, "wikidata")},
            "authors": self._people(rows, "author"),
            "editors": editors,
            "publishers": publishers,
            # the publishers the byline names apart from the editors
            "publishers_apart": [p for p in publishers if p not in editors],
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
        self._resource_rows = run("factsheet-resources")
        self._labels = {(_val(r, "resource") or ""): _val(r, "label") or ""
                        for r in self._resource_rows}
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
