"""`kzgraph validate` and kzgraph.validate(): exit codes, the text and JSON reports, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import kzgraph
from kzgraph.errors import InputError, RDFSyntaxError
from kzgraph.validation import ValidationReport, validate

EX = "https://example.org/kzgraph-test#"
SHAPES_NS = "https://example.org/kzgraph-test/shapes#"
SH = "http://www.w3.org/ns/shacl#"

RunCli = Callable[..., tuple[int, str, str]]

RESULT_KEYS = {"resource", "focus_node", "via", "path", "value", "message", "severity",
               "source_shape", "constraint", "files", "details"}
REPORT_KEYS = {"conforms", "triples", "resources", "data_files", "shapes_files", "counts",
               "results"}


@pytest.fixture
def fx(fixtures_dir: Path) -> Path:
    return fixtures_dir / "validate"


def shapes_args(fx: Path) -> list[str]:
    return ["--shapes", str(fx / "shapes.ttl")]


# ------------------------------------------------------------------------------------------
# Exit 0: conforms
# ------------------------------------------------------------------------------------------


def test_conforming_data_exits_0_with_a_summary(run_cli: RunCli, fx: Path) -> None:
    code, out, err = run_cli("validate", fx / "good.ttl", *shapes_args(fx))
    assert code == 0, out + err
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("conforms (")
    assert " triples, " in summary and " resources, " in summary
    # The sh:Warning result is shown but does not break conformance.
    assert "1 warning" in summary
    assert "ex:committee" in out and "an organisation should have a homepage" in out
    assert err == ""


def test_conforming_json(run_cli: RunCli, fx: Path) -> None:
    code, out, _ = run_cli("validate", fx / "good.ttl", *shapes_args(fx), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == REPORT_KEYS
    assert report["conforms"] is True
    assert report["counts"] == {"violation": 0, "warning": 1, "info": 0}
    [warning] = report["results"]
    assert warning["severity"] == "Warning"
    assert warning["focus_node"] == EX + "committee"
    assert warning["path"] == EX + "homepage"
    assert report["triples"] > 0 and report["resources"] >= 2
    assert any(f.endswith("good.ttl") for f in report["data_files"])
    assert any(f.endswith("kzgraph.ttl") for f in report["data_files"])  # bundled ontology


# ------------------------------------------------------------------------------------------
# Exit 1: violations
# ------------------------------------------------------------------------------------------


def test_violations_exit_1_with_a_report_grouped_by_resource(run_cli: RunCli, fx: Path) -> None:
    code, out, err = run_cli("validate", fx / "broken.ttl", *shapes_args(fx))
    assert code == 1, out + err
    assert err == ""
    lines = out.splitlines()
    # resource heading, the file that describes it, then property: message lines
    agency = lines.index("ex:agency")
    assert lines[agency + 1].strip() == "described in " + _display(fx / "broken.ttl")
    block = "\n".join(lines[agency:lines.index('ex:council  "Council"')])
    assert "rdfs:label: every organisation needs an rdfs:label with a language tag" in block
    assert "ex:foundingYear: More than 1 values" in block
    assert "ex:period = _:b1: Value does not conform to Shape exs:PeriodShape" in block
    assert "- ex:start: Less than 1 values" in block  # the nested (sh:detail) result
    council = out[out.index('ex:council  "Council"'):]
    assert "parent organisation https://example.org/kzgraph-test#nowhere is not" in council
    assert 'ex:source = "the factsheet": Value is not of Node Kind sh:IRI' in council
    assert "ex:period [_:b1] ex:start: Less than 1 values" in block  # a blank focus node
    assert "ex:period [_:b2] (node) = \"2005\"^^xsd:gYear: the period ends (2000) before it " \
           "starts (2005)" in council
    assert lines[-1].startswith("does not conform: 8 violations on 2 resources (")


def test_violations_json(run_cli: RunCli, fx: Path) -> None:
    code, out, _ = run_cli("validate", fx / "broken.ttl", *shapes_args(fx), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert set(report) == REPORT_KEYS
    assert report["conforms"] is False
    assert report["counts"] == {"violation": 8, "warning": 0, "info": 0}
    for result in report["results"]:
        assert set(result) == RESULT_KEYS
        assert result["files"] == [_display(fx / "broken.ttl")]
    by_focus = {(r["focus_node"], r["constraint"].removeprefix(SH)): r for r in report["results"]}
    label = by_focus[(EX + "agency", "MinCountConstraintComponent")]
    assert label["path"] == "http://www.w3.org/2000/01/rdf-schema#label"
    assert label["message"] == "every organisation needs an rdfs:label with a language tag"
    assert label["source_shape"] == SHAPES_NS + "OrganisationShape"  # the named shape
    sparql = by_focus[(EX + "council", "SPARQLConstraintComponent")]
    assert sparql["value"] == f"<{EX}nowhere>"
    assert sparql["path"] is None
    kind = by_focus[(EX + "council", "NodeKindConstraintComponent")]
    assert kind["value"] == '"the factsheet"'
    assert kind["source_shape"] == SHAPES_NS + "SourcedShape"  # found by a sh:SPARQLTarget
    node = by_focus[(EX + "agency", "NodeConstraintComponent")]
    assert node["value"] == "_:b1"
    assert [d["path"] for d in node["details"]] == [EX + "start"]
    period = by_focus[("_:b2", "SPARQLConstraintComponent")]
    assert (period["resource"], period["via"]) == (EX + "council", [EX + "period"])
    assert period["message"] == "the period ends (2000) before it starts (2005)"
    assert period["value"] == '"2005"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    # sorted: by resource, then the way to a blank focus node, then path
    keys = [(r["resource"], r["via"], r["path"] or "") for r in report["results"]]
    assert keys == sorted(keys)


def test_json_is_stable_between_runs(fx: Path) -> None:
    first = validate([fx / "broken.ttl"], [fx / "shapes.ttl"]).to_json()
    second = validate([fx / "broken.ttl"], [fx / "shapes.ttl"]).to_json()
    assert first == second


def test_blank_node_focus_is_reported_under_its_resource(tmp_path: Path, fx: Path) -> None:
    shapes = tmp_path / "period-shapes.ttl"
    shapes.write_text(f"""@prefix sh: <{SH}> .
