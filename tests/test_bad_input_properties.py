"""Property-based: generated Turtle fragments, parameter values and SPARQL texts thrown at the
API and the CLI. Only documented outcomes may happen: a result or a KzgraphError (exit 0, 1 or
2), at most one message and never a traceback, an end within a per-example timeout, and the
user's files unchanged. Example counts are modest so that the suite stays fast."""

from __future__ import annotations

import contextlib
import hashlib
import io
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzgraph.errors import KzgraphError

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
#: The most any single generated example may take in a subprocess before it counts as a hang.
PER_EXAMPLE = 120

# ------------------------------------------------------------------------------------------
# Generators
# ------------------------------------------------------------------------------------------

_TURTLE_TOKENS = st.sampled_from([
    "@prefix ex: <http://example.org/> .\n", "@prefix : <http://example.org/> .\n",
    "@base <http://example.org/> .\n", "PREFIX ex: <http://example.org/>\n",
    "ex:a", "ex:b", ":c", "<http://example.org/d>", "<relative>", "<bad iri>", "_:b1", "[", "]",
    "(", ")", ";", ",", ".", " ", "\n", "a", '"text"', '"x"@en', '"1"^^xsd:integer',
    '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>', "42", "-1.5", "1e3", "true",
    '"""long\nstring"""', "'single'", "# comment\n", "\ufeff", "\\", '"', "<<", ">>", "{", "}",
    "@en", "^^", "undeclared:x", "rdf:type",
])
TURTLE = st.one_of(
    st.lists(_TURTLE_TOKENS, max_size=30).map(lambda toks: " ".join(toks).encode()),
    st.binary(max_size=200),  # anything at all, non-UTF-8 included
    st.text(max_size=200).map(str.encode),
)

PARAMETER = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["country:kazakhstan", "kz:president", "https://w3id.org/kzgraph/id/",
                     '"} ; DROP ALL #', "<http://x>", "urn:x", "2019", "-0", "1e400", "\x00",
                     "\n", "a b", "http://", "http://e/\u00e9", "nosuch:x", ":x", "x:"]),
)

_SPARQL_TOKENS = st.sampled_from([
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "*", "?s", "?p", "?o",
    "?n", ".", ";", ",", "FILTER", "OPTIONAL", "UNION", "MINUS", "BIND", "AS", "VALUES",
    "COUNT(*)", "GROUP BY", "ORDER BY", "LIMIT 5", "OFFSET 2", "DISTINCT", "PREFIX ex: <http://example.org/>",
    "ex:a", "<http://example.org/b>", '"x"', "1", "2.5", "SERVICE <http://127.0.0.1:9/>",
    "INSERT DATA", "DELETE", "DROP ALL", "LOAD <http://127.0.0.1:9/x>", "a", "=", "!=", "&&",
    "REGEX(?o, \"(a+)+b\")", "STR(?s)", "#", "\n", "GRAPH ?g",
])
SPARQL = st.one_of(
    st.lists(_SPARQL_TOKENS, max_size=25).map(" ".join),
    st.text(max_size=120),
)


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    """kzgraph.cli.main in-process, capturing its output."""
    from kzgraph.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _documented(code: int, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err
    assert sum(line.startswith("kzgraph ") for line in err.splitlines()) <= 1, err
    if code == 2:
        assert err.startswith("kzgraph "), err


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", autouse=True)
def _bundle_unchanged() -> object:
    """Whatever was thrown at it, the bundled graph, shapes and queries are as they were."""
    from kzgraph.paths import bundle_root

    root = bundle_root()
    before = {part: _snapshot(root / part) for part in ("ontology", "data", "shapes", "queries")}
    yield
    assert {part: _snapshot(root / part) for part in before} == before


# ------------------------------------------------------------------------------------------
# Turtle
# ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _user_file(content: bytes) -> Iterator[Path]:
    """A folder of the user's holding data.ttl; it must be unchanged afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "data.ttl").write_bytes(content)
        before = _snapshot(root)
        yield root
        assert _snapshot(root) == before


@SETTINGS
@given(TURTLE)
def test_generated_turtle_through_the_api(content: bytes) -> None:
    from kzgraph import validate

    with _user_file(content) as root:
        try:
            report = validate([root / "data.ttl"], [FIXTURES / "shapes.ttl"], ontology=[])
            assert isinstance(report.conforms, bool)
        except KzgraphError as exc:
            assert exc.exit_code == 2 and exc.message and "Traceback" not in exc.message


@settings(SETTINGS, max_examples=6)
@given(TURTLE)
def test_generated_turtle_through_the_command(content: bytes) -> None:
    """A real process, with a timeout: a hang fails the example."""
    with _user_file(content) as root:
        done = subprocess.run([sys.executable, "-m", "kzgraph", "validate", "data.ttl",
                               "--shapes", str(FIXTURES / "shapes.ttl")], cwd=root,
                              capture_output=True, text=True, errors="replace",
                              timeout=PER_EXAMPLE)
        _documented(done.returncode, done.stderr)


# ------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------


@SETTINGS
@given(PARAMETER, PARAMETER)
def test_generated_parameters(country: str, year: str) -> None:
    code, out, err = _cli("query", "documents-in-force", "--param", f"country={country}",
                          "--param", f"year={year}", "--format", "csv", "--timeout", "20")
    _documented(code, err)
    assert code in (0, 2)
    if code == 0:
        assert out.startswith(out.splitlines()[0]) and err == ""


@SETTINGS
@given(PARAMETER)
def test_generated_parameters_through_the_api(value: str) -> None:
    from kzgraph import query

    try:
        result = query("describe-resource", resource=value, timeout=20)
        assert isinstance(result.rows, list)
    except KzgraphError as exc:
        assert exc.exit_code == 2 and exc.message


# ------------------------------------------------------------------------------------------
# SPARQL
# ------------------------------------------------------------------------------------------


@SETTINGS
@given(SPARQL)
def test_generated_sparql_through_the_api(text: str) -> None:
    from kzgraph import sparql

    for engine in ("oxigraph", "rdflib"):
        try:
            sparql(text, engine=engine, timeout=10)
        except KzgraphError as exc:
            assert exc.exit_code == 2 and exc.message


@settings(SETTINGS, max_examples=6)
@given(SPARQL)
def test_generated_sparql_through_the_command(text: str) -> None:
    done = subprocess.run([sys.executable, "-m", "kzgraph", "sparql", "-", "--timeout", "10"],
                          input=text, capture_output=True, text=True, errors="replace",
                          timeout=PER_EXAMPLE)
    _documented(done.returncode, done.stderr)
