"""The SHACL shapes reject what they should: every targeted node shape of shapes/ rejects at
least one broken fixture, and the bundled graph conforms.

Fixtures: tests/fixtures/shapes/<ShapeLocalName>--<what-is-broken>.ttl, each validated with
ontology/ and the shared valid base _base.ttl (never the bundled data). A fixture's header says
what it must trigger::

    # expect: <shape local name> <constraint component local name> <focus node IRI> [<path>]

Its one defect is the line ending "# defect" (or a triple left out); the fix drops that line and
uncomments the lines starting "#+ ". Validation goes through kzgraph.validation.validate; set
KZGRAPH_TESTS_RAW_PYSHACL=1 to call pyshacl directly instead (the same settings the CLI uses).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
BASE = FIXTURES / "_base.ttl"
TEST_NS = "https://w3id.org/kzgraph/id/test/"
SH = "http://www.w3.org/ns/shacl#"
DSH = "https://w3id.org/kzgraph/shapes#"
RAW_ENV = "KZGRAPH_TESTS_RAW_PYSHACL"

# The node shapes named when the fixtures were written; the list of shapes to cover is read from
# shapes/ (so a new shape needs a fixture), this only guards that reading.
KNOWN_SHAPES = {
    "LabelShape", "ProvenanceShape", "EnglishTextShape", "WebAddressShape", "GapShape",
    "ConceptShape", "CountryShape", "DataSetShape", "ObservationShape", "MissingObservationShape",
    "PercentObservationShape", "CountObservationShape", "IntervalShape", "InstantShape",
    "PoliticalRightRecordShape", "DualCitizenshipRecordShape", "ExternalVotingRecordShape",
    "PolicyDocumentShape", "LegalProvisionShape", "TermShape", "TermReplacementShape",
    "OrganizationShape", "InstitutionShape", "DiasporaOrganisationShape", "PracticeShape",
    "EventShape", "ObstacleShape", "FindingShape", "TimelineEntryShape", "FactsheetShape",
    "FactsheetSectionShape", "FootnoteShape", "StatementShape", "DeclaredTermsShape",
    "NoDanglingReferenceShape", "SourcedResourceShape", "PracticeSectorShape", "PracticeYearShape",
}

_EXPECT = re.compile(r"^# expect: (\S+) (\S+) (\S+)(?: (\S+))?\s*$", re.MULTILINE)


# ------------------------------------------------------------------------------------------
# Validation: the project API, or pyshacl called directly
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One validation result, in plain strings (IRIs in full)."""

    focus: str
    path: str | None
    component: str | None
    shape: str | None  # the named shape; a blank-node property shape resolved to its owner
    severity: str
    message: str

    def brief(self) -> str:
        short = [_local(x) if x else "-" for x in (self.shape, self.component, self.path)]
        return f"{self.focus} {' '.join(short)}: {self.message}"


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _use_raw_pyshacl() -> bool:
    if os.environ.get(RAW_ENV):
        return True
    try:
        import kzgraph.validation  # noqa: F401
    except ImportError:
        return True
    return False


@functools.cache
def _raw_inputs():
    import rdflib

    ontology = rdflib.Graph()
    for file in sorted((ROOT / "ontology").glob("*.ttl")):
        ontology.parse(file)
    shapes = rdflib.Graph()
    for file in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(file)
    return ontology, shapes


def _named_shape(shapes, node):
    """The IRI node shape that holds a blank-node (property or nested) shape."""
    from rdflib import BNode

    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        parents = list(shapes.subjects(None, node))
        if not parents:
            return None
        node = parents[0]
    return node


def _validate_raw(files: list[Path] | None) -> tuple[bool, list[Result]]:
    """pyshacl exactly as the project runs it: advanced, no inference, warnings allowed."""
    import pyshacl
    import rdflib
    from rdflib.namespace import SH as SHNS

    ontology, shapes = _raw_inputs()
    data = rdflib.Graph()
    data += ontology
    for file in files if files is not None else sorted((ROOT / "data").rglob("*.ttl")):
        data.parse(file)
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True)
    if not isinstance(report, rdflib.Graph):  # pyshacl's ValidationFailure
        raise AssertionError(f"pyshacl could not validate: {text}")
    results = []
    for node in report.objects(None, SHNS.result):
        values = {name: report.value(node, SHNS[name]) for name in (
            "focusNode", "resultPath", "sourceConstraintComponent", "sourceShape",
            "resultSeverity", "resultMessage")}
        shape = _named_shape(shapes, values["sourceShape"])
        path = values["resultPath"]
        results.append(Result(
            focus=str(values["focusNode"]),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            component=str(values["sourceConstraintComponent"]),
            shape=str(shape) if shape is not None else None,
            severity=_local(str(values["resultSeverity"])),
            message=str(values["resultMessage"] or "")))
    return bool(conforms), results