@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:PeriodShape a sh:NodeShape ;
    sh:targetObjectsOf ex:period ;
    sh:property [ sh:path ex:start ; sh:minCount 1 ] .
""")
    report = validate([fx / "broken.ttl"], [shapes])
    [result] = report.results
    assert result.resource == EX + "agency"
    assert result.via == (EX + "period",)
    assert result.focus_node == "_:b1"
    assert result.files == (_display(fx / "broken.ttl"),)
    assert "ex:period [_:b1] ex:start: Less than 1 values" in report.to_text()


def test_folder_of_data_and_files_describing_a_resource(run_cli: RunCli, fx: Path) -> None:
    code, out, _ = run_cli("validate", fx / "split", *shapes_args(fx), "--format", "json")
    assert code == 1
    report = json.loads(out)
    embassy = [r for r in report["results"] if r["focus_node"] == EX + "embassy"]
    assert embassy and embassy[0]["files"] == [_display(fx / "split" / "a-organisation.ttl"),
                                               _display(fx / "split" / "b-more.ttl")]
    consulate = [r for r in report["results"] if r["focus_node"] == EX + "consulate"]
    assert consulate[0]["files"] == [_display(fx / "split" / "b-more.ttl")]


def test_python_api(fx: Path) -> None:
    report = kzgraph.validate([fx / "broken.ttl"], [fx / "shapes.ttl"])
    assert isinstance(report, ValidationReport)
    assert not report.conforms and not report
    assert list(report.by_resource()) == [EX + "agency", EX + "council"]
    assert [len(v) for v in report.by_resource().values()] == [4, 4]
    assert report.triples > 0
    assert report.results == sorted(report.results, key=lambda r: r.sort_key())
    # without the bundled ontology there are fewer triples, same results
    alone = validate([fx / "broken.ttl"], [fx / "shapes.ttl"], ontology=[])
    assert alone.triples < report.triples
    assert alone.results == report.results
    assert json.loads(alone.to_json())["data_files"] == [_display(fx / "broken.ttl")]


def test_same_results_as_plain_pyshacl(fx: Path) -> None:
    """The prepared-query speed-up must not change what pyshacl finds."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(fx / "broken.ttl")
    shapes = rdflib.Graph().parse(fx / "shapes.ttl")
    conforms, graph, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True,
                                          allow_warnings=True)
    sh = rdflib.Namespace(SH)
    def focus(node: object) -> str:
        return str(node) if isinstance(node, rdflib.URIRef) else "_:"

    plain = sorted((focus(graph.value(r, sh.focusNode)), str(graph.value(r, sh.resultPath)),
                    str(graph.value(r, sh.sourceConstraintComponent)),
                    str(graph.value(r, sh.resultMessage)))
                   for r in graph.objects(None, sh.result))
    ours = validate([fx / "broken.ttl"], [fx / "shapes.ttl"], ontology=[])
    mine = sorted(("_:" if r.focus_node.startswith("_:") else r.focus_node, str(r.path),
                   str(r.constraint), r.message) for r in ours.results)
    assert conforms == ours.conforms
    assert mine == plain


def test_oxigraph_and_rdflib_sparql_agree(fx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPARQL targets and constraints run on pyoxigraph; rdflib alone gives the same report."""
    from kzgraph import validation

    fast = validate([fx / "broken.ttl"], [fx / "shapes.ttl"]).to_json()
    monkeypatch.setattr(validation, "FAST_SPARQL", False)
    slow = validate([fx / "broken.ttl"], [fx / "shapes.ttl"]).to_json()
    assert fast == slow


def test_rules_do_not_change_the_shared_graph(tmp_path: Path) -> None:
    shapes = tmp_path / "rule.ttl"
    shapes.write_text(f"""@prefix sh: <{SH}> .
@prefix ex: <{EX}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:R a sh:NodeShape ; sh:targetClass owl:Ontology ;
    sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:checked ; sh:object ex:yes ] ;
    sh:property [ sh:path ex:checked ; sh:minCount 1 ] .
