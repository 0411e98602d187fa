"""Corrections of a line-by-line audit of data/ against the factsheet text, and the research
questions they opened (time, topic, EU membership, shares): each test asserts the corrected
fact in the bundled graph (SPARQL over ontology/ + data/, loaded with rdflib) or the answer of
the stored query.

Where the factsheet text is at hand (shared/seed/ beside the checkout, or KZGRAPH_SEED_TEXT),
the words the data quotes are also checked against it.
"""

from __future__ import annotations

import re

import pytest

import kzgraph
from test_data_facts import KZ, SEED_TEXT, VOCAB, _is, rows

COUNTRY = "https://w3id.org/kzgraph/id/country/"
KZG = "https://w3id.org/kzgraph/id/"
TOPIC = VOCAB + "topic/"
ORG_FOAF = """
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
"""


def _seed() -> str:
    if not SEED_TEXT.is_file():
        pytest.skip(f"the factsheet text is not at hand ({SEED_TEXT.name})")
    return re.sub(r"\s+", " ", SEED_TEXT.read_text(encoding="utf-8").replace("´", "'"))


# ------------------------------------------------------------------------------------------
# 1. A supplementary claim is not a finding of the factsheet
# ------------------------------------------------------------------------------------------


def test_no_separate_law_claim_is_a_supplementary_claim_about_nothing_of_the_factsheet():
    found = rows("""
        SELECT ?type ?source ?about WHERE {
            kz:finding-no-separate-diaspora-law a ?type ; prov:wasDerivedFrom ?source .
            OPTIONAL { kz:finding-no-separate-diaspora-law dem:about ?about }
        }""")
    assert {str(r.type).rsplit("#", 1)[-1] for r in found} == {"SupplementaryClaim"}
    assert {str(r.source) for r in found} == {KZ + "source-kisi-state-diaspora-policy"}
    assert [r.about for r in found if r.about is not None] == []


def test_every_finding_comes_from_the_factsheet():
    only_supplements = rows("""
        SELECT ?finding WHERE {
            ?finding a dem:Finding .
            FILTER NOT EXISTS {
                ?finding prov:wasDerivedFrom ?source .
                { ?source a dem:Factsheet } UNION { ?source a dem:Footnote }
            }
        }""")
    assert only_supplements == []


def test_findings_query_lists_no_supplementary_claim():
    listed = {row["finding"].value for row in kzgraph.query("findings").rows}
    assert KZ + "finding-no-separate-diaspora-law" not in listed
    assert KZ + "finding-no-diaspora-engagement-policy" in listed
    sources = {row["source"].value for row in kzgraph.query("findings").rows}
    assert not [s for s in sources if "/source-" in s]


# ------------------------------------------------------------------------------------------
# 2. "At ministerial level" only where it applies; the lost sub-headings are a gap
# ------------------------------------------------------------------------------------------


def test_ministerial_heading_only_on_the_ministries():
    found = rows("""
        SELECT ?actor ?heading ?kind WHERE {
            ?actor dem:annexHeading ?heading ; dem:institutionKind ?kind .
        }""")
    by_actor = {str(r.actor)[len(KZ):]: (str(r.heading), str(r.kind)) for r in found}
    assert len(by_actor) == 9
    ministerial = {a for a, (h, _) in by_actor.items() if "At ministerial level" in h}
    assert ministerial == {"ministry-of-foreign-affairs", "ministry-of-culture-and-sports",
                           "ministry-of-labour-and-social-protection",
                           "ministry-of-education-and-science"}
    assert all(k.endswith("/ministry") for a, (_, k) in by_actor.items() if a in ministerial)


def test_actors_whose_sub_heading_was_lost_say_so():
    lost = rows("""
        SELECT ?actor ?heading WHERE {
            ?actor dem:annexHeading ?heading ; dem:gap gap:heading-lost ;
                   skos:editorialNote ?note .
        }""")
    assert {str(r.actor)[len(KZ):] for r in lost} == {
        "president", "department-for-inter-ethnic-relation", "assembly-of-the-people",
        "otandastar-unified-contact-center", "world-association-of-kazakhs"}
    assert {str(r.heading) for r in lost} == {"National institutions"}


# ------------------------------------------------------------------------------------------
# 3. EUDIF as printed; the credits' agents are exempt from a section, by note
# ------------------------------------------------------------------------------------------


