"""Facts & figures: the emigration figures, the top countries of destination with their EU
membership, the EU lower bound, figures whose headings were lost, second sources whose
figures disagree, remittances, data sets and political rights. Query results are joined to
the observations by IRI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kzgraph.factsheets.page_data import PageData
from kzgraph.factsheets.values import (
    INDICATOR,
    _group,
    _ref,
    _unique,
    _val,
    number,
    with_unit,
)

if TYPE_CHECKING:
    from kzgraph.results import Term

#: Indicators other tables of the page show (ranked stocks, remittances) or that stand apart
#: (shares whose headings were lost).
STOCK = INDICATOR + "emigrant-stock"
HEADING_LOST = INDICATOR + "share-heading-lost"
REMITTANCES = (INDICATOR + "remittances-share-of-gdp", INDICATOR + "remittances-inflow")


@dataclass
class Figure:
    """One figure with its value (and unit) as printed on the page."""

    iri: str
    label: str
    value: str
    year: str | None


@dataclass
class Membership:
    """A destination's membership in an international organisation (the EU)."""

    iri: str
    organisation: dict[str, str] | None
    joined: str | None
    left: str | None


@dataclass
class Destination:
    """One of the top countries of destination of a data set."""

    iri: str | None
    rank: str | None
    country: dict[str, str] | None
    iso3: str | None
    value: str
    year: str | None
    share_of_total: str | None
    dataset: dict[str, str] | None
    memberships: list[Membership] = field(default_factory=list)


@dataclass
class EuLowerBound:
    """Emigrants in the EU members among the listed destinations: a lower bound, with the
    factsheet's own EU figures where it prints them."""

    measure: str
    members: list[dict[str, str]]
    emigrants: str
    share_of_top_five: str
    factsheet_share: str | None
    factsheet_count: str | None


@dataclass
class SecondSource:
    """A data set other than the factsheet's own (a source a footnote reports, whose figures
    may disagree), shown apart with its figures and its own ranking."""

    iri: str
    label: str
    description: str
    figures: list[Figure]
    destinations: list[Destination]


@dataclass
class Facts:
    lost: list[dict[str, Any]]
    figures: list[Figure]
    destinations: list[Destination]
    eu: list[EuLowerBound]
    heading_lost: list[Figure]
    heading_lost_notes: list[str]
    second_sources: list[SecondSource]
    remittances: list[dict[str, Any]]
    datasets: list[dict[str, Any]]
    rights: list[dict[str, Any]]

    def __bool__(self) -> bool:
        return any((self.lost, self.figures, self.destinations, self.heading_lost,
                    self.second_sources, self.remittances, self.datasets, self.rights))


def own_dataset(page: PageData, dataset: str | None) -> bool:
    """Whether a data set holds the factsheet's own figures (derived from the factsheet)."""
    return bool(dataset) and page.meta["iri"] in page._sources.get(dataset or "", [])


def _figure(page: PageData, iri: str, row: Mapping[str, Term]) -> Figure:
    return Figure(iri=page.show(iri) or iri,
                  label=_val(row, "observationLabel") or page.label(iri),
                  value=with_unit(row.get("value"), _val(row, "unit")),
                  year=_val(row, "year"))


def _memberships(page: PageData) -> dict[str, list[Membership]]:
    out: dict[str, list[Membership]] = {}
    for row in page._run("factsheet-memberships"):
        organisation = _ref(page.show(_val(row, "organisation")), _val(row, "organisationLabel"))
        out.setdefault(_val(row, "destination") or "", []).append(Membership(
            iri=page.show(_val(row, "membership")) or "", organisation=organisation,
            joined=_val(row, "joined"), left=_val(row, "left")))
    return out


def _destinations(page: PageData) -> dict[str, list[Destination]]:
    """The ranked destinations of each data set (top-destinations), by data set IRI."""
    memberships = _memberships(page)
    out: dict[str, list[Destination]] = {}
    for row in page._run("top-destinations"):
        obs = _val(row, "observation")
        ranked = out.setdefault(_val(row, "rankedIn") or "", [])
        if any(d.iri == obs for d in ranked):
            continue  # the query gives one row per source URL: keep the first
        destination = _val(row, "destination")
        ranked.append(Destination(
            iri=page.show(obs), rank=_val(row, "rank"),
            country=_ref(page.show(destination), _val(row, "destinationLabel")),
            iso3=_val(row, "iso3"), value=number(row.get("emigrants")),
            year=_val(row, "year"),
            share_of_total=_val(row, "shareOfTotalPercent"),
            dataset=_ref(page.show(_val(row, "dataset")), _val(row, "datasetLabel")),
            memberships=memberships.get(destination or "", [])))
    return out