""")
    before = len(kzgraph.graph())
    report = validate(shapes=[shapes])  # the bundled graph
    assert report.conforms, report.to_text()  # the rule's triple was seen
    assert len(kzgraph.graph()) == before


# ------------------------------------------------------------------------------------------
# Exit 2: unusable input
# ------------------------------------------------------------------------------------------


def test_malformed_turtle_exits_2_naming_file_and_line(run_cli: RunCli, fx: Path) -> None:
    code, out, err = run_cli("validate", fx / "malformed.ttl", *shapes_args(fx))
    assert code == 2
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"kzgraph validate: error: {_display(fx / 'malformed.ttl')}:8: "
                            "malformed Turtle: ")
    assert "Traceback" not in err


def test_malformed_shapes_exit_2(run_cli: RunCli, fx: Path, tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\nsh:a sh:b\n")
    code, _, err = run_cli("validate", fx / "good.ttl", "--shapes", shapes)
    assert code == 2
    assert f"{shapes}:3: malformed Turtle" in err


def test_missing_file_exits_2(run_cli: RunCli, fx: Path, tmp_path: Path) -> None:
    missing = tmp_path / "absent.ttl"
    code, out, err = run_cli("validate", missing, *shapes_args(fx))
    assert code == 2
    assert out == ""
    assert f"{missing}: no such file or folder" in err
    assert "hint:" in err
    code, _, err = run_cli("validate", fx / "good.ttl", "--shapes", missing)
    assert code == 2 and str(missing) in err


def test_unusable_sparql_in_shapes_exits_2(run_cli: RunCli, fx: Path, tmp_path: Path) -> None:
    shapes = tmp_path / "bad-sparql.ttl"
    shapes.write_text(f"""@prefix sh: <{SH}> .
@prefix ex: <{EX}> .
ex:S a sh:NodeShape ; sh:targetClass ex:Organisation ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:select "SELECT $this WHERE {{ $this ?p " ] .
""")
    code, _, err = run_cli("validate", fx / "good.ttl", "--shapes", shapes)
    assert code == 2
    assert err.startswith("kzgraph validate: error: ")
    assert "Traceback" not in err


def test_service_is_refused_offline(run_cli: RunCli, fx: Path, tmp_path: Path) -> None:
    shapes = tmp_path / "service.ttl"
    shapes.write_text(f"""@prefix sh: <{SH}> .
@prefix ex: <{EX}> .
ex:S a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ;
        sh:select "SELECT ?this WHERE {{ SERVICE <http://example.org/q> {{ ?this ?p ?o }} }}" ] ;
    sh:property [ sh:path ex:x ; sh:minCount 1 ] .
""")
    code, _, err = run_cli("validate", fx / "good.ttl", "--shapes", shapes)
    assert code == 2
    assert "SERVICE" in err and "offline" in err


def test_api_raises_input_errors(fx: Path, tmp_path: Path) -> None:
    with pytest.raises(RDFSyntaxError) as caught:
        validate([fx / "malformed.ttl"], [fx / "shapes.ttl"])
    assert caught.value.line == 8
    with pytest.raises(InputError):
        validate([tmp_path / "absent.ttl"], [fx / "shapes.ttl"])


# ------------------------------------------------------------------------------------------
# As a real process: no traceback, documented exit codes
# ------------------------------------------------------------------------------------------


def _python_m(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-m", "kzgraph", "validate", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_subprocess_malformed_and_broken(fx: Path) -> None:
    bad = _python_m(fx / "malformed.ttl", "--shapes", fx / "shapes.ttl")
    assert bad.returncode == 2
    assert "malformed.ttl:8: malformed Turtle" in bad.stderr
    assert "Traceback" not in bad.stderr and bad.stdout == ""

    broken = _python_m(fx / "broken.ttl", "--shapes", fx / "shapes.ttl", "--format", "json")
    assert broken.returncode == 1, broken.stderr
    assert json.loads(broken.stdout)["counts"]["violation"] == 8
    assert "Traceback" not in broken.stderr


# ------------------------------------------------------------------------------------------
# The bundled graph
# ------------------------------------------------------------------------------------------


def test_bundled_graph_conforms() -> None:
    """The bundled ontology + data conform to the bundled shapes (kzgraph validate, no PATH)."""
    from kzgraph import paths

    assert paths.shapes_files(), "shapes/ holds no shapes yet"
    report = validate()
    assert report.triples == len(kzgraph.graph())
    assert report.conforms, report.to_text()


def _display(path: Path) -> str:
    from kzgraph.store import display_path

    return display_path(path)
