"""The static site of a release (``DIR/site/``), written by ``kzgraph build`` and ``kzgraph site``.

Pages (all links relative, so the site works from file:// and from any host or path)::

    index.html                 landing page: what the dataset is, counts, chart, downloads, queries
    ontology.html              the ontology documentation; every term is an anchor (#Term)
    ontology.{ttl,jsonld,rdf,nt,var}  the ontology, beside its page (.var: the type map)
    shapes.html, shapes.*      the SHACL shapes (<https://w3id.org/kzgraph/shapes#Name>)
    kzgraph.ttl, void.ttl ...  copies of the release's downloads, linked from the landing
                               page in the same folder (works with site/ as the web root)
    browse/index.html          classes with their instance counts
    browse/{class}.html        the instances of a class
    id/kz/foo.html             one page per resource <https://w3id.org/kzgraph/id/kz/foo>
    id/kz/foo.{ttl,jsonld,rdf,nt}  the resource's document: its description (with its blank
                               nodes), incoming links, neighbours' labels and types, a header
                               (see release/documents.py)
    id/kz/foo.var              its Apache type map (content negotiation)
    vocab/{scheme}/{code}.html concepts likewise
    style.css, .htaccess       the style sheet; content negotiation (see release/conneg.py)

An IRI https://w3id.org/kzgraph/P maps to site/P.html: a file, not P/index.html, because
file:// does not resolve a folder to its index.html.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kzgraph.namespaces import (
    BASE,
    DEM,
    OWL,
    PROV,
    RDF,
    RDF_TYPE,
    RDFS,
    SH,
    SHAPES,
    SKOS,
)
from kzgraph.release.bundle import LICENSE, ONTOLOGY_IRI, FileInfo, Release
from kzgraph.release.charts import Bar, all_origins, chart_for, emigrant_stock
from kzgraph.release.conneg import HTACCESS, RDF_EXTS, type_map
from kzgraph.release.countries import CountryPart, country_parts, dataset_examples
from kzgraph.release.documents import Documents
from kzgraph.release.folder import Writer
from kzgraph.release.pages import render_pages
from kzgraph.release.serialise import serialise
from kzgraph.release.site_model import (
    CLASS_TYPES,
    INCOMING_CAP,
    PROPERTY_GROUPS,
    SAFE_SEGMENT,
    SOURCE_PROPS,
    Model,
    anchor,
    human_size,
    model_of,
    natural_key,
    safe,
)


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent.parent / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates do not change during a build: no stat per page
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["size"] = human_size
    return env


def _root(path: str) -> str:
    return "../" * path.count("/")


def _class_slug(model: Model, cls: str) -> str:
    return "browse/" + safe(re.sub(r"[^A-Za-z0-9_.-]", "-", model.pm.curie(cls)),
                             SAFE_SEGMENT) + ".html"


def render_site(rel: Release, folder: Path, files: Sequence[FileInfo],
                present: set[str] | None = None,
                downloads: Mapping[str, bytes | Path] | None = None,
                digests: dict[str, str] | None = None, previous: Path | None = None,
                meanwhile: Callable[[], object] | None = None) -> int:
    """Write the site of a release into folder (new or empty). files: the release's
    downloads (sizes, checksums) for the landing page; present: names that exist beside the
    site (default: all); downloads: their bytes or files. The present downloads are copied
    into the site and linked from the same folder, so that the site works both as the web
    root and inside the release folder. ``digests`` receives the SHA-256 of every file written (path
    -> hex). ``previous``: the site this one replaces, whose unchanged files are linked, not
    written again. ``meanwhile``: the caller's work to do while worker processes render the
    resource pages (it may fill ``files`` and ``downloads``, which are read after it).
    Returns the number of pages written."""
    with Writer(folder, digests, previous=previous) as w:
        return _render(rel, w, files, present, downloads, meanwhile)


def _render(rel: Release, w: Writer, files: Sequence[FileInfo], present: set[str] | None,
            downloads: Mapping[str, bytes | Path] | None,
            meanwhile: Callable[[], object] | None) -> int:
    charts = emigrant_stock(rel)
    m = model_of(rel)
    ox = m.ox
    env = _env()
    common = {"rel": rel, "license": LICENSE, "base": BASE}
    parts = country_parts(rel)
    docs = Documents(m, [part.code for part in parts])

    # -- resource pages ----------------------------------------------------------------
    resource_tpl = env.get_template("resource.html")
    hash_terms: dict[str, list[Any]] = {}
    for s in m.out:
        if isinstance(s, ox.NamedNode) and "#" in s.value and s.value.startswith(BASE):
            hash_terms.setdefault(s.value.split("#", 1)[0], []).append(s)

    def resource_page(iri: str, path: str) -> Iterator[tuple[str, bytes | str]]:
        term = ox.NamedNode(iri)
        root = _root(path)
        ctx = resource_context(m, term, root, charts)
        ctx["hash_terms"] = [
            {"anchor": anchor(t.value.split("#", 1)[1]), "iri": t.value, "label": m.label(t),
             "rows": m.rows(t, root)}
            for t in sorted(hash_terms.get(iri, []), key=str)
        ]
        # the nodes whose triples the documents hold (in order of first sight, once each)
        nodes = dict.fromkeys(m.closure(term))
        for node in [*ctx.pop("orphans"), *hash_terms.get(iri, [])]:
            nodes.update(dict.fromkeys(m.closure(node)))
        stem = path[: -len(".html")]
        for ext, data in docs.documents(term, list(nodes)):
            yield f"{stem}.{ext}", data
        yield f"{stem}.var", type_map(stem.rsplit("/", 1)[-1])
        name = quote(stem.rsplit("/", 1)[-1], safe="-._~")
        ctx["files"] = {ext: f"{name}.{ext}" for ext in RDF_EXTS}
        yield path, resource_tpl.render(**common, **ctx, root=root)

    others = 0
    put: list[str] = []

    def other_pages() -> None:  # in this process, while the workers render the resources
        nonlocal others
        if meanwhile is not None:
            meanwhile()  # first: the landing page lists what it writes
        others = _other_pages(rel, m, env, common, w, files, present, downloads, charts,
                              parts, put)

    resources = [(iri, path) for iri, path in sorted(m.pages.items()) if iri != ONTOLOGY_IRI]
    pages = render_pages(resources, resource_page, w, len(m.pages), other_pages) + others
    # After the resources: a resource's document can have a download's name (site/void.ttl
    # of <https://w3id.org/kzgraph/void>), and the download is what the site serves there.
    w.flush()
    for name in put:
        _put(w, name, downloads, files)
    return pages


def _other_pages(rel: Release, m: Model, env: Any, common: dict[str, Any], w: Writer,
                 files: Sequence[FileInfo], present: set[str] | None,
                 downloads: Mapping[str, bytes | Path] | None, charts: dict[Any, list[Bar]],
                 parts: list[CountryPart], put: list[str]) -> int:
    """The pages that are not a resource's: ontology, shapes, browse, landing; their
    number. ``put`` receives the names of the downloads to copy into the site."""
    ox = m.ox
    class_counts = rel.counts["classes"]
    pages = 0

    # -- ontology ----------------------------------------------------------------------
    for part, triples in (("ontology", rel.ontology), ("shapes", rel.shapes)):
        for ext in RDF_EXTS:
            name = f"{part}.{ext}"  # the same bytes as the download of that name
            if _has(name, downloads, files):
                put.append(name)
            else:
                w.write(name, serialise(triples, ext, rel.prefixes))
        w.write(f"{part}.var", type_map(part))
    w.write("ontology.html", env.get_template("ontology.html").render(
        **common, **ontology_context(m, rel, "ontology.html"), root=""))
    w.write("shapes.html", env.get_template("shapes.html").render(
        **common, **shapes_context(m, rel), root=""))
    pages += 2

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
    # Classes whose instances are all blank nodes have no page; counted like the VoID does.
    unlisted = [{"link": m.link(ox.NamedNode(c), "../"), "curie": m.pm.curie(c), "count": n}
                for c, n in class_counts.items() if c not in by_class]
    w.write("browse/index.html", env.get_template("browse.html").render(
        **common, root="../", classes=classes, unlisted=unlisted, untyped=len(untyped)))
    pages += 1

    # -- landing -----------------------------------------------------------------------
    present = {f.name for f in files} if present is None else present
    in_site = {f"{part}.{ext}" for part in ("ontology", "shapes") for ext in RDF_EXTS}
    for name in sorted(present & set(downloads or ()) & {f.name for f in files}):
        if name not in in_site and _has(name, downloads, files):
            in_site.add(name)
            put.append(name)
    rows = [{"info": f, "present": f.name in in_site} for f in files]
    if len(charts) == 1:
        [(origin, bars)] = charts.items()
        chart_svgs = [chart_for(m, origin, bars, "")]
    else:  # many factsheets: one chart over all origins; each origin's is on its page
        chart_svgs = [chart_for(m, None, all_origins(charts), "", origins=len(charts))] \
            if charts else []
    factsheets = [x["link"] for x in _listing(m, by_class.get(DEM + "Factsheet", []), "")]
    examples = [m.link(ox.NamedNode(i), "") for i in dataset_examples(parts)]
    # The landing page shows what the data is about; OWL/RDFS/SHACL meta-classes are on the
    # ontology page.
    meta = (OWL, RDFS, RDF, SH)
    top_classes = sorted((c for c in classes if not c["link"].title.startswith(meta)),
                         key=lambda c: (-c["count"], c["curie"]))[:12]
    w.write("index.html", env.get_template("index.html").render(
        **common, root="", downloads=rows, void="void.ttl" in in_site, charts=chart_svgs,
        factsheets=factsheets, examples=examples, classes=top_classes,
        n_classes=len(class_counts),
        n_pages=len(m.pages), counts=rel.counts, queries=rel.queries,
        origins=len(charts), factsheet_class=_class_slug(m, DEM + "Factsheet"),
        countries=[country_context(m, part) for part in parts]))
    pages += 1

    w.write("style.css", (Path(__file__).parent.parent / "templates" / "style.css").read_bytes())
    w.write(".htaccess", HTACCESS)
    return pages


def _has(name: str, downloads: Mapping[str, bytes | Path] | None,
         files: Sequence[FileInfo]) -> bool:
    """Whether :func:`_put` has the download ``name`` to put."""
    source = (downloads or {}).get(name)
    return source is not None and (not isinstance(source, Path)
                                   or any(f.name == name for f in files))


def _put(w: Writer, name: str, downloads: Mapping[str, bytes | Path] | None,
         files: Sequence[FileInfo]) -> None:
    """Put the download ``name``, which :func:`_has` found, into the site (from its bytes,
    or a copy of its file)."""
    source = (downloads or {})[name]
    if isinstance(source, Path):
        w.copy(name, source, next(f.sha256 for f in files if f.name == name))
    else:
        w.write(name, source)


def _listing(m: Model, terms: Iterable[Any], root: str = "../") -> list[dict[str, Any]]:
    """Resources for a browse page (one level below the site root), sorted by label."""
    rows = [(m.link(s, root), m.pm.curie(s.value)) for s in terms]
    rows.sort(key=lambda r: (natural_key(r[0].text), r[1]))
    return [{"link": link, "curie": curie} for link, curie in rows]


def country_context(m: Model, part: CountryPart, root: str = "") -> dict[str, Any]:
    """What the landing page lists of one country: its factsheets, what each covers (the
    sections whose text is not in the source are named as such), counts and links."""
    ox = m.ox
    sheets = []
    for sheet in part.factsheets:
        page = m.target(sheet.iri)
        stem = page[: -len(".html")] if page and page.endswith(".html") else None
        sheets.append({
            "link": m.link(ox.NamedNode(sheet.iri), root),
            "covered": [m.link(ox.NamedNode(s.iri), root) for s in sheet.sections
                        if not s.missing],
            "missing": [m.link(ox.NamedNode(s.iri), root) for s in sheet.sections
                        if s.missing],
            "files": {ext: root + quote(f"{stem}.{ext}", safe="/-._~") for ext in RDF_EXTS}
            if stem else {},
        })
    return {
        "code": part.code,
        "country": m.link(ox.NamedNode(part.country), root) if part.country else None,
        "name": part.name or part.code,
        "factsheets": sheets,
        "counts": part.counts,
        "examples": [m.link(ox.NamedNode(i), root) for i in part.examples],
    }


def resource_context(m: Model, term: Any, root: str,
                     charts: dict[Any, list[Bar]]) -> dict[str, Any]:
    """What resource.html shows about one resource."""
    ox = m.ox
    iri = term.value
    types = [m.link_markup(ox.NamedNode(c), root) for c in m.types.get(term, [])]
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
            sources.append({"prop": m.link(ox.NamedNode(prop), root),
                            "link": m.link_markup(o, root),
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
            asserted = bool(pred and obj and m.asserted(term, pred[0], obj[0]))
            statements.append({
                "link": m.link_markup(s, root) if isinstance(s, ox.NamedNode) else None,
                "pred": m.link_markup(pred[0], root) if pred else None,
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
        incoming_rows.append({"pred": m.link_markup(ox.NamedNode(p), root), "subjects": shown,
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
    # A class whose instances are all blank nodes (topic tags) has no browse page.
    browsed = {c for s, types in m.types.items() if isinstance(s, ox.NamedNode) for c in types}
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
            "browse": _class_slug(m, iri) if is_class and iri in browsed else None,
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
        "files": {ext: f"ontology.{ext}" for ext in RDF_EXTS},
    }


def shapes_context(m: Model, rel: Release) -> dict[str, Any]:
    """The shapes page: every named shape, with its anchor (shapes#Name), comment, targets."""
    ox = m.ox
    header = SHAPES + "shapes"
    described: dict[str, dict[str, list[Any]]] = {}
    for t in rel.shapes:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(SHAPES):
            described.setdefault(t.subject.value, {}).setdefault(t.predicate.value,
                                                                 []).append(t.object)

    def text(values: list[Any]) -> str | None:
        found = sorted(v.value for v in values if isinstance(v, ox.Literal))
        return found[0] if found else None

    targets = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
    shapes = []
    for iri, props in sorted(described.items()):
        if iri == header:
            continue
        local = iri.split("#", 1)[1]
        shapes.append({
            "anchor": anchor(local), "curie": m.pm.curie(iri),
            "label": text(props.get(RDFS + "label", [])) or local,
            "comment": text(props.get(RDFS + "comment", [])),
            "targets": [m.pm.curie(v.value) for name in targets
                        for v in props.get(SH + name, []) if isinstance(v, ox.NamedNode)]
                       + (["(SPARQL)"] if SH + "target" in props else []),
        })
    head = described.get(header, {})
    return {
        "title": text(head.get(RDFS + "label", [])) or "kzgraph SHACL shapes",
        "iri": SHAPES.rstrip("#"),
        "description": text(head.get(RDFS + "comment", [])),
        "shapes": shapes,
        "files": {ext: f"shapes.{ext}" for ext in RDF_EXTS},
    }