def test_eudif_is_named_as_printed_and_not_credited_with_the_expansion():
    labels = rows(f"""
        SELECT ?label WHERE {{
            <{KZG}eudif> rdfs:label|skos:altLabel ?label }}""")
    assert [str(r.label) for r in labels] == ["EUDIF"]
    assert "EUDIF" in _seed()
    assert "Global Diaspora Facility" not in _seed()
    publisher = rows("SELECT ?p WHERE { kz:factsheet dcterms:publisher ?p }")
    assert publisher == []  # the factsheet prints an editor, no publisher


@pytest.mark.parametrize("agent", ["eudif", "olga-r-gulina"])
def test_credited_agents_have_no_section_and_a_note_saying_why(agent: str):
    found = rows(f"""
        SELECT ?printed ?note ?section WHERE {{
            <{KZG}{agent}> dem:printedText ?printed ; skos:editorialNote ?note .
            OPTIONAL {{ <{KZG}{agent}> dem:inSection ?section }}
        }}""")
    assert len(found) == 1 and found[0].section is None
    assert "no dem:inSection" in str(found[0].note)
    assert str(found[0].printed).split(": ", 1)[1] in _seed()


def test_every_factsheet_derived_resource_has_a_section_unless_credited():
    missing = rows("""
        SELECT DISTINCT ?resource WHERE {
            ?resource prov:wasDerivedFrom ?source .
            ?source a ?sourceClass .
            FILTER (?sourceClass IN (dem:Factsheet, dem:Footnote))
            FILTER NOT EXISTS { ?resource dem:inSection ?section }
            FILTER NOT EXISTS { ?source a dem:Factsheet ; dcterms:creator|schema:editor ?resource }
            FILTER NOT EXISTS { ?resource a dem:Footnote }
        }""")
    assert [str(r.resource) for r in missing] == []


# ------------------------------------------------------------------------------------------
# 4. Footnote 22: the repaired address with the printed text
# ------------------------------------------------------------------------------------------


def test_footnote_22_cites_the_repaired_address_and_keeps_the_printed_one():
    found = rows("""
        SELECT ?printed ?url WHERE {
            kz:footnote-22 dem:printedText ?printed ; dem:citedUrl ?url ;
                           dem:gap gap:url-damaged ; skos:editorialNote ?note .
        }""")
    assert [(str(r.printed), str(r.url)) for r in found] == [
        ("http://og.gov.kz/en/projects/19en.htm", "http://oq.gov.kz/en/projects/19en.htm")]
    assert "http://og.gov.kz/en/projects/19en.htm" in _seed()


# ------------------------------------------------------------------------------------------
# 5. The emigrant stocks' year is the data set's edition; marker 1 covers the unmarked four
# ------------------------------------------------------------------------------------------


def test_every_emigrant_stock_says_its_year_is_the_data_sets_edition():
    found = rows("""
        SELECT ?obs (SAMPLE(?year) AS ?y) (COUNT(?note) AS ?notes) WHERE {
            ?obs dem:indicator indicator:emigrant-stock ; dem:referenceYear ?year .
            OPTIONAL { ?obs skos:editorialNote ?note .
                       FILTER (CONTAINS(STR(?note), "edition of the UN DESA")) }
        } GROUP BY ?obs""")
    assert len(found) == 5
    assert all(r.notes.toPython() == 1 and str(r.y) == "2019" for r in found)


def test_unmarked_emigrant_stocks_cite_footnote_1_and_the_marked_one_footnote_2():
    found = rows("""
        SELECT ?destination ?number WHERE {
            ?obs dem:indicator indicator:emigrant-stock ; dem:destination ?destination ;
                 dem:origin <https://w3id.org/kzgraph/id/country/kazakhstan> ;
                 prov:wasDerivedFrom ?footnote .
            ?footnote dem:footnoteNumber ?number .
        }""")
    cited: dict[str, set[int]] = {}
    for r in found:
        cited.setdefault(str(r.destination)[len(COUNTRY):], set()).add(r.number.toPython())
    assert cited == {"russia": {1, 2}, "germany": {1, 2}, "ukraine": {1, 2},
                     "belarus": {1, 2}, "united-states": {2}}


# ------------------------------------------------------------------------------------------
# 6. Kazakhstanis: a term of the assessment, not of the legislation
# ------------------------------------------------------------------------------------------


