"""Remote endpoints: every stored query gives the same answer locally and on a real Virtuoso,
parameters stay literals there too, and an unreachable / failing / slow endpoint is one
EndpointError (exit 2, one line)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kzgraph import __version__, catalogue, store
from kzgraph.errors import EndpointError
from kzgraph.querying import query, sparql
from kzgraph.results import Term

pytest.register_assert_rewrite("virtuoso")  # before the import: helpful assert messages
pytest_plugins = ["virtuoso"]

from query_cases import FIXTURE_HOME, FIXTURE_QUERIES, fixture_runs  # noqa: E402
from virtuoso import (  # noqa: E402
    BUNDLED_GRAPH,
    FIXTURE_GRAPH,
    Server,
    assert_same_answers,
    free_port,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
RunCli = Callable[..., tuple[int, str, str]]

BUNDLED = catalogue.queries()
FIXTURE_RUNS = fixture_runs()


@pytest.fixture(scope="module")
def fixture_store() -> Any:
    return store.load_store(sorted((FIXTURE_HOME / "data").glob("*.ttl")))


# --------------------------------------------------------------------------------------------
# A real Virtuoso
# --------------------------------------------------------------------------------------------


@pytest.mark.virtuoso
def test_virtuoso_holds_the_whole_graphs(virtuoso: Server) -> None:
    for graph, count in virtuoso.counts.items():
        n = sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", virtuoso.endpoint,
                   default_graph=graph)
        assert int(n[0]["n"].value) == count > 0


@pytest.mark.virtuoso
def test_virtuoso_does_not_truncate_large_answers(virtuoso: Server) -> None:
    """Debian's stock ResultSetMaxRows (10000) would cut this silently."""
    rows = sparql("SELECT ?a ?b WHERE { ?a a ?x . ?b a ?y } LIMIT 25000", virtuoso.endpoint,
                  default_graph=BUNDLED_GRAPH)
    local = sparql("SELECT (COUNT(*) AS ?n) WHERE { ?a a ?x . ?b a ?y }")
    assert len(rows) == min(25000, int(local[0]["n"].value))


@pytest.mark.virtuoso
@pytest.mark.parametrize("stored", BUNDLED, ids=[q.name for q in BUNDLED])
def test_bundled_query_same_locally_and_on_virtuoso(stored: catalogue.StoredQuery,
                                                    virtuoso: Server) -> None:
    local = query(stored.name)
    remote = query(stored.name, virtuoso.endpoint, default_graph=BUNDLED_GRAPH)
    assert remote.source == virtuoso.endpoint
    assert_same_answers(local, remote, ordered=stored.ordered)


def _other_countries() -> list[Any]:
    """Every recorded answer for a country other than the default (see
    tests/update_expected.py): figures without a reference year, second sources."""
    from update_expected import variants

    return [pytest.param(stored, params, id=stem)
            for stored in BUNDLED
            for stem, params in variants(stored.name) if params]


@pytest.mark.virtuoso
@pytest.mark.parametrize(("stored", "params"), _other_countries())
def test_bundled_query_for_another_country_same_on_virtuoso(stored: catalogue.StoredQuery,
                                                            params: dict[str, str],
                                                            virtuoso: Server) -> None:
    local = query(stored.name, params=params)
    remote = query(stored.name, virtuoso.endpoint, default_graph=BUNDLED_GRAPH, params=params)
    assert_same_answers(local, remote, ordered=stored.ordered)


@pytest.mark.virtuoso
@pytest.mark.parametrize(("stored", "params"), FIXTURE_RUNS,
                         ids=[f"{q.name}-{i}" for i, (q, _) in enumerate(FIXTURE_RUNS)])
def test_fixture_query_same_locally_and_on_virtuoso(stored: catalogue.StoredQuery, params: dict,
                                                    virtuoso: Server, fixture_store: Any) -> None:
    local = query(stored.name, folder=FIXTURE_QUERIES, store=fixture_store, params=params)
    remote = query(stored.name, virtuoso.endpoint, folder=FIXTURE_QUERIES,
                   default_graph=FIXTURE_GRAPH, params=params)
    assert_same_answers(local, remote, ordered=stored.ordered)


HOSTILE = [
    '"} ; DROP ALL #',
    "<http://x> } INSERT DATA { <http://x> <http://y> <http://z> }",
    "1; DELETE",
    "quote \" apostrophe ' backslash \\ newline \n carriage \r tab \t end",
    '""" ; CLEAR DEFAULT ; """',
    "') } ; DROP SILENT GRAPH <https://w3id.org/kzgraph/test/fixture> ; #",
]
ECHO = catalogue.get("echo", FIXTURE_QUERIES)
TEXT_PARAMS = [p for p in ECHO.parameters if p.type in ("string", "langString", "literal")]


