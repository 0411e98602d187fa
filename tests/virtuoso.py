"""A private Virtuoso on 127.0.0.1 for the tests: Debian's ``virtuoso-opensource`` (its own
service unused), run by the tests with a configuration whose every path is in a temporary folder.

``Virtuoso(folder).start()`` runs ``virtuoso-t`` in the foreground with a database folder and
two free ports of its own; ``load(graph_iri, files)`` bulk-loads Turtle files (written as
N-Triples by pyoxigraph) into a named graph; ``stop()`` shuts it down (isql ``-K``, wait for the
PID, kill as a last resort). The ``virtuoso`` fixture (session scope) starts one server with
two graphs, the bundled graph (:data:`BUNDLED_GRAPH`) and the fixture graph of
tests/fixtures/query (:data:`FIXTURE_GRAPH`), and skips with a reason where ``virtuoso-t`` is
not installed. Register it in a test module with ``pytest_plugins = ["virtuoso"]``.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from query_cases import FIXTURE_HOME

if TYPE_CHECKING:
    from kzgraph.results import QueryResult

BUNDLED_GRAPH = "https://w3id.org/kzgraph/test/bundled"
FIXTURE_GRAPH = "https://w3id.org/kzgraph/test/fixture"

INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
MaxCheckpointRemap = 2000

[TempDatabase]
DatabaseFile    = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed       = ., {load}
NumberOfBuffers   = 170000
MaxDirtyBuffers   = 130000
ServerThreads     = 10
CheckpointInterval = 0

[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = {vsp}
ServerThreads = 10

[SPARQL]
ResultSetMaxRows        = 1000000
MaxQueryExecutionTime   = 300
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isql_binary() -> str | None:
    return shutil.which("isql-vt") or shutil.which("isql-v")


class VirtuosoError(RuntimeError):
    pass


class Virtuoso:
    """One virtuoso-t process with its own folder and ports."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.db = self.folder / "db"
        self.load_dir = self.folder / "load"
        self.vsp = self.folder / "vsp"
        self.sql_port = 0
        self.http_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.isql = isql_binary() or "isql-vt"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def log_tail(self, n: int = 30) -> str:
        log = self.folder / "stdout.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])

    def start(self, wait: float = 120.0) -> Virtuoso:
        for folder in (self.db, self.load_dir, self.vsp):
            folder.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):  # a port taken between free_port() and bind: try new ones
            self.sql_port, self.http_port = free_port(), free_port()
            ini = self.folder / "virtuoso.ini"
            ini.write_text(INI.format(db=self.db, load=self.load_dir, vsp=self.vsp,
                                      sql_port=self.sql_port, http_port=self.http_port))
            log = (self.folder / "stdout.log").open("wb")
            self.process = subprocess.Popen(
                ["virtuoso-t", "+configfile", str(ini), "+foreground"],
                cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
            log.close()
            if self._wait_ready(wait):
                return self
            self._kill()
        raise VirtuosoError(f"virtuoso-t did not start:\n{self.log_tail()}")

    def _wait_ready(self, wait: float) -> bool:
        deadline = time.monotonic() + wait
        url = self.endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def sql(self, statement: str, timeout: float = 300) -> str:
        """Run SQL through isql; VirtuosoError when isql fails or reports an error."""
        done = subprocess.run(
            [self.isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise VirtuosoError(f"isql failed ({done.returncode}): {statement}\n{out}")
        return out

    def load(self, graph: str, files: Iterable[Path]) -> int:
        """Bulk-load Turtle ``files`` into the named graph ``graph``; the number of triples."""
        import pyoxigraph as ox

        triples = []
        for f in files:
            triples.extend(q.triple for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE))
        name = f"graph-{abs(hash(graph)) % 10**8}.nt"
        target = self.load_dir / name
        target.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        self.sql(f"ld_dir('{self.load_dir}', '{name}', '{graph}'); rdf_loader_run(); "
                 "checkpoint;")
        errors = self.sql("SELECT ll_file, ll_error FROM DB.DBA.load_list "
                          "WHERE ll_error IS NOT NULL;")
        if name in errors:
            raise VirtuosoError(f"bulk load of {graph} failed:\n{errors}")
        return len(triples)

    def stop(self, wait: float = 60.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run([self.isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", "-K"],
                           capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self._kill()

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # our own child, by its PID
            self.process.wait(timeout=30)


class Server:
    """What the fixture gives the tests: the endpoint and the graph IRIs loaded in it."""

    def __init__(self, virtuoso: Virtuoso, counts: dict[str, int]) -> None:
        self.virtuoso = virtuoso
        self.endpoint = virtuoso.endpoint
        self.counts = counts


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if shutil.which("virtuoso-t") is None or isql_binary() is None:
        pytest.skip("virtuoso-t / isql-vt not installed (Debian: apt-get install "
                    "virtuoso-opensource; .ci/run installs it)")
    from kzgraph import paths

    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    try:
        counts = {
            BUNDLED_GRAPH: server.load(BUNDLED_GRAPH, paths.graph_files()),
            FIXTURE_GRAPH: server.load(FIXTURE_GRAPH, fixture_graph_files()),
        }
        yield Server(server, counts)
    finally:
        server.stop()


def fixture_graph_files() -> list[Path]:
    return sorted((FIXTURE_HOME / "data").glob("*.ttl"))


# ------------------------------------------------------------------------------------------
# How the parity tests compare (shared by test_querying and test_remote_virtuoso)
# ------------------------------------------------------------------------------------------


def assert_same_answers(left: QueryResult, right: QueryResult, *, ordered: bool,
                        drop_empty_rows: bool = False) -> None:
    """``left`` and ``right`` (QueryResults) give the same answer: the same variables, and the
    same rows as :func:`kzgraph.results.comparable` values - in order when the query has an
    ORDER BY, as multisets otherwise. ``drop_empty_rows``: ignore rows binding no variable
    (rdflib does not return them)."""
    from collections import Counter

    from kzgraph.results import comparable

    assert left.form == right.form
    if not left.is_graph and left.form != "ASK":
        assert left.variables == right.variables
    a, b = comparable(left), comparable(right)
    if drop_empty_rows and left.form == "SELECT":
        a = [r for r in a if any(t != ("unbound",) for _, t in r)]
        b = [r for r in b if any(t != ("unbound",) for _, t in r)]
    if ordered:
        if a != b and Counter(a) == Counter(b):
            pytest.fail(
                f"same rows, different order ({left.source} vs {right.source}). Virtuoso orders "
                "long literals by a prefix: sort text with ORDER BY STR(?x), and break ties.\n"
                + "\n".join(f"  {x}\n  {y}\n" for x, y in zip(a, b, strict=True) if x != y))
        assert a == b
    else:
        only_a = Counter(a) - Counter(b)
        only_b = Counter(b) - Counter(a)
        assert not only_a and not only_b, (
            f"only from {left.source}: {list(only_a)[:5]}\nonly from {right.source}: "
            f"{list(only_b)[:5]}")
