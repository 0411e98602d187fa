"""The sections of a factsheet, one builder each: Facts & figures, Terminology, the policy
framework, Trends and achievements, Obstacles, Spotlight, the Annex of actors and the footnotes.
Each reads the stored queries through the page's look-ups and returns what its template shows,
noting every resource it shows (``page.show``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kzgraph.factsheets.page_data import PageData
from kzgraph.factsheets.values import (
    PASSIVE,
    _first_rows,
    _group,
    _kind_rank,
    _ref,
    _true,
    _unique,
    _val,
    date,
    number,
    years,
)
from kzgraph.namespaces import DEM, SKOS


def terminology(page: PageData) -> dict[str, Any]:
    run = page._run
    labels = _group(run("term-labels"), "term")
    documents = documents_by_iri(page)
    terms = []
    schemes: dict[str, dict[str, str]] = {}
    for iri, group in _group(run("terminology"), "term").items():
        first = group[0]
        provisions = []
        for prov in _unique(_val(r, "provision") for r in group):
            row = next(r for r in group if _val(r, "provision") == prov)
            law = _val(row, "law")
            provisions.append({"iri": page.show(prov), "article": _val(row, "article"),
                               "law": _ref(page.show(law), _val(row, "lawLabel")),
                               "law_details": documents.get(law or "")})
        spellings = [{"label": _val(r, "label") or "", "kind": _val(r, "labelKind") or "",
                      "property": (_val(r, "labelProperty") or "").rsplit("#", 1)[-1]}
                     for r in labels.get(iri, [])]
        for scheme in page.links(iri, "inScheme"):
            schemes.setdefault(scheme["iri"], scheme)
        terms.append({
            "iri": page.show(iri), "label": _val(first, "termLabel") or iri,
            "definition": _val(first, "definition"),
            "scope": _val(first, "scopeNote"),
            "provisions": provisions,
            "spellings": spellings,
            "meanings": page.texts(iri, "meaning"),
            "replaced_by": _val(first, "replacedByLabel"),
            "related": page.links(iri, "related"),
        })
    for scheme in schemes.values():
        page.show(scheme["iri"])
        scheme["description"] = page.text(scheme["iri"], "description")
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
            "iri": page.show(iri),
            "replaced": _ref(_val(first, "replacedTerm"), _val(first, "replacedLabel")),
            "replacing": _ref(_val(first, "replacingTerm"), _val(first, "replacingLabel")),
            "dates": dates,
            "effected_by": [_ref(page.show(e), _val(r, "effectedByLabel"))
                            for e, r in _first_rows(group, "effectedBy")],
            "proposed_by": [_ref(page.show(p), _val(r, "proposedByLabel"))
                            for p, r in _first_rows(group, "proposedBy")],
        })
    return {"schemes": list(schemes.values()), "terms": terms,
            "replacements": replacements, "findings": findings(page, "terminology")}


def documents_by_iri(page: PageData) -> dict[str, dict[str, Any]]:
    cached: dict[str, dict[str, Any]] | None = getattr(page, "_documents_cache", None)
    if cached is not None:
        return cached
    run = page._run
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
            "aliases": page.texts(iri, "alias"),
            "kind": _val(row, "kindLabel") or "",
            "period": years(_val(row, "periodStart"), _val(row, "periodEnd")),
            "number": _val(row, "number") or "",
            "date": date(row.get("date")),
            "aims": page.texts(iri, "aim"),
            "descriptions": page.texts(iri, "description"),
            "quotations": page.texts(iri, "quotation"),
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
    page._documents_cache = docs
    return docs


def policy(page: PageData) -> dict[str, Any]:
    timeline = []
    for iri, group in _group(page._run("policy-timeline"), "entry").items():
        first = group[0]
        timeline.append({
            "iri": page.show(iri), "order": _val(first, "order"),
            "years": years(_val(first, "fromYear"), _val(first, "toYear")),
            "printed": _val(first, "printedYears"),
            "description": _val(first, "description") or "",
            "about": [_ref(a, _val(r, "aboutLabel")) for a, r in _first_rows(group, "about")],
        })
    documents = list(documents_by_iri(page).values())
    for doc in documents:
        page.show(doc["iri"])
    return {"timeline": timeline, "documents": documents,
            "findings": findings(page, "policy-framework")}


@dataclass
class Finding:
    """A finding of the factsheet (an assessment), or an obstacle with its category."""

    iri: str
    label: str | None
    description: str
    about: list[dict[str, str]]
    category: str = ""


@dataclass
class Footnote:
    iri: str
    number: str | None
    text: str | None
    urls: list[str]
    lost: bool
    note: str | None


def findings(page: PageData, section_type: str) -> list[Finding]:
    if not hasattr(page, "_finding_rows"):
        page._finding_rows = _group(page._run("findings"), "finding")
    out = []
    for iri, group in page._finding_rows.items():
        first = group[0]
        kind = page._section_type.get(_val(first, "sectionOrder"), "trends-and-achievements")
        if kind != section_type:
            continue
        out.append(Finding(iri=page.show(iri) or iri, label=_val(first, "findingLabel"),
                           description=_val(first, "description") or "",
                           about=page.links(iri, "about")))
    return out


def trends(page: PageData) -> dict[str, Any]:
    figures = []
    for row in page._run("returnees"):
        obs = _val(row, "observation")
        period = page.links(obs, "period")
        for p in period:
            page.show(p["iri"])
        figures.append({
            "iri": page.show(obs), "indicator": _val(row, "indicatorLabel") or "",
            "value": number(row.get("value")), "unit": _val(row, "unitLabel") or "",
            "period": period,
            "from": _val(row, "periodStart"), "to": date(row.get("periodEnd")),
            "year": _val(row, "year"), "printed": _val(row, "printedText"),
        })
    return {"findings": findings(page, "trends-and-achievements"), "figures": figures}


def obstacles(page: PageData) -> list[Finding]:
    out = []
    for iri, group in _group(page._run("obstacles"), "obstacle").items():
        first = group[0]
        out.append(Finding(iri=page.show(iri) or iri, label=_val(first, "obstacleLabel"),
                           category=_val(first, "categoryLabel") or "",
                           description=_val(first, "description") or "",
                           about=page.links(iri, "about")))
    return out


def spotlight(page: PageData) -> list[dict[str, Any]]:
    run = page._run
    branches = _group(run("practice-branches"), "practice")
    offers = _group(run("practice-offers"), "practice")
    events = _group(run("events"), "series")
    about: dict[str, list[str]] = {}
    for (resource, kind), targets in page._links.items():
        if kind == "about" and resource in page._observations:
            for t in targets:
                about.setdefault(t["iri"], []).append(resource)
    out = []
    for iri, group in _group(run("practices"), "practice").items():
        first = group[0]
        event_list: list[dict[str, Any]] = []
        for event, rows in _group(events.get(iri, []), "event").items():
            e = rows[0]
            event_list.append({
                "iri": page.show(event), "label": _val(e, "eventLabel") or event,
                "aliases": page.texts(event, "alias"),
                "edition": _val(e, "edition"), "date": date(e.get("startDate")),
                "city": _val(e, "city"), "place": _val(e, "placeLabel"),
                "places": page.links(event, "basedIn"),
                "description": page.text(event, "description"),
                "led_to": [_ref(x, _val(r, "ledToLabel")) for x, r in _first_rows(rows,
                                                                                   "ledTo")],
            })
        for country in (c for e in event_list for c in e["places"]):
            page.show(country["iri"])
        sectors = _unique(_val(r, "sectorShown") for r in group)
        based_in = page.links(iri, "basedIn")
        for country in based_in:
            page.show(country["iri"])
        out.append({
            "iri": page.show(iri), "label": _val(first, "practiceLabel") or iri,
            "aliases": page.texts(iri, "alias"),
            "year": _val(first, "startYear"),
            "year_shown": (page.gap(iri, "year-not-stated") or {}).get("label")
            or _val(first, "yearShown") or "",
            "sectors": sectors,
            "sector_lost": bool(page.gap(iri, "sector-tag-lost")),
            "organisers": [_ref(o, _val(r, "organiserLabel"))
                           for o, r in _first_rows(group, "organiser")],
            "cap": number(first.get("beneficiaryCap")) if first.get("beneficiaryCap")
            else "",
            "description": page.text(iri, "description"),
            "aims": page.texts(iri, "aim"),
            "branches": [{"iri": page.show(b), "label": _val(r, "branchLabel") or b,
                          "kind": _val(r, "branchKindLabel")}
                         for b, r in _first_rows(branches.get(iri, []), "branch")],
            "offers": _unique(_val(r, "offer") for r in offers.get(iri, [])),
            "based_in": based_in,
            "events": event_list,
            "figures": [o for o in (page._observation(x) for x in about.get(iri, [])) if o],
        })
    return out


def annex(page: PageData) -> dict[str, Any]:
    run = page._run
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
                "iri": page.show(iri), "label": _val(row, "institutionLabel") or iri,
                "aliases": page.texts(iri, "alias"),
                "parent": _ref(_val(row, "parent"), _val(row, "parentLabel")),
                "responsibilities": [], "websites": [],
                "founded": date(row.get("founded")),
                "aims": page.texts(iri, "aim"),
                "quotations": page.texts(iri, "quotation"),
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
        country = page.show(_val(first, "basedIn"))
        organisations.append({
            "iri": page.show(iri), "label": _val(first, "organisationLabel") or iri,
            "aliases": page.texts(iri, "alias"),
            "country": _ref(country, _val(first, "basedInLabel")),
            "region": _val(first, "region"), "city": _val(first, "city"),
            "kind": _val(first, "kindLabel"), "founded": _val(first, "founded"),
            "pages": _unique(_val(r, "page") for r in group),
            "aims": _unique([*(_val(r, "aim") for r in group), *page.texts(iri, "aim")]),
            "description": page.text(iri, "description"),
            "members": [{"iri": page.show(m), "label": _val(r, "memberLabel") or m,
                         "iso2": _val(r, "iso2")}
                        for m, r in _first_rows(members.get(iri, []), "member")],
            "hosts": [{"iri": page.show(h), "label": _val(r, "hostedLabel") or h,
                       "kind": _val(r, "hostedKindLabel"),
                       "country": _val(r, "hostedCountryLabel"),
                       "countries": page.links(h, "basedIn")}
                      for h, r in _first_rows(hosted.get(iri, []), "hosted")],
        })
    return {"institutions": institutions, "organisations": organisations}


def footnotes(page: PageData) -> list[Footnote]:
    out = []
    for iri, group in _group(page._footnote_rows, "footnote").items():
        first = group[0]
        out.append(Footnote(iri=iri, number=_val(first, "footnoteNumber"),
                            text=_val(first, "printedText"),
                            urls=_unique(_val(r, "url") for r in group),
                            lost=_true(first, "textLost"), note=_val(first, "note")))
    return out


def _unshown_of_class(page: PageData, cls: str) -> dict[str, list[str]]:
    """Resources of a class that no builder above shows, by the type of their section."""
    out: dict[str, list[str]] = {}
    for row in page._resource_rows:
        iri = _val(row, "resource") or ""
        if _val(row, "class") != cls or iri in page._shown:
            continue
        bucket = out.setdefault(page.section_type_of(_val(row, "section")), [])
        if iri not in bucket:
            bucket.append(iri)
    return out


def supplementary_claims(page: PageData) -> dict[str, list[dict[str, Any]]]:
    """Claims of supplementary sources (dem:SupplementaryClaim), apart from the factsheet's
    findings, by the type of the section they sit in."""
    return {kind: [{"iri": page.show(iri), "label": page.label(iri),
                    "description": page.text(iri, "description")} for iri in iris]
            for kind, iris in _unshown_of_class(page, DEM + "SupplementaryClaim").items()}


def other_terms(page: PageData) -> dict[str, list[dict[str, Any]]]:
    """Terms outside the legislation's terminology (e.g. used only in the assessment), with
    their concept scheme, by the type of the section they sit in."""
    out: dict[str, list[dict[str, Any]]] = {}
    schemes = _unshown_of_class(page, SKOS + "ConceptScheme")
    for kind, iris in _unshown_of_class(page, DEM + "Term").items():
        bucket = out.setdefault(kind, [])
        for scheme in _unique([s["iri"] for i in iris for s in page.links(i, "inScheme")]
                              + schemes.get(kind, [])):
            bucket.append({"iri": page.show(scheme), "label": page.label(scheme),
                           "description": page.text(scheme, "description"),
                           "terms": [{"iri": page.show(i), "label": page.label(i)}
                                     for i in iris
                                     if scheme in (s["iri"] for s in page.links(i, "inScheme"))]})
    return out
