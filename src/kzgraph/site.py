"""The static site of a release (``DIR/site/``), written by ``kzgraph build`` and ``kzgraph site``.

Pages (all links relative, so the site works from file:// and from any host or path)::

    index.html                 landing page: what the dataset is, counts, chart, downloads, queries
    ontology.html              the ontology documentation; every term is an anchor (#Term)
    ontology.{ttl,jsonld,rdf}  the ontology, beside its page
    browse/index.html          classes with their instance counts
    browse/{class}.html        the instances of a class
    id/kz/foo.html             one page per resource <https://w3id.org/kzgraph/id/kz/foo>
    id/kz/foo.{ttl,jsonld,rdf} the resource's description (with its blank nodes)
    vocab/{scheme}/{code}.html concepts likewise
    style.css, .htaccess       the style sheet; content negotiation (see HTACCESS below)

An IRI https://w3id.org/kzgraph/P maps to site/P.html: a file, not P/index.html, because
file:// does not resolve a folder to its index.html.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kzgraph.release import (
    BASE,
    DCT,
    LICENSE,
    MARKER,
    ONTOLOGY_IRI,
    OWL,
    RDF,
    RDF_TYPE,
    RDFS,
    SKOS,
    VOCAB_SPACE,
    XSD,
    FileInfo,
    Release,
)

PROV = "http://www.w3.org/ns/prov#"
DEM = BASE + "ontology#"
QB = "http://purl.org/linked-data/cube#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SCHEMA = "https://schema.org/"
EMIGRANT_STOCK = VOCAB_SPACE + "indicator/emigrant-stock"

LABEL_PROPS = (RDFS + "label", SKOS + "prefLabel", DCT + "title", "http://xmlns.com/foaf/0.1/name",
               SCHEMA + "name")
DESCRIPTION_PROPS = (SKOS + "definition", DCT + "description", RDFS + "comment")
#: Rows shown first on a resource page, in this order; the rest by compact IRI.
FIRST_ROWS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition",
              DCT + "description", RDFS + "comment")
SOURCE_PROPS = (PROV + "wasDerivedFrom", DEM + "inSection")
RESERVED = {"index", "browse", "style.css", ".htaccess"}
INCOMING_CAP = 500
MAX_NEST = 6

CLASS_TYPES = (OWL + "Class", RDFS + "Class")
PROPERTY_GROUPS = (
    ("Object properties", (OWL + "ObjectProperty",)),
    ("Datatype properties", (OWL + "DatatypeProperty",)),
    ("Other properties", (OWL + "AnnotationProperty", RDF + "Property", QB + "DimensionProperty",
                          QB + "MeasureProperty", QB + "AttributeProperty")),
)

HTACCESS = """\
# Content negotiation for the kzgraph IRIs (w3id-style recipe), written by `kzgraph build`.
#
# Layout: an IRI https://w3id.org/kzgraph/{path} is described by site/{path}.html, .ttl,
# .jsonld and .rdf (hash IRIs such as https://w3id.org/kzgraph/ontology#Country by the page
# of the part before the '#'). This file does the negotiation on an Apache host serving
# site/ (mod_rewrite, mod_headers, mod_mime):
#   Accept: text/turtle          -> {path}.ttl
#   Accept: application/ld+json  -> {path}.jsonld
#   Accept: application/rdf+xml  -> {path}.rdf
#   anything else (browsers)     -> {path}.html
# Try it: curl -L -H 'Accept: text/turtle' https://w3id.org/kzgraph/id/country/kazakhstan
#
# The permanent IRIs are served by w3id.org: put the following into kzgraph/.htaccess of
# https://github.com/perma-id/w3id.org (replace HOST/PATH by where DIR is published, so
# that HOST/PATH/site/ is this folder and HOST/PATH/kzgraph.ttl is the download):
#
#   Options +FollowSymLinks
#   RewriteEngine on
#   RewriteRule ^dist/(.+)$ https://HOST/PATH/$1 [R=302,L]
#   RewriteRule ^ontology/[0-9.]+$ /kzgraph/ontology [R=302,L]
#   RewriteRule ^(void|\\.well-known/void)$ https://HOST/PATH/void.ttl [R=303,L]
#   RewriteCond %{HTTP_ACCEPT} text/turtle
#   RewriteRule ^(id/.+|vocab/.+|ontology)$ https://HOST/PATH/site/$1.ttl [R=303,L]
#   RewriteCond %{HTTP_ACCEPT} application/ld\\+json
#   RewriteRule ^(id/.+|vocab/.+|ontology)$ https://HOST/PATH/site/$1.jsonld [R=303,L]
#   RewriteCond %{HTTP_ACCEPT} application/rdf\\+xml
#   RewriteRule ^(id/.+|vocab/.+|ontology)$ https://HOST/PATH/site/$1.rdf [R=303,L]
#   RewriteRule ^(id/.+|vocab/.+|ontology)$ https://HOST/PATH/site/$1.html [R=303,L]
#   RewriteRule ^$ https://HOST/PATH/site/index.html [R=302,L]
#
# The rules below are the same negotiation for a host that serves site/ itself (relative
# rewrites, so they work in whichever folder site/ is placed).