def validate_files(files: list[Path] | None) -> tuple[bool, list[Result]]:
    """Validate ontology/ + ``files`` (None: the bundled data) against shapes/."""
    if _use_raw_pyshacl():
        return _validate_raw(files)
    from kzgraph.validation import validate

    report = validate(files) if files is not None else validate()
    return report.conforms, [
        Result(focus=r.focus_node, path=r.path, component=r.constraint, shape=r.source_shape,
               severity=r.severity, message=r.message)
        for r in report.results]


# ------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    file: Path
    shape: str
    component: str
    focus: str
    path: str | None

    @property
    def name(self) -> str:
        return self.file.stem

    def fixed_text(self) -> str:
        lines = self.file.read_text(encoding="utf-8").splitlines()
        kept = [line[3:] if line.startswith("#+ ") else line
                for line in lines if not line.rstrip().endswith("# defect")]
        return "\n".join(kept) + "\n"


def _expand(term: str, file: Path) -> str:
    """A header term: a full IRI, or a prefixed name with the fixture's own prefixes."""
    if "://" in term:
        return term
    import rdflib

    graph = rdflib.Graph().parse(file)
    return str(graph.namespace_manager.expand_curie(term))


def _load_fixture(file: Path) -> Fixture:
    match = _EXPECT.search(file.read_text(encoding="utf-8"))
    assert match, f"{file.name}: no '# expect: <shape> <component> <focus> [<path>]' header"
    shape, component, focus, path = match.groups()
    return Fixture(file, shape, component, _expand(focus, file),
                   _expand(path, file) if path else None)


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*--*.ttl"))


@functools.cache
def _fixtures() -> tuple[Fixture, ...]:
    return tuple(_load_fixture(f) for f in _fixture_files())


def _params() -> list:
    return [pytest.param(file, id=file.stem) for file in _fixture_files()]


@functools.cache
def _shapes_graph():
    import rdflib

    graph = rdflib.Graph()
    for file in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(file)
    return graph


