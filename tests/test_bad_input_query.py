"""Bad input to `kzgraph query` / `kzgraph sparql`: SERVICE, queries that run too long, and
endpoints that are down, silent, slow or failing (throwaway servers on 127.0.0.1). Every
outcome is a documented exit code with one message; Ctrl-C cuts every wait short."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kzgraph.errors import EndpointError, InputError

RunCli = Callable[..., tuple[int, str, str]]

#: A cross product of the bundled graph three times: billions of rows, never finishes in a test.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
ENGINES = ("oxigraph", "rdflib")


def _one_message(err: str) -> None:
    assert "Traceback" not in err
    assert err.startswith("kzgraph ")
    assert sum(line.startswith("kzgraph ") for line in err.splitlines()) == 1


# ------------------------------------------------------------------------------------------
# Local queries: offline, with a timeout
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_service_is_refused_on_the_local_graph(run_cli: RunCli, tmp_path: Path,
                                               engine: str) -> None:
    query = tmp_path / "q.rq"
    query.write_text("SELECT * WHERE {\n  SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }\n}\n",
                     encoding="utf-8")
    code, out, err = run_cli("sparql", query, "--engine", engine)
    assert code == 2 and out == ""
    assert "q.rq:2: SERVICE is not run on the local graph" in err
    assert "--endpoint" in err
    _one_message(err)


def test_service_in_a_string_is_not_a_service(run_cli: RunCli) -> None:
    from kzgraph import sparql

    result = sparql('SELECT ?x WHERE { BIND("SERVICE <http://x/>" AS ?x) }')
    assert result.rows[0]["x"].value == "SERVICE <http://x/>"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_local_query_stops_at_its_timeout(engine: str) -> None:
    from kzgraph import sparql

    with pytest.raises(InputError, match=r"did not finish within 0\.5 s"):
        sparql(ENDLESS, timeout=0.5, engine=engine)


def test_timeout_on_the_command_line(run_cli: RunCli, tmp_path: Path) -> None:
    query = tmp_path / "endless.rq"
    query.write_text(ENDLESS, encoding="utf-8")
    code, out, err = run_cli("sparql", query, "--timeout", "0.5")
    assert code == 2 and out == ""
    assert "endless.rq: the query did not finish within 0.5 s" in err
    _one_message(err)


def _interrupt(args: list[str], ready: Callable[[], None], sig: int = signal.SIGINT
               ) -> subprocess.CompletedProcess[str]:
    """Start kzgraph, wait until ``ready()`` returns, send ``sig``, collect the outcome."""
    # Ctrl-C as a terminal delivers it: a suite started in the background (`pytest &`) ignores
    # SIGINT, and a child would inherit that.
    process = subprocess.Popen([sys.executable, "-m", "kzgraph", *args], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=functools.partial(signal.signal, signal.SIGINT,
                                                            signal.SIG_DFL))
    try:
        ready()
        time.sleep(0.5)  # let it get on with the work it was given
        process.send_signal(sig)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return subprocess.CompletedProcess(args, process.returncode, out, err)


@pytest.mark.parametrize("engine", ENGINES)
def test_ctrl_c_stops_a_local_query_without_timeout(tmp_path: Path, engine: str) -> None:
    fifo = tmp_path / "query.fifo"
    os.mkfifo(fifo)

    def ready() -> None:  # opening blocks until kzgraph opens the query to read it
        fifo.write_text(ENDLESS, encoding="utf-8")

    done = _interrupt(["sparql", str(fifo), "--timeout", "0", "--engine", engine], ready)
    assert done.returncode == 130
    assert done.stderr == "kzgraph sparql: interrupted\n"


# ------------------------------------------------------------------------------------------
# Endpoints down, silent, slow, failing
# ------------------------------------------------------------------------------------------


class _Silent:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connected = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.connected.set()

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[_Silent]:
    server = _Silent()
    yield server
    server.close()


def _serve(status: int, body: bytes, content_type: str) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def serve() -> Iterator[Callable[[int, bytes, str], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(status: int, body: bytes, content_type: str = "application/json") -> str:
        server = _serve(status, body, content_type)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/sparql"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_endpoint_that_never_answers_times_out(run_cli: RunCli, silent: _Silent) -> None:
    code, out, err = run_cli("query", "countries", "--endpoint", silent.url, "--timeout", "1")
    assert code == 2 and out == ""
    assert f"endpoint {silent.url}: timed out after 1 s" in err
    _one_message(err)


def test_ctrl_c_stops_a_wait_for_an_endpoint(silent: _Silent) -> None:
    done = _interrupt(["query", "countries", "--endpoint", silent.url, "--timeout", "600"],
                      lambda: silent.connected.wait(60))
    assert done.returncode == 130
    assert done.stderr == "kzgraph query: interrupted\n"


def test_an_endpoint_that_is_down(run_cli: RunCli) -> None:
    with socket.socket() as sock:  # a port nobody listens on (bound, then closed)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err = run_cli("query", "countries", "--endpoint", f"http://127.0.0.1:{port}/sparql")
    assert code == 2 and out == ""
    assert f"endpoint http://127.0.0.1:{port}/sparql" in err
    _one_message(err)


@pytest.mark.parametrize(("status", "body", "kind", "expected"), [
    (500, b"Virtuoso 37000 Error SP030: syntax error", "text/plain", "500"),
    (503, b"", "text/plain", "503"),
    (200, b"{not json", "application/sparql-results+json", "endpoint"),
    (200, b"<html>a login page</html>", "text/html", "endpoint"),
], ids=["500", "503 empty", "broken JSON", "HTML"])
def test_an_endpoint_that_fails(run_cli: RunCli, serve: Callable[..., str], status: int,
                                body: bytes, kind: str, expected: str) -> None:
    url = serve(status, body, kind)
    code, out, err = run_cli("query", "countries", "--endpoint", url, "--timeout", "5")
    assert code == 2 and out == ""
    assert f"endpoint {url}" in err and expected in err
    _one_message(err)


def test_the_api_raises_endpoint_errors(silent: _Silent) -> None:
    from kzgraph import query

    with pytest.raises(EndpointError, match="timed out"):
        query("countries", silent.url, timeout=0.5)


@pytest.mark.parametrize("update", [
    "DROP ALL", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }", "LOAD <http://127.0.0.1:9/x.ttl>", "CLEAR DEFAULT",
])
def test_updates_are_refused_locally_and_remotely(run_cli: RunCli, tmp_path: Path,
                                                  serve: Callable[..., str], update: str) -> None:
    query = tmp_path / "update.ru"
    query.write_text(update, encoding="utf-8")
    url = serve(200, b'{"head":{"vars":[]},"results":{"bindings":[]}}')
    for extra in ([], ["--endpoint", url]):
        code, out, err = run_cli("sparql", query, *extra)
        assert code == 2 and out == "", (extra, err)
        _one_message(err)
