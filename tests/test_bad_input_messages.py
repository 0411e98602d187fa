"""Small things a user meets: readable SPARQL syntax errors, file modes, a KZGRAPH_HOME that is
not a folder, factsheet --timeout, and the same decimal from both engines."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY", "a letter"),
    ("SELECT * { ?s ?p ?o . BIND(?o AS ?) }", "a digit, a letter"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "a digit"),
])
def test_sparql_syntax_errors_are_short_and_readable(run_cli: RunCli, tmp_path: Path,
                                                     query: str, expected: str) -> None:
    path = tmp_path / "bad.rq"
    path.write_text(query, encoding="utf-8")
    code, out, err = run_cli("sparql", path)
    assert code == 2 and out == ""
    assert "SPARQL syntax error" in err and expected in err
    assert "\\u{" not in err and "..=" not in err
    assert len(err) - len(str(path)) < 160


def test_factsheet_out_has_the_mode_of_any_new_file(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "kazakhstan.md"
    mask = os.umask(0o022)
    try:
        assert run_cli("factsheet", "--out", target)[0] == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_factsheet_timeout(run_cli: RunCli) -> None:
    code, out, err = run_cli("factsheet", "--timeout", "0.000001")
    assert code == 2 and out == ""
    assert "did not finish within" in err
    assert run_cli("factsheet", "--timeout", "60")[0] == 0


@pytest.mark.parametrize("command", [["query", "countries"], ["validate"], ["queries"]])
def test_kzgraph_home_that_is_not_a_folder(run_cli: RunCli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           command: list[str]) -> None:
    monkeypatch.setenv("KZGRAPH_HOME", str(tmp_path / "missing"))
    code, out, err = run_cli(*command)
    assert code == 2 and out == ""
    assert f"KZGRAPH_HOME is {tmp_path / 'missing'}, which is not a folder" in err
    assert "Traceback" not in err


def test_help_works_with_a_bad_kzgraph_home(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kzgraph", "--help"], capture_output=True,
                          text=True, env={**os.environ, "KZGRAPH_HOME": str(tmp_path / "x")})
    assert done.returncode == 0 and "validate" in done.stdout


def test_both_engines_print_a_decimal_alike(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "d.rq"
    path.write_text("SELECT ?a ?b ?c ?d { BIND(481.0 AS ?a) BIND(2.50 AS ?b) BIND(-0.0 AS ?c) "
                    "BIND(0.125 AS ?d) }", encoding="utf-8")
    outputs = {run_cli("sparql", path, "--format", "csv", "--engine", engine)[1]
               for engine in ("oxigraph", "rdflib")}
    assert outputs == {"a,b,c,d\r\n481,2.5,0,0.125\r\n"}
