"""The statistics are a well-formed RDF Data Cube, as a generic cube tool checks them.

The W3C Recommendation "The RDF Data Cube Vocabulary" (https://www.w3.org/TR/vocab-data-cube/,
section 11, "Well-formed cubes") defines well-formedness as: normalise the graph with two sets
of SPARQL UPDATEs (phase 1, type and property closure; phase 2, pushing the attributes and
dimensions attached to data sets and slices down to the observations), then run the integrity
constraints IC-1 ... IC-21, each an ASK query that is true when the constraint is violated. The
queries below are the specification's, written out as printed there (IC-20 and IC-21 are
templates instantiated for each qb:parentChildProperty of the graph). They run on a pyoxigraph
store holding ontology/ and the data: the bundled graph, and the bundled graph with the second-
country fixtures beside it.

A consumer that knows the Data Cube vocabulary but nothing of this project finds the unit of
every value through sdmx-attribute:unitMeasure, declared as an attribute of the structure.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# --- Normalisation algorithm (specification section 10.3) ---------------------------------

NORMALISATION_PHASE_1 = """
INSERT {
    ?o rdf:type qb:Observation .
} WHERE {
    [] qb:observation ?o .
};

INSERT {
    ?o  rdf:type qb:Observation .
} WHERE {
    ?o  qb:dataSet [] .
};

INSERT {
    ?s  rdf:type qb:Slice .
} WHERE {
    [] qb:slice ?s.
};

INSERT {
    ?cs qb:componentProperty ?p .
    ?p  rdf:type qb:DimensionProperty .
} WHERE {
    ?cs qb:dimension ?p .
};

INSERT {
    ?cs qb:componentProperty ?p .
    ?p  rdf:type qb:MeasureProperty .
} WHERE {
    ?cs qb:measure ?p .
};

INSERT {
    ?cs qb:componentProperty ?p .
    ?p  rdf:type qb:AttributeProperty .
} WHERE {
    ?cs qb:attribute ?p .
}
"""

NORMALISATION_PHASE_2 = """
# Dataset attachments
INSERT {
    ?obs  ?comp ?value
} WHERE {
    ?spec    qb:componentProperty ?comp ;
             qb:componentAttachment qb:DataSet .
    ?dataset qb:structure [qb:component ?spec];
             ?comp ?value .
    ?obs     qb:dataSet ?dataset.
};

# Slice attachments
INSERT {
    ?obs  ?comp ?value
} WHERE {
    ?spec    qb:componentProperty ?comp;
             qb:componentAttachment qb:Slice .
    ?dataset qb:structure [qb:component ?spec];
             qb:slice ?slice .
    ?slice ?comp ?value;
           qb:observation ?obs .
};

# Dimension values on slices
INSERT {
    ?obs  ?comp ?value
} WHERE {
    ?spec    qb:componentProperty ?comp .
    ?comp a  qb:DimensionProperty .
    ?dataset qb:structure [qb:component ?spec];
             qb:slice ?slice .
    ?slice ?comp ?value;
           qb:observation ?obs .
}
"""

# --- Integrity constraints (specification section 11.1): true = violated -----------------

INTEGRITY_CONSTRAINTS = {
    "IC-1 Unique DataSet": """
ASK {
  {
    # Check observation has a data set
    ?obs a qb:Observation .
    FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . }
  } UNION {
    # Check has just one data set
    ?obs a qb:Observation ;
       qb:dataSet ?dataset1, ?dataset2 .
    FILTER (?dataset1 != ?dataset2)
  }
}""",
    "IC-2 Unique DSD": """
ASK {
  {
    # Check dataset has a dsd
    ?dataset a qb:DataSet .
    FILTER NOT EXISTS { ?dataset qb:structure ?dsd . }
  } UNION {
    # Check has just one dsd
    ?dataset a qb:DataSet ;
       qb:structure ?dsd1, ?dsd2 .
    FILTER (?dsd1 != ?dsd2)
  }
}""",
    "IC-3 DSD includes measure": """
ASK {
  ?dsd a qb:DataStructureDefinition .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty [a qb:MeasureProperty]] }
}""",
    "IC-4 Dimensions have range": """
ASK {
  ?dim a qb:DimensionProperty .
  FILTER NOT EXISTS { ?dim rdfs:range [] }
}""",
    "IC-5 Concept dimensions have code lists": """
ASK {
  ?dim a qb:DimensionProperty ;
       rdfs:range skos:Concept .
  FILTER NOT EXISTS { ?dim qb:codeList [] }
}""",
    "IC-6 Only attributes may be optional": """
