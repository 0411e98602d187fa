"""Bad input to `kzgraph validate`: arguments in any order, files that are not shapes, long RDF
lists. Each case is a documented exit code with one message, never a false "conforms"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kzgraph.errors import InputError

RunCli = Callable[..., tuple[int, str, str]]

INVALID = """@prefix ex: <http://example.org/> .
ex:thing ex:undeclared "x" .
"""


@pytest.fixture
def mydata(tmp_path: Path) -> Path:
    folder = tmp_path / "mydata"
    folder.mkdir()
    (folder / "bad.ttl").write_text(INVALID, encoding="utf-8")
    return folder


def _bundled_shapes() -> Path:
    from kzgraph.paths import part

    return part("shapes")


def test_options_first_validates_the_data_not_the_bundle(run_cli: RunCli, mydata: Path) -> None:
    code, out, err = run_cli("validate", "--shapes", _bundled_shapes(), mydata)
    assert code == 1, (out, err)
    assert "ex:undeclared" in out or "http://example.org/undeclared" in out
    assert "bad.ttl" in out


def test_options_last_gives_the_same_report(run_cli: RunCli, mydata: Path) -> None:
    first = run_cli("validate", "--shapes", _bundled_shapes(), mydata)
    last = run_cli("validate", mydata, "--shapes", _bundled_shapes())
    assert first == last


@pytest.mark.parametrize("content", ["", "# only a comment\n", INVALID],
                         ids=["empty", "comment", "data file"])
def test_a_file_without_shapes_is_unusable_shapes(run_cli: RunCli, mydata: Path,
                                                  tmp_path: Path, content: str) -> None:
    shapes = tmp_path / "not-shapes.ttl"
    shapes.write_text(content, encoding="utf-8")
    code, out, err = run_cli("validate", mydata, "--shapes", shapes)
    assert code == 2
    assert out == ""
    assert "not-shapes.ttl: holds no SHACL shapes" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2  # message + hint


def test_a_data_file_among_shapes_is_named(run_cli: RunCli, mydata: Path) -> None:
    code, _, err = run_cli("validate", mydata, "--shapes", _bundled_shapes(),
                           "--shapes", mydata / "bad.ttl")
    assert code == 2
    assert "bad.ttl: holds no SHACL shapes" in err


def test_api_refuses_empty_shapes(mydata: Path, tmp_path: Path) -> None:
    from kzgraph import validate

    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="holds no SHACL shapes"):
        validate([mydata], [empty])


# ------------------------------------------------------------------------------------------
# Long RDF lists: pySHACL copies a list that is a result's value into the report
# ------------------------------------------------------------------------------------------


def _list_file(folder: Path, n: int) -> Path:
    items = " ".join(f'"item {i}"' for i in range(n))
    path = folder / f"list-{n}.ttl"
    path.write_text(f"@prefix ex: <http://example.org/> .\nex:thing ex:items ( {items} ) .\n",
                    encoding="utf-8")
    return path


def test_linear_list_copy_gives_the_same_report_graph(tmp_path: Path) -> None:
    """The linear copy of a list writes the very triples pySHACL's own copy writes."""
    import pyshacl
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from kzgraph import shacl_engine

    data = Graph().parse(_list_file(tmp_path, 40))
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetNode ex:thing ;
            sh:property [ sh:path ex:items ; sh:datatype ex:Nothing ] .""", format="turtle")

    def report(linear: bool) -> Graph:
        if linear:
            with shacl_engine._linear_pyshacl():
                return pyshacl.validate(data, shacl_graph=shapes)[1]
        return pyshacl.validate(data, shacl_graph=shapes)[1]

    theirs, ours = report(False), report(True)
    assert len(ours) > 80  # the list is in the report: 40 cells, 2 triples each
    assert isomorphic(theirs, ours)


def test_a_10000_item_list_validates(run_cli: RunCli, tmp_path: Path) -> None:
    """Quadratic before (8,000 items: 6 min; now seconds, 100,000 items under 2 min)."""
    code, out, err = run_cli("validate", _list_file(tmp_path, 10_000))
    assert code == 1, err
    assert "ex:thing" in out
    assert "(node) = _:b1: Uses http://example.org/items" in out


def test_many_results_give_the_same_report_as_pyshacl(tmp_path: Path) -> None:
    """Many SPARQL-constraint results: the set-based duplicate check and the joined report
    text give pySHACL's own report graph and text (they were quadratic in the results)."""
    import pyshacl
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from kzgraph import shacl_engine

    data = Graph().parse(data="@prefix ex: <http://example.org/> .\n" + "".join(
        f"ex:a ex:p{i} {i} .\n" for i in range(60)), format="turtle")
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [
            sh:message "uses {?path}" ;
            sh:select "SELECT $this ?path ?value WHERE { $this ?path ?value }" ] .""",
                           format="turtle")

    def report(linear: bool) -> tuple[Graph, str]:
        if linear:
            with shacl_engine._linear_pyshacl():
                _, graph, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
        else:
            _, graph, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
        return graph, text

    (theirs, their_text), (ours, our_text) = report(False), report(True)
    assert our_text.count("Constraint Violation") == 60
    assert isomorphic(theirs, ours)
    assert sorted(our_text.splitlines()) == sorted(their_text.splitlines())