Options -MultiViews
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType application/rdf+xml .rdf
AddType application/n-triples .nt
AddCharset UTF-8 .ttl .jsonld .nt .html
<IfModule mod_headers.c>
  Header append Vary Accept
  Header set Access-Control-Allow-Origin "*"
</IfModule>

RewriteEngine on

RewriteCond %{HTTP_ACCEPT} text/turtle
RewriteCond %{REQUEST_FILENAME}.ttl -f
RewriteRule ^(.+?)/?$ $1.ttl [L]

RewriteCond %{HTTP_ACCEPT} application/ld\\+json
RewriteCond %{REQUEST_FILENAME}.jsonld -f
RewriteRule ^(.+?)/?$ $1.jsonld [L]

RewriteCond %{HTTP_ACCEPT} application/rdf\\+xml
RewriteCond %{REQUEST_FILENAME}.rdf -f
RewriteRule ^(.+?)/?$ $1.rdf [L]

RewriteCond %{REQUEST_FILENAME}.html -f
RewriteRule ^(.+?)/?$ $1.html [L]
"""


# ---------------------------------------------------------------------------------------
# IRIs -> paths
# ---------------------------------------------------------------------------------------

# Unicode letters are kept (an IRI's path maps to the same file name on the web server, so
# content negotiation works for it); anything else unsafe in a file name is replaced.
_SAFE_SEGMENT = re.compile(r"^[\w~-][\w.~-]*$")
_SAFE_ANCHOR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _safe(text: str, pattern: re.Pattern[str]) -> str:
    if pattern.match(text):
        return text
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return (re.sub(r"[^\w-]", "_", text) or "x") + "-" + digest


def page_path(iri: str) -> str | None:
    """site-relative path of the page of a slash IRI under BASE (None outside BASE)."""
    if not iri.startswith(BASE) or "#" in iri or "?" in iri:
        return None
    rest = iri[len(BASE):]
    if not rest:
        return None
    segments = rest.split("/")
    if segments[-1] == "":
        segments[-1] = "index"
    if segments[0] in RESERVED:
        return None
    return "/".join(_safe(s, _SAFE_SEGMENT) for s in segments) + ".html"


def anchor(fragment: str) -> str:
    return _safe(fragment, _SAFE_ANCHOR)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


# ---------------------------------------------------------------------------------------
# The graph, indexed once
# ---------------------------------------------------------------------------------------


@dataclass
class Link:
    text: str
    href: str | None
    title: str
    external: bool = False


def a_html(link: Link) -> str:
    """A Link as HTML: internal link, external link (marked), or a plain IRI."""
    text, title = html.escape(link.text), html.escape(link.title)
    if link.href is None:
        return f'<span class="iri" title="{title}">{text}</span>'
    cls = ' class="ext"' if link.external else ""
    return f'<a{cls} href="{html.escape(link.href)}" title="{title}">{text}</a>'


def table_html(rows: Sequence[tuple[str, list[str]]], nested: bool = False) -> str:
    """Rows of (property HTML, [value HTML]) as a property table."""
    if not rows:
        return ""
    out = [f'<table class="props{" nested" if nested else ""}">']
    for pred, values in rows:
        cell = values[0] if len(values) == 1 else \
            '<ul class="vals">' + "".join(f"<li>{v}</li>" for v in values) + "</ul>"
        out.append(f'<tr><th scope="row">{pred}</th><td>{cell}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


class Model:
    """Indexes of the canonical graph: outgoing and incoming edges, labels, pages."""

    def __init__(self, rel: Release) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.rel = rel
        self.pm = rel.prefixes
        self.out: dict[Any, list[tuple[str, Any]]] = {}
        self.inc: dict[Any, list[tuple[Any, str]]] = {}
        self.types: dict[Any, list[str]] = {}
        self.triple_set = set(rel.graph)
        for t in rel.graph:  # canonical order: rdf:type first, then by predicate
            s, p, o = t.subject, t.predicate.value, t.object
            self.out.setdefault(s, []).append((p, o))
            if not isinstance(o, ox.Literal):
                self.inc.setdefault(o, []).append((s, p))
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                self.types.setdefault(s, []).append(o.value)
        self.pages: dict[str, str] = {ONTOLOGY_IRI: "ontology.html"}
        for s in self.out:
            if isinstance(s, ox.NamedNode):
                path = page_path(s.value)
                if path:
                    self.pages.setdefault(s.value, path)
                elif s.value.startswith(BASE) and "#" in s.value:
                    base = s.value.split("#", 1)[0]
                    if page_path(base):
                        self.pages.setdefault(base, page_path(base) or "")
        self._labels: dict[Any, str] = {}
        self._link_html: dict[tuple[Any, str], str] = {}
        self.dangling: set[str] = set()
        from markupsafe import Markup

        self.markup = Markup

    # -- labels and links ------------------------------------------------------------

    def label(self, term: Any) -> str:
        hit = self._labels.get(term)
        if hit is not None:
            return hit
        best: tuple[int, int, str] | None = None
        for p, o in self.out.get(term, ()):
            if p in LABEL_PROPS and isinstance(o, self.ox.Literal):
                lang = o.language or ""
                rank = (0 if lang == "en" else 1 if lang == "" else 2, LABEL_PROPS.index(p),
                        o.value)
                if best is None or rank < best:
                    best = rank
        if best is not None:
            text = best[2]
        elif isinstance(term, self.ox.NamedNode):
            curie = self.pm.curie(term.value)
            text = curie if curie != term.value else term.value
        else:
            text = "(blank node)"
        self._labels[term] = text
        return text

    def target(self, iri: str) -> str | None:
        """site-relative href of an IRI's page (with #anchor for hash IRIs), or None."""
        if iri in self.pages:
            return self.pages[iri]
        if "#" in iri:
            base, frag = iri.split("#", 1)
            # Only terms described in the graph have an anchor on their base's page.
            if base in self.pages and self.ox.NamedNode(iri) in self.out:
                return f"{self.pages[base]}#{anchor(frag)}"
        return None

    def link(self, term: Any, root: str) -> Link:
        iri = term.value
        href = self.target(iri)
        label = self.label(term)
        if href is not None:
            return Link(label, root + quote(href, safe="/#-._~"), iri)
        if iri.startswith(BASE):
            self.dangling.add(iri)
            return Link(label, None, iri)
        if iri.startswith(("http://", "https://")):
            return Link(label, iri, iri, external=True)
        return Link(label, None, iri)

    def description(self, term: Any) -> str | None:
        for prop in DESCRIPTION_PROPS:
            for p, o in self.out.get(term, ()):
                if p == prop and isinstance(o, self.ox.Literal) and o.language in ("en", None,
                                                                                   ""):
                    return str(o.value)
        return None

    def values(self, term: Any, prop: str) -> list[Any]:
        return [o for p, o in self.out.get(term, ()) if p == prop]

    # -- rendering values (HTML built here: one page may show thousands of values, and
    # -- Jinja2 macro calls per value would dominate the build time) ----------------------

    def link_html(self, term: Any, root: str) -> str:
        key = (term, root)
        hit = self._link_html.get(key)
        if hit is None:
            hit = self._link_html[key] = a_html(self.link(term, root))
        return hit

    def value(self, term: Any, root: str, depth: int = 0,
              seen: frozenset[Any] = frozenset()) -> Any:
        """One RDF term as (safe) HTML: a link, a literal with its language or datatype,
        an RDF list, or a blank node's description as a nested table."""
        return self.markup(self._value(term, root, depth, seen))

    def _value(self, term: Any, root: str, depth: int, seen: frozenset[Any]) -> str:
        ox = self.ox
        esc = html.escape
        if isinstance(term, ox.Literal):
            dt = term.datatype.value
            text = esc(term.value)
            if dt == XSD + "anyURI" and term.value.startswith(("http://", "https://")):
                out = f'<a class="ext" href="{text}">{text}</a>'
            else:
                out = f'<span class="lit">{text}</span>'
            if term.language:
                out += f' <span class="tag" title="language">{esc(term.language)}</span>'
            elif dt not in (XSD + "string", RDF + "langString"):
                out += f' <span class="tag" title="datatype">{esc(self.pm.curie(dt))}</span>'
            return out
        if isinstance(term, ox.BlankNode):
            if depth >= MAX_NEST or term in seen:
                return '<span class="lit">(blank node)</span>'
            inner = seen | {term}
            members = self.rdf_list(term)
            if members is not None:
                items = "".join(f"<li>{self._value(x, root, depth + 1, inner)}</li>"
                                for x in members)
                return f'<ol class="rdf-list">{items}</ol>'
            return table_html(self._rows(term, root, depth + 1, inner, set()), nested=True)
        return self.link_html(term, root)

    def _rows(self, term: Any, root: str, depth: int, seen: frozenset[Any],
              skip: set[str]) -> list[tuple[str, list[str]]]:
        grouped: dict[str, list[Any]] = {}
        for p, o in self.out.get(term, ()):
            if p not in skip:
                grouped.setdefault(p, []).append(o)

        def order(p: str) -> tuple[int, str]:
            return (FIRST_ROWS.index(p) if p in FIRST_ROWS else len(FIRST_ROWS),
                    self.pm.curie(p))

        def by_label(o: Any) -> tuple[Any, ...]:
            if isinstance(o, self.ox.NamedNode):
                return (0, natural_key(self.label(o)), o.value)
            return (1, (), str(o))

        return [
            (self.link_html(self.ox.NamedNode(p), root),
             [self._value(o, root, depth, seen) for o in sorted(objs, key=by_label)])
            for p, objs in sorted(grouped.items(), key=lambda kv: order(kv[0]))
        ]

    def rows(self, term: Any, root: str, skip: Iterable[str] = ()) -> Any:
        """The property table of a resource, as (safe) HTML."""
        return self.markup(table_html(self._rows(term, root, 0, frozenset(), set(skip))))

    def rdf_list(self, head: Any) -> list[Any] | None:
        """The members of a well-formed RDF list starting at head, else None."""
        members: list[Any] = []
        node, guard = head, set()
        while True:
            if isinstance(node, self.ox.NamedNode) and node.value == RDF + "nil":
                return members
            if not isinstance(node, self.ox.BlankNode) or node in guard:
                return None
            guard.add(node)
            edges = self.out.get(node, [])
            first = [o for p, o in edges if p == RDF + "first"]
            rest = [o for p, o in edges if p == RDF + "rest"]
            others = [p for p, _ in edges if p not in (RDF + "first", RDF + "rest")]
            if len(first) != 1 or len(rest) != 1 or others:
                return None
            members.append(first[0])
            node = rest[0]

    # -- blank node closures -----------------------------------------------------------

    def closure(self, term: Any) -> list[Any]:
        """The triples of term and of the blank nodes it reaches (its CBD)."""
        ox = self.ox
        out: list[Any] = []
        stack, seen = [term], {term}
        while stack:
            node = stack.pop()
            for p, o in self.out.get(node, ()):
                out.append(ox.Triple(node, ox.NamedNode(p), o))
                if isinstance(o, ox.BlankNode) and o not in seen:
                    seen.add(o)
                    stack.append(o)
        return out

    def root_of(self, bnode: Any) -> Any | None:
        """The first IRI that reaches a blank node by a chain of blank nodes, or None."""
        queue, seen = [bnode], {bnode}
        while queue:
            node = queue.pop(0)
            for s, _p in self.inc.get(node, ()):
                if isinstance(s, self.ox.NamedNode):
                    return s
                if s not in seen:
                    seen.add(s)
                    queue.append(s)
        return None


