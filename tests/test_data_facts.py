"""The key facts of the Kazakhstan factsheet are in the bundled graph, with the right values,
datatypes and sources (SPARQL over ontology/ + data/, loaded with rdflib).

The expected values were read off the factsheet text (shared/seed/000_a7ba452f2a3fc99c.txt) and
its notes; where that text is at hand (KZGRAPH_SEED_TEXT or the shared seed folder), the values
printed in the data are also checked against it.
"""

from __future__ import annotations

import functools
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# The factsheet text lives beside the checkout (shared/seed/), as it does for CI.
SEED_TEXT = Path(os.environ.get(
    "KZGRAPH_SEED_TEXT", ROOT.parent / "shared" / "seed" / "000_a7ba452f2a3fc99c.txt"))

KZ = "https://w3id.org/kzgraph/id/kz/"
UA = "https://w3id.org/kzgraph/id/ua/"
UKRAINE_SEED_TEXT = SEED_TEXT.parent / "ukraine" / "facts-and-figures-extract.txt"
COUNTRY = "https://w3id.org/kzgraph/id/country/"
VOCAB = "https://w3id.org/kzgraph/vocab/"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = """
PREFIX country: <https://w3id.org/kzgraph/id/country/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dem: <https://w3id.org/kzgraph/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX gap: <https://w3id.org/kzgraph/vocab/gap/>
PREFIX indicator: <https://w3id.org/kzgraph/vocab/indicator/>
PREFIX kz: <https://w3id.org/kzgraph/id/kz/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-code: <http://purl.org/linked-data/sdmx/2009/code#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@functools.cache
def _graph():
    import rdflib

    graph = rdflib.Graph()
    for file in sorted((ROOT / "ontology").glob("*.ttl")) + sorted(DATA.rglob("*.ttl")):
        graph.parse(file)
    return graph


@functools.cache
def _data_only():
    import rdflib

    graph = rdflib.Graph()
    for file in sorted(DATA.rglob("*.ttl")):
        graph.parse(file)
    return graph


def rows(query: str, graph=None) -> list:
    return list((graph if graph is not None else _graph()).query(PREFIXES + query))


def _is(literal, datatype: str) -> bool:
    return literal is not None and str(literal.datatype) == XSD + datatype


# ------------------------------------------------------------------------------------------
# Facts & figures: emigrant stock
# ------------------------------------------------------------------------------------------

TOP_DESTINATIONS = [  # as printed, in the printed (descending) order; Ukraine printed "224.467"
    ("Russia", 2559711),
    ("Germany", 940296),
    ("Ukraine", 224467),
    ("Belarus", 69084),
    ("United States", 31199),
]


def test_emigrant_stock_in_russia_with_its_source():
    found = rows("""
        SELECT ?obs ?value ?year ?dataset ?datasetLabel WHERE {
            ?obs a qb:Observation ; dem:indicator indicator:emigrant-stock ;
                 dem:origin country:kazakhstan ; dem:destination country:russia ;
                 sdmx-measure:obsValue ?value ; dem:referenceYear ?year ;
                 dem:sourceDataset ?dataset ; prov:wasDerivedFrom kz:footnote-2 .
            ?dataset a dcat:Dataset ; rdfs:label ?datasetLabel .
        }""")
    assert len(found) == 1
    row = found[0]
    assert _is(row.value, "integer") and row.value.toPython() == 2559711
    assert _is(row.year, "gYear") and str(row.year) == "2019"
    assert "International Migrant Stock 2019" in str(row.datasetLabel)
    publisher = rows(f"""
        SELECT ?label WHERE {{ <{row.dataset}> dcterms:publisher/rdfs:label ?label }}""")
    assert [str(r.label) for r in publisher] == ["UN DESA"]


def test_top_five_destinations_in_descending_order():
    found = rows("""
        SELECT ?name ?value ?year ?dataset WHERE {
            ?obs a qb:Observation ; dem:indicator indicator:emigrant-stock ;
                 dem:origin country:kazakhstan ; dem:destination ?country ;
                 sdmx-measure:obsValue ?value ; dem:referenceYear ?year ;
                 dem:sourceDataset ?dataset ; prov:wasDerivedFrom kz:footnote-2 .
            ?country rdfs:label ?name .
        } ORDER BY DESC(?value)""")
    assert [(str(r.name), r.value.toPython()) for r in found] == TOP_DESTINATIONS
    assert all(_is(r.value, "integer") for r in found)
    assert {str(r.year) for r in found} == {"2019"}
    assert {str(r.dataset) for r in found} == {
        "https://w3id.org/kzgraph/id/un-desa-international-migrant-stock-2019"}


def test_destination_countries_carry_their_iso_codes():
    found = rows("""
        SELECT ?name ?code WHERE {
            ?obs dem:indicator indicator:emigrant-stock ; dem:destination ?country ;
                 dem:origin <https://w3id.org/kzgraph/id/country/kazakhstan> .
            ?country rdfs:label ?name ; dem:iso3166Alpha2 ?code .
        }""")
    assert {str(r.name): str(r.code) for r in found} == {
        "Russia": "RU", "Germany": "DE", "Ukraine": "UA", "Belarus": "BY", "United States": "US"}


@pytest.mark.parametrize("indicator", [
    "emigrants-share-of-population", "emigrants-share-in-eu", "total-emigration"])
def test_lost_indicator_has_no_value_and_is_marked_lost(indicator: str):
    found = rows(f"""
        SELECT ?obs (COUNT(?value) AS ?values) WHERE {{
            ?obs a dem:MissingObservation ; dcterms:isPartOf kz:indicators ;
                 dem:indicator indicator:{indicator} ;
                 dem:origin country:kazakhstan ; dem:gap gap:value-lost ;
                 sdmx-attribute:obsStatus sdmx-code:obsStatus-M ; skos:editorialNote ?note .
            OPTIONAL {{ ?obs sdmx-measure:obsValue ?value }}
        }} GROUP BY ?obs""")
    assert len(found) == 1
    assert found[0]["values"].toPython() == 0
    # Not a Data Cube observation, whose measure would be required.
    assert not _graph().query(PREFIXES + f"""ASK {{
        ?obs a qb:Observation ; dem:indicator indicator:{indicator} ;
             dem:origin country:kazakhstan }}""").askAnswer


def test_remittances_share_and_inflow():
    found = rows("""
        SELECT ?indicator ?value ?unit WHERE {
            ?obs a qb:Observation ; dem:indicator ?indicator ; dem:origin country:kazakhstan ;
                 sdmx-measure:obsValue ?value ;
                 dem:gap gap:year-not-stated , gap:source-not-stated .
            ?indicator dem:unit ?unit .
            FILTER (?indicator IN (indicator:remittances-share-of-gdp,
                                   indicator:remittances-inflow))
        }""")
    by_indicator = {str(r.indicator).rsplit("/", 1)[-1]: r for r in found}
    assert set(by_indicator) == {"remittances-share-of-gdp", "remittances-inflow"}
    share = by_indicator["remittances-share-of-gdp"]
    inflow = by_indicator["remittances-inflow"]
    assert _is(share.value, "decimal") and share.value.toPython() == Decimal("0.2")
    assert str(share.unit) == VOCAB + "unit/percent"
    assert inflow.value.toPython() == 481
    assert _is(inflow.value, "decimal") or _is(inflow.value, "integer")
    assert str(inflow.unit) == VOCAB + "unit/usd-million"


# ------------------------------------------------------------------------------------------
# Facts & figures: political rights
# ------------------------------------------------------------------------------------------


def _legal_bases(right: str, extra: str) -> list:
    return rows(f"""
        SELECT ?record ?reference ?law ?number WHERE {{
            ?record a dem:PoliticalRightRecord ; dem:country country:kazakhstan ;
                    dem:right <{VOCAB}political-right/{right}> ; {extra} ;
                    dem:legalBasis ?provision .
            ?provision dem:articleReference ?reference ;
                       eli:is_part_of/rdfs:label ?law ;
                       prov:wasDerivedFrom ?footnote .
            ?record prov:wasDerivedFrom ?footnote .
            ?footnote a dem:Footnote ; dem:footnoteNumber ?number .
        }}""")


def _compact(text) -> str:
    return re.sub(r"[\s.]", "", str(text)).lower()


def test_dual_citizenship_not_allowed_by_law_on_citizenship_art_3():
    found = _legal_bases("dual-citizenship",
                         f"dem:status <{VOCAB}dual-citizenship/not-allowed>")
    assert [(_compact(r.reference), str(r.law), r.number.toPython()) for r in found] == [
        ("article3", "Law on Citizenship of the Republic of Kazakhstan", 3)]


def test_voting_from_abroad_allowed_by_law_on_election_art_24_8():
    found = _legal_bases("voting-from-abroad", f"dem:status <{VOCAB}external-voting/yes>")
    assert [(_compact(r.reference), str(r.law), r.number.toPython()) for r in found] == [
        ("art24-8", "Law on Election of the Republic of Kazakhstan", 4)]


def test_voting_in_person_at_embassies_by_law_on_election_art_23_3():
    found = _legal_bases("voting-from-abroad",
                         f"dem:votingMethod <{VOCAB}voting-method/in-person>")
    assert [(_compact(r.reference), str(r.law), r.number.toPython()) for r in found] == [
        ("article23(3)", "Law on Election of the Republic of Kazakhstan", 5)]


# ------------------------------------------------------------------------------------------
# Terminology: oralman -> qandas
# ------------------------------------------------------------------------------------------


def test_oralman_replaced_by_qandas_on_30_april_2020():
    found = rows("""
        SELECT ?replacement ?date WHERE {
            ?replacement a dem:TermReplacement ; dcterms:date ?date ;
                dem:replacedTerm/skos:prefLabel "oralman"@en ;
                dem:replacingTerm/skos:prefLabel "qandas"@en .
        }""")
    assert len(found) == 1
    assert _is(found[0].date, "date") and str(found[0].date) == "2020-04-30"


def test_replacement_dates_kept_with_each_source():
    found = rows("""
        SELECT ?date ?source ?number ?url WHERE {
            ?statement a rdf:Statement ; rdf:predicate dcterms:date ; rdf:object ?date ;
                rdf:subject ?replacement ; prov:wasDerivedFrom ?source .
            ?replacement a dem:TermReplacement ; dem:replacedTerm/skos:prefLabel "oralman"@en .
            OPTIONAL { ?source dem:footnoteNumber ?number }
            OPTIONAL { ?source a dem:SupplementSource ; dem:citedUrl ?url }
        }""")
    by_date = {str(r.date): r for r in found}
    assert set(by_date) == {"2020-04-30", "2020-05-13"}
    assert by_date["2020-04-30"].number.toPython() == 13  # the factsheet's footnote 13
    assert str(by_date["2020-05-13"].url).startswith("https://adilet.zan.kz/")
    # the supplementary date is an alternative, not a second asserted date
    asserted = rows("""
        SELECT ?date WHERE { ?r a dem:TermReplacement ; dcterms:date ?date ;
                                dem:replacedTerm/skos:prefLabel "oralman"@en }""")
    assert [str(r.date) for r in asserted] == ["2020-04-30"]


# ------------------------------------------------------------------------------------------
# Annex, trends, spotlight
# ------------------------------------------------------------------------------------------


def test_feka_unites_associations_of_exactly_eight_countries():
    found = rows("""
        SELECT ?name ?code WHERE {
            ?feka a dem:DiasporaOrganisation ; skos:altLabel "FEKA"@en ;
                  dem:unitesAssociationsOf ?country .
            ?country rdfs:label ?name ; dem:iso3166Alpha2 ?code .
        }""")
    assert sorted((str(r.name), str(r.code)) for r in found) == [
        ("Austria", "AT"), ("Denmark", "DK"), ("France", "FR"), ("Germany", "DE"),
        ("Netherlands", "NL"), ("Norway", "NO"), ("Sweden", "SE"), ("United Kingdom", "GB")]


def test_returnees_and_families_from_1991_to_1_january_2020():
    found = rows("""
        SELECT ?indicator ?value ?begin ?end WHERE {
            ?obs a qb:Observation ; dem:indicator ?indicator ; dem:origin country:kazakhstan ;
                 sdmx-measure:obsValue ?value ; dem:referencePeriod ?period .
            ?period time:hasBeginning/time:inXSDgYear ?begin ;
                    time:hasEnd/time:inXSDDate ?end .
            FILTER (?indicator IN (indicator:returnees, indicator:returnee-families))
        }""")
    values = {str(r.indicator).rsplit("/", 1)[-1]: r.value for r in found}
    assert {k: v.toPython() for k, v in values.items()} == {
        "returnees": 1057280, "returnee-families": 313256}
    assert all(_is(v, "integer") for v in values.values())
    assert {(str(r.begin), str(r.end)) for r in found} == {("1991", "2020-01-01")}
    assert all(_is(r.begin, "gYear") and _is(r.end, "date") for r in found)


def test_otandastar_foundation_followed_the_5th_world_kurultai():
    found = rows("""
        SELECT ?event ?edition ?start ?city ?ledTo WHERE {
            ?foundation a dem:Institution ; rdfs:label "Otandastar Foundation"@en ;
                        dem:followsUp ?event .
            ?event a dem:Event ; dem:edition ?edition ; schema:startDate ?start ;
                   dem:city ?city ; dem:basedIn country:kazakhstan .
            BIND (EXISTS { ?event dem:ledTo ?foundation } AS ?ledTo)
        }""")
    assert len(found) == 1
    row = found[0]
    assert row.edition.toPython() == 5
    assert _is(row.start, "gYearMonth") and str(row.start) == "2017-06"
    assert str(row.city) == "Nur-Sultan"
    assert row.ledTo.toPython() is True


# ------------------------------------------------------------------------------------------
# Sources: footnotes and sections
# ------------------------------------------------------------------------------------------


def _footnotes() -> dict[int, object]:
    found = rows("""
        SELECT ?footnote ?number WHERE {
            ?footnote a dem:Footnote ; dcterms:isPartOf kz:factsheet ; dem:footnoteNumber ?number .
        }""")
    numbers = [r.number.toPython() for r in found]
    assert len(numbers) == len(set(numbers)), "a footnote number is used twice"
    return {r.number.toPython(): r.footnote for r in found}


def test_footnotes_1_to_28_exist():
    footnotes = _footnotes()
    assert sorted(footnotes) == list(range(1, 29))
    assert all(str(iri) == f"{KZ}footnote-{n}" for n, iri in footnotes.items())


def _numbers_with_gap(gap: str) -> set[int]:
    found = rows(f"""
        SELECT ?number WHERE {{
            ?footnote a dem:Footnote ; dem:footnoteNumber ?number ; dcterms:isPartOf kz:factsheet ;
                      dem:gap <{VOCAB}gap/{gap}> ; skos:editorialNote ?note .
        }}""")
    return {r.number.toPython() for r in found}


def test_footnotes_whose_text_or_marker_was_lost():
    assert _numbers_with_gap("footnote-text-lost") == {15, 16, 17, 18, 25, 28}
    assert _numbers_with_gap("footnote-marker-lost") == {26}
    with_text = {r.number.toPython() for r in rows("""
        SELECT ?number WHERE { ?f a dem:Footnote ; dem:footnoteNumber ?number ;
                                  dcterms:isPartOf kz:factsheet ; dem:printedText ?text }""")}
    assert with_text == set(range(1, 29)) - {15, 16, 17, 18, 25, 28}


SECTIONS = ["facts-and-figures", "terminology", "policy-framework", "trends-and-achievements",
            "obstacles", "spotlight", "annex"]


def test_seven_sections_in_order():
    found = rows("""
        SELECT ?section ?order ?type WHERE {
            ?section a dem:FactsheetSection ; dcterms:isPartOf kz:factsheet ;
                     dem:sectionOrder ?order ; dem:sectionType ?type .
            kz:factsheet dcterms:hasPart ?section .
        } ORDER BY ?order""")
    assert [r.order.toPython() for r in found] == list(range(1, 8))
    assert [str(r.section) for r in found] == [f"{KZ}section-{s}" for s in SECTIONS]
    assert [str(r.type) for r in found] == [f"{VOCAB}section/{s}" for s in SECTIONS]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_states_facts(section: str):
    """Each section holds at least one fact-bearing resource (not only footnotes)."""
    found = rows(f"""
        SELECT DISTINCT ?resource WHERE {{
            ?resource dem:inSection kz:section-{section} .
            FILTER NOT EXISTS {{ ?resource a dem:Footnote }}
        }}""")
    assert found, f"nothing is stated in section {section}"


def test_every_data_resource_has_a_source():
    """Every IRI subject of data/ is a source or section, or says what it was derived from (a
    Data Cube data set through the collection of figures it is part of)."""
    found = rows("""
        SELECT DISTINCT ?resource WHERE {
            ?resource ?p ?o .
            FILTER (isIRI(?resource))
            FILTER NOT EXISTS { ?resource prov:wasDerivedFrom ?source }
            FILTER NOT EXISTS {
                ?resource a qb:DataSet ; dcterms:isPartOf/prov:wasDerivedFrom ?source }
            FILTER NOT EXISTS {
                ?resource a ?type .
                FILTER (?type IN (dem:Factsheet, dem:Footnote, dem:SupplementSource,
                                  dem:FactsheetSection))
            }
        }""", graph=_data_only())
    assert [str(r.resource) for r in found] == []
    # and the sources named exist as sources
    unknown = rows("""
        SELECT DISTINCT ?source WHERE {
            ?resource prov:wasDerivedFrom ?source .
            FILTER NOT EXISTS { ?source a/rdfs:subClassOf* dem:Source }
        }""")
    assert [str(r.source) for r in unknown] == []


# ------------------------------------------------------------------------------------------
# Typed literals
# ------------------------------------------------------------------------------------------


def test_every_observation_value_is_a_number():
    found = rows("SELECT ?obs ?value WHERE { ?obs sdmx-measure:obsValue ?value }")
    assert len(found) >= 10
    wrong = [(str(r.obs), r.value.n3()) for r in found
             if not (_is(r.value, "integer") or _is(r.value, "decimal"))]
    assert wrong == []


def test_every_year_property_holds_a_gyear():
    found = rows("""
        SELECT ?s ?p ?value WHERE {
            ?s ?p ?value .
            FILTER (STRSTARTS(STR(?p), "https://w3id.org/kzgraph/ontology#")
                    && STRENDS(STR(?p), "Year"))
        }""")
    used = {str(r.p).rsplit("#", 1)[-1] for r in found}
    assert used >= {"referenceYear", "periodStartYear", "periodEndYear", "startYear",
                    "timelineYear"}
    wrong = [(str(r.s), str(r.p), r.value.n3()) for r in found if not _is(r.value, "gYear")]
    assert wrong == []


DATE_TYPES = {"date", "gYearMonth", "gYear"}
INTEGER_PROPERTIES = ["dem:footnoteNumber", "dem:sectionOrder", "dem:timelineOrder",
                      "dem:edition", "dem:beneficiaryCap"]
DATE_PROPERTIES = ["dcterms:date", "dcterms:created", "dcterms:modified", "schema:startDate",
                   "schema:foundingDate", "time:inXSDDate"]


@pytest.mark.parametrize("prop", INTEGER_PROPERTIES)
def test_counts_and_positions_are_integers(prop: str):
    found = rows(f"SELECT ?s ?value WHERE {{ ?s {prop} ?value }}", graph=_data_only())
    assert found
    assert [(str(r.s), r.value.n3()) for r in found if not _is(r.value, "integer")] == []


@pytest.mark.parametrize("prop", DATE_PROPERTIES)
def test_dates_are_typed_dates(prop: str):
    found = rows(f"SELECT ?s ?value WHERE {{ ?s {prop} ?value }}", graph=_data_only())
    assert found
    wrong = [(str(r.s), r.value.n3()) for r in found
             if not any(_is(r.value, t) for t in DATE_TYPES)]
    assert wrong == []


def test_no_ill_typed_literal():
    from rdflib import Literal

    bad = [(str(s), str(p), o.n3()) for s, p, o in _data_only()
           if isinstance(o, Literal) and o.ill_typed]
    assert bad == []


# ------------------------------------------------------------------------------------------
# Cross-check with the factsheet text
# ------------------------------------------------------------------------------------------


def _normalised(text: str) -> str:
    """The extraction's Markdown emphasis and escapes removed, white space collapsed."""
    text = text.replace("**", "").replace("\\$", "$")
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not SEED_TEXT.is_file(), reason=f"factsheet text not at {SEED_TEXT}")
def test_printed_texts_occur_in_the_factsheet():
    """dem:printedText is the text "exactly as extracted": it must occur in the extraction."""
    # Each country's printed texts occur in its own factsheet's extraction.
    sources = {UA: _normalised(UKRAINE_SEED_TEXT.read_text(encoding="utf-8"))
               if UKRAINE_SEED_TEXT.is_file() else None}
    source = _normalised(SEED_TEXT.read_text(encoding="utf-8"))
    printed = rows("SELECT ?s ?text WHERE { ?s dem:printedText ?text }", graph=_data_only())
    assert len(printed) >= 30
    missing = [(str(r.s), str(r.text)) for r in printed
               if _normalised(str(r.text)) not in (sources.get(str(r.s)[:len(UA)]) or source)]
    assert missing == []


@pytest.mark.skipif(not SEED_TEXT.is_file(), reason=f"factsheet text not at {SEED_TEXT}")
def test_expected_figures_are_printed_in_the_factsheet():
    """The figures this module expects are the factsheet's own (guards the expectations)."""
    source = SEED_TEXT.read_text(encoding="utf-8")
    for printed in ("2,559,711", "940,296", "224.467", "69,084", "31,199", "0.2%", "481",
                    "1,057,280", "313,256", "30 April 2020", "June 2017", "Nur-Sultan"):
        assert printed in source, printed
    countries = re.search(r"FEKA unites Kazakh association of ([^.]+)\.", source)
    assert countries is not None
    assert countries.group(1) == (
        "Austria, Denmark, France, Germany, Great Britain, Netherlands, Norway, and Sweden")