@pytest.mark.virtuoso
@pytest.mark.parametrize("value", HOSTILE, ids=[f"v{i}" for i in range(len(HOSTILE))])
@pytest.mark.parametrize("name", [p.name for p in TEXT_PARAMS])
def test_hostile_text_is_one_literal_on_virtuoso(virtuoso: Server, name: str,
                                                 value: str) -> None:
    result = query("echo", virtuoso.endpoint, folder=FIXTURE_QUERIES, default_graph=FIXTURE_GRAPH,
                   params={name: value})
    (row,) = result.rows
    assert set(row) == {name} and row[name].kind == "literal" and row[name].value == value
    n = sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", virtuoso.endpoint,
               default_graph=FIXTURE_GRAPH)
    assert int(n[0]["n"].value) == virtuoso.counts[FIXTURE_GRAPH]


@pytest.mark.virtuoso
def test_hostile_text_matches_only_as_data_on_virtuoso(virtuoso: Server) -> None:
    hit = query("records", virtuoso.endpoint, folder=FIXTURE_QUERIES, default_graph=FIXTURE_GRAPH,
                country="https://w3id.org/kzgraph/id/country/utopia", note='"} ; DROP ALL #')
    assert [r["record"].value for r in hit] == ["https://example.org/kzgraph-test/r3"]


@pytest.mark.virtuoso
def test_virtuoso_http_errors(virtuoso: Server) -> None:
    with pytest.raises(EndpointError) as info:
        sparql("SELECT ?x WHERE { ?x ?p }", virtuoso.endpoint, validate=False)
    err = info.value
    assert err.status == 400 and "syntax" in (err.body or "").lower()
    assert err.message.startswith(f"endpoint {virtuoso.endpoint}: HTTP 400 Bad Request: ")
    assert "\n" not in err.message
    missing = virtuoso.endpoint.replace("/sparql", "/no-such-service")
    with pytest.raises(EndpointError) as info:
        sparql("ASK {}", missing)
    assert info.value.status == 404 and info.value.endpoint == missing


@pytest.mark.virtuoso
def test_cli_against_virtuoso(virtuoso: Server, run_cli: RunCli) -> None:
    code, out, err = run_cli("query", "countries", "--endpoint", virtuoso.endpoint,
                             "--default-graph", BUNDLED_GRAPH, "--format", "json")
    assert (code, err) == (0, "")
    remote = json.loads(out)
    local = json.loads(query("countries").to_json())
    assert remote["head"] == local["head"]
    assert len(remote["results"]["bindings"]) == len(local["results"]["bindings"])


# --------------------------------------------------------------------------------------------
# Failures, without a server (these always run)
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Answers with the test's (status, content type, body); records each request."""

    answer: tuple[int, str, bytes] = (200, "application/sparql-results+json", b"{}")
    seen: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        self.seen.append({"method": "POST", "path": self.path, "headers": dict(self.headers),
                          "form": urllib.parse.parse_qs(body)})
        status, ctype, payload = self.answer
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_endpoint() -> Iterator[Callable[[int, str, bytes], tuple[str, list[dict]]]]:
    servers: list[ThreadingHTTPServer] = []

    def make(status: int, ctype: str, body: bytes) -> tuple[str, list[dict]]:
        seen: list[dict] = []
        handler = type("H", (_Handler,), {"answer": (status, ctype, body), "seen": seen})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/sparql", seen

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def test_request_is_a_post_with_json_results_and_a_user_agent(fake_endpoint: Any) -> None:
    answer = {"head": {"vars": ["s", "n", "l", "b"]}, "results": {"bindings": [
        {"s": {"type": "uri", "value": "https://x.org/a"},
         "n": {"type": "typed-literal", "datatype": XSD + "integer", "value": "3"},
         "l": {"type": "literal", "xml:lang": "EN", "value": "Astana"},
         "b": {"type": "bnode", "value": "nodeID://b1"}}]}}
    url, seen = fake_endpoint(200, "application/sparql-results+json",
                              json.dumps(answer).encode())
    result = query("emigrant-stock", url, default_graph="https://x.org/g", year=2019)
    (request,) = seen
    assert request["method"] == "POST"
    assert request["headers"]["User-Agent"] == f"kzgraph/{__version__}"
    assert "application/sparql-results+json" in request["headers"]["Accept"]
    assert request["form"]["default-graph-uri"] == ["https://x.org/g"]
    sent = request["form"]["query"][0]
    assert 'VALUES ?__year_xsd_gYear { "2019"^^<http://www.w3.org/2001/XMLSchema#gYear> }' in sent
    assert result.variables == ["s", "n", "l", "b"]
    assert result.rows == [{"s": Term.iri("https://x.org/a"),
                            "n": Term.literal("3", XSD + "integer"),
                            "l": Term.literal("Astana", lang="en"),
                            "b": Term("bnode", "nodeID://b1")}]
    assert result.source == url