# ---------------------------------------------------------------------------------------
# Chart
# ---------------------------------------------------------------------------------------

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

    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                      for t in rel.graph)
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


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["size"] = human_size
    return env


class Writer:
    """Writes files under site/, creating folders once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: set[Path] = set()

    def write(self, rel_path: str, data: bytes | str) -> None:
        path = self.folder / rel_path
        parent = path.parent
        if parent not in self._made:
            parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _root(path: str) -> str:
    return "../" * path.count("/")


def _class_slug(model: Model, cls: str) -> str:
    return "browse/" + _safe(re.sub(r"[^A-Za-z0-9_.-]", "-", model.pm.curie(cls)),
                             _SAFE_SEGMENT) + ".html"


def render_site(rel: Release, folder: Path, files: Sequence[FileInfo],
                present: set[str] | None = None) -> int:
    """Write the site of a release into folder (new or empty). files: the release's
    downloads (sizes, checksums) for the landing page; present: names that exist beside the
    site (default: all). Returns the number of pages written."""
    from kzgraph.release import example_resources, serialise, sort_triples

    m = Model(rel)
    ox = m.ox
    env = _env()
    w = Writer(folder)
    common = {"rel": rel, "license": LICENSE, "base": BASE}
    pages = 0

    charts = emigrant_stock(rel)
    class_counts = rel.counts["classes"]

    # -- resource pages ----------------------------------------------------------------
    resource_tpl = env.get_template("resource.html")
    hash_terms: dict[str, list[Any]] = {}
    for s in m.out:
        if isinstance(s, ox.NamedNode) and "#" in s.value and s.value.startswith(BASE):
            hash_terms.setdefault(s.value.split("#", 1)[0], []).append(s)

    for iri, path in sorted(m.pages.items()):
        if iri == ONTOLOGY_IRI:
            continue
        term = ox.NamedNode(iri)
        root = _root(path)
        ctx = resource_context(m, term, root, charts)
        ctx["hash_terms"] = [
            {"anchor": anchor(t.value.split("#", 1)[1]), "iri": t.value, "label": m.label(t),
             "rows": m.rows(t, root)}
            for t in sorted(hash_terms.get(iri, []), key=str)
        ]
        triples = m.closure(term) + [t for b in ctx.pop("orphans") for t in m.closure(b)]
        for t in hash_terms.get(iri, []):
            triples += m.closure(t)
        triples = sort_triples(set(triples))
        stem = path[: -len(".html")]
        for ext in ("ttl", "jsonld", "rdf"):
            w.write(f"{stem}.{ext}", serialise(triples, ext, rel.prefixes))
        name = quote(stem.rsplit("/", 1)[-1], safe="-._~")
        ctx["files"] = {ext: f"{name}.{ext}" for ext in ("ttl", "jsonld", "rdf")}
        w.write(path, resource_tpl.render(**common, **ctx, root=root))
        pages += 1

    # -- ontology ----------------------------------------------------------------------
    for ext in ("ttl", "jsonld", "rdf"):
        w.write(f"ontology.{ext}", serialise(rel.ontology, ext, rel.prefixes))
    w.write("ontology.html", env.get_template("ontology.html").render(
        **common, **ontology_context(m, rel, "ontology.html"), root=""))
    pages += 1

    # -- browse ------------------------------------------------------------------------
    by_class: dict[str, list[Any]] = {}
    untyped: list[Any] = []
    for s in m.out:
        if isinstance(s, ox.BlankNode):
            continue
        types = m.types.get(s)
        if types:
            for c in types:
                by_class.setdefault(c, []).append(s)
        elif s.value in m.pages or m.target(s.value):
            untyped.append(s)
    classes = []
    for cls in sorted(by_class, key=lambda c: (m.label(ox.NamedNode(c)).lower(), c)):
        members = by_class[cls]
        slug = _class_slug(m, cls)
        items = _listing(m, members)
        cls_link = m.link(ox.NamedNode(cls), "../")
        w.write(slug, env.get_template("class.html").render(
            **common, root="../", cls=cls_link, curie=m.pm.curie(cls), items=items,
            count=class_counts.get(cls, len(members))))
        pages += 1
        classes.append({"link": m.link(ox.NamedNode(cls), ""), "curie": m.pm.curie(cls),
                        "count": class_counts.get(cls, len(members)),
                        "href": slug[len("browse/"):]})
    if untyped:
        items = _listing(m, untyped)
        w.write("browse/untyped.html", env.get_template("class.html").render(
            **common, root="../", cls=None, curie="", items=items, count=len(items)))
        pages += 1
    w.write("browse/index.html", env.get_template("browse.html").render(
        **common, root="../", classes=classes, untyped=len(untyped)))
    pages += 1

    # -- landing -----------------------------------------------------------------------
    present = {f.name for f in files} if present is None else present
    downloads = [{"info": f, "present": f.name in present} for f in files]
    if len(charts) == 1:
        [(origin, bars)] = charts.items()
        chart_svgs = [chart_for(m, origin, bars, "")]
    else:  # many factsheets: one chart over all origins; each origin's is on its page
        chart_svgs = [chart_for(m, None, all_origins(charts), "", origins=len(charts))] \
            if charts else []
    factsheets = [x["link"] for x in _listing(m, by_class.get(DEM + "Factsheet", []), "")]
    examples = [m.link(ox.NamedNode(i), "") for i in example_resources(rel)]
    # The landing page shows what the data is about; OWL/RDFS/SHACL meta-classes are on the
    # ontology page.
    meta = (OWL, RDFS, RDF, "http://www.w3.org/ns/shacl#")
    top_classes = sorted((c for c in classes if not c["link"].title.startswith(meta)),
                         key=lambda c: (-c["count"], c["curie"]))[:12]
    w.write("index.html", env.get_template("index.html").render(
        **common, root="", downloads=downloads, charts=chart_svgs, factsheets=factsheets,
        examples=examples, classes=top_classes, n_classes=len(classes),
        n_pages=len(m.pages), counts=rel.counts, queries=rel.queries,
        origins=len(charts), factsheet_class=_class_slug(m, DEM + "Factsheet")))
    pages += 1

    w.write("style.css", (Path(__file__).parent / "templates" / "style.css").read_bytes())
    w.write(".htaccess", HTACCESS)
    return pages


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that puts "Footnote 2" before "Footnote 10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text.casefold()) if part)


def _listing(m: Model, terms: Iterable[Any], root: str = "../") -> list[dict[str, Any]]:
    """Resources for a browse page (one level below the site root), sorted by label."""
    rows = [(m.link(s, root), m.pm.curie(s.value)) for s in terms]
    rows.sort(key=lambda r: (natural_key(r[0].text), r[1]))
    return [{"link": link, "curie": curie} for link, curie in rows]


def resource_context(m: Model, term: Any, root: str,
                     charts: dict[Any, list[Bar]]) -> dict[str, Any]:
    """What resource.html shows about one resource."""
    ox = m.ox
    iri = term.value
    types = [m.link(ox.NamedNode(c), root) for c in m.types.get(term, [])]
    rows = m.rows(term, root, skip=(RDF_TYPE,))
    sources = []
    for prop in SOURCE_PROPS:
        for o in m.values(term, prop):
            if isinstance(o, ox.Literal):
                continue
            cited = [v.value for v in m.values(o, DEM + "citedUrl")
                     if isinstance(v, ox.NamedNode | ox.Literal)]
            note = next((v.value for v in m.values(o, DEM + "printedText")
                         if isinstance(v, ox.Literal)), None)
            sources.append({"prop": m.link(ox.NamedNode(prop), root), "link": m.link(o, root),
                            "cited": cited, "note": None if note in cited else note})

    # Reified statements about this resource (sources that add or dispute a value).
    statements = []
    # predicate -> (sort key, subject or nested blank node HTML, through a blank node?)
    incoming: dict[str, list[tuple[Any, Any, bool]]] = {}
    orphans: list[Any] = []
    seen_roots: set[tuple[str, Any]] = set()
    for s, p in m.inc.get(term, ()):
        if p == RDF + "subject" and RDF + "Statement" in m.types.get(s, []):
            pred = m.values(s, RDF + "predicate")
            obj = m.values(s, RDF + "object")
            asserted = bool(pred and obj and ox.Triple(term, pred[0], obj[0]) in m.triple_set)
            statements.append({
                "link": m.link(s, root) if isinstance(s, ox.NamedNode) else None,
                "pred": m.link(pred[0], root) if pred else None,
                "object": m.value(obj[0], root) if obj else None,
                "asserted": asserted,
                "sources": [m.value(v, root) for v in m.values(s, PROV + "wasDerivedFrom")],
                "note": next((v.value for v in m.values(s, SKOS + "editorialNote")), None),
            })
            if isinstance(s, ox.BlankNode) and m.root_of(s) is None:
                orphans.append(s)
            continue
        bucket = incoming.setdefault(p, [])
        subject = s if isinstance(s, ox.NamedNode) else m.root_of(s)
        if subject is None:  # a blank node nobody points to: shown (and shipped) here
            orphans.append(s)
            bucket.append(((1, ()), m.value(s, root), False))
            continue
        if (p, subject) in seen_roots:
            continue
        seen_roots.add((p, subject))
        bucket.append(((0, natural_key(m.label(subject)), subject.value), subject,
                       subject is not s))
    incoming_rows = []
    for p, items in sorted(incoming.items(), key=lambda kv: m.pm.curie(kv[0])):
        items.sort(key=lambda item: item[0])
        shown = [
            {"link": m.markup(m.link_html(x, root)), "via": via} if k[0] == 0 else {"nested": x}
            for k, x, via in items[:INCOMING_CAP]
        ]
        incoming_rows.append({"pred": m.link(ox.NamedNode(p), root), "subjects": shown,
                              "more": max(0, len(items) - INCOMING_CAP)})
    chart = chart_for(m, term, charts[term], root) if term in charts else None
    return {
        "iri": iri,
        "curie": m.pm.curie(iri),
        "label": m.label(term),
        "description": m.description(term),
        "types": types,
        "rows": rows,
        "sources": sources,
        "statements": statements,
        "incoming": incoming_rows,
        "chart": chart,
        "orphans": orphans,
    }


def ontology_context(m: Model, rel: Release, path: str) -> dict[str, Any]:
    """Every term of the ontology files: classes, properties, other dem: terms, schemes,
    reused external terms; each with label, definition, domain, range and usage count."""
    ox = m.ox
    root = _root(path)
    counts_c = rel.counts["classes"]
    counts_p = rel.counts["properties"]
    onto_subjects: list[Any] = []
    seen: set[Any] = set()
    for t in rel.ontology:
        if isinstance(t.subject, ox.NamedNode) and t.subject not in seen:
            seen.add(t.subject)
            onto_subjects.append(t.subject)
    # Every dem: term described anywhere in the graph gets its anchor here.
    own = [s for s in m.out if isinstance(s, ox.NamedNode) and s.value.startswith(DEM)]
    external = [s for s in onto_subjects if not s.value.startswith(BASE)]

    shown_props = {RDF_TYPE, RDFS + "label", SKOS + "definition", RDFS + "comment",
                   RDFS + "domain", RDFS + "range", RDFS + "subClassOf", RDFS + "subPropertyOf"}

    def entry(term: Any) -> dict[str, Any]:
        types = m.types.get(term, [])
        is_class = any(t in CLASS_TYPES for t in types)
        iri = term.value
        frag = iri.split("#", 1)[1] if "#" in iri else iri
        return {
            "anchor": anchor(frag) if iri.startswith(DEM) else None,
            "iri": iri,
            "curie": m.pm.curie(iri),
            "label": m.label(term),
            "definition": m.description(term),
            "types": [m.link(ox.NamedNode(c), root) for c in types],
            "parents": [m.value(o, root) for o in (m.values(term, RDFS + "subClassOf")
                                                   + m.values(term, RDFS + "subPropertyOf"))],
            "domain": [m.value(o, root) for o in m.values(term, RDFS + "domain")],
            "range": [m.value(o, root) for o in m.values(term, RDFS + "range")],
            "uses": counts_c.get(iri, 0) if is_class else counts_p.get(iri, 0),
            "browse": _class_slug(m, iri) if is_class and counts_c.get(iri) else None,
            "use_kind": "instances" if is_class else "triples",
            "rows": m.rows(term, root, skip=shown_props),
            "external": not iri.startswith(BASE),
        }

    def kinds(term: Any, wanted: Sequence[str]) -> bool:
        return any(t in wanted for t in m.types.get(term, []))

    def by_label(terms: Iterable[Any]) -> list[Any]:
        return sorted(terms, key=lambda t: (m.label(t).lower(), t.value))

    groups = [("Classes", "classes", [entry(t) for t in by_label(own)
                                       if kinds(t, CLASS_TYPES)])]
    placed = {t for t in own if kinds(t, CLASS_TYPES)}
    for title, wanted in PROPERTY_GROUPS:
        members = [t for t in by_label(own) if t not in placed and kinds(t, wanted)]
        placed.update(members)
        groups.append((title, re.sub(r"\W+", "-", title.lower()), [entry(t) for t in members]))
    others = [t for t in by_label(own) if t not in placed]
    groups.append(("Other terms", "other-terms", [entry(t) for t in others]))
    schemes = [
        {"link": m.link(s, root), "definition": m.description(s),
         "concepts": sum(1 for _s, p in m.inc.get(s, ()) if p == SKOS + "inScheme")}
        for s in by_label(s for s in onto_subjects
                          if SKOS + "ConceptScheme" in m.types.get(s, []))
    ]
    reused = [entry(t) for t in by_label(external)]
    header = ox.NamedNode(ONTOLOGY_IRI)
    return {
        "title": m.label(header) if header in m.out else "kzgraph ontology",
        "iri": ONTOLOGY_IRI,
        "description": m.description(header),
        "header_rows": m.rows(header, root, skip=(RDF_TYPE,)) if header in m.out else "",
        "groups": [g for g in groups if g[2]],
        "schemes": schemes,
        "reused": reused,
        "files": {"ttl": "ontology.ttl", "jsonld": "ontology.jsonld", "rdf": "ontology.rdf"},
    }


# ---------------------------------------------------------------------------------------
# `kzgraph site`
# ---------------------------------------------------------------------------------------


def build_site(
    out: str | Path = "dist",
    *,
    root: str | Path | None = None,
    endpoint: str | None = None,
    download_base: str | None = None,
    force: bool = False,
) -> Path:
    """(Re)build only ``out/site/`` from the current graph; the downloads in ``out`` are
    left alone (the landing page lists the current graph's files and links those present
    in ``out`` with the same checksum). ``out`` is created if missing; a foreign ``out`` is
    refused (InputError, exit 2); an invalid graph is refused (ValidationFailed, exit 1).
    SHA256SUMS of ``out`` is rewritten. Returns the site folder."""
    from kzgraph.release import (
        check_out_dir,
        file_infos,
        load_release,
        new_temp_dir,
        release_files,
        swap_into_place,
        write_sums,
    )

    out = Path(out).absolute()
    check_out_dir(out, force=force)
    rel = load_release(root, endpoint=endpoint, download_base=download_base)
    files = release_files(rel)
    present = set()
    for name, data in files.items():
        path = out / name
        if path.is_file() and path.stat().st_size == len(data) and \
                hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest():
            present.add(name)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    target = out / "site"
    tmp = new_temp_dir(target)
    try:
        render_site(rel, tmp, file_infos(files), present)
        swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    if not (out / MARKER).exists():
        (out / MARKER).write_bytes(files[MARKER])
    write_sums(out)
    return target