ASK {
  ?dsd qb:component ?componentSpec .
  ?componentSpec qb:componentRequired "false"^^xsd:boolean ;
                 qb:componentProperty ?component .
  FILTER NOT EXISTS { ?component a qb:AttributeProperty }
}""",
    "IC-7 Slice Keys must be declared": """
ASK {
    ?sliceKey a qb:SliceKey .
    FILTER NOT EXISTS { [a qb:DataStructureDefinition] qb:sliceKey ?sliceKey }
}""",
    "IC-8 Slice Keys consistent with DSD": """
ASK {
  ?slicekey a qb:SliceKey;
      qb:componentProperty ?prop .
  ?dsd qb:sliceKey ?slicekey .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty ?prop] }
}""",
    "IC-9 Unique slice structure": """
ASK {
  {
    # Slice has a key
    ?slice a qb:Slice .
    FILTER NOT EXISTS { ?slice qb:sliceStructure ?key }
  } UNION {
    # Slice has just one key
    ?slice a qb:Slice ;
           qb:sliceStructure ?key1, ?key2;
    FILTER (?key1 != ?key2)
  }
}""",
    "IC-10 Slice dimensions complete": """
ASK {
  ?slice qb:sliceStructure [qb:componentProperty ?dim] .
  FILTER NOT EXISTS { ?slice ?dim [] }
}""",
    "IC-11 All dimensions required": """
ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty;
    FILTER NOT EXISTS { ?obs ?dim [] }
}""",
    "IC-12 No duplicate observations": """
ASK {
  FILTER( ?allEqual )
  {
    # For each pair of observations test if all the dimension values are the same
    SELECT (MIN(?equal) AS ?allEqual) WHERE {
        ?obs1 qb:dataSet ?dataset .
        ?obs2 qb:dataSet ?dataset .
        FILTER (?obs1 != ?obs2)
        ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty .
        ?obs1 ?dim ?value1 .
        ?obs2 ?dim ?value2 .
        BIND( ?value1 = ?value2 AS ?equal)
    } GROUP BY ?obs1 ?obs2
  }
}""",
    "IC-13 Required attributes": """
ASK {
    ?obs qb:dataSet/qb:structure/qb:component ?component .
    ?component qb:componentRequired "true"^^xsd:boolean ;
               qb:componentProperty ?attr .
    FILTER NOT EXISTS { ?obs ?attr [] }
}""",
    "IC-14 All measures present": """
ASK {
    # Observation in a non-measureType cube
    ?obs qb:dataSet/qb:structure ?dsd .
    FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }

    # verify every measure is present
    ?dsd qb:component/qb:componentProperty ?measure .
    ?measure a qb:MeasureProperty;
    FILTER NOT EXISTS { ?obs ?measure [] }
}""",
    "IC-15 Measure dimension consistent": """
ASK {
    # Observation in a measureType-cube
    ?obs qb:dataSet/qb:structure ?dsd ;
         qb:measureType ?measure .
    ?dsd qb:component/qb:componentProperty qb:measureType .
    # Must have value for its measureType
    FILTER NOT EXISTS { ?obs ?measure [] }
}""",
    "IC-16 Single measure on measure dimension observation": """
ASK {
    # Observation with measureType
    ?obs qb:dataSet/qb:structure ?dsd ;
         qb:measureType ?measure ;
         ?omeasure [] .
    # Any measure on the observation
    ?dsd qb:component/qb:componentProperty qb:measureType ;
         qb:component/qb:componentProperty ?omeasure .
    ?omeasure a qb:MeasureProperty .
    # Must be the same as the measureType
    FILTER (?omeasure != ?measure)
}""",
    "IC-17 All measures present in measures dimension cube": """
ASK {
  {
      # Count number of other measures found at each point
      SELECT ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
          {
              # Find the DSDs and check how many measures they have
              SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
                  ?dsd qb:component/qb:componentProperty ?m.
                  ?m a qb:MeasureProperty .
              } GROUP BY ?dsd
          }

          # Observation in measureType cube
          ?obs1 qb:dataSet/qb:structure ?dsd;
                qb:dataSet ?dataset ;
                qb:measureType ?m1 .

          # Other observation at same dimension value
          ?obs2 qb:dataSet ?dataset ;
                qb:measureType ?m2 .
          FILTER NOT EXISTS {
              ?dsd qb:component/qb:componentProperty ?dim .
              FILTER (?dim != qb:measureType)
              ?dim a qb:DimensionProperty .
              ?obs1 ?dim ?v1 .
              ?obs2 ?dim ?v2.
              FILTER (?v1 != ?v2)
          }

      } GROUP BY ?obs1 ?numMeasures
        HAVING (COUNT(?obs2) != ?numMeasures)
  }
}""",
    "IC-18 Consistent data set links": """
