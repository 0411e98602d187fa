"""`kzgraph build` / `kzgraph site`: downloads, VoID/DCAT, checksums, determinism, safety."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kzgraph.cli import main
from kzgraph.errors import InputError, ValidationFailed
from kzgraph.release import (
    DOWNLOADS,
    MARKER,
    RDF_FORMATS,
    SUMS,
    build,
    bundle_files,
    canonical_triples,
    files_under,
)

FIXTURES = Path(__file__).parent / "fixtures" / "release"
BUNDLE = FIXTURES / "bundle"
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
ENV_VARS = ("KZGRAPH_SPARQL_ENDPOINT", "KZGRAPH_DOWNLOAD_BASE", "SOURCE_DATE_EPOCH",
            "KZGRAPH_HOME")

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
DEM = "https://w3id.org/kzgraph/ontology#"
KZVOID = "https://w3id.org/kzgraph/void#"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    saved = {k: os.environ.pop(k) for k in ENV_VARS if k in os.environ}
    try:
        return build(tmp_path_factory.mktemp("release") / "dist", root=BUNDLE)
    finally:
        os.environ.update(saved)


def part_files(part: str, root: Path = BUNDLE) -> list[Path]:
    if part == "kzgraph":
        return bundle_files(root, "ontology") + bundle_files(root, "data")
    return bundle_files(root, part)


def expected_count(part: str) -> int:
    from kzgraph.store import load_files

    return len(load_files(part_files(part)))


def all_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True,
                          text=True, env=full_env, timeout=600)


# ---------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    # Separate processes with different hash seeds: nothing may depend on set/dict order
    # or on the blank node ids the parser happens to assign.
    outs = []
    for seed in ("1", "987"):
        out = tmp_path / f"dist-{seed}"
        res = run_cli("build", "--out", str(out),
                      env={"KZGRAPH_HOME": str(BUNDLE), "PYTHONHASHSEED": seed})
        assert res.returncode == 0, res.stderr
        outs.append(all_files(out))
    a, b = outs
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    assert len(a) > 50  # downloads, void, site pages, resource files


def test_pages_rendered_by_workers_are_the_pages_rendered_in_process(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large site's pages are rendered by forked workers, in chunks: the files are the
    same, and SHA256SUMS lists the files the workers wrote."""
    from kzgraph.release import pages

    if pages._workers(10**6) == 0:
        pytest.skip("one CPU or no fork: the pages are always rendered in process")
    monkeypatch.setattr(pages, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pages, "CHUNK", 7)
    out = build(tmp_path / "dist", root=BUNDLE)
    files = all_files(out)
    assert files == all_files(built)
    assert len([name for name in files if name.endswith(".html")]) > 3 * 7  # chunks
    listed = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(listed) == len(files) - 1


def _awkward_graph() -> list[Any]:
    """Canonical triples whose N-Triples lines sort apart from the canonical order: rdf:type
    between predicates that sort before and after it, a blank node label that begins
    another, literals that begin others."""
    import pyoxigraph as ox

    ex, n = "http://example.org/", ox.NamedNode
    rdf_type = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = []
    for s in (n(ex + "s"), n(ex + "s/t"), ox.BlankNode("b1"), ox.BlankNode("b1_2")):
        triples += [ox.Triple(s, rdf_type, n(ex + "C")), ox.Triple(s, rdf_type, n(ex + "A")),
                    ox.Triple(s, n("http://a.example/p"), ox.Literal("x")),
                    ox.Triple(s, n("http://z.example/q"), ox.Literal("x", language="en")),
                    ox.Triple(s, n("http://z.example/q"), ox.Literal("x")),
                    ox.Triple(s, n("http://z.example/q"), ox.Literal("x y")),
                    ox.Triple(s, n(ex + "r"), ox.BlankNode("b1"))]
    triples.append(ox.Triple(n(ex + "only"), rdf_type, n(ex + "C")))
    return canonical_triples(set(triples))


def test_the_canonical_sort_is_the_order_of_the_canonical_key() -> None:
    """sort_triples groups by subject to save memory; the resource documents find places
    in the graph with triple_key: both must give one order."""
    from kzgraph.release.canonical import sort_triples, triple_key

    graph = _awkward_graph()
    shuffled = graph[::-1] + graph[::2]  # reversed, with repeats
    assert sort_triples(shuffled) == sorted(shuffled, key=triple_key())
    assert sort_triples(graph[::-1]) == graph


@pytest.mark.parametrize("ext", list(RDF_FORMATS))
def test_a_download_written_to_its_file_is_what_serialise_makes(ext: str) -> None:
    """The whole-graph downloads are written as they are made (N-Triples in the order of
    its sorted lines, prefix declarations sorted as they pass): the same bytes."""
    import io

    from kzgraph.release import PrefixMap, serialise
    from kzgraph.release.serialise import write_serialisation

    triples = _awkward_graph()
    pm = PrefixMap({"ex": "http://example.org/", "a": "http://a.example/",
                    "z": "http://z.example/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"})
    out = io.BytesIO()
    write_serialisation(triples, ext, pm, out)
    assert out.getvalue() == serialise(triples, ext, pm)
    if ext == "nt":
        lines = out.getvalue().splitlines()
        assert lines == sorted(lines) and len(lines) == len(triples)


@pytest.mark.parametrize("ext", ["ttl", "rdf"])
def test_prefix_declarations_are_sorted_however_the_writer_cuts_its_output(ext: str) -> None:
    import io

    import pyoxigraph as ox

    from kzgraph.release.serialise import _sorted_header, _SortedHeader

    prefixes = {f"p{i}": f"http://example.org/{i}/" for i in range(30)}
    triples = [ox.Triple(ox.NamedNode(f"http://example.org/{i}/s"),
                         ox.NamedNode(f"http://example.org/{i}/p"), ox.Literal(str(i)))
               for i in range(30)]
    fmt = ox.RdfFormat.TURTLE if ext == "ttl" else ox.RdfFormat.RDF_XML
    whole = ox.serialize(triples, format=fmt, prefixes=prefixes)
    out = io.BytesIO()
    header = _SortedHeader(out, ext)
    for i in range(len(whole)):  # a byte at a time
        header.write(whole[i:i + 1])
    header.close()
    assert out.getvalue() == _sorted_header(whole, ext)


def test_a_bounded_cache_starts_again_when_full() -> None:
    from kzgraph.release.caches import Bounded

    cache = Bounded(3)
    for i in range(3):
        cache[i] = str(i)
    assert dict(cache) == {0: "0", 1: "1", 2: "2"}
    cache[1] = "one"  # still three entries: kept
    assert len(cache) == 3 and cache.get(1) == "one"
    cache[3] = "3"
    assert dict(cache) == {3: "3"}


