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