ASK {
    ?dataset qb:slice       ?slice .
    ?slice   qb:observation ?obs .
    FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . }
}""",
    "IC-19 Codes from code list (concept scheme)": """
ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a skos:ConceptScheme .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list }
}""",
    "IC-19 Codes from code list (collection)": """
ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a skos:Collection .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member+ ?v }
}""",
}

# IC-20 and IC-21 are templates: $p is each qb:parentChildProperty of the graph.
IC_20 = """
ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?list qb:hierarchyRoot/<$p>* ?v }
}"""
IC_21 = """
ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
         qb:codeList ?list .
    ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?list qb:hierarchyRoot/(^<$p>)* ?v }
}"""
PARENT_CHILD_PROPERTIES = """
SELECT DISTINCT ?p WHERE {
    ?list a qb:HierarchicalCodeList ; qb:parentChildProperty ?p . FILTER(isIRI(?p))
}"""


def _turtle_files(*folders: Path) -> list[Path]:
    return [f for folder in folders for f in sorted(folder.rglob("*.ttl"))]


def _normalised_store(files: list[Path]):
    """A pyoxigraph store of the files, normalised by the specification's two phases."""
    import pyoxigraph

    store = pyoxigraph.Store()
    for file in files:
        store.load(path=str(file), format=pyoxigraph.RdfFormat.TURTLE)
    store.update(PREFIXES + NORMALISATION_PHASE_1)
    store.update(PREFIXES + NORMALISATION_PHASE_2)
    return store


@functools.cache
def _bundled():
    return _normalised_store(_turtle_files(ROOT / "ontology", ROOT / "data"))


@functools.cache
def _countries():
    files = _turtle_files(ROOT / "ontology", ROOT / "data", FIXTURES / "second-country")
    return _normalised_store([*files, FIXTURES / "factsheet" / "ruritania.ttl"])


GRAPHS = {"bundled": _bundled, "with-fixture-countries": _countries}


