"""The factsheet regenerated from the graph: ``kzgraph.factsheet(country, fmt)``.

Read it top-down, each module importing only those above it: ``values`` (how a fact reads),
``runner`` (the stored queries for one country), ``page_data`` (the look-ups), ``sections``
(one builder per section), ``page`` (the page model), ``render`` (Markdown, HTML, the file).

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

from kzgraph.factsheets.page import Page
from kzgraph.factsheets.render import factsheet, render, write
from kzgraph.factsheets.values import (
    COUNTRY_BASE,
    DEFAULT_COUNTRY,
    FACTSHEET_FORMATS,
    GENERATOR,
    HEADINGS,
    SECTIONS,
    anchor_id,
    country_iri,
    date,
    number,
    with_unit,
    years,
)

__all__ = [
    "COUNTRY_BASE",
    "DEFAULT_COUNTRY",
    "FACTSHEET_FORMATS",
    "GENERATOR",
    "HEADINGS",
    "SECTIONS",
    "Page",
    "anchor_id",
    "country_iri",
    "date",
    "factsheet",
    "number",
    "render",
    "with_unit",
    "write",
    "years",
]