def _eu(page: PageData, ranked: Mapping[str, list[Destination]]) -> list[EuLowerBound]:
    out = []
    for row in page._run("emigrants-in-eu-members"):
        dataset = _val(row, "rankedIn")
        if not own_dataset(page, dataset):
            continue
        members = [d.country for d in ranked.get(dataset or "", [])
                   if d.country and d.memberships and d.year == _val(row, "year")]
        share, count = row.get("factsheetShareInEuPercent"), row.get("factsheetEmigrantsInEu")
        out.append(EuLowerBound(
            measure=_val(row, "measure") or "", members=members,
            emigrants=number(row.get("emigrantsInEuMembers")),
            share_of_top_five=number(row.get("shareOfTopFiveInEuPercent")),
            factsheet_share=number(share) if share else None,
            factsheet_count=number(count) if count else None))
    return out


def facts(page: PageData) -> Facts:
    run = page._run
    lost: list[dict[str, Any]] = []
    for row in run("unknown-indicators"):
        iri = _val(row, "observation")
        if any(x["iri"] == iri for x in lost):
            continue
        lost.append({"iri": page.show(iri), "label": _val(row, "observationLabel"),
                     "indicator": _val(row, "indicatorLabel"),
                     "unit": _val(row, "unitLabel")})
    ranked = _destinations(page)
    remittances = []
    for row in run("remittances"):
        obs = _val(row, "observation")
        remittances.append({
            "iri": page.show(obs), "indicator": _val(row, "indicatorLabel") or "",
            "value": with_unit(row.get("value"), _val(row, "unit")) if row.get("value")
            else "",
            "year": _val(row, "year"),
            "year_shown": (page.gap(obs, "year-not-stated") or {}).get("label")
            or _val(row, "yearShown") or "",
            "printed": _val(row, "printedText")})
    # The other figures of the section with a value: the factsheet's own under Emigration,
    # the shares whose headings were lost apart, a second source's with its ranking.
    in_section = page.resources_in("facts-and-figures")
    figures: list[Figure] = []
    heading_lost: list[Figure] = []
    others: dict[str, list[Figure]] = {}
    shown = {r["iri"] for r in remittances}
    for iri, row in page._observations.items():
        indicator = _val(row, "indicator")
        if (iri not in in_section or iri in shown or not row.get("value")
                or indicator == STOCK or indicator in REMITTANCES):
            continue
        dataset = _val(row, "dataSet")
        if not own_dataset(page, dataset):
            others.setdefault(dataset or "", []).append(_figure(page, iri, row))
        elif indicator == HEADING_LOST:
            heading_lost.append(_figure(page, iri, row))
        else:
            figures.append(_figure(page, iri, row))
    datasets = _datasets(page)
    second_sources = [
        SecondSource(iri=ds["iri"], label=ds["label"], description=ds["description"] or "",
                     figures=others.get(ds["iri"], []), destinations=ranked.get(ds["iri"], []))
        for ds in datasets
        if ds["iri"] in others or (ds["iri"] in ranked and not own_dataset(page, ds["iri"]))]
    own = [d for dataset, rows in ranked.items() if own_dataset(page, dataset) for d in rows]
    return Facts(
        lost=lost, figures=figures, destinations=own, eu=_eu(page, ranked),
        heading_lost=heading_lost,
        heading_lost_notes=_unique(n for f in heading_lost for n in page.notes(f.iri)),
        second_sources=second_sources, remittances=remittances, datasets=datasets,
        rights=_rights(page))


def _datasets(page: PageData) -> list[dict[str, Any]]:
    datasets = []
    for iri, group in _group(page._run("factsheet-datasets"), "dataset").items():
        first = group[0]
        datasets.append({
            "iri": page.show(iri), "label": _val(first, "datasetLabel") or iri,
            "kind": _val(first, "kind"), "description": _val(first, "description"),
            "publisher": _ref(page.show(_val(first, "publisher")),
                              _val(first, "publisherLabel")),
            "distributions": [
                {"iri": page.show(d), "label": _val(r, "distributionLabel") or d,
                 "url": _val(r, "downloadUrl")}
                for d, r in ((_val(r, "distribution"), r) for r in group) if d],
        })
    return datasets


def _rights(page: PageData) -> list[dict[str, Any]]:
    provisions = {(_val(r, "provision") or ""): r for r in page._run("legal-provisions")}
    rights = []
    for iri, group in _group(page._run("political-rights"), "record").items():
        first = group[0]
        bases = []
        for prov in _unique(_val(r, "provision") for r in group):
            hit = next(r for r in group if _val(r, "provision") == prov)
            extra: Mapping[str, Term] = provisions.get(prov or "", {})
            bases.append({
                "iri": page.show(prov), "article": _val(hit, "article") or "",
                "law": _ref(page.show(_val(hit, "law")), _val(hit, "lawLabel")),
                "quotation": _val(extra, "quotation"),
                "description": _val(extra, "description"),
            })
        rights.append({
            "iri": page.show(iri), "label": _val(first, "recordLabel"),
            "right": _val(first, "rightLabel") or "",
            "status": _val(first, "statusLabel"),
            "method": _val(first, "votingMethodLabel"),
            "bases": bases,
        })
    return rights
