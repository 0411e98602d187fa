"""The page model of a factsheet: the look-ups plus every section's data, in page order, and
what none of the sections shows ("Further facts"), so that no fact of the graph is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kzgraph.factsheets.figures import facts
from kzgraph.factsheets.page_data import PageData
from kzgraph.factsheets.sections import (
    annex,
    footnotes,
    obstacles,
    other_terms,
    policy,
    spotlight,
    supplementary_claims,
    terminology,
    trends,
)
from kzgraph.factsheets.values import (
    HEADINGS,
    SECTIONS,
    _val,
)

if TYPE_CHECKING:
    from kzgraph.results import Term


class Page(PageData):
    """What the templates render: the sections' data plus the per-resource look-ups (marks,
    gaps, notes, texts, links) the templates call while rendering."""

    def __init__(self, run: Callable[..., list[dict[str, Term]]], country: str) -> None:
        super().__init__(run, country)
        self.facts = facts(self)
        self.terminology = terminology(self)
        self.policy = policy(self)
        self.trends = trends(self)
        self.obstacles = obstacles(self)
        self.spotlight = spotlight(self)
        self.annex = annex(self)
        self.footnotes = footnotes(self)
        self.claims = supplementary_claims(self)
        self.other_terms = other_terms(self)
        self.further = self._further()
        self.headings = HEADINGS
        self.sections = SECTIONS
        self.reset()

    def shows(self, section_type: str) -> bool:
        """Whether the page has a heading for a section: it shows something there, or the
        section is said to be missing from the source (never shown as empty)."""
        content: dict[str, Any] = {
            "facts-and-figures": bool(self.facts),
            "terminology": any(self.terminology.values()),
            "policy-framework": any(self.policy.values()),
            "trends-and-achievements": any(self.trends.values()),
            "obstacles": self.obstacles,
            "spotlight": self.spotlight,
            "annex": any(self.annex.values()),
        }
        return bool(content.get(section_type) or self.further.get(section_type)
                    or self.claims.get(section_type) or self.other_terms.get(section_type)
                    or self.section_gap(section_type))

    # -- What no section shows ------------------------------------------------------------------
    def _further(self) -> dict[str, list[dict[str, Any]]]:
        """Resources of the factsheet that none of the sections above shows, by section type
        (a graph may hold kinds of facts this page does not know yet). The builders note
        every resource they hand to the templates, so the page knows what it shows before
        rendering."""
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
