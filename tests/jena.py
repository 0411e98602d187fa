"""Apache Jena (Debian's ``libapache-jena-java``) for the tests: an independent SHACL engine.

Debian ships Jena's jars without a launcher and with two packaging faults (see the Jena recipe
beside the project): the xerces ``.properties`` files are left under their old package, so
the class path gets a folder with copies of them (made once per test session), and JSON-LD
1.1 reading would need a JSON-P implementation Debian lacks (not used here).

:func:`shacl_batch` validates many data graphs against one shapes graph in ONE JVM (a JVM
start costs about a second and there are a hundred fixtures): ``tests/ShaclBatch.java`` is
run as a single-file source program (``java File.java``, JDK 11+; the compiler module is part
of Debian's headless JRE) and writes every report, plus the shapes graph, into one N-Quads
file so that blank-node labels agree between a report and the shapes it names.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "ShaclBatch.java"
JAVA_DIR = Path("/usr/share/java")
JARS = (
    "jena-base", "jena-core", "jena-arq", "jena-iri", "jena-shacl", "jena-shex", "jena-cmds",
    "jena-rdfconnection", "jena-tdb", "jena-tdb2", "jena-dboe-base", "jena-dboe-index",
    "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction", "commons-cli",
    "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
    "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-core",
    "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf",
    "thrift", "titanium-json-ld", "slf4j-api", "slf4j-simple",
)
INSTALL = ("apt-get install -y --no-install-recommends libapache-jena-java "
           "default-jre-headless")
SHAPES_GRAPH = "urn:x-shacl-batch:shapes"
JOB_GRAPH = "urn:x-shacl-batch:job:"
TIMEOUT = 600  # seconds for a whole batch


def missing() -> str | None:
    """Why Jena cannot run here (None when it can)."""
    if shutil.which("java") is None:
        return f"java is not installed ({INSTALL})"
    absent = [jar for jar in JARS if not (JAVA_DIR / f"{jar}.jar").is_file()]
    if absent:
        return f"Jena's jars are missing from {JAVA_DIR}: {', '.join(absent)} ({INSTALL})"
    return None


def require() -> None:
    """Skip the calling test (or module) with the reason when Jena cannot run."""
    reason = missing()
    if reason:
        pytest.skip(reason)


@functools.cache
def _xerces_fix() -> Path:
    """A class-path folder with the xerces message bundles where the moved classes look."""
    folder = Path(tempfile.mkdtemp(prefix="kzgraph-jena-"))
    atexit.register(shutil.rmtree, folder, True)
    old = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(old) and name.endswith(".properties"):
                target = folder / "xerces" / name[len(old):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return folder


def classpath() -> str:
    return ":".join([*(str(JAVA_DIR / f"{jar}.jar") for jar in JARS), str(_xerces_fix())])


def shacl_batch(shapes: Sequence[Path], jobs: dict[str, Sequence[Path]], work: Path):
    """Validate each job's files (merged into one data graph) against ``shapes`` with Jena's
    SHACL, in one JVM. Returns ``(shapes graph, {job name: report graph})`` as rdflib graphs
    that share blank nodes (one N-Quads file)."""
    import rdflib

    require()
    listing = work / "jobs.tsv"
    lines = ["\t".join(["shapes", *map(str, shapes)])]
    for name, files in jobs.items():
        if "\t" in name or " " in name:
            raise ValueError(f"job name {name!r} must not contain white space")
        lines.append("\t".join([name, *map(str, files)]))
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = work / "reports.nq"
    run = subprocess.run(
        ["java", "-cp", classpath(), str(DRIVER), str(listing), str(out)],
        capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if run.returncode != 0:
        raise AssertionError(f"Jena's SHACL failed (exit {run.returncode}):\n{run.stderr[-4000:]}")
    dataset = rdflib.Dataset()
    dataset.parse(out, format="nquads")
    shapes_graph = dataset.graph(rdflib.URIRef(SHAPES_GRAPH))
    reports = {name: dataset.graph(rdflib.URIRef(JOB_GRAPH + name)) for name in jobs}
    return shapes_graph, reports
