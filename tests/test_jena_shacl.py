"""An independent SHACL engine agrees with ``kzgraph validate``: Apache Jena's SHACL (which runs
SHACL-SPARQL constraints and SHACL-AF ``sh:SPARQLTarget`` targets, without inference, as the
shapes graph's header asks) on the bundled graph and on every broken fixture of
tests/fixtures/shapes/ (each with ontology/ and _base.ttl, as tests/test_shapes.py validates
them).

Agreement means: the same conformance, and the same set of results, each normalised to
(focus node, path, named source shape, constraint component, severity). Messages are the
engines' own and are not compared; a blank focus node or source shape is compared as "a blank
node" / the named shape that holds it; a path other than a single predicate as "(path)".
All graphs are validated in one JVM (see tests/jena.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import jena

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
BASE = FIXTURES / "_base.ttl"
SH = "http://www.w3.org/ns/shacl#"
BUNDLED = "bundled"

Row = tuple[str, str | None, str | None, str | None, str]


def _fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*--*.ttl"))


def _ontology() -> list[Path]:
    return sorted((ROOT / "ontology").glob("*.ttl"))


def _path_key(path: str | None) -> str | None:
    if path is None:
        return None
    # a single predicate is an IRI; kzgraph writes other paths in SPARQL syntax (<a>|<b> ...)
    return "(path)" if re.search(r"[<>\s|^*+?()!]", path) else path


@pytest.fixture(scope="module")
def jena_reports(tmp_path_factory: pytest.TempPathFactory):
    """{job: (conforms, results)} from one Jena run over the bundled graph and the fixtures."""
    jena.require()
    import rdflib

    jobs = {BUNDLED: [*_ontology(), *sorted((ROOT / "data").rglob("*.ttl"))]}
    for file in _fixtures():
        jobs[file.stem] = [*_ontology(), BASE, file]
    shapes = sorted((ROOT / "shapes").glob("*.ttl"))
    shapes_graph, reports = jena.shacl_batch(shapes, jobs, tmp_path_factory.mktemp("jena"))
    sh = rdflib.Namespace(SH)

    def named(node):
        seen = set()
        while isinstance(node, rdflib.BNode) and node not in seen:
            seen.add(node)
            parents = sorted(shapes_graph.subjects(None, node))
            if not parents:
                return None
            node = parents[0]
        return str(node)

    out = {}
    for name, report in reports.items():
        verdicts = set(report.objects(None, sh.conforms))
        assert len(verdicts) == 1, f"{name}: Jena wrote no single sh:conforms"
        rows: set[Row] = set()
        for result in report.objects(None, sh.result):
            focus = report.value(result, sh.focusNode)
            path = report.value(result, sh.resultPath)
            rows.add((
                "_:blank" if isinstance(focus, rdflib.BNode) else str(focus),
                None if path is None else str(path) if isinstance(path, rdflib.URIRef)
                else "(path)",
                named(report.value(result, sh.sourceShape)),
                str(report.value(result, sh.sourceConstraintComponent)),
                str(report.value(result, sh.resultSeverity)).removeprefix(SH),
            ))
        out[name] = (verdicts.pop().toPython() is True, rows)
    return out


def _kzgraph(files: list[Path] | None) -> tuple[bool, set[Row]]:
    from kzgraph.validation import validate

    report = validate(files) if files is not None else validate()
    rows = {("_:blank" if r.focus_node.startswith("_:") else r.focus_node,
             _path_key(r.path), r.source_shape, r.constraint, r.severity)
            for r in report.results}
    return report.conforms, rows


def _differences(ours: tuple[bool, set[Row]], theirs: tuple[bool, set[Row]]) -> str:
    lines = []
    if ours[0] != theirs[0]:
        lines.append(f"conforms: kzgraph {ours[0]}, Jena {theirs[0]}")
    lines += [f"only kzgraph: {row}" for row in sorted(ours[1] - theirs[1], key=str)]
    lines += [f"only Jena:    {row}" for row in sorted(theirs[1] - ours[1], key=str)]
    return "\n".join(lines)


def test_jena_agrees_on_the_bundled_graph(jena_reports):
    ours, theirs = _kzgraph(None), jena_reports[BUNDLED]
    assert theirs[0], "Jena finds violations in the bundled graph"
    assert ours == theirs, _differences(ours, theirs)


@pytest.mark.parametrize("file", [pytest.param(f, id=f.stem) for f in _fixtures()])
def test_jena_agrees_on_a_broken_fixture(jena_reports, file: Path):
    ours, theirs = _kzgraph([BASE, file]), jena_reports[file.stem]
    assert not theirs[0], f"Jena finds {file.name} conforming"
    assert ours == theirs, _differences(ours, theirs)


def test_shapes_graph_says_what_an_engine_needs():
    import rdflib

    graph = rdflib.Graph()
    for file in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(file)
    header = rdflib.URIRef("https://w3id.org/kzgraph/shapes#shapes")
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    assert {str(o) for o in graph.objects(header, dct.conformsTo)} == {
        "https://www.w3.org/TR/shacl/", "https://www.w3.org/TR/shacl-af/"}
    assert set(graph.objects(header, rdflib.URIRef(SH + "entailment"))) == {
        rdflib.URIRef("http://www.w3.org/ns/entailment/Simple")}
    comment = str(graph.value(header, rdflib.RDFS.comment))
    assert "pyshacl -a -i none" in comment and "shacl validate" in comment
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pyshacl -a -i none -s shapes.ttl kzgraph.ttl" in readme
