"""The factsheet regenerated from the graph (`kzgraph factsheet`, `kzgraph.factsheet`).

What is checked: every section heading; every fact-bearing resource of data/ shown (an HTML id
per resource, computed here independently with rdflib); the gaps shown as gaps; footnote marks
and the footnote list; a changed figure changes the page; a second (fictional) country renders
with its own facts and none of Kazakhstan's; the CLI's output rules and exit codes; the stored
queries written for the page (queries/factsheet-*.rq) against their hand-checked expected rows;
the page in headless Chromium (screenshot in tests/_artifacts/) and from a real Virtuoso.
"""

from __future__ import annotations

import csv
import html
import os
import re
import struct
import subprocess
import sys
import types
from collections import Counter
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import kzgraph
from kzgraph import catalogue, paths
from kzgraph.errors import InputError
from kzgraph.factsheets import anchor_id

pytest.register_assert_rewrite("virtuoso")
pytest_plugins = ["virtuoso"]

from virtuoso import BUNDLED_GRAPH, Server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SECOND_COUNTRY = FIXTURES / "second-country"
RURITANIA = FIXTURES / "factsheet"
EXPECTED = Path(__file__).parent / "expected"
ARTIFACTS = Path(__file__).parent / "_artifacts"
CHROMIUM = "/usr/bin/chromium"

ID = "https://w3id.org/kzgraph/id/"
KZ = ID + "kz/"
FD = ID + "fd/"
KAZAKHSTAN = ID + "country/kazakhstan"
FREEDONIA = ID + "country/freedonia"
DEM = "https://w3id.org/kzgraph/ontology#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

SECTION_HEADINGS = ("Facts & figures", "Terminology",
                    "Overview of the policy and legislative framework",
                    "Trends and achievements", "Obstacles", "Spotlight: effective practices",
                    "Annex: list of actors")