def test_canonical_form_ignores_blank_node_ids_and_order() -> None:
    import pyoxigraph as ox

    ex = "http://example.org/"

    def graph(ids: list[str]) -> list[ox.Triple]:
        a, b, c, d = (ox.BlankNode(i) for i in ids)
        t = [
            ox.Triple(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), a),
            ox.Triple(a, ox.NamedNode(ex + "q"), b),
            ox.Triple(b, ox.NamedNode(ex + "v"), ox.Literal("1")),
            ox.Triple(a, ox.NamedNode(ex + "q"), c),
            ox.Triple(c, ox.NamedNode(ex + "v"), ox.Literal("2")),
            # d: the same description as nothing else, points back to a (a cycle)
            ox.Triple(d, ox.NamedNode(ex + "r"), a),
            ox.Triple(a, ox.NamedNode(ex + "r"), d),
        ]
        return t

    first = canonical_triples(graph(["x1", "x2", "x3", "x4"]))
    second = canonical_triples(reversed(graph(["zz", "y", "abc", "q0"])))
    assert [str(t) for t in first] == [str(t) for t in second]
    labels = {t.subject.value for t in first if isinstance(t.subject, ox.BlankNode)}
    assert len(labels) == 4 and all(re.fullmatch(r"b[0-9a-f]{16}", x) for x in labels)


def test_repeated_interchangeable_blank_nodes_are_paired_alike_in_every_run() -> None:
    """Copies of one structure that nothing tells apart (an interval and its start, repeated):
    whatever ids the parser gave them, the copies come out in the same bytes."""
    import pyoxigraph as ox

    ex = "http://example.org/"
    n = 12

    def graph(step: int) -> list[ox.Triple]:  # the same graph, its nodes' ids paired anew
        out = []
        for i in range(n):
            interval, start = ox.BlankNode(f"i{i}"), ox.BlankNode(f"s{(i * step) % n}")
            out += [ox.Triple(interval, ox.NamedNode(ex + "begins"), start),
                    ox.Triple(start, ox.NamedNode(ex + "year"), ox.Literal("1958"))]
        return out

    first = [str(t) for t in canonical_triples(graph(1))]
    second = [str(t) for t in canonical_triples(graph(5))]
    assert first == second
    assert len(first) == 2 * n
    assert len({t.split()[0] for t in first}) == 2 * n  # every node numbered apart


def test_property_that_rdfxml_cannot_write_is_an_input_error() -> None:
    import pyoxigraph as ox

    from kzgraph.errors import InputError
    from kzgraph.release import PrefixMap, serialise

    t = [ox.Triple(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/1"),
                   ox.Literal("x"))]
    with pytest.raises(InputError, match="cannot be written in RDF/XML"):
        serialise(t, "rdf", PrefixMap({}))
    assert serialise(t, "ttl", PrefixMap({})).strip().endswith(b'"x" .')


