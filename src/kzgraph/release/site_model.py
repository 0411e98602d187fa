"""What the site shows of a release: page paths and anchors of IRIs, labels, descriptions,
grouped properties and links of each resource (:class:`Model`), and small HTML helpers.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from kzgraph.namespaces import (
    BASE,
    DCT,
    DEM,
    OWL,
    PROV,
    QB,
    RDF,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)
from kzgraph.release.bundle import ONTOLOGY_IRI, Release
from kzgraph.release.caches import Bounded

LABEL_PROPS = (RDFS + "label", SKOS + "prefLabel", DCT + "title", "http://xmlns.com/foaf/0.1/name",
               SCHEMA + "name")

DESCRIPTION_PROPS = (SKOS + "definition", DCT + "description", RDFS + "comment")


#: Rows shown first on a resource page, in this order; the rest by compact IRI.
FIRST_ROWS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition",
              DCT + "description", RDFS + "comment")

SOURCE_PROPS = (PROV + "wasDerivedFrom", DEM + "inSection")

RESERVED = {"index", "browse", "style.css", ".htaccess", "shapes"}

INCOMING_CAP = 500

MAX_NEST = 6

CLASS_TYPES = (OWL + "Class", RDFS + "Class")

PROPERTY_GROUPS = (
    ("Object properties", (OWL + "ObjectProperty",)),
    ("Datatype properties", (OWL + "DatatypeProperty",)),
    ("Other properties", (OWL + "AnnotationProperty", RDF + "Property", QB + "DimensionProperty",
                          QB + "MeasureProperty", QB + "AttributeProperty")),
)


# Unicode letters are kept (an IRI's path maps to the same file name on the web server, so
# content negotiation works for it); anything else unsafe in a file name is replaced.
SAFE_SEGMENT = re.compile(r"^[\w~-][\w.~-]*$")

_SAFE_ANCHOR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def safe(text: str, pattern: re.Pattern[str]) -> str:
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
    return "/".join(safe(s, SAFE_SEGMENT) for s in segments) + ".html"


def anchor(fragment: str) -> str:
    return safe(fragment, _SAFE_ANCHOR)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


@dataclass
class Link:
    text: str
    href: str | None
    title: str
    external: bool = False


def a_html(link: Link, escape: Callable[[str], str] = html.escape) -> str:
    """A Link as HTML: internal link, external link (marked), or a plain IRI. ``escape``:
    markupsafe's writes what the templates' ``mc.link`` macro writes."""
    text, title = escape(link.text), escape(link.title)
    if link.href is None:
        return f'<span class="iri" title="{title}">{text}</span>'
    cls = ' class="ext"' if link.external else ""
    return f'<a{cls} href="{escape(link.href)}" title="{title}">{text}</a>'


@functools.lru_cache(maxsize=1 << 16)  # the same labels are sorted on many pages
def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that puts "Footnote 2" before "Footnote 10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text.casefold()) if part)


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


def model_of(rel: Release) -> Model:
    """The release's Model, made once: the VoID's country parts and the site both read it
    (at N = 1000 an index of the graph is hundreds of MB)."""
    found = vars(rel).get("_model")
    if found is None:
        found = vars(rel)["_model"] = Model(rel)
    return found


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
        # Where each subject's triples start in rel.graph (canonical order: one run per
        # subject), so that its triples are a slice, not new Triple objects, and a document's
        # triples are put in canonical order by sorting their positions.
        self._first: dict[Any, int] = {}
        # Each term and predicate is one object, however many triples name it: reading a
        # triple's part makes a new one, and at N = 1000 the copies took 400 MB more.
        terms: dict[Any, Any] = {}
        names: dict[str, str] = {}
        literal = ox.Literal
        s: Any = None
        edges: list[tuple[str, Any]] = []
        for i, t in enumerate(rel.graph):  # canonical order: rdf:type first, then by predicate
            subject = t.subject
            if subject != s:
                s = terms.setdefault(subject, subject)
                if s in self.out:
                    raise ValueError("the release's graph is not in canonical order")
                edges = self.out[s] = []
                self._first[s] = i
            p = t.predicate.value
            p = names.setdefault(p, p)
            o = t.object
            o = terms.setdefault(o, o)
            edges.append((p, o))
            if not isinstance(o, literal):
                self.inc.setdefault(o, []).append((s, p))
                if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                    value = o.value
                    self.types.setdefault(s, []).append(names.setdefault(value, value))
        del terms
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
        self._labels: dict[Any, str] = Bounded()
        self._link_html: dict[tuple[Any, str], str] = Bounded()
        self._link_tag: dict[tuple[Any, str], Any] = Bounded()
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

    def link_markup(self, term: Any, root: str) -> Any:
        """The link to term as the templates' ``mc.link`` macro writes it, as (safe) HTML:
        a resource page shows a few, and a macro call per link cost more than the rest."""
        key = (term, root)
        hit = self._link_tag.get(key)
        if hit is None:
            from markupsafe import escape

            hit = self._link_tag[key] = self.markup(a_html(self.link(term, root), escape))
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

    def span(self, node: Any) -> tuple[int, int] | None:
        """(start, end) of the triples of node in rel.graph; None if it has none."""
        edges = self.out.get(node)
        if not edges:
            return None
        start = self._first[node]
        return start, start + len(edges)

    def position(self, s: Any, p: str, o: Any) -> int:
        """The position in rel.graph of the triple (s, p, o), which it holds."""
        return self._first[s] + self.out[s].index((p, o))

    def asserted(self, s: Any, p: Any, o: Any) -> bool:
        return (p.value, o) in self.out.get(s, ())

    def closure(self, term: Any) -> list[Any]:
        """term and the blank nodes it reaches (the subjects of its CBD)."""
        blank = self.ox.BlankNode
        out: list[Any] = []
        stack, seen = [term], {term}
        while stack:
            node = stack.pop()
            out.append(node)
            for _p, o in self.out.get(node, ()):
                if isinstance(o, blank) and o not in seen:
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