NOT_FACTS = {DEM + "Source", DEM + "Factsheet", DEM + "Footnote", DEM + "SupplementSource",
             DEM + "FactsheetSection", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement"}

FACTSHEET_QUERIES = sorted(q.name for q in catalogue.queries() if q.name.startswith("factsheet-"))


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def fact_bearing(files: list[Path]) -> set[str]:
    """Every IRI subject with prov:wasDerivedFrom that is not a source, a section or an
    rdf:Statement - read with rdflib, independently of the page and its queries."""
    import rdflib

    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle")
    out = set()
    for s in set(g.subjects(rdflib.URIRef(PROV + "wasDerivedFrom"), None)):
        types = {str(t) for t in g.objects(s, rdflib.URIRef(RDF_TYPE))}
        if isinstance(s, rdflib.URIRef) and not types & NOT_FACTS:
            out.add(str(s))
    return out


def ids_of(page: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', page)


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._tag: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4"):
            self._tag, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._tag:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._tag:
            self.found.append((tag, "".join(self._text).strip()))
            self._tag = None


def headings(page: str) -> list[tuple[str, str]]:
    parser = _Headings()
    parser.feed(page)
    return parser.found


def md_section(md: str, heading: str) -> str:
    """The Markdown text under '## heading' up to the next '## '."""
    start = md.index(f"\n## {heading}\n")
    end = md.find("\n## ", start + 1)
    return md[start:end if end > 0 else len(md)]


def stock_store(value: int) -> Any:
    """A copy of the bundled graph with Russia's emigrant stock set to ``value``."""
    import pyoxigraph as ox

    store = ox.Store()
    for f in paths.graph_files():
        store.load(path=str(f), format=ox.RdfFormat.TURTLE)
    obs = ox.NamedNode(KZ + "emigrant-stock-2019-russia")
    measure = ox.NamedNode("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    for q in list(store.quads_for_pattern(obs, measure, None)):
        store.remove(q)
    store.add(ox.Quad(obs, measure, ox.Literal(str(value), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    return store


def both_countries() -> list[str]:
    return [str(p) for p in paths.graph_files()] + [str(SECOND_COUNTRY)]


needs_second_country = pytest.mark.skipif(
    not any(SECOND_COUNTRY.glob("*.ttl")),
    reason="the second-country fixture (tests/fixtures/second-country/) is not there")


# --------------------------------------------------------------------------------------------
# The bundled factsheet
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def md() -> str:
    return kzgraph.factsheet()


@pytest.fixture(scope="module")
def page() -> str:
    return kzgraph.factsheet(fmt="html")


def test_every_section_heading_is_there(md: str, page: str) -> None:
    for heading in (*SECTION_HEADINGS, "Footnotes", "Supplementary sources"):
        assert f"\n## {heading}\n" in md, heading
    h2 = [text for tag, text in headings(page) if tag == "h2"]
    assert h2 == [*SECTION_HEADINGS, "Footnotes", "Supplementary sources"]
    assert [t for tag, t in headings(page) if tag == "h1"] == [
        "Diaspora engagement mapping — Kazakhstan"]


def test_title_author_editor_and_dates(md: str) -> None:
    head = md[:md.index("\n## ")]
    assert "# Diaspora engagement mapping — Kazakhstan" in head
    assert "**Written by** Dr Olga R Gulina" in head
    assert "**Edited by** EUDIF" in head  # as printed: the factsheet does not expand it
    assert "March 2020" in head and "**Updated** December 2023" in head


def test_every_fact_bearing_resource_of_the_data_is_shown(page: str) -> None:
    # Kazakhstan's resources, and the shared ones its factsheet cites (a shared country
    # named only by another factsheet is on that factsheet's page).
    kz = "https://w3id.org/kzgraph/id/kz/"
    files = sorted([*(ROOT / "data" / "kz").rglob("*.ttl"),
                    *(ROOT / "data" / "shared").rglob("*.ttl")])
    import rdflib

    graph = rdflib.Graph()
    for f in files:
        graph.parse(f, format="turtle")
    expected = {iri for iri in fact_bearing(files)
                if iri.startswith(kz) or any(str(o).startswith(kz) for o in graph.objects(
                    rdflib.URIRef(iri), rdflib.URIRef(PROV + "wasDerivedFrom")))}
    assert len(expected) > 100
    shown = set(ids_of(page))
    missing = sorted(iri for iri in expected if anchor_id(iri) not in shown)
    assert not missing, f"resources of data/ not on the page: {missing}"
    # ...each in a section that knows it, none in the fallback list.
    assert further_facts(page) == set()


def further_facts(page: str) -> set[str]:
    lists = re.findall(r'<ul class="further">(.*?)</ul>', page, flags=re.S)
    return {i for block in lists for i in re.findall(r'<li id="([^"]+)"', block)}


def test_html_ids_are_unique_and_links_resolve(page: str) -> None:
    ids = ids_of(page)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    targets = set(re.findall(r'href="#([^"]+)"', page))
    assert targets and targets <= set(ids), sorted(targets - set(ids))


def test_lost_indicators_read_not_available_with_the_reason(md: str) -> None:
    emigration = md[md.index("### Emigration"):md.index("### Top countries")]
    rows = [r for r in emigration.splitlines() if r.startswith("| ") and "*not available*" in r]
    assert len(rows) == 3
    for label, printed in (("Emigration from Kazakhstan (total)", "Emigration"),
                           ("Emigrants as a share of the total population",
                            "% of emigrants in total population"),
                           ("Share of emigrants from Kazakhstan living in the EU",
                            "% of which in the EU")):
        row = next(r for r in rows if label in r)
        assert "*value lost*" in row and f'"{printed}"' in row and "value is unknown" in row
    assert "Emigration from Kazakhstan (total)[^1]" in emigration


def test_top_destinations_with_stock_year_and_source(md: str) -> None:
    table = md[md.index("### Top countries of destination"):md.index("### Remittances")]
    rows = [[c.strip() for c in r.strip("|").split("|")] for r in table.splitlines()
            if re.match(r"\| \d", r)]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("1", "Russia", "2,559,711", "2019"), ("2", "Germany", "940,296", "2019"),
        ("3", "Ukraine", "224,467", "2019"), ("4", "Belarus", "69,084", "2019"),
        ("5", "United States", "31,199", "2019")]
    # the four figures without a marker of their own stand under "Emigration" (marker 1)
    dataset = "UN DESA International Migrant Stock 2019: migrant stock by origin and destination"
    assert [r[5] for r in rows] == [dataset + "[^1][^2]"] * 4 + [dataset + "[^2]"]
    # EU membership of each destination, with its source (the EU's list of its countries)
    assert [r[4] for r in rows] == ["", "European Union since 1958[^S4]", "", "", ""]
    assert 'Printed "224.467"' in table  # the printed form is kept as a note


def test_remittances_year_not_stated(md: str) -> None:
    table = md[md.index("### Remittances"):md.index("### Political rights")]
    assert "| remittances as a share of GDP | 0.2% | *year not stated* |" in table
    assert "| remittances inflow | USD 481 million | *year not stated* |" in table


def test_political_rights_with_status_and_legal_basis(md: str) -> None:
    table = md[md.index("### Political rights"):md.index("\n## Terminology")]
    dual = next(r for r in table.splitlines() if r.startswith("| Dual citizenship"))
    assert "| not allowed |" in dual
    assert "Law on Citizenship of the Republic of Kazakhstan, Article 3" in dual
    assert "[^3]" in dual and "Constitution of the Republic of Kazakhstan, Art. 10(3)" in dual
    vote = next(r for r in table.splitlines() if r.startswith("| Right to vote from abroad[^4]"))
    assert "| yes |" in vote and "Law on Election of the Republic of Kazakhstan, Art 24- 8" in vote
    embassies = next(r for r in table.splitlines() if "in person at diplomatic missions[^5]" in r)
    assert "Article 23 (3)" in embassies and "*status icon lost*" in embassies


def test_terminology_terms_provisions_spellings_and_the_replacement(md: str) -> None:
    t = md_section(md, "Terminology")
    assert ("**diaspora**[^6]" in t and "Diaspora is the part of people (ethnic group)" in t)
    assert "Defined in: Law on Languages in the Republic of Kazakhstan (No. 151-I, " \
           "11 July 1997), Art.1 para 1" in t
    assert "Law on Population Migration of the Republic of Kazakhstan" in t
    assert "Art. 1 para 1" in t and "**former compatriot**" in t
    spelled = next(line for line in t.splitlines() if line.startswith("  - Written: qandas"))
    for spelling in ("Qandash", "kandas", "gandas"):
        assert spelling in spelled
    assert "Meaning: blood relative; blood-fellow; fellow tribesman" in t
    # oralman -> qandas with BOTH dates, each with its own source mark.
    replacement = t[t.index("**oralman → qandas**"):]
    assert "  - Date: 30 April 2020[^13]" in replacement
    also = re.search(r"  - Also dated: 13 May 2020\[\^(S\d+)\] \(another source; not asserted\)",
                     replacement)
    assert also, replacement
    assert f"[^{also.group(1)}]: Supplementary source (not in the factsheet): Adilet: Law on " \
           f"Population Migration" in md
    assert "Effected by: Law No. 327-VI of 13 May 2020" in replacement
    assert "Proposed by: Nazarbayev[^25]" in replacement


def test_timeline_in_order_and_documents_with_kind_period_number_date(md: str) -> None:
    policy = md_section(md, "Overview of the policy and legislative framework")
    timeline = policy[policy.index("### Timeline"):policy.index("### Laws")]
    years = re.findall(r"^- \*\*([^*]+)\*\* — ", timeline, flags=re.M)
    assert years == ["2020", "2017–2021", "2018", "2018–2022", "2020", "2023–2027"]
    assert timeline.index("Concept of Foreign Policy") < timeline.index("Migration Policy "
                                                                        "Concept. The Concept")
    assert "Years as printed: “2018 $ 2022”" in timeline
    table = policy[policy.index("### Laws and policy documents"):]
    for row in ("| Concept of Migration Policy of the Republic of Kazakhstan 2017–2021[^8][^S",
                "| concept | 2017–2021 | 602 | 29 September 2017 |",
                "| Law on Population Migration of the Republic of Kazakhstan[^12][^S",
                "| law |  | 477-IV | 22 July 2011 |",
                "| Action Plan to support ethnic Kazakhs abroad 2018–2022[^11][^S",
                "| action plan | 2018–2022 |  | May 2018 |",
                "| Memorandum on mutual cooperation and strengthening of partnerships[^17] | "
                "memorandum |  |  | June 2019 |"):
        assert row in table, row
    # Where sources disagree, both values are shown with their sources.
    assert "Sources disagree: cis-legislation.com dates the Law on the Assembly" in table
    assert "Sources disagree: adilet.zan.kz's English translation dates" in table


def test_trends_obstacles_and_figures(md: str) -> None:
    trends = md_section(md, "Trends and achievements")
    assert "1,057,280 ethnic Kazakhs or 313,256 Kazakh families" in trends
    assert "| Ethnic returnees[^15] | 1,057,280 persons | From 1991 to 1 January 2020 |" in trends
    assert "| Ethnic returnee families[^15] | 313,256 families |" in trends
    # a supplementary source's claim is kept apart from the factsheet's findings
    findings, claims = trends.split("### Claims of supplementary sources")
    assert "no separate law regulating diaspora policy" not in findings
    assert ("**Kazakhstan has no separate law regulating diaspora policy (supplementary "
            "source)**[^S") in claims
    obstacles = md_section(md, "Obstacles")
    assert "- **Data**: There is no comprehensive mapping of diaspora." in obstacles
    assert "- **Institutional issues**: There is a number of state actors" in obstacles


def test_spotlight_sector_tags_organisers_branches_offers(md: str) -> None:
    spot = md_section(md, "Spotlight: effective practices")
    blocks = dict(re.findall(r"^### ([^\n]+)\n(.*?)(?=^### |\Z)", spot, flags=re.M | re.S))
    assert set(blocks) == {
        "The World Kazakh Kurultays and Small Kazakh Kurultays (1992)",
        "International Festival of Arts \"Saint Qazaq State\" (2019)", "Qazaq House (2019)",
        "Kazakh Card (2022)", "Kazakhstan Culture Days"}
    lost = [name for name, text in blocks.items() if "Sector: *tag lost*" in text]
    assert len(lost) == 3
    assert "Sector: **CULTURE** · Year: *year not stated*" in blocks["Kazakhstan Culture Days"]
    card = blocks["Kazakh Card (2022)"]
    assert re.search(r"Sector: \*\*(RIGHTS \+ ENTREPRENEURSHIP|ENTREPRENEURSHIP \+ RIGHTS)\*\*",
                     card)
    assert "Beneficiaries: at most 100" in card and "Kazakhs card" in card
    house = blocks["Qazaq House (2019)"]
    assert "Organised by: Otandastar Foundation" in house
    assert '"Abay" Cultural Center (cultural centre)[^21]' in house
    assert "educational camps for children of ethnic Kazakhs" in house
    kurultais = blocks["The World Kazakh Kurultays and Small Kazakh Kurultays (1992)"]
    assert "5th World Kazakh Kurultai (also: Fifth World Kurultai of Kazakhs): June 2017, " \
           "Nur-Sultan, Kazakhstan." in kurultais
    assert "Held in: Russia, Turkey, Turkmenistan" in blocks["Kazakhstan Culture Days"]


def test_annex_institutions_and_diaspora_organisations(md: str) -> None:
    annex = md_section(md, "Annex: list of actors")
    kinds = re.findall(r"^#### (.+)$", annex, flags=re.M)
    assert kinds[:2] == ["Head of state", "Ministry"]
    assert "Department for inter-ethnic relation**" in annex
    assert "  - Part of: Ministry of Information and Social Development" in annex
    assert "  - Website: <http://qogam.gov.kz/en/pages/regulation-4>" in annex
    assert "  - Part of: Otandastar Foundation" in annex
    assert "| Association des Kazakhstanais en France | France (*country not printed*) |  " \
           "| 2010 |" in annex
    assert "| Federation of European Kazakh Associations (FEKA) | Europe |  | 2008 |" in annex
    assert "| Kazakh House (Kazakh House in Berlin) | Germany | Berlin | 2009 |" in annex
    assert "Unites the associations of: Austria, Denmark, France, Germany, Netherlands, " \
           "Norway, Sweden, United Kingdom" in annex
    assert "Official dealer of Kazphosphate LLP (company, Germany)" in annex


def test_footnotes_numbered_with_lost_ones_and_supplementary_sources_apart(md: str) -> None:
    body, notes = md.split("\n## Footnotes\n")
    footnotes, supplements = notes.split("\n## Supplementary sources\n")
    defined = re.findall(r"^\[\^(\d+)\]: (.*)$", footnotes, flags=re.M)
    assert [int(n) for n, _ in defined] == list(range(1, 29))
    text = dict(defined)
    for n in ("15", "16", "17", "18", "25", "28"):
        assert text[n].startswith("*text not available*"), n
    assert text["13"].startswith("Kazpravda.kz, The term \"oralman\"")
    assert "<https://www.un.org/en/development/desa/population/migration/data/estimates2/data/" \
           "UN_MigrantStockByOriginAndDestination_2019.xlsx>" in text["1"]
    assert "*URL damaged*" in text["22"] and "*footnote marker lost*" in text["26"]
    # Every footnote is referenced by a fact.
    for n, _ in defined:
        assert f"[^{n}]" in body, f"footnote {n} is never referenced"
    supp = re.findall(r"^\[\^S(\d+)\]: Supplementary source \(not in the factsheet\): (.+)$",
                      supplements, flags=re.M)
    assert [int(n) for n, _ in supp] == list(range(1, len(supp) + 1)) and len(supp) >= 15
    for n, _ in supp:
        assert f"[^S{n}]" in body, f"supplementary source S{n} is never referenced"
    assert "[^S" not in footnotes


def test_html_marks_gaps_and_generator(page: str) -> None:
    assert '<meta name="generator" content="kzgraph factsheet">' in page
    assert '<a class="footnote" href="#kz-footnote-13">13</a>' in page
    assert page.count('<span class="tag lost">tag lost</span>') == 3
    assert page.count('<span class="na">text not available</span>') == 6
    assert page.count('<span class="na">not available</span>') == 3
    assert page.count("supplementary source, not in the factsheet") >= 15
    assert "<link" not in page and "<script" not in page and "@import" not in page
    assert not re.search(r'(src|href)="(https?:)?//[^"]+\.(css|js|woff2?)"', page)


def test_markdown_and_html_say_the_same_thing(md: str, page: str) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for number in ("2,559,711", "940,296", "224,467", "69,084", "31,199", "1,057,280",
                   "313,256", "USD 481 million", "0.2%"):
        assert number in md and number in text


# --------------------------------------------------------------------------------------------
# Data-driven: another figure, another country, an unknown kind of fact
# --------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------
# Ukraine: figures without a year, a second source, sections missing from the source
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ua_md() -> str:
    return kzgraph.factsheet("ukraine")


@pytest.fixture(scope="module")
def ua_page() -> str:
    return kzgraph.factsheet("ukraine", "html")


def test_ukraine_every_fact_bearing_resource_is_shown_in_its_section(ua_page: str) -> None:
    ua = ID + "ua/"
    expected = {iri for iri in fact_bearing(sorted((ROOT / "data" / "ua").rglob("*.ttl")))
                if iri.startswith(ua)}
    assert len(expected) > 30
    shown = set(ids_of(ua_page))
    assert sorted(i for i in expected if anchor_id(i) not in shown) == []
    assert further_facts(ua_page) == set()
    assert [i for i, n in Counter(ids_of(ua_page)).items() if n > 1] == []


def test_ukraine_top_destinations_without_a_year_and_their_share_of_the_total(
        ua_md: str) -> None:
    table = md_section(ua_md, "Facts & figures")
    table = table[table.index("### Top countries of destination"):table.index("### Second")]
    rows = [[c.strip() for c in r.strip("|").split("|")] for r in table.splitlines()
            if re.match(r"\| \d", r)]
    assert [r[:6] for r in rows] == [
        ["1", "Russia", "3,269,248", "*year not stated*", "55.4%", ""],
        ["2", "United States", "414,206", "*year not stated*", "7.02%", ""],
        ["3", "Kazakhstan", "353,225", "*year not stated*", "5.99%", ""],
        ["4", "Italy", "246,367", "*year not stated*", "4.17%", "European Union since 1958[^S3]"],
        ["5", "Germany", "241,486", "*year not stated*", "4.09%", "European Union since 1958"]]


def test_ukraine_emigration_figures_eu_bound_and_the_lost_headings(ua_md: str) -> None:
    facts = md_section(ua_md, "Facts & figures")
    emigration = facts[facts.index("### Emigration"):facts.index("### Figures whose")]
    assert "| Emigration from Ukraine (total)[^1] | 5,901,067 persons |" in emigration
    assert "| Share of emigrants from Ukraine living in the EU | 20.8% |" in emigration
    assert ("EU member states among the top countries of destination (Italy, Germany): "
            "487,853 emigrants, 10.78% of the top five") in emigration
    assert "The factsheet prints: 20.8%, 1,229,893." in emigration
    lost = facts[facts.index("### Figures whose headings were lost"):]
    for share in ("45.1%", "54.9%", "39.1%", "60.9%"):
        assert f"| {share} |" in lost
    assert "- *meaning unknown*:" in lost and "is not guessed" in lost
    for guess in ("female", "male", "women", "men "):
        assert guess not in lost[:lost.index("###", 5)]


def test_ukraine_mfa_figures_are_a_second_source_that_disagrees(ua_md: str) -> None:
    facts = md_section(ua_md, "Facts & figures")
    second = facts[facts.index("### Second source"):facts.index("### Remittances")]
    assert second.startswith("### Second source: Ukraine: diaspora figures of the Ukrainian "
                             "MFA (footnote 1)[^1]")
    assert "they disagree with the factsheet's own figures" in second
    assert "6,848,100 persons" in second and "| 1 | Russia | 1,930,000 |" in second
    assert "| 2 | Canada | 1,209,085 |" in second
    # not mixed into the factsheet's own ranking
    own = facts[facts.index("### Top countries of destination"):facts.index("### Second")]
    assert "1,930,000" not in own and "Canada" not in own


def test_ukraine_sections_missing_from_the_source_say_so(ua_md: str, ua_page: str) -> None:
    for heading in SECTION_HEADINGS[1:]:
        assert md_section(ua_md, heading).split("\n")[3].startswith("*not in the source*: ")
    assert ua_page.count('<span class="gap">not in the source</span>: ') >= 6


def test_a_legal_basis_without_an_article_has_no_stray_comma(ua_md: str,
                                                             ua_page: str) -> None:
    assert "Constitution of Ukraine: Stipulates" in ua_md
    assert ", :" not in ua_md and "</span>, :" not in ua_page


def test_kazakhstan_supplementary_claim_and_other_terms_in_trends(md: str, page: str) -> None:
    trends = md_section(md, "Trends and achievements")
    claims = trends[trends.index("### Claims of supplementary sources"):]
    assert ("- **Kazakhstan has no separate law regulating diaspora policy (supplementary "
            "source)**[^S16] *(supplementary source, not in the factsheet)*") in claims
    findings = trends[:trends.index("### Other terms")]
    assert "no separate law" not in findings
    terms = trends[trends.index("### Other terms"):trends.index("### Claims")]
    assert "*Other terms of Kazakhstan's diaspora policy used in the factsheet's assessment*" \
        in terms and "- **Kazakhstanis**" in terms
    assert "Kazakhstanis**" not in md_section(md, "Terminology")
    assert ('<span class="supplementary">supplementary source, not in the factsheet</span>'
            '<strong>Kazakhstan has no separate law') in page


def test_kazakhstan_eu_lower_bound_beside_the_lost_eu_share(md: str) -> None:
    emigration = md[md.index("### Emigration"):md.index("### Top countries")]
    lost_row = emigration.index("| Share of emigrants from Kazakhstan living in the EU |")
    bound = emigration.index("- EU member states among the top countries of destination "
                             "(Germany): 940,296 emigrants, 24.58% of the top five — lower "
                             "bound")
    assert lost_row < bound


@pytest.mark.parametrize("country", ["kazakhstan", "ukraine"])
def test_the_page_model_knows_what_it_shows_before_rendering(country: str) -> None:
    from kzgraph.factsheets import Page, render
    from kzgraph.factsheets.runner import _Runner

    iri = ID + "country/" + country
    model = Page(_Runner(iri, None, None), iri)
    shown, further = model.shown, model.further
    html = render(model, "html")
    # every resource the model shows gets its anchor, and rendering changes nothing it knew
    assert {anchor_id(i) for i in shown} <= set(ids_of(html))
    assert (model.shown, model.further) == (shown, further)
    assert render(model, "html") == html == kzgraph.factsheet(country, "html")


def test_a_changed_figure_changes_the_page() -> None:
    store = stock_store(2_600_123)
    md = kzgraph.factsheet(graph=store)
    table = md[md.index("### Top countries of destination"):md.index("### Remittances")]
    assert "| 1 | Russia | 2,600,123 | 2019 |" in table
    assert "2,559,711" not in md
    page = kzgraph.factsheet(fmt="html", graph=store)
    assert "2,600,123" in page and "2,559,711" not in page
    # A smaller figure moves Russia down the ranking.
    md = kzgraph.factsheet(graph=stock_store(50_000))
    assert "| 4 | Russia | 50,000 | 2019 |" in md and "| 1 | Germany | 940,296 |" in md


@needs_second_country
def test_second_country_renders_its_own_facts_and_none_of_kazakhstans() -> None:
    files = sorted(SECOND_COUNTRY.glob("*.ttl"))
    # Alone: with the resources every factsheet shares (countries, the EU and its members).
    alone = [str(paths.part("ontology")), str(paths.part("data") / "shared"),
             str(SECOND_COUNTRY)]
    page = kzgraph.factsheet(FREEDONIA, "html", graph=both_countries())
    md = kzgraph.factsheet(FREEDONIA, graph=both_countries())
    # The same page whether or not Kazakhstan's data is in the graph.
    assert page == kzgraph.factsheet(FREEDONIA, "html", graph=alone)
    assert md == kzgraph.factsheet("freedonia", graph=alone)
    # Its own facts: every fact-bearing resource of the fixture, none of Kazakhstan's.
    expected = fact_bearing(files)
    shown = set(ids_of(page))
    assert {anchor_id(i) for i in expected if i.startswith(FD)} <= shown
    assert not [i for i in shown if i.startswith("kz-")]
    assert KZ not in page and KZ not in md
    for kazakh in ("2,559,711", "Otandastar", "qandas", "Nazarbayev", "UN DESA", "Gulina"):
        assert kazakh not in md, kazakh
    assert "# Diaspora engagement mapping — Freedonia" in md
    # Kazakhstan's page is unchanged by the other country's data.
    assert kzgraph.factsheet(graph=both_countries()) == kzgraph.factsheet()


@needs_second_country
def test_second_country_figures_come_from_its_data() -> None:
    import rdflib

    g = rdflib.Graph()
    for f in SECOND_COUNTRY.glob("*.ttl"):
        g.parse(f, format="turtle")
    values = [int(v) for v in g.objects(None, rdflib.URIRef(
        "http://purl.org/linked-data/sdmx/2009/measure#obsValue"))]
    md = kzgraph.factsheet("freedonia", graph=[str(paths.part("ontology")),
                                               str(SECOND_COUNTRY)])
    assert values and all(f"{v:,}" in md for v in values)


def test_a_kind_of_fact_the_page_does_not_know_is_listed_not_dropped() -> None:
    graph = [str(paths.part("ontology")), str(RURITANIA)]
    md = kzgraph.factsheet("ruritania", graph=graph)
    spot = md_section(md, "Spotlight: effective practices")
    assert "### Further facts" in spot
    assert "- **The Zenda song book for Ruritanians abroad (fictional)**[^1] (CreativeWork)" in spot
    assert "| 1 | Graustark | 4,711 | 1894 |" in md
    assert "[^1]: *text not available*" in md
    assert "## Supplementary sources" not in md  # none cited, none listed
    page = kzgraph.factsheet("ruritania", "html", graph=graph)
    assert set(map(anchor_id, fact_bearing([RURITANIA / "ruritania.ttl"]))) <= set(ids_of(page))
    # A heading only for a section that shows something (none is said to be missing).
    for heading in SECTION_HEADINGS:
        shows = heading in ("Facts & figures", "Spotlight: effective practices")
        assert (f"\n## {heading}\n" in md) is shows, heading


def test_an_rdflib_graph_gives_the_same_page(md: str) -> None:
    from kzgraph.store import graph

    assert kzgraph.factsheet(graph=graph()) == md


# --------------------------------------------------------------------------------------------
# API and CLI
# --------------------------------------------------------------------------------------------

def test_api_errors() -> None:
    with pytest.raises(InputError, match="no factsheet for the country"):
        kzgraph.factsheet(ID + "country/russia")
    with pytest.raises(InputError, match="unknown factsheet format"):
        kzgraph.factsheet(fmt="pdf")
    with pytest.raises(InputError, match="either a graph or an endpoint"):
        kzgraph.factsheet(graph=[str(RURITANIA)], endpoint="http://127.0.0.1:9/sparql")


def test_importing_the_package_keeps_the_function() -> None:
    # The function kzgraph.factsheet and the package kzgraph.factsheets have different names,
    # so importing the package (first, in a fresh process) cannot rebind the function.
    code = ("import kzgraph.factsheets, kzgraph, types; "
            "print(isinstance(kzgraph.factsheet, types.FunctionType), "
            "kzgraph.factsheet is kzgraph.factsheets.factsheet)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.split() == ["True", "True"]
    assert not isinstance(kzgraph.factsheet, types.ModuleType)
    assert kzgraph.factsheet("kazakhstan").startswith("<!-- Generated by kzgraph factsheet")


def test_cli_writes_markdown_and_html(run_cli: Any, tmp_path: Path, md: str, page: str) -> None:
    code, out, err = run_cli("factsheet")
    assert (code, out, err) == (0, md, "")
    target = tmp_path / "kazakhstan.html"
    code, out, err = run_cli("factsheet", "--country", KAZAKHSTAN, "--format", "html",
                             "--out", target)
    assert code == 0 and out == "" and "wrote" in err
    assert target.read_text(encoding="utf-8") == page
    # A previous factsheet is replaced; no temporary file is left behind.
    code, _, _ = run_cli("factsheet", "-f", "html", "-o", target)
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["kazakhstan.html"]


def test_cli_unknown_country_exits_2(run_cli: Any) -> None:
    code, out, err = run_cli("factsheet", "--country", ID + "country/atlantis")
    assert code == 2 and out == ""
    assert "no factsheet for the country <https://w3id.org/kzgraph/id/country/atlantis>" in err
    assert "Kazakhstan <https://w3id.org/kzgraph/id/country/kazakhstan>" in err
    assert "Traceback" not in err
    code, _, err = run_cli("factsheet", "--country", "not an IRI")
    assert code == 2 and "not an absolute IRI" in err


def test_cli_output_rules(run_cli: Any, tmp_path: Path) -> None:
    code, _, err = run_cli("factsheet", "--out", tmp_path / "missing" / "f.md")
    assert code == 2 and "does not exist" in err
    assert not (tmp_path / "missing").exists()
    mine = tmp_path / "notes.md"
    mine.write_text("my own notes\n", encoding="utf-8")
    code, _, err = run_cli("factsheet", "--out", mine)
    assert code == 2 and "not a factsheet written by kzgraph" in err
    assert mine.read_text(encoding="utf-8") == "my own notes\n"
    code, _, _ = run_cli("factsheet", "--out", mine, "--force")
    assert code == 0 and mine.read_text(encoding="utf-8").startswith("<!-- Generated by")
    code, _, err = run_cli("factsheet", "--out", tmp_path)
    assert code == 2 and "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_cli_renders_a_graph_from_files(run_cli: Any) -> None:
    code, out, _ = run_cli("factsheet", "--country", "ruritania", "--graph",
                           paths.part("ontology"), "--graph", RURITANIA)
    assert code == 0 and "# Diaspora engagement mapping — Ruritania (fictional)" in out
    code, _, err = run_cli("factsheet", "--graph", RURITANIA / "missing.ttl")
    assert code == 2 and "missing.ttl" in err


def test_imports_stay_lazy() -> None:
    code = ("import sys, kzgraph.factsheets, kzgraph.cli.factsheet; "
            "print(sorted(m for m in ('jinja2', 'rdflib', 'pandas', 'pyoxigraph') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------------------------
# The stored queries written for the page: expected rows, checked by hand
# --------------------------------------------------------------------------------------------

def _cell(term: Any) -> Any:
    if term is None:
        return ""
    if term.kind == "literal" and term.datatype and term.datatype.endswith(
            ("#integer", "#decimal", "#double", "#float", "#int", "#long")):
        try:
            return Decimal(term.value)
        except InvalidOperation:
            return term.value
    return term.value


def _number(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _expected(name: str) -> tuple[list[str], list[list[str]]]:
    with (EXPECTED / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _assert_expected(result: Any, name: str) -> None:
    header, rows = _expected(name)
    assert result.variables == header
    got = [[_cell(r.get(v)) for v in header] for r in result.rows]
    want = [[_number(c) if isinstance(g, Decimal) else c for c, g in zip(row, grow,
                                                                          strict=True)]
            for row, grow in zip(rows, got, strict=False)]
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"{name}: row {i + 1}\n  got:      {g}\n  expected: {w}"
    assert len(got) == len(rows), f"{name}: {len(got)} rows, expected {len(rows)}"


def test_the_page_has_its_stored_queries() -> None:
    assert len(FACTSHEET_QUERIES) >= 8
    for name in FACTSHEET_QUERIES:
        assert (EXPECTED / f"{name}.csv").is_file(), name


@pytest.mark.parametrize("name", FACTSHEET_QUERIES)
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_factsheet_query_expected_rows(name: str, engine: str) -> None:
    _assert_expected(kzgraph.query(name, engine=engine), name)


@needs_second_country
@pytest.mark.parametrize("name", [n for n in FACTSHEET_QUERIES if n != "factsheet-index"])
def test_factsheet_query_is_scoped_by_country(name: str) -> None:
    from kzgraph.store import load_store

    store = load_store(both_countries())
    _assert_expected(kzgraph.query(name, store=store), name)  # Kazakhstan: unchanged
    other = kzgraph.query(name, store=store, country=FREEDONIA)
    assert other.rows, "Freedonia has rows of its own"
    assert KZ not in other.to_csv(), "a Kazakhstan resource in Freedonia's answer"


def test_factsheet_index_lists_every_factsheet() -> None:
    from kzgraph.store import load_store

    rows = kzgraph.query("factsheet-index", store=load_store(
        [*both_countries(), str(RURITANIA)])).rows
    assert [r["countryLabel"].value for r in rows] == ["Freedonia", "Kazakhstan", "Ruritania",
                                                      "Ukraine"]


# --------------------------------------------------------------------------------------------
# Real services: headless Chromium, Virtuoso
# --------------------------------------------------------------------------------------------

def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'chromium-profile'}",
           "--hide-scrollbars", *args]
    return subprocess.run(cmd, capture_output=True, timeout=180)


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"headless Chromium not installed at "
                    f"{CHROMIUM} (apt-get install chromium; CI installs it)")
def test_html_renders_in_headless_chromium(tmp_path: Path, page: str) -> None:
    source = tmp_path / "factsheet.html"
    source.write_text(page, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "factsheet.png"
    shot.unlink(missing_ok=True)
    res = _chromium(tmp_path, "--window-size=1200,3000", f"--screenshot={shot}",
                    source.as_uri())
    assert shot.is_file(), res.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 3000)
    assert len(data) > 100_000  # text, tables and colour; a blank page is a few kB
    dom = _chromium(tmp_path, "--dump-dom", source.as_uri()).stdout.decode()
    assert [t for tag, t in headings(dom) if tag == "h2"][:7] == list(SECTION_HEADINGS)
    assert 'id="kz-emigrant-stock-2019-russia"' in dom


@pytest.mark.virtuoso
def test_the_page_from_virtuoso_is_the_page(virtuoso: Server, md: str, page: str) -> None:
    assert kzgraph.factsheet(endpoint=virtuoso.endpoint, default_graph=BUNDLED_GRAPH) == md
    assert kzgraph.factsheet(fmt="html", endpoint=virtuoso.endpoint,
                             default_graph=BUNDLED_GRAPH) == page