def test_dates_come_from_the_commit_or_source_date_epoch(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from rdflib import Graph, Literal, URIRef

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 UTC
    out = build(tmp_path / "dist", root=BUNDLE)
    g = Graph().parse(out / "void.ttl")
    ds = URIRef(KZVOID + "kzgraph")
    assert g.value(ds, URIRef(DCT + "modified")) == Literal("2023-11-14",
                                                             datatype=URIRef(XSD + "date"))
    # issued: the ontology's dcterms:issued
    assert g.value(ds, URIRef(DCT + "issued")) == Literal("2024-05-01",
                                                           datatype=URIRef(XSD + "date"))


# ---------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------


def test_release_layout(built: Path) -> None:
    names = {p.name for p in built.iterdir()}
    for part in DOWNLOADS:
        for ext in RDF_FORMATS:
            assert f"{part}.{ext}" in names
    for ext in RDF_FORMATS:
        assert f"void.{ext}" in names
    assert {"context.jsonld", SUMS, MARKER, "site"} <= names
    assert not [n for n in os.listdir(built.parent) if "kzgraph-tmp" in n or "kzgraph-old" in n]


@pytest.mark.parametrize("ext", sorted(RDF_FORMATS))
@pytest.mark.parametrize("part", DOWNLOADS)
def test_every_download_parses_to_the_graph(built: Path, part: str, ext: str) -> None:
    import pyoxigraph as ox
    import rdflib

    path = built / f"{part}.{ext}"
    expected = expected_count(part)
    assert expected > 0
    g = rdflib.Graph().parse(path, format=RDFLIB_FORMAT[ext])
    assert len(g) == expected
    fmt = ox.RdfFormat.from_extension(ext)
    assert len(list(ox.parse(path=str(path), format=fmt))) == expected


def test_ntriples_are_sorted_and_jsonld_uses_the_context(built: Path) -> None:
    lines = (built / "kzgraph.nt").read_bytes().splitlines()
    assert lines == sorted(lines)
    doc = json.loads((built / "kzgraph.jsonld").read_text(encoding="utf-8"))
    context = json.loads((built / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert context["dem"] == DEM
    assert doc["@context"].items() <= context.items()
    ids = [node["@id"] for node in doc["@graph"]]
    assert "kz:factsheet" in ids and "country:kazakhstan" in ids


def test_blank_nodes_survive_in_every_format(built: Path) -> None:
    import rdflib
    from rdflib.collection import Collection

    for ext in RDF_FORMATS:
        g = rdflib.Graph().parse(built / f"shapes.{ext}", format=RDFLIB_FORMAT[ext])
        sh_in = list(g.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#languageIn")))
        assert len(sh_in) == 1
        assert [str(x) for x in Collection(g, sh_in[0])] == ["en", "ru"]


def test_sha256sums_verify(built: Path) -> None:
    listed = {}
    for line in (built / SUMS).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {n for n in all_files(built) if n != SUMS}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        res = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", SUMS], cwd=built,
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr


def _check_downloads_in_site(out: Path) -> None:
    sums = {path: digest for digest, path in
            (line.split("  ", 1) for line in
             (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines())}
    assert (out / "site" / "void.html").is_file()  # the page of void#kzgraph-developers
    names = [f"{part}.{ext}" for part in ("kzgraph", "ontology", "shapes", "void")
             for ext in ("ttl", "nt", "jsonld", "rdf")] + ["context.jsonld"]
    for name in names:
        data = (out / "site" / name).read_bytes()
        assert data == (out / name).read_bytes(), name
        assert sums[f"site/{name}"] == hashlib.sha256(data).hexdigest(), name


def test_the_site_holds_the_downloads_under_their_own_names(
        bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """site/void.ttl is both the VoID download and the name of a resource's document (of
    <https://w3id.org/kzgraph/void>, whose void#… terms have a page): the download is what
    the site holds there, whichever process wrote the resource's files, and SHA256SUMS
    lists the bytes it holds."""
    from kzgraph.release import pages

    _check_downloads_in_site(bundled)
    if pages._workers(10**6):
        monkeypatch.setattr(pages, "PARALLEL_FROM", 1)
        monkeypatch.setattr(pages, "CHUNK", 50)
        _check_downloads_in_site(build(tmp_path / "dist"))


def test_files_under_lists_what_rglob_lists_in_its_order(tmp_path: Path) -> None:
    """SHA256SUMS's order: by path parts ("a/b" before "a-b/c", though '-' < '/')."""
    for name in ("a/b", "a-b/c", "a/z/y", "B", "c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "link-to-file").symlink_to(tmp_path / "c.txt")
    (tmp_path / "link-to-folder").symlink_to(tmp_path / "a")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    expected = [p.relative_to(tmp_path).as_posix()
                for p in sorted(p for p in tmp_path.rglob("*") if p.is_file())]
    assert files_under(tmp_path) == expected
    assert expected == ["B", "a/b", "a/z/y", "a-b/c", "c.txt", "link-to-file"]


def test_files_added_to_a_build_are_every_unlisted_file_and_link(tmp_path: Path) -> None:
    """What a rebuild would lose: files, symbolic links of any kind (to a folder, dangling)
    and named pipes that the build's SHA256SUMS does not list, in the order of their
    parts."""
    from kzgraph.release.folder import _added_files

    for name in ("listed.txt", "site/listed.html", "site/mine.html", "notes/x.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    (tmp_path / SUMS).write_text("0  listed.txt\n0  site/listed.html\n", encoding="utf-8")
    (tmp_path / "site" / "to-folder").symlink_to(tmp_path / "notes")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    (tmp_path / "to-file").symlink_to(tmp_path / "listed.txt")
    os.mkfifo(tmp_path / "site" / "pipe")
    (tmp_path / "site-b").mkdir()  # sorts after "site/…" by parts, before it as a string
    (tmp_path / "site-b" / "x").write_text("x", encoding="utf-8")
    expected = [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*"))
                if not p.is_dir() or p.is_symlink()]
    expected = [e for e in expected if e not in ("listed.txt", "site/listed.html", SUMS)]
    assert _added_files(tmp_path) == expected
    assert expected == ["dangling", "notes/x.md", "site/mine.html", "site/pipe",
                        "site/to-folder", "site-b/x", "to-file"]


# ---------------------------------------------------------------------------------------
# VoID + DCAT
# ---------------------------------------------------------------------------------------


def test_void_describes_the_release(built: Path) -> None:
    from rdflib import RDF, Graph, Literal, URIRef

    g = Graph().parse(built / "void.ttl")
    V, D, T = (lambda n: URIRef(VOID + n)), (lambda n: URIRef(DCAT + n)), (
        lambda n: URIRef(DCT + n))
    ds = URIRef(KZVOID + "kzgraph")
    catalog = URIRef(KZVOID + "catalog")
    assert (catalog, RDF.type, D("Catalog")) in g
    assert (catalog, D("dataset"), ds) in g
    assert (ds, RDF.type, V("Dataset")) in g and (ds, RDF.type, D("Dataset")) in g
    for p in ("title", "description", "license", "creator", "publisher", "issued", "modified"):
        assert g.value(ds, T(p)) is not None, p
    assert g.value(ds, D("version")) == Literal("0.9.0")
    assert g.value(ds, T("license")) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ds, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == URIRef(
        "https://w3id.org/kzgraph/id/kz/factsheet")  # a document: not dct:source (a dataset)
    assert str(g.value(ds, V("uriSpace"))) == "https://w3id.org/kzgraph/"
    assert g.value(ds, V("sparqlEndpoint")) is None

    from kzgraph.store import load_files

    graph = load_files(part_files("kzgraph"))
    assert int(g.value(ds, V("triples"))) == len(graph)
    assert int(g.value(ds, V("distinctSubjects"))) == len(set(graph.subjects()))
    # an entity: a described IRI in the void:uriSpace, for the dataset and its class partitions
    entities = {s for s in graph.subjects() if str(s).startswith("https://w3id.org/kzgraph/")}
    assert int(g.value(ds, V("entities"))) == len(entities)

    classes = {g.value(p, V("class")): (int(g.value(p, V("entities"))),
                                        int(g.value(p, V("distinctSubjects"))))
               for p in g.objects(ds, V("classPartition"))}
    assert int(g.value(ds, V("classes"))) == len(classes)
    for cls, (n_entities, n_subjects) in classes.items():
        instances = set(graph.subjects(RDF.type, cls))
        assert n_subjects == len(instances), cls
        assert n_entities == len(instances & entities), cls
    assert classes[URIRef(DEM + "Country")] == (4, 4)
    assert classes[URIRef(DEM + "PolicyDocument")] == (4, 4)
    props = {g.value(p, V("property")): int(g.value(p, V("triples")))
             for p in g.objects(ds, V("propertyPartition"))}
    assert props[URIRef(DEM + "iso3166Alpha2")] == 4
    assert props[RDF.type] == len(list(graph.triples((None, RDF.type, None))))
    assert URIRef("https://w3id.org/kzgraph/id/kz/factsheet") in set(
        g.objects(ds, V("exampleResource")))
    vocabularies = {str(v) for v in g.objects(ds, V("vocabulary"))}
    assert {DEM, "http://www.w3.org/2000/01/rdf-schema#"} <= vocabularies

    dists = list(g.objects(ds, D("distribution")))
    assert len(dists) == len(RDF_FORMATS)
    for part in DOWNLOADS:
        for dist in g.objects(URIRef(KZVOID + part), D("distribution")):
            url = str(g.value(dist, D("downloadURL")))
            name = url.rsplit("/", 1)[1]
            assert url == "https://w3id.org/kzgraph/dist/" + name
            size = g.value(dist, D("byteSize"))
            assert size.datatype == URIRef(XSD + "nonNegativeInteger")
            assert int(size) == (built / name).stat().st_size
            ext = name.rsplit(".", 1)[1]
            assert str(g.value(dist, D("mediaType"))).endswith("/" + RDF_FORMATS[ext][1])
            checksum = g.value(dist, URIRef("http://spdx.org/rdf/terms#checksum"))
            value = g.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))
            assert str(value) == hashlib.sha256((built / name).read_bytes()).hexdigest()

    # The other serialisations of the description say the same.
    from rdflib.compare import isomorphic

    for ext in ("nt", "jsonld", "rdf"):
        other = Graph().parse(built / f"void.{ext}", format=RDFLIB_FORMAT[ext])
        assert isomorphic(g, other)


def test_endpoint_and_download_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rdflib import Graph, URIRef

    monkeypatch.setenv("KZGRAPH_SPARQL_ENDPOINT", "http://127.0.0.1:8890/sparql")
    out = tmp_path / "dist"
    monkeypatch.setenv("KZGRAPH_HOME", str(BUNDLE))
    assert main(["build", "--out", str(out), "--download-base",
                 "https://example.org/kzgraph/1.0"]) == 0
    g = Graph().parse(out / "void.ttl")
    ds = URIRef(KZVOID + "kzgraph")
    assert g.value(ds, URIRef(VOID + "sparqlEndpoint")) == URIRef("http://127.0.0.1:8890/sparql")
    urls = {str(u) for u in g.objects(None, URIRef(DCAT + "downloadURL"))}
    assert "https://example.org/kzgraph/1.0/kzgraph.ttl" in urls
    assert "http://127.0.0.1:8890/sparql" in (out / "site" / "index.html").read_text("utf-8")
    # --sparql-endpoint wins over the environment
    assert main(["build", "--out", str(out), "--sparql-endpoint", "https://q.example/sparql"]) == 0
    g = Graph().parse(out / "void.ttl")
    assert g.value(ds, URIRef(VOID + "sparqlEndpoint")) == URIRef("https://q.example/sparql")
    # its former name still works, for scripts written against it
    assert main(["build", "--out", str(out), "--endpoint", "https://old.example/sparql"]) == 0
    g = Graph().parse(out / "void.ttl")
    assert g.value(ds, URIRef(VOID + "sparqlEndpoint")) == URIRef("https://old.example/sparql")


@pytest.mark.parametrize("command", ["build", "site"])
def test_help_names_sparql_endpoint_not_its_former_name(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    shown = capsys.readouterr().out
    assert "--sparql-endpoint URL" in shown
    assert "--endpoint" not in shown.replace("--sparql-endpoint", "")


def test_build_api_takes_sparql_endpoint_and_its_former_keyword() -> None:
    from kzgraph.release import load_release

    for kwargs in ({"sparql_endpoint": "https://q.example/sparql"},
                   {"endpoint": "https://q.example/sparql"}):
        rel = load_release(BUNDLE, validate=False, **kwargs)
        assert rel.endpoint == "https://q.example/sparql"
    with pytest.raises(InputError, match="two endpoints to advertise"):
        load_release(BUNDLE, validate=False, sparql_endpoint="https://a.example/sparql",
                     endpoint="https://b.example/sparql")


# ---------------------------------------------------------------------------------------
# Safety of the output folder
# ---------------------------------------------------------------------------------------


def _invalid_bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    shutil.copy(FIXTURES / "invalid-country.ttl", bundle / "data" / "invalid-country.ttl")
    return bundle


@pytest.mark.parametrize("command", ["build", "site"])
def test_invalid_graph_is_refused_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], command: str) -> None:
    monkeypatch.setenv("KZGRAPH_HOME", str(_invalid_bundle(tmp_path)))
    work = tmp_path / "work"
    work.mkdir()
    out = work / "dist"
    assert main([command, "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "nowhere" in captured.out  # the validation report, on stdout
    assert "does not conform" in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()
    assert list(work.iterdir()) == []  # no temporary folder left behind


def _bundle_copy(tmp_path: Path) -> tuple[Path, list[Path], list[Path]]:
    """A copy of the test bundle, its ontology and data files, and its shapes files."""
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    files = [*bundle_files(bundle, "ontology"), *bundle_files(bundle, "data")]
    return bundle, files, bundle_files(bundle, "shapes")


def test_a_graph_validated_in_full_is_not_validated_again_until_a_file_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    from kzgraph import validation
    from kzgraph.release.orchestrator import validate_bundle

    bundle, files, shapes = _bundle_copy(tmp_path)
    calls: list[bool] = []
    real = validation.validate

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("incremental")))
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "validate", counted)
    assert real(files, shapes, ontology=[], incremental=True).conforms
    validate_bundle(bundle, remembered=True)  # an incremental run vouches for nothing
    validate_bundle(bundle, remembered=True)  # the full one before does
    validate_bundle(bundle)  # unless the caller asks for a validation
    assert calls == [False, False]
    data = bundle / "data" / "facts.ttl"
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    validate_bundle(bundle, remembered=True)  # other bytes: validated again
    assert calls == [False, False, False]
    shutil.copy(FIXTURES / "invalid-country.ttl", bundle / "data" / "invalid-country.ttl")
    for _ in range(2):  # a graph that fails is never remembered
        with pytest.raises(ValidationFailed):
            validate_bundle(bundle, remembered=True)
    assert calls == [False] * 5


def test_a_bundle_loaded_again_is_read_back_from_the_canonical_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    """The canonical graphs of the same files are read back, not computed again: the same
    triples, prefixes and statistics; a changed file, or an entry that cannot be read, is
    computed anew, never an error."""
    from kzgraph.release import canonical, canonical_cache, orchestrator

    bundle, _files, _shapes = _bundle_copy(tmp_path)
    computed: list[int] = []
    real = canonical.canonical_triples

    def counted(triples: Any) -> Any:
        computed.append(1)
        return real(triples)

    monkeypatch.setattr(orchestrator, "canonical_triples", counted)

    def loaded() -> tuple[Any, ...]:
        rel = orchestrator.load_release(bundle, validate=False)
        orchestrator.keep_canonical(rel)
        return rel.graph, rel.ontology, rel.shapes, rel.prefixes.prefixes, rel.counts

    first = loaded()
    assert len(computed) == 3 and first[0] and first[1] and first[2]
    assert loaded() == first and len(computed) == 3  # read back
    [entry] = (cache / "canonical").iterdir()
    data = bundle / "data" / "facts.ttl"
    data.write_text(data.read_text(encoding="utf-8").replace('"@en', ' (edited)"@en', 1),
                    encoding="utf-8")
    edited = loaded()
    assert len(computed) == 6 and edited[0] != first[0]
    assert sorted(p.name for p in (cache / "canonical").iterdir()) == sorted(
        [entry.name, canonical_cache.key(bundle_files(bundle, "ontology"),
                                         bundle_files(bundle, "data"),
                                         bundle_files(bundle, "shapes"))])
    for part in ("graph.nt", "meta.json"):  # an entry cut short or damaged is a miss
        for kept in (cache / "canonical").iterdir():
            (kept / part).write_bytes((kept / part).read_bytes()[:-40])
        assert loaded() == edited
    assert len(computed) == 12


def test_a_rebuild_links_the_downloads_whose_checksums_the_cache_knows(
        built: Path, tmp_path: Path, cache: Path) -> None:
    """A rebuild of the same files links the previous build's downloads (the cache knows
    their checksums) instead of writing them again; one changed in place is written anew,
    and the release is the same."""
    out = build(tmp_path / "dist", root=BUNDLE)
    downloads = [out / f"{part}.{ext}" for part in DOWNLOADS for ext in RDF_FORMATS]
    inodes = {path.name: path.stat().st_ino for path in downloads}
    changed = out / "kzgraph.nt"
    text = changed.read_bytes()
    changed.write_bytes(text.replace(b"<", b"{", 1))  # same size, other bytes
    build(out, root=BUNDLE)
    assert all_files(out) == all_files(built)
    assert changed.stat().st_ino != inodes["kzgraph.nt"]
    assert {path.name for path in downloads if path.stat().st_ino == inodes[path.name]} == \
        {path.name for path in downloads} - {"kzgraph.nt"}


def test_a_file_edited_during_a_validation_is_not_vouched_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    from kzgraph import conformance_memo, native_validation, validation

    _bundle, files, shapes = _bundle_copy(tmp_path)
    before = conformance_memo.key(files, shapes)
    real = native_validation.validate_native

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        with files[-1].open("a", encoding="utf-8") as file:
            file.write("\n# edited while it was validated\n")
        return report

    monkeypatch.setattr(native_validation, "validate_native", edited_meanwhile)
    assert validation.validate(files, shapes, ontology=[]).conforms
    after = conformance_memo.key(files, shapes)
    assert before != after
    assert not conformance_memo.known(before) and not conformance_memo.known(after)
    monkeypatch.setattr(native_validation, "validate_native", real)
    assert validation.validate(files, shapes, ontology=[]).conforms
    assert conformance_memo.known(after)


@pytest.mark.parametrize("valid", [True, False])
def test_a_crash_while_writing_is_explained_by_the_validation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, valid: bool) -> None:
    # The build validates in a second process while it writes: when writing fails on a graph
    # that does not conform, the user gets the validation failure, not the symptom.
    import kzgraph.release.site
    from kzgraph.errors import ValidationFailed

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the site writer tripped")

    monkeypatch.setattr(kzgraph.release.site, "render_site", crash)
    bundle = BUNDLE if valid else _invalid_bundle(tmp_path)
    out = tmp_path / "dist"
    with pytest.raises(RuntimeError if valid else ValidationFailed):
        build(out, root=bundle)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ([] if valid else ["bundle"])


def test_invalid_graph_leaves_a_previous_build_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dist"
    build(out, root=BUNDLE)
    before = all_files(out)
    monkeypatch.setenv("KZGRAPH_HOME", str(_invalid_bundle(tmp_path)))
    assert main(["build", "--out", str(out)]) == 1
    assert main(["site", "--out", str(out)]) == 1
    assert all_files(out) == before


def test_unrelated_folder_is_not_overwritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KZGRAPH_HOME", str(BUNDLE))
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n")
    for command in ("build", "site"):
        assert main([command, "--out", str(out)]) == 2
        assert "not a kzgraph build" in capsys.readouterr().err
    assert sorted(os.listdir(out)) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "my notes\n"
    assert sorted(os.listdir(tmp_path)) == ["mine"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["build", "--out", str(a_file)]) == 2
    assert a_file.read_text() == "x"


def test_previous_build_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(out, root=BUNDLE)
    (out / "stale.txt").write_text("left over")
    (out / "site" / "stale.html").write_text("left over")
    with pytest.raises(InputError, match="holds files kzgraph did not write"):
        build(out, root=BUNDLE)  # files added to a build are the user's: not lost silently
    build(out, root=BUNDLE, force=True)
    assert not (out / "stale.txt").exists() and not (out / "site" / "stale.html").exists()
    assert sorted(os.listdir(tmp_path)) == ["dist"]
    empty = tmp_path / "empty"
    empty.mkdir()
    build(empty, root=BUNDLE)  # an empty folder is fine too
    assert (empty / MARKER).is_file()


def test_a_rebuild_links_the_previous_builds_unchanged_files(built: Path,
                                                             tmp_path: Path) -> None:
    """A rebuild links a file of the previous build that holds exactly its bytes instead of
    writing it again; a file changed in place, or linked from outside the build, is written
    anew, and the outside file keeps what it held."""
    out = build(tmp_path / "dist", root=BUNDLE)
    site = out / "site"
    pages = sorted(p for p in site.rglob("*.ttl") if p.parent != site)
    kept, changed, shared = pages[0], pages[1], pages[2]
    kept_inode, changed_inode = kept.stat().st_ino, changed.stat().st_ino
    changed.write_bytes(changed.read_bytes().replace(b"@prefix", b"@PREFIX", 1))
    outside = tmp_path / "outside.ttl"
    os.link(shared, outside)
    held = outside.read_bytes()

    build(out, root=BUNDLE)
    assert all_files(out) == all_files(built)
    assert kept.stat().st_ino == kept_inode  # linked, not written
    assert changed.stat().st_ino != changed_inode  # both existed at once: a new file
    assert not shared.samefile(outside)
    assert outside.read_bytes() == held and outside.stat().st_nlink == 1
    # the previous build is gone: nothing of the new one is named twice
    assert [p for p in out.rglob("*") if p.is_file() and p.stat().st_nlink != 1] == []
    assert sorted(os.listdir(tmp_path)) == ["dist", "outside.ttl"]


@pytest.mark.parametrize("threads", [4, 0], ids=["threads", "inline"])
def test_a_writer_links_only_a_previous_file_of_the_same_bytes_and_mode(
        tmp_path: Path, threads: int) -> None:
    """Only a regular file is linked; a named pipe there is neither linked nor waited on."""
    from kzgraph.release.folder import Writer

    previous, new = tmp_path / "previous", tmp_path / "new"
    previous.mkdir()
    held = {"same": b"abc", "other": b"abd", "longer": b"abcd", "shorter": b"ab",
            "mode": b"abc", "target": b"xyz"}
    for name, data in held.items():
        (previous / name).write_bytes(data)
    (previous / "mode").chmod(0o600)
    (previous / "link").symlink_to("same")
    os.mkfifo(previous / "pipe")
    names = [*held, "link", "pipe", "absent"]
    with Writer(new, threads=threads, previous=previous) as w:
        w.write_all([(name, b"abc") for name in names[:-1]])
        w.write("absent", "abc")
    assert {name: (new / name).read_bytes() for name in names} == dict.fromkeys(names, b"abc")
    assert [n for n in names if (previous / n).exists()
            and (new / n).samefile(previous / n)] == ["same"]
    assert {name: (previous / name).read_bytes() for name in held} == held
    assert set(w.digests.values()) == {hashlib.sha256(b"abc").hexdigest()}
    assert sorted(w.digests) == sorted(f"{new}/{name}" for name in names)


def test_the_mode_of_new_files_is_read_without_changing_the_umask(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the umask with os.umask sets it for a moment, and a file another writer
    thread created then would be writable by all."""
    from kzgraph.release import folder

    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc: the umask is read with os.umask")
    old = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", lambda mask: pytest.fail("the umask was set"))
        assert folder._umask_mode() == 0o750
    finally:
        monkeypatch.undo()
        os.umask(old)


def test_site_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KZGRAPH_HOME", str(BUNDLE))
    fresh = tmp_path / "fresh"
    assert main(["site", "--out", str(fresh)]) == 0
    assert (fresh / "site" / "index.html").is_file() and (fresh / MARKER).is_file()
    assert not (fresh / "kzgraph.ttl").exists()
    index = (fresh / "site" / "index.html").read_text("utf-8")
    assert 'href="kzgraph.ttl"' not in index  # not built: listed, not linked
    assert not (fresh / "site" / "kzgraph.ttl").exists()
    sums = (fresh / SUMS).read_text()
    assert "site/index.html" in sums

    full = tmp_path / "full"
    build(full, root=BUNDLE)
    site_before = all_files(full / "site")
    (full / "site" / "index.html").write_text("edited")
    assert main(["site", "--out", str(full)]) == 0
    assert all_files(full / "site") == site_before  # same bytes as the build wrote
    assert 'href="kzgraph.ttl"' in (full / "site" / "index.html").read_text("utf-8")
    assert (full / "site" / "kzgraph.ttl").read_bytes() == (full / "kzgraph.ttl").read_bytes()
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", "--quiet", SUMS], cwd=full).returncode == 0


def test_the_site_command_holds_no_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             cache: Path) -> None:
    """`kzgraph site` makes each download only into its checksum (at N = 1000 they are
    hundreds of MB each), and not at all where the cache knows it; a download in the
    release folder that differs is listed, not copied."""
    from kzgraph.release import orchestrator

    made: list[Any] = []
    real = orchestrator.write_serialisation

    def spied(triples: Any, ext: str, pm: Any, out: Any, **kwargs: Any) -> None:
        made.append(type(out).__name__)
        real(triples, ext, pm, out, **kwargs)

    monkeypatch.setattr(orchestrator, "write_serialisation", spied)
    out = tmp_path / "dist"
    orchestrator.build_site(out, root=BUNDLE)  # empty cache folder: checksums only
    assert made == ["Checksum"] * len(DOWNLOADS) * len(RDF_FORMATS)
    made.clear()
    build(out, root=BUNDLE)  # written once, and the cache knows them now
    expected = all_files(out)
    (out / "kzgraph.nt").write_bytes(b"changed\n")
    made.clear()
    orchestrator.build_site(out, root=BUNDLE)
    assert made == []
    assert not (out / "site" / "kzgraph.nt").exists()
    del expected["site/kzgraph.nt"], expected["kzgraph.nt"], expected[SUMS]
    found = all_files(out)
    del found["kzgraph.nt"], found[SUMS]
    assert {k: v for k, v in found.items() if k != "site/index.html"} == \
        {k: v for k, v in expected.items() if k != "site/index.html"}
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", "--quiet", SUMS], cwd=out).returncode == 0


def test_missing_bundle_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("KZGRAPH_HOME", str(empty))
    assert main(["build", "--out", str(tmp_path / "dist")]) == 2
    assert "no ontology files" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()


# ---------------------------------------------------------------------------------------
# The site's files (the browser tests render and crawl it)
# ---------------------------------------------------------------------------------------


def test_resource_pages_and_files(built: Path) -> None:
    import pyoxigraph as ox
    import rdflib

    site = built / "site"
    page = site / "id" / "kz" / "concept-2017-2021.html"
    html = page.read_text("utf-8")
    assert "Concept of Migration Policy 2017–2021" in html
    assert 'href="../country/kazakhstan.html"' not in html  # links go through the root
    assert 'href="../../id/country/kazakhstan.html"' in html
    assert 'href="../../id/kz/footnote-1.html"' in html  # source
    for ext in ("ttl", "jsonld", "rdf"):
        g = rdflib.Graph().parse(site / "id" / "kz" / f"concept-2017-2021.{ext}",
                                 format=RDFLIB_FORMAT[ext])
        # the resource (7 triples incl. 2 seeAlso) + its interval (3) + 2 instants + 2 notes;
        # the rest is the document's header and its neighbours' labels and types
        me = rdflib.URIRef("https://w3id.org/kzgraph/id/kz/concept-2017-2021")
        described = [t for t in g if t[0] == me or isinstance(t[0], rdflib.BNode)]
        assert len(described) == 7 + 3 + 2 + 2
        assert len(list(ox.parse(path=str(site / "id" / "kz" / f"concept-2017-2021.{ext}"),
                                 format=ox.RdfFormat.from_extension(ext)))) == len(g)
    # An unasserted statement (blank node nobody points to) travels with its subject.
    ukraine = rdflib.Graph().parse(site / "id" / "kz" / "emigrant-stock-2019-ukraine.ttl")
    assert (None, rdflib.RDF.type, rdflib.RDF.Statement) in ukraine
    assert "alternative value" in (site / "id" / "kz" /
                                   "emigrant-stock-2019-ukraine.html").read_text("utf-8")
    # Concepts and a non-ASCII IRI get pages; hash IRIs are anchors on their base's page.
    assert (site / "vocab" / "indicator" / "emigrant-stock.html").is_file()
    assert (site / "id" / "kz" / "émigré-card.html").is_file()
    assert 'id="art-1"' in (site / "id" / "kz" / "law.html").read_text("utf-8")
    # Incoming links are listed on the target's page.
    kaz = (site / "id" / "country" / "kazakhstan.html").read_text("utf-8")
    assert "Referred to by" in kaz and "../../id/kz/factsheet.html" in kaz


def test_links_are_relative(built: Path) -> None:
    href = re.compile(r'(?:href|src)="([^"]*)"')
    for page in (built / "site").rglob("*.html"):
        for target in href.findall(page.read_text("utf-8")):
            assert not target.startswith("/"), (page, target)
            assert not target.startswith("https://w3id.org/kzgraph/"), (page, target)


def test_ontology_page(built: Path) -> None:
    html = (built / "site" / "ontology.html").read_text("utf-8")
    for term in ("Country", "Factsheet", "inSection", "iso3166Alpha2", "referenceYear",
                 "structure"):
        assert f'id="{term}"' in html
    assert '<a href="browse/dem-Country.html">4 instances</a> in the graph' in html
    assert "ISO 3166-1 alpha-2 code" in html and "The two-letter code of a country." in html
    assert "Reused terms" in html
    for ext in ("ttl", "jsonld", "rdf"):
        assert (built / "site" / f"ontology.{ext}").read_bytes() == \
            (built / f"ontology.{ext}").read_bytes()


def test_landing_page(built: Path) -> None:
    html = (built / "site" / "index.html").read_text("utf-8")
    assert "kzgraph: diaspora engagement knowledge graph" in html
    assert html.count('class="bar"') == 3  # Russia, Germany, Ukraine
    chart = html[html.index('<section id="chart">'):]
    assert chart.index(">Russia<") < chart.index(">Germany<") < chart.index(">Ukraine<")
    assert "Emigrant stock by country of destination, largest first" in html  # query summary
    sums = dict(reversed(line.split("  ", 1))
                for line in (built / SUMS).read_text().splitlines())
    assert sums["kzgraph.ttl"] in html  # checksums shown
    assert "<svg" in html and "<script" not in html
    assert re.search(r'<figcaption>Source: <a href="id/un-migrant-stock-2019.html"[^>]*>'
                     r"UN DESA International Migrant Stock 2019</a></figcaption>", html)


def test_landing_page_counts_as_the_void_does(built: Path) -> None:
    from rdflib import Graph, URIRef

    void = Graph().parse(built / "void.ttl")
    ds = URIRef(KZVOID + "kzgraph")
    html = (built / "site" / "index.html").read_text("utf-8")
    stats = dict((label, int(n.replace(",", ""))) for n, label in re.findall(
        r'<span class="n">([\d,]+)</span><span class="l">([^<]+)</span>', html))
    assert stats["entities"] == int(void.value(ds, URIRef(VOID + "entities")))
    assert stats["classes used"] == int(void.value(ds, URIRef(VOID + "classes")))
    assert stats["triples"] == int(void.value(ds, URIRef(VOID + "triples")))
    browse = (built / "site" / "browse" / "index.html").read_text("utf-8")
    assert browse.count("<tr><td>") == stats["classes used"]  # every class, listed or not


def test_chart_with_several_countries_of_origin(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    shutil.copy(FIXTURES / "second-origin.ttl", bundle / "data" / "second-origin.ttl")
    out = build(tmp_path / "dist", root=bundle)
    html = (out / "site" / "index.html").read_text("utf-8")
    # One chart over both origins: the latest figure of each origin, summed per destination.
    assert html.count("<svg") == 1
    assert "Emigrant stock from the 2 countries of origin by country of destination" in html
    assert html.count('class="bar"') == 4  # France, Russia, Germany, Ukraine
    chart = html[html.index('<section id="chart">'):]  # the countries table names Germany too
    assert chart.index(">France<") < chart.index(">Russia<") < chart.index(">Germany<")
    assert "Russia: 2,659,711" in html  # 2,559,711 + 100,000 (2019, not the 2015 figure)
    # Each origin's own chart is on its page.
    germany = (out / "site" / "id" / "country" / "germany.html").read_text("utf-8")
    assert "Emigrant stock from Germany by country of destination" in germany
    assert germany.count('class="bar"') == 2
    assert "2 factsheets" in html


def test_htaccess(built: Path) -> None:
    """Negotiation by type maps (q-values honoured); tests/test_conneg_apache.py serves it."""
    from kzgraph.release.conneg import NEGOTIATED

    text = (built / "site" / ".htaccess").read_text("utf-8")
    assert "AddHandler type-map .var" in text and "DirectorySlash Off" in text
    assert "RewriteRule ^(.+)$ $1.var [L]" in text and "w3id.org" in text
    var = (built / "site" / "id" / "country" / "kazakhstan.var").read_text("utf-8")
    for ext, media, _qs in NEGOTIATED:
        assert f"URI: kazakhstan.{ext}\nContent-Type: {media}; qs=" in var
        assert (built / "site" / "id" / "country" / f"kazakhstan.{ext}").is_file()


# ---------------------------------------------------------------------------------------
# The bundled graph
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the bundled graph (every real country)."""
    saved = {k: os.environ.pop(k) for k in ENV_VARS if k in os.environ}
    try:
        return build(tmp_path_factory.mktemp("bundled") / "dist")
    finally:
        os.environ.update(saved)


def test_bundled_graph_builds(bundled: Path) -> None:
    import pyoxigraph as ox

    from kzgraph.paths import graph_files
    from kzgraph.store import load_files

    out = bundled
    dumped = list(ox.parse(path=str(out / "kzgraph.nt"), format=ox.RdfFormat.N_TRIPLES))
    assert len(dumped) == len(load_files(graph_files()))
    landing = (out / "site" / "index.html").read_text("utf-8")
    assert landing.count('class="bar"') >= 1
    assert (out / "site" / "id" / "kz" / "factsheet.html").is_file()


# ---------------------------------------------------------------------------------------
# The release per factsheet: a VoID subset per country, the landing page's countries
# ---------------------------------------------------------------------------------------


def country_graphs(files: list[Path]) -> dict[str, Any]:
    """code -> the triples of that country's resources, counted independently of the
    release code: rdflib's Concise Bounded Description of every subject in id/{code}/ and of
    every rdf:Statement about one (rdflib's CBD takes only those of asserted triples)."""
    import rdflib

    g = rdflib.Graph()
    for path in files:
        g.parse(path)
    found: dict[str, rdflib.Graph] = {}
    for s in set(g.subjects()):
        m = re.match(r"https://w3id\.org/kzgraph/id/([a-z]{2})/", str(s))
        if isinstance(s, rdflib.URIRef) and m:
            part = found.setdefault(m.group(1), rdflib.Graph())
            part += g.cbd(s)
            for statement in g.subjects(rdflib.RDF.subject, s):
                part += g.cbd(statement)
    return found


def subsets(void_path: Path) -> tuple[Any, dict[str, Any]]:
    from rdflib import Graph, URIRef

    g = Graph().parse(void_path)
    main = URIRef(KZVOID + "kzgraph")
    found = {str(n).removeprefix(KZVOID + "country-"): n
             for n in g.objects(main, URIRef(VOID + "subset"))
             if str(n).startswith(KZVOID + "country-")}
    return g, found


def check_subsets(void_path: Path, files: list[Path], expected: set[str]) -> dict[str, int]:
    """Every country's subset against the independent count; returns code -> triples."""
    from rdflib import RDF, URIRef

    prov = "http://www.w3.org/ns/prov#wasDerivedFrom"
    g, found = subsets(void_path)
    assert set(found) == expected
    truth = country_graphs(files)
    out = {}
    for code, node in found.items():
        part = truth[code]
        ns = f"https://w3id.org/kzgraph/id/{code}/"

        def v(name: str, node: Any = node) -> Any:
            return g.value(node, URIRef(VOID + name))

        assert (node, RDF.type, URIRef(VOID + "Dataset")) in g
        assert (node, RDF.type, URIRef(DCAT + "Dataset")) in g
        assert str(v("uriSpace")) == ns
        assert int(v("triples")) == len(part), code
        subjects = set(part.subjects())
        assert int(v("distinctSubjects")) == len(subjects), code
        assert int(v("entities")) == len({s for s in subjects if str(s).startswith(ns)}), code
        assert int(v("properties")) == len(set(part.predicates()))
        classes = {g.value(p, URIRef(VOID + "class")):
                   int(g.value(p, URIRef(VOID + "distinctSubjects")))
                   for p in g.objects(node, URIRef(VOID + "classPartition"))}
        assert classes == {c: len(set(part.subjects(RDF.type, c)))
                           for c in set(part.objects(None, RDF.type))}
        assert int(v("classes")) == len(classes)
        # its factsheet: source and root; its examples: its own resources, factsheet first
        sheets = set(part.subjects(RDF.type, URIRef(DEM + "Factsheet")))
        assert sheets and set(g.objects(node, URIRef(prov))) == sheets
        assert set(g.objects(node, URIRef(VOID + "rootResource"))) == sheets
        examples = set(g.objects(node, URIRef(VOID + "exampleResource")))
        assert sheets <= examples and all(str(e).startswith(ns) for e in examples)
        country = {o for s in sheets for o in part.objects(s, URIRef(DEM + "country"))}
        assert country and country <= set(g.objects(node, URIRef(DCT + "spatial")))
        out[code] = len(part)
    # the whole graph: derived from and rooted in every factsheet, examples from every country
    main = URIRef(KZVOID + "kzgraph")
    all_sheets = {s for part in truth.values()
                  for s in part.subjects(RDF.type, URIRef(DEM + "Factsheet"))}
    assert set(g.objects(main, URIRef(VOID + "rootResource"))) == all_sheets
    assert set(g.objects(main, URIRef(prov))) == all_sheets
    codes = {str(e).split("/id/", 1)[1][:2]
             for e in g.objects(main, URIRef(VOID + "exampleResource"))}
    assert codes == expected
    return out


def test_a_subset_per_country_of_the_bundled_graph(bundled: Path) -> None:
    from rdflib import URIRef

    from kzgraph.paths import graph_files

    counts = check_subsets(bundled / "void.ttl", list(graph_files()), {"kz", "ua"})
    assert counts["kz"] > 1000 and counts["ua"] > 100
    g, found = subsets(bundled / "void.ttl")
    description = str(g.value(found["ua"], URIRef(DCT + "description")))
    assert "not in the source: " in description and "Terminology" in description
    assert "not in the source" not in str(g.value(found["kz"], URIRef(DCT + "description")))
    assert "(Kazakhstan first)" not in (bundled / "void.ttl").read_text("utf-8")


def test_a_subset_per_country_counts_blank_nodes_and_statements(tmp_path: Path) -> None:
    # The fixture's Kazakhstan has a time interval (blank nodes) and a reified statement
    # nobody points to, about kz:emigrant-stock-2019-ukraine: both count for Kazakhstan.
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    shutil.copy(FIXTURES / "second-origin.ttl", bundle / "data" / "second-origin.ttl")
    out = build(tmp_path / "dist", root=bundle)
    counts = check_subsets(out / "void.ttl", bundle_files(bundle, "data"), {"kz", "de"})
    # by hand: the second origin's factsheet (3 triples) and 3 observations of 7 triples;
    # France (a shared country) is in the whole graph only
    assert counts["de"] == 3 + 3 * 7
    # second-origin.ttl declares no prefix for its namespace: the rule gives it one
    context = json.loads((out / "context.jsonld").read_text("utf-8"))["@context"]
    assert context["de"] == "https://w3id.org/kzgraph/id/de/"
    assert "\nde:factsheet a dem:Factsheet" in (out / "kzgraph.ttl").read_text("utf-8")
    from rdflib import BNode, Graph

    kz = Graph().parse(BUNDLE / "data" / "facts.ttl")
    bnode_triples = [t for t in kz if isinstance(t[0], BNode)]
    assert bnode_triples  # the interval, its instants and the statement
    own = [t for t in kz if str(t[0]).startswith("https://w3id.org/kzgraph/id/kz/")]
    assert counts["kz"] == len(own) + len(bnode_triples)


def test_landing_page_lists_every_country(bundled: Path) -> None:
    from rdflib import URIRef

    html = (bundled / "site" / "index.html").read_text("utf-8")
    section = html[html.index('<section id="countries">'):html.index('<section id="chart">')]
    g, found = subsets(bundled / "void.ttl")
    rows = {}
    for code in ("kz", "ua"):
        start = section.index(f'<tr id="country-{code}">')
        rows[code] = section[start:section.index("</tr>", start)]
    for code, country in (("kz", "kazakhstan"), ("ua", "ukraine")):
        assert f'href="id/country/{country}.html"' in rows[code]
        assert f'href="id/{code}/factsheet.html"' in rows[code]
        assert f'href="id/{code}/factsheet.ttl"' in rows[code]
        assert (bundled / "site" / "id" / code / "factsheet.ttl").is_file()
    # what each covers: Ukraine only Facts & figures, the rest not in the source
    covered, missing = rows["ua"].split("not in the source:")
    assert ">Facts &amp; figures<" in covered and ">Terminology<" not in covered
    for name in ("Terminology", "Obstacles", "Annex: List of Actors"):
        assert f">{name}<" in missing
    assert "not in the source" not in rows["kz"] and ">Terminology<" in rows["kz"]
    for code, row in rows.items():
        numbers = [int(n.replace(",", "")) for n in
                   re.findall(r'<td class="num">([\d,]+)</td>', row)]
        assert numbers == [int(g.value(found[code], URIRef(VOID + "triples"))),
                           int(g.value(found[code], URIRef(VOID + "entities")))]
    assert "(Kazakhstan first)" not in html


def test_no_country_constant_in_the_release_code() -> None:
    """Countries come from the graph: no string in the release's code names a country or a
    country's namespace (docstrings and the comments of a written file may, as examples)."""
    import ast

    import kzgraph.release

    pattern = re.compile(r"id/[a-z]{2}/|kazakh|ukrain|\bkz:|\bua:", re.IGNORECASE)
    found = []
    for path in Path(kzgraph.release.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docstrings and pattern.search("\n".join(
                        line for line in node.value.splitlines()
                        if not line.lstrip().startswith("#"))):
                found.append((path.name, node.value))
    assert found == []
    from kzgraph.namespaces import country_prefix
    from kzgraph.release import BASE_PREFIXES

    # a country's prefix comes from the graph, by the rule of kzgraph.namespaces
    assert [ns for ns in BASE_PREFIXES.values() if country_prefix(ns)] == []