def test_kazakhstanis_is_not_a_term_of_the_legislation():
    legislation = {str(r.term)[len(KZ):] for r in rows(
        "SELECT ?term WHERE { kz:terminology skos:hasTopConcept ?term }")}
    assert legislation == {"term-diaspora", "term-former-compatriot", "term-ethnic-kazakh",
                           "term-oralman", "term-qandas"}
    scheme = rows("""
        SELECT ?scheme ?section WHERE {
            kz:term-kazakhstanis skos:inScheme ?scheme . ?scheme dem:inSection ?section }""")
    assert [str(r.section) for r in scheme] == [KZ + "section-trends-and-achievements"]
    terms = {row["termLabel"].value for row in kzgraph.query("terminology").rows}
    assert "Kazakhstanis" not in terms and "diaspora" in terms
    # the factsheet uses the word only in Trends and achievements
    text = _seed()
    assert text.count("Kazakhstanis") == 1
    assert text.index("Kazakhstanis") > text.index("Trends and achievements")


# ------------------------------------------------------------------------------------------
# 7. Smaller corrections
# ------------------------------------------------------------------------------------------


def test_indicator_data_set_cites_the_source_of_each_observation():
    """The data set names every source its observations are derived from (here: the
    supplement-only count of cards issued)."""
    missing = rows("""
        SELECT DISTINCT ?source WHERE {
            ?obs qb:dataSet kz:indicators ; prov:wasDerivedFrom ?source .
            ?source a dem:SupplementSource .
            FILTER NOT EXISTS { kz:indicators prov:wasDerivedFrom ?source }
        }""")
    assert missing == []


@pytest.mark.parametrize("country,wikidata", [("turkey", "Q43"), ("turkmenistan", "Q874")])
def test_culture_day_countries_cite_footnote_23_and_wikidata(country: str, wikidata: str):
    found = rows(f"""
        SELECT ?source ?match WHERE {{
            <{COUNTRY}{country}> prov:wasDerivedFrom ?source ; skos:exactMatch ?match }}""")
    sources = {str(r.source) for r in found}
    assert KZ + "footnote-23" in sources and KZG + "source-wikidata" in sources
    assert KZ + "factsheet" not in sources
    assert {str(r.match) for r in found} == {f"http://www.wikidata.org/entity/{wikidata}"}


@pytest.mark.parametrize("resource,words", [
    ("migration-policy-concept-2023-2027",
     "Diaspora engagement is one of its seven priorities of the Concept."),
    ("world-kazakh-kurultai-5",
     "The last World Kazakh Kurultai (5th edition) was conducted in Nur-Sultan in June 2017"),
    ("terminology", "Oralman (replacing by the term Qandash, \"blood relative\" since 30 April"),
])
def test_texts_are_quoted_as_printed(resource: str, words: str):
    found = rows(f"SELECT ?text WHERE {{ kz:{resource} dcterms:description ?text }}")
    assert len(found) == 1 and words in str(found[0].text)
    assert words in _seed()


def test_ontology_creator_is_an_agent_and_factsheet_language_an_iri():
    creator = rows(ORG_FOAF + """
        SELECT ?creator ?name WHERE {
            <https://w3id.org/kzgraph/ontology> dcterms:creator ?creator .
            ?creator a foaf:Organization ; foaf:name ?name }""")
    assert [(str(r.creator), str(r.name)) for r in creator] == [
        ("https://w3id.org/kzgraph/void#kzgraph-developers", "kzgraph developers")]
    language = rows("SELECT ?language WHERE { kz:factsheet dcterms:language ?language }")
    assert [str(r.language) for r in language] == ["http://id.loc.gov/vocabulary/iso639-1/en"]
    assert kzgraph.query("factsheet-metadata").rows[0]["language"].value == "en"


# ------------------------------------------------------------------------------------------
# What was in force in a given year
# ------------------------------------------------------------------------------------------


def _in_force(year: int) -> dict[str, dict[str, str]]:
    return {row["document"].value[len(KZ):]: {k: v.value for k, v in row.items()}
            for row in kzgraph.query("documents-in-force", year=year).rows}


def test_laws_count_from_adoption_with_an_unknown_end():
    in_2019 = _in_force(2019)
    languages = in_2019["law-on-languages"]
    assert (languages["inForceFrom"], languages["basis"], languages["endUnknown"]) == (
        "1997", "adopted", "true")
    assert "inForceUntil" not in languages
    assert "law-327-vi-2020" not in in_2019 and "law-327-vi-2020" in _in_force(2020)