def _targeted_node_shapes() -> set[str]:
    """Local names of the named node shapes that select focus nodes themselves (building blocks
    such as dsh:PlausibleYear are only reached through sh:node and have no target)."""
    rows = _shapes_graph().query("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT DISTINCT ?shape WHERE {
            ?shape a sh:NodeShape .
            ?shape ?target ?any .
            VALUES ?target { sh:targetClass sh:targetNode sh:targetSubjectsOf
                             sh:targetObjectsOf sh:target }
            FILTER isIRI(?shape)
        }""")
    return {_local(str(row.shape)) for row in rows}


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------


def test_bundled_graph_conforms():
    conforms, results = validate_files(None)
    assert conforms, "\n".join(r.brief() for r in results)
    assert not [r for r in results if r.severity == "Violation"]


def test_base_fixture_conforms_alone():
    conforms, results = validate_files([BASE])
    assert conforms, "_base.ttl must be valid:\n" + "\n".join(r.brief() for r in results)


def test_shape_discovery_finds_the_known_shapes():
    found = _targeted_node_shapes()
    assert found >= KNOWN_SHAPES, f"not found in shapes/: {sorted(KNOWN_SHAPES - found)}"
    # building blocks have no target and are not counted
    assert "PlausibleYear" not in found
    assert "InSchemeGap" not in found


def test_every_targeted_shape_has_a_broken_fixture():
    covered = {fixture.shape for fixture in _fixtures()}
    missing = sorted(_targeted_node_shapes() - covered)
    assert not missing, (
        f"node shapes without a broken fixture in {FIXTURES.relative_to(ROOT)}: {missing}; "
        "add <Shape>--<what-is-broken>.ttl with an '# expect:' header")


def test_fixture_headers_name_real_shapes_and_components():
    import rdflib

    shapes = _shapes_graph()
    problems = []
    for fixture in _fixtures():
        where = fixture.file.name
        if not fixture.file.stem.startswith(fixture.shape + "--"):
            problems.append(f"{where}: file name does not start with {fixture.shape}--")
        if (rdflib.URIRef(DSH + fixture.shape), rdflib.RDF.type,
                rdflib.URIRef(SH + "NodeShape")) not in shapes:
            problems.append(f"{where}: dsh:{fixture.shape} is not a node shape of shapes/")
        if not re.fullmatch(r"[A-Z][A-Za-z]*ConstraintComponent", fixture.component):
            problems.append(f"{where}: {fixture.component} is not a constraint component name")
        if not fixture.focus.startswith(TEST_NS):
            problems.append(f"{where}: focus {fixture.focus} is outside {TEST_NS}")
        described = rdflib.Graph().parse(fixture.file)
        if (rdflib.URIRef(fixture.focus), None, None) not in described:
            problems.append(f"{where}: the fixture does not describe its focus node")
        if fixture.fixed_text() == fixture.file.read_text(encoding="utf-8"):
            problems.append(f"{where}: no '# defect' line and no '#+ ' fix line")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("file", _params())
def test_broken_fixture_is_rejected_by_its_shape(file: Path):
    fixture = _load_fixture(file)
    conforms, results = validate_files([BASE, file])
    assert not conforms, f"{file.name} conforms, but should break {fixture.shape}"
    matching = [
        r for r in results
        if r.severity == "Violation"
        and r.focus == fixture.focus
        and r.shape == DSH + fixture.shape
        and r.component == SH + fixture.component
        and (fixture.path is None or r.path == fixture.path)
    ]
    assert matching, (
        f"{file.name}: expected {fixture.shape} {fixture.component} on {fixture.focus}"
        f"{' ' + fixture.path if fixture.path else ''}; got:\n"
        + "\n".join(r.brief() for r in results))
    # the defect stays inside the fixture: nothing of _base.ttl or ontology/ is reported
    import rdflib

    own = {str(s) for s in rdflib.Graph().parse(file).subjects()}
    strays = [r for r in results if r.focus not in own]
    assert not strays, "violations outside the fixture:\n" + "\n".join(r.brief() for r in strays)


def test_fixtures_conform_once_fixed(tmp_path: Path):
    """Each fixture has exactly its one defect: without it the fixture is valid. The fixed
    fixtures are validated together (they share only _base.ttl, see the next test)."""
    import rdflib

    fixed = []
    for fixture in _fixtures():
        target = tmp_path / fixture.file.name
        target.write_text(fixture.fixed_text(), encoding="utf-8")
        fixed.append(target)
    conforms, results = validate_files([BASE, *fixed])
    owner = {}
    for fixture, file in zip(_fixtures(), fixed, strict=True):
        for subject in rdflib.Graph().parse(file).subjects():
            owner[str(subject)] = fixture.file.name
    assert conforms, "fixed fixtures still break shapes:\n" + "\n".join(
        f"{owner.get(r.focus, '?')}: {r.brief()}" for r in results)


def test_fixtures_are_independent_of_each_other():
    """Fixtures describe their own resources and refer only to _base.ttl or themselves, so
    validating the fixed ones together is the same as validating each alone."""
    import rdflib

    base = rdflib.Graph().parse(BASE)
    base_subjects = set(base.subjects())
    owners: dict[rdflib.term.Node, str] = {}
    problems = []
    for fixture in _fixtures():
        graph = rdflib.Graph().parse(data=fixture.fixed_text(), format="turtle")
        broken = rdflib.Graph().parse(fixture.file)
        subjects = set(graph.subjects()) | set(broken.subjects())
        for subject in subjects:
            if subject in base_subjects:
                problems.append(f"{fixture.file.name}: redescribes {subject} of _base.ttl")
            elif owners.setdefault(subject, fixture.file.name) != fixture.file.name:
                problems.append(f"{fixture.file.name}: {subject} is also in {owners[subject]}")
        dangling_allowed = fixture.shape == "NoDanglingReferenceShape"
        for obj in set(graph.objects()) | set(broken.objects()):
            if (isinstance(obj, rdflib.URIRef) and str(obj).startswith(TEST_NS)
                    and obj not in subjects and obj not in base_subjects
                    and not dangling_allowed):
                problems.append(f"{fixture.file.name}: refers to {obj}, described elsewhere")
    assert not problems, "\n".join(problems)


def test_period_constraint_names_both_years():
    """The SPARQL constraint of dsh:PolicyDocumentShape fills its message template."""
    file = FIXTURES / "PolicyDocumentShape--period-ends-before-start.ttl"
    _conforms, results = validate_files([BASE, file])
    messages = [r.message for r in results
                if r.component == SH + "SPARQLConstraintComponent"
                and r.focus == TEST_NS + "concept-backwards"]
    assert len(messages) == 1
    assert "2017" in messages[0] and "2021" in messages[0]
    assert messages[0].index("2017") < messages[0].index("2021")  # "ends (2017) ... starts (2021)"



def test_practice_without_sector_is_told_what_is_missing():
    file = FIXTURES / "PracticeSectorShape--no-sector-and-no-gap.ttl"
    _conforms, results = validate_files([BASE, file])
    messages = {r.message for r in results if r.focus == TEST_NS + "practice-no-sector"}
    assert messages == {
        "A practice has a sector tag (dem:sector) or is marked dem:gap gap:sector-tag-lost."}