def test_remote_ask_and_construct(fake_endpoint: Any) -> None:
    url, _ = fake_endpoint(200, "application/sparql-results+json", b'{"head":{},"boolean":true}')
    assert sparql("ASK { ?s ?p ?o }", url).boolean is True
    url, seen = fake_endpoint(200, "text/turtle; charset=UTF-8",
                              b"<https://x.org/a> <https://x.org/p> \"v\"@en .\n")
    graph = sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", url)
    assert graph.triples == [(Term.iri("https://x.org/a"), Term.iri("https://x.org/p"),
                              Term.literal("v", lang="en"))]
    assert "text/turtle" in seen[0]["headers"]["Accept"]


@pytest.mark.parametrize(("status", "body", "cause"), [
    (503, b"Server overloaded\nretry later", "HTTP 503 Service Unavailable: Server overloaded "
                                             "retry later"),
    (500, b"Virtuoso 42000 Error: boom", "HTTP 500 Internal Server Error: Virtuoso 42000 "
                                         "Error: boom"),
    (400, b"syntax error at line 1", "HTTP 400 Bad Request: syntax error at line 1"),
    (404, b"", "HTTP 404 Not Found"),
    (418, b"teapot", "HTTP 418: teapot"),
])
def test_http_errors_carry_status_and_answer(fake_endpoint: Any, status: int, body: bytes,
                                             cause: str) -> None:
    url, _ = fake_endpoint(status, "text/plain", body)
    with pytest.raises(EndpointError) as info:
        sparql("ASK {}", url)
    err = info.value
    assert (err.status, err.body, err.cause) == (status, body.decode(), cause)
    assert err.message == f"endpoint {url}: {cause}"


def test_an_answer_that_is_not_json_results(fake_endpoint: Any) -> None:
    url, _ = fake_endpoint(200, "text/html", b"<html>login</html>")
    with pytest.raises(EndpointError, match=r"not SPARQL JSON results \(text/html\)"):
        sparql("SELECT * WHERE { ?s ?p ?o }", url)


def test_unreachable_endpoint() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    with pytest.raises(EndpointError) as info:
        sparql("ASK {}", url)
    assert info.value.message.startswith(f"endpoint {url}: unreachable (")
    assert info.value.status is None and "\n" not in info.value.message


def test_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
    try:
        with pytest.raises(EndpointError) as info:
            sparql("ASK {}", url, timeout=0.5)
    finally:
        silent.close()
    assert info.value.message == f"endpoint {url}: timed out after 0.5 s"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/sparql", "localhost:8890/sparql",
                                 "http:///sparql"])
def test_not_an_http_url(url: str) -> None:
    with pytest.raises(EndpointError, match="not an http"):
        sparql("ASK {}", url)


def test_cli_unreachable_endpoint_exits_2_with_one_line(run_cli: RunCli) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    code, out, err = run_cli("query", "countries", "--endpoint", url)
    assert code == 2 and out == ""
    assert err.startswith(f"kzgraph query: error: endpoint {url}: unreachable (")
    assert err.count("\n") == 1 and "Traceback" not in err
    code, _, err = run_cli("query", "countries", "--endpoint", url, "--timeout", "0")
    assert code == 2 and "timeout must be a positive number" in err


def test_the_query_form_is_ours_not_a_guess(fake_endpoint: Any) -> None:
    """Words in comments and strings do not change how the query is sent."""
    url, seen = fake_endpoint(200, "application/sparql-results+json",
                              b'{"head":{"vars":["s"]},"results":{"bindings":[]}}')
    text = ('#+ description: describe, then INSERT nothing\n# DESCRIBE <x>\n'
            'SELECT ?s WHERE { ?s ?p "DELETE DATA" }')
    assert len(sparql(text, url)) == 0
    (request,) = seen
    assert "query" in request["form"] and "update" not in request["form"]
    assert "application/sparql-results+json" in request["headers"]["Accept"]