def _ask(store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


def _integrity_constraints(store) -> dict[str, str]:
    checks = dict(INTEGRITY_CONSTRAINTS)
    # With no parent-child property the templates are checked with one no hierarchical code
    # list can have, so that an undeclared hierarchy still fails them.
    parents = [row["p"].value for row in store.query(PREFIXES + PARENT_CHILD_PROPERTIES)]
    for p in parents or ["http://purl.org/linked-data/cube#parentChildProperty"]:
        checks[f"IC-20 Codes from hierarchy <{p}>"] = IC_20.replace("$p", p)
        checks[f"IC-21 Codes from hierarchy (inverse) <{p}>"] = IC_21.replace("$p", p)
    return checks


@pytest.mark.parametrize("graph", GRAPHS)
def test_every_integrity_constraint_holds(graph: str):
    store = GRAPHS[graph]()
    checks = _integrity_constraints(store)
    assert len({name.split()[0] for name in checks}) == 21
    violated = [name for name, query in checks.items() if _ask(store, query)]
    assert violated == []


@pytest.mark.parametrize("graph", GRAPHS)
def test_the_cubes_hold_observations(graph: str):
    """The constraints are not met by an empty cube: every data set has observations with
    values, and every structure is used."""
    store = GRAPHS[graph]()
    assert _ask(store, """ASK { ?obs qb:dataSet ?ds ;
        <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v }""")
    assert not _ask(store, "ASK { ?ds a qb:DataSet . FILTER NOT EXISTS { ?obs qb:dataSet ?ds } }")
    assert not _ask(store, """ASK { ?dsd a qb:DataStructureDefinition .
        FILTER NOT EXISTS { ?ds qb:structure ?dsd } }""")


@pytest.mark.parametrize("name", [
    "IC-6 Only attributes may be optional", "IC-11 All dimensions required",
    "IC-12 No duplicate observations", "IC-13 Required attributes", "IC-14 All measures present"])
def test_a_constraint_catches_its_violation(name: str):
    """Each constraint the statistics once broke fails on a graph that breaks it: an optional
    dimension, an observation without a dimension value, two observations with one key, an
    observation without its unit or without a value."""
    import pyoxigraph

    broken = {
        "IC-6 Only attributes may be optional":
            "INSERT DATA { ex:dsd qb:component [ qb:dimension ex:d ;"
            " qb:componentRequired false ] }",
        "IC-11 All dimensions required": "DELETE WHERE { ex:o1 ex:d ?v }",
        "IC-12 No duplicate observations":
            "DELETE WHERE { ex:o2 ex:d ?v } ; INSERT DATA { ex:o2 ex:d 1 }",
        "IC-13 Required attributes": "DELETE WHERE { ex:o1 ex:unit ?u }",
        "IC-14 All measures present": "DELETE WHERE { ex:o1 ex:value ?v }",
    }[name]
    store = pyoxigraph.Store()
    store.update(PREFIXES + """PREFIX ex: <http://example.org/>
        INSERT DATA {
          ex:d a qb:DimensionProperty ; rdfs:range xsd:integer .
          ex:dsd a qb:DataStructureDefinition ; qb:component [ qb:dimension ex:d ] ,
              [ qb:measure ex:value ] , [ qb:attribute ex:unit ; qb:componentRequired true ] .
          ex:ds a qb:DataSet ; qb:structure ex:dsd .
          ex:o1 qb:dataSet ex:ds ; ex:d 1 ; ex:value 10 ; ex:unit ex:persons .
          ex:o2 qb:dataSet ex:ds ; ex:d 2 ; ex:value 20 ; ex:unit ex:persons .
        }""")
    store.update(PREFIXES + NORMALISATION_PHASE_1)
    store.update(PREFIXES + NORMALISATION_PHASE_2)
    assert not any(_ask(store, query) for query in _integrity_constraints(store).values())
    store.update(PREFIXES + "PREFIX ex: <http://example.org/>\n" + broken)
    store.update(PREFIXES + NORMALISATION_PHASE_1)
    assert _ask(store, INTEGRITY_CONSTRAINTS[name])


# A consumer's question, in Data Cube and SDMX terms only: the unit of each value, where the
# structure of its data set declares sdmx-attribute:unitMeasure (after normalisation a unit
# attached to a data set or slice is on the observation too).
UNIT_OF_EVERY_VALUE = """
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
SELECT ?obs ?value (COUNT(DISTINCT ?unit) AS ?units) (SAMPLE(?unitLabel) AS ?label) WHERE {
    ?obs a qb:Observation ; qb:dataSet/qb:structure ?dsd .
    ?dsd qb:component/qb:componentProperty ?measure .
    ?measure a qb:MeasureProperty .
    ?obs ?measure ?value .
    OPTIONAL {
        ?dsd qb:component/qb:componentProperty sdmx-attribute:unitMeasure .
        ?obs sdmx-attribute:unitMeasure ?unit .
        OPTIONAL { ?unit skos:prefLabel ?unitLabel }
    }
} GROUP BY ?obs ?value"""


@pytest.mark.parametrize("graph", GRAPHS)
def test_a_generic_cube_consumer_finds_the_unit_of_every_value(graph: str):
    store = GRAPHS[graph]()
    rows = list(store.query(PREFIXES + UNIT_OF_EVERY_VALUE))
    assert rows
    without_one_unit = [(row["obs"].value, int(row["units"].value)) for row in rows
                        if int(row["units"].value) != 1 or row["label"] is None]
    assert without_one_unit == []


@pytest.mark.parametrize("graph", GRAPHS)
def test_the_unit_is_the_unit_of_the_indicator(graph: str):
    store = GRAPHS[graph]()
    assert not _ask(store, """
        PREFIX dem: <https://w3id.org/kzgraph/ontology#>
        PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
        ASK { ?obs a qb:Observation ; sdmx-attribute:unitMeasure ?unit ;
                   dem:indicator/dem:unit ?other .
              FILTER (?unit != ?other) }""")


@pytest.mark.parametrize("graph", GRAPHS)
def test_unknown_values_stay_explicit(graph: str):
    """A figure whose value is unknown is outside the cubes but keeps its dimensions, the status
    missing, its gap and its collection of figures."""
    store = GRAPHS[graph]()
    prefixes = """
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX dem: <https://w3id.org/kzgraph/ontology#>
        PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
        PREFIX sdmx-code: <http://purl.org/linked-data/sdmx/2009/code#>
        PREFIX gap: <https://w3id.org/kzgraph/vocab/gap/>"""
    missing = list(store.query(PREFIXES + prefixes + """
        SELECT ?figure WHERE {
            ?figure a dem:MissingObservation ; dem:indicator ?indicator ; dem:origin ?origin ;
                    sdmx-attribute:obsStatus sdmx-code:obsStatus-M ; dem:gap gap:value-lost ;
                    dcterms:isPartOf ?collection .
            FILTER NOT EXISTS { ?figure a qb:Observation }
        }"""))
    expected = {"kz/emigrants-share-of-population", "kz/emigrants-share-in-eu",
                "kz/total-emigration"}
    if graph == "with-fixture-countries":
        expected.add("fd/remittances-inflow")
    found = {row["figure"].value.removeprefix("https://w3id.org/kzgraph/id/") for row in missing}
    assert found == expected
    assert not _ask(store, prefixes + "ASK { ?obs a qb:Observation ; dem:gap gap:value-lost }")
