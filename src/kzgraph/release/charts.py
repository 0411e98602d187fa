"""The landing page's emigrant-stock charts: the figures read from the graph, drawn as SVG bars.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kzgraph.namespaces import (
    DEM,
    SDMX_MEASURE,
    VOCAB_SPACE,
)
from kzgraph.release.bundle import Release
from kzgraph.release.site_model import Model

EMIGRANT_STOCK = VOCAB_SPACE + "indicator/emigrant-stock"

EMIGRANT_QUERY = """
PREFIX dem: <https://w3id.org/kzgraph/ontology#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
SELECT ?origin ?destination ?value ?year ?source WHERE {
  ?obs dem:indicator <https://w3id.org/kzgraph/vocab/indicator/emigrant-stock> ;
       dem:destination ?destination ;
       sdmx-measure:obsValue ?value .
  OPTIONAL { ?obs dem:origin ?origin }
  OPTIONAL { ?obs dem:referenceYear ?year }
  OPTIONAL { ?obs dem:sourceDataset ?source }
}
"""


#: The predicates EMIGRANT_QUERY matches.
_EMIGRANT_PREDICATES = frozenset({DEM + "indicator", DEM + "destination", SDMX_MEASURE + "obsValue",
                                  DEM + "origin", DEM + "referenceYear", DEM + "sourceDataset"})


@dataclass
class Bar:
    term: Any
    value: float
    year: str
    sources: frozenset[Any] = frozenset()


def emigrant_stock(rel: Release) -> dict[Any, list[Bar]]:
    """origin -> bars (destination, value, year), the latest year per destination, largest
    first; by SPARQL over the graph in an in-memory Oxigraph store."""
    import pyoxigraph as ox

    # The query matches triples of its own predicates alone: the store holds just those.
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                      for t in rel.graph if t.predicate.value in _EMIGRANT_PREDICATES)
    best: dict[tuple[Any, Any], Bar] = {}
    for row in store.query(EMIGRANT_QUERY):  # type: ignore[union-attr]
        try:
            value = float(row["value"].value)
        except (ValueError, AttributeError):
            continue
        origin, dest = row["origin"], row["destination"]
        year = row["year"].value if row["year"] is not None else ""
        key = (origin, dest)
        old = best.get(key)
        if old is None or (year, value) > (old.year, old.value):
            best[key] = Bar(dest, value, year)
        if row["source"] is not None and best[key].year == year and best[key].value == value:
            best[key].sources |= {row["source"]}
    charts: dict[Any, list[Bar]] = {}
    for (origin, _dest), bar in best.items():
        charts.setdefault(origin, []).append(bar)
    for bars in charts.values():
        bars.sort(key=lambda b: (-b.value, str(b.term)))
    return dict(sorted(charts.items(), key=lambda kv: (-sum(b.value for b in kv[1]),
                                                       str(kv[0]))))


def bar_chart_svg(title: str, bars: Sequence[tuple[str, float, str | None, str]],
                  caption: str) -> str:
    """A horizontal bar chart as inline SVG: bars = (label, value, href, tooltip)."""
    esc = html.escape
    label_w, bar_w, row_h, top = 170, 420, 30, 34
    width = label_w + bar_w + 110
    height = top + row_h * len(bars) + 30
    vmax = max((v for _, v, _, _ in bars), default=1) or 1
    uid = "c" + hashlib.sha1(title.encode()).hexdigest()[:8]
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{uid}-t {uid}-d">',
        f'<title id="{uid}-t">{esc(title)}</title>',
        f'<desc id="{uid}-d">{esc(caption)}. Source: the emigrant-stock observations of the '
        "graph (dem:indicator indicator:emigrant-stock, dem:destination, "
        "sdmx-measure:obsValue).</desc>",
        f'<text class="chart-title" x="0" y="20">{esc(title)}</text>',
    ]
    for i, (label, value, href, tip) in enumerate(bars):
        y = top + i * row_h
        w = max(1.0, bar_w * value / vmax)
        shown = f"{value:,.0f}" if value == int(value) else f"{value:,}"
        text = f'<text class="bar-label" x="{label_w - 8}" y="{y + 19}" text-anchor="end">' \
               f"{esc(label)}</text>"
        if href:
            text = f'<a href="{esc(href)}">{text}</a>'
        parts.append(text)
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" '
                     f'height="{row_h - 8}" rx="3"><title>{esc(tip)}</title></rect>')
        parts.append(f'<text class="bar-value" x="{label_w + w + 6:.1f}" y="{y + 19}">'
                     f"{esc(shown)}</text>")
    parts.append(f'<text class="chart-caption" x="0" y="{height - 8}">{esc(caption)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def all_origins(charts: dict[Any, list[Bar]], top: int = 15) -> list[Bar]:
    """One bar per destination: the sum over the countries of origin (latest year of each),
    the largest first."""
    total: dict[Any, float] = {}
    years: dict[Any, set[str]] = {}
    for bars in charts.values():
        for b in bars:
            total[b.term] = total.get(b.term, 0.0) + b.value
            years.setdefault(b.term, set()).add(b.year)
    sources: dict[Any, frozenset[Any]] = {}
    for bars in charts.values():
        for b in bars:
            sources[b.term] = sources.get(b.term, frozenset()) | b.sources
    merged = [Bar(d, v, "–".join(sorted({min(years[d]), max(years[d])})), sources[d])
              for d, v in total.items()]
    merged.sort(key=lambda b: (-b.value, str(b.term)))
    return merged[:top]


def chart_for(model: Model, origin: Any, bars: list[Bar], root: str,
              origins: int = 1) -> dict[str, Any]:
    """The SVG bar chart of one origin's emigrant stock by destination (or, for origins > 1,
    of the sum over that many origins)."""
    years = sorted({y for b in bars for y in b.year.split("–") if y})
    who = model.label(origin) if origins == 1 else f"the {origins} countries of origin"
    title = f"Emigrant stock from {who} by country of destination"
    caption = "Emigrants by destination"
    if years:
        caption += f", {years[0]}" if len(years) == 1 else f", {years[0]}–{years[-1]}"
    if origins > 1:
        caption += f"; the {len(bars)} largest, summed over the origins"
    rows = []
    for b in bars:
        link = model.link(b.term, root)
        href = link.href if link.href and not link.external else None
        shown = f"{b.value:,.0f}" if b.value == int(b.value) else f"{b.value:,}"
        rows.append((link.text, b.value, href, f"{link.text}: {shown}"
                     + (f" ({b.year})" if b.year else "")))
    sources = sorted({src for b in bars for src in b.sources}, key=str)
    links = [model.link_html(src, root) for src in sources[:5]]
    if len(sources) > 5:
        links.append(f"and {len(sources) - 5} more")
    return {"svg": model.markup(bar_chart_svg(title, rows, caption)),
            "sources": model.markup(", ".join(links))}