def test_a_replaced_concept_ends_with_its_period_or_replacement():
    assert _in_force(2020)["concept-of-foreign-policy-2014-2020"]["inForceUntil"] == "2020"
    assert "concept-of-foreign-policy-2014-2020" not in _in_force(2021)


def test_documents_without_date_or_period_are_listed_with_an_unknown_start():
    row = _in_force(1990)["law-on-citizenship"]
    assert (row["basis"], row["startUnknown"], row["endUnknown"]) == (
        "start unknown", "true", "true")


# ------------------------------------------------------------------------------------------
# Topics
# ------------------------------------------------------------------------------------------


def test_every_topic_tag_quotes_its_source_as_printed():
    tags = rows("""
        SELECT ?resource ?topic ?evidence ?source WHERE {
            ?resource dem:topicTag ?tag .
            ?tag dem:topic ?topic ; dem:evidence ?evidence ; prov:wasDerivedFrom ?source ;
                 dem:inSection ?section .
        }""")
    assert len(tags) >= 25
    text = _seed()
    supplement = re.sub(r"\s+", " ", (SEED_TEXT.parent / "supplement.md").read_text(
        encoding="utf-8"))
    for tag in tags:
        printed = supplement if "/source-" in str(tag.source) else text
        assert str(tag.evidence) in printed, (str(tag.resource), str(tag.evidence))


def test_documents_and_practices_by_topic_language():
    result = kzgraph.query("documents-and-practices-by-topic", topic=TOPIC + "language")
    found = {(row["kind"].value, row["resource"].value[len(KZ):]) for row in result.rows}
    assert found == {
        ("policy document", "concept-of-foreign-policy-2014-2020"),
        ("policy document", "law-on-the-assembly-of-the-people"),
        ("policy document", "action-plan-support-ethnic-kazakhs-abroad-2018-2022"),
        ("policy document", "state-program-languages-2011-2020"),
        ("policy document", "law-on-languages"),
        ("practice", "qazaq-house"), ("practice", "kazakhstan-culture-days")}
    assert all(row["evidence"].value for row in result.rows)


def test_documents_and_practices_by_topic_return_and_citizenship():
    def names(topic: str) -> set[str]:
        return {row["resource"].value[len(KZ):] for row in kzgraph.query(
            "documents-and-practices-by-topic", topic=TOPIC + topic).rows}

    assert names("return") == {"concept-of-migration-policy-2017-2021",
                               "law-on-population-migration"}
    assert names("citizenship") == {"law-on-citizenship", "constitution"}


# ------------------------------------------------------------------------------------------
# EU membership and shares
# ------------------------------------------------------------------------------------------


def test_germany_is_an_eu_member_since_1958_with_its_source():
    found = rows(ORG_FOAF + f"""
        SELECT ?member ?year ?url WHERE {{
            VALUES ?member {{ <{COUNTRY}germany> }}
            ?membership a org:Membership ; org:member ?member ;
                        org:organization <{KZG}european-union> ;
                        org:memberDuring/time:hasBeginning/time:inXSDgYear ?year ;
                        prov:wasDerivedFrom ?source .
            ?source a dem:SupplementSource ; dem:citedUrl ?url .
        }}""")
    assert [(str(r.member), str(r.year)) for r in found] == [(COUNTRY + "germany", "1958")]
    assert _is(found[0].year, "gYear")
    assert str(found[0].url) == (
        "https://european-union.europa.eu/principles-countries-history/eu-countries_en")


def test_emigrants_in_eu_members_is_a_lower_bound_from_the_top_five():
    row = kzgraph.query("emigrants-in-eu-members").rows[0]
    values = {k: v.value for k, v in row.items()}
    assert values["emigrantsInEuMembers"] == "940296"  # Germany, the only member listed
    assert values["topFiveTotal"] == str(2559711 + 940296 + 224467 + 69084 + 31199)
    assert values["euMemberDestinations"] == "1"
    assert values["measure"].startswith("lower bound")
    assert "factsheetShareInEuPercent" not in values  # the factsheet's figure was lost


def test_top_destinations_share_is_named_for_the_top_five_and_total_share_unknown():
    result = kzgraph.query("top-destinations")
    assert "sharePercent" not in result.variables
    assert {"shareOfTopFivePercent", "totalEmigrants", "shareOfTotalPercent"} <= set(
        result.variables)
    russia = result.rows[0]
    assert russia["shareOfTopFivePercent"].value == "66.92"
    assert "shareOfTotalPercent" not in russia and "totalEmigrants" not in russia
