"""The loader: files -> rdflib Graph / pyoxigraph Store, parse errors with file and line,
the source map, and the on-disk store cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from kzgraph import paths, store
from kzgraph.errors import InputError, RDFSyntaxError

EX = "https://example.org/kzgraph-test#"
PARSERS = ["oxigraph", "rdflib"]
PREFIXES = "@prefix ex: <https://example.org/kzgraph-test#> .\n"

# (name, Turtle text, the 1-based line that the error must be reported on)
BAD_TURTLE = [
    ("object missing", PREFIXES + "ex:a ex:b ex:c .\nex:a ex:b .\n", 3),
    ("undeclared prefix", PREFIXES + "ex:a ex:b ex:c .\n\nfoo:a ex:b ex:c .\n", 4),
    ("unterminated string",
     PREFIXES + 'ex:a ex:b ex:c .\nex:a ex:b "open .\nex:x ex:y ex:z .\n', 3),
    ("two objects without a comma", PREFIXES + '\nex:a ex:b "x"@en ex:c .\n', 3),
    ("unclosed blank node", PREFIXES + "\n\n\nex:a ex:b [ ex:c ex:d .\n", 5),
    # The statement ends at end of file: the line is the unfinished one, not the one past it.
    ("end of file", PREFIXES + "ex:a ex:b ex:c .\nex:a ex:b ex:c ;\n\n", 3),
    ("non-ASCII before the error",
     PREFIXES + 'ex:a ex:b "Қазақстан Ақорда Астана"@kk .\nex:é ex:b "ü" .\n'
     'ex:a ex:b ex:c ex:d .\n', 4),
    ("multi-line string before the error",
     PREFIXES + 'ex:a ex:b """one\ntwo\nthree""" .\nex:a ex:b ex:c ex:d .\n', 5),
    ("CRLF line ends", PREFIXES.replace("\n", "\r\n") + "ex:a ex:b ex:c .\r\nex:a ex:b .\r\n", 3),
]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(("name", "text", "line"), BAD_TURTLE, ids=[c[0] for c in BAD_TURTLE])
def test_malformed_turtle_names_file_and_line(tmp_path: Path, parser: str, name: str, text: str,
                                              line: int) -> None:
    path = write(tmp_path, "bad.ttl", text)
    with pytest.raises(RDFSyntaxError) as caught:
        store.load_files([path], parser=parser)
    error = caught.value
    assert error.line == line, f"{name}: {error.message}"
    assert error.file is not None and error.file.endswith("bad.ttl")
    assert error.message.startswith(f"{error.file}:{line}: malformed Turtle: ")
    assert error.exit_code == 2


def test_fixture_malformed_file_line(fixtures_dir: Path) -> None:
    with pytest.raises(RDFSyntaxError) as caught:
        store.load_files([fixtures_dir / "validate" / "malformed.ttl"])
    assert caught.value.line == 8
    assert "malformed.ttl:8:" in caught.value.message
    assert "dot is expected" in caught.value.message  # the parser's own words


@pytest.mark.parametrize(("suffix", "text", "line"), [
    (".nt", "<http://ex/a> <http://ex/b> <http://ex/c> .\n<http://ex/a> <http://ex/b> .\n", 2),
    (".jsonld", '{"@id": "http://ex/a",\n "http://ex/b": [1,\n\n 2,, 3]}\n', 4),
    (".rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
             '<rdf:Description rdf:about="http://ex/a">\n</rdf:RDF>\n', 4),
])
def test_other_formats_report_the_line(tmp_path: Path, suffix: str, text: str, line: int) -> None:
    path = write(tmp_path, "bad" + suffix, text)
    with pytest.raises(RDFSyntaxError) as caught:
        store.load_files([path])
    assert caught.value.line == line, caught.value.message


def test_other_formats_load(tmp_path: Path) -> None:
    nt = write(tmp_path, "a.nt", f"<{EX}a> <{EX}p> \"x\" .\n")
    jsonld = write(tmp_path, "b.jsonld", json.dumps({"@id": EX + "b", EX + "p": "y"}))
    rdf = write(tmp_path, "c.rdf", f'<?xml version="1.0"?>\n<rdf:RDF '
                'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                f'<rdf:Description rdf:about="{EX}c"><p xmlns="{EX}">z</p></rdf:Description>\n'
                "</rdf:RDF>\n")
    graph = store.load_files([nt, jsonld, rdf])
    assert len(graph) == 3
    assert {str(o) for o in graph.objects()} == {"x", "y", "z"}


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ttl"
    with pytest.raises(InputError) as caught:
        store.load_files([missing])
    assert not isinstance(caught.value, RDFSyntaxError)
    assert str(missing) in caught.value.message
    assert "no such file" in caught.value.message
    assert caught.value.hint


def test_unsupported_extension_and_empty_folder(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "hello")
    with pytest.raises(InputError, match=r"unsupported RDF file type '\.txt'"):
        store.load_files([tmp_path / "notes.txt"])
    with pytest.raises(InputError, match=r"no \.ttl files"):
        store.load_files([tmp_path])


def test_folder_expands_to_sorted_ttl_files(fixtures_dir: Path) -> None:
    folder = fixtures_dir / "validate" / "split"
    files = store.expand_paths([folder, folder / "b-more.ttl"])  # the duplicate is dropped
    assert [f.name for f in files] == ["a-organisation.ttl", "b-more.ttl"]


def test_links_in_folders(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    real = write(tmp_path / "data", "a.ttl", PREFIXES + "ex:a ex:p 1 .\n")
    (tmp_path / "data" / "same.ttl").symlink_to(real)  # the same file twice: read once
    (tmp_path / "data" / "gone.ttl").symlink_to(tmp_path / "missing.ttl")  # dangling: skipped
    (tmp_path / "data" / "sub.ttl").mkdir()  # a folder named like a file: searched, not read
    files = store.expand_paths([tmp_path / "data", real])
    assert files == [real]
    with pytest.raises(InputError, match="no such file or folder"):
        store.expand_paths([tmp_path / "data" / "gone.ttl"])


@pytest.mark.parametrize("parser", PARSERS)
def test_source_map_names_the_describing_files(fixtures_dir: Path, parser: str) -> None:
    folder = fixtures_dir / "validate" / "split"
    graph = store.load_files([folder], parser=parser)
    sources = store.source_map(graph)
    embassy = sources.files(EX + "embassy")
    assert [Path(f).name for f in embassy] == ["a-organisation.ttl", "b-more.ttl"]
    assert [Path(f).name for f in sources.files(rdflib.URIRef(EX + "consulate"))] == ["b-more.ttl"]
    assert sources.files(EX + "ministry-elsewhere") == ()  # only an object, never a subject
    assert sources.iri_count() == 2


def test_both_parsers_give_the_same_graph(fixtures_dir: Path) -> None:
    files = [fixtures_dir / "validate" / "good.ttl", fixtures_dir / "validate" / "shapes.ttl"]
    fast = store.load_files(files)
    slow = store.load_files(files, parser="rdflib")
    from rdflib.compare import isomorphic

    assert len(fast) == len(slow) > 0
    assert isomorphic(fast, slow)
    assert dict(fast.namespaces())["exs"] == rdflib.URIRef("https://example.org/kzgraph-test/shapes#")


def test_blank_nodes_of_different_files_stay_apart(tmp_path: Path) -> None:
    one = write(tmp_path, "one.ttl", PREFIXES + "_:b ex:p 1 .\n")
    two = write(tmp_path, "two.ttl", PREFIXES + "_:b ex:p 2 .\n")
    graph = store.load_files([one, two])
    assert len(set(graph.subjects())) == 2


def test_ill_typed_literal_loads_quietly(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "typed.ttl",
                 PREFIXES + "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                 'ex:a ex:n "abc"^^xsd:integer .\n')
    graph = store.load_files([path])
    assert len(graph) == 1
    assert "Traceback" not in capfd.readouterr().err


def test_bundled_graph_is_cached_and_holds_the_ontology() -> None:
    graph = store.graph()
    assert graph is store.graph()
    ontology = rdflib.URIRef("https://w3id.org/kzgraph/ontology")
    assert (ontology, rdflib.RDF.type, rdflib.OWL.Ontology) in graph
    import kzgraph

    assert kzgraph.graph() is graph
    files = store.source_map(graph).files(ontology)
    assert any(f.endswith("kzgraph.ttl") for f in files)


# ------------------------------------------------------------------------------------------
# pyoxigraph store and its on-disk cache
# ------------------------------------------------------------------------------------------


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("store-*"))


def test_store_cache_is_built_reused_and_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   fixtures_dir: Path) -> None:
    import pyoxigraph as ox

    cache = tmp_path / "cache"
    monkeypatch.setenv("KZGRAPH_CACHE", str(cache))
    files = [fixtures_dir / "validate" / "good.ttl"]
    expected = len(store.load_files(files))

    first = store.load_store(files, cache=True)
    assert len(first) == expected
    [entry] = _entries(cache)
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["triples"] == expected and len(meta["key"]) == 64
    stamp = (entry / "meta.json").stat().st_mtime_ns

    second = store.load_store(files, cache=True)  # opened, not rebuilt
    assert len(second) == expected
    assert (entry / "meta.json").stat().st_mtime_ns == stamp
    rows = list(second.query(f"SELECT ?o WHERE {{ <{EX}ministry> <{EX}foundingYear> ?o }}"))
    assert [r[0].value for r in rows] == ["1991"]
    with pytest.raises((OSError, RuntimeError)):  # the cache stays as it was built
        second.add(ox.Quad(ox.NamedNode(EX + "x"), ox.NamedNode(EX + "p"), ox.Literal("1")))
    assert not list(cache.glob(".tmp-*"))


def test_store_cache_stale_or_corrupt_is_rebuilt(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KZGRAPH_CACHE", str(cache))
    data = write(tmp_path, "data.ttl", PREFIXES + "ex:a ex:p 1 .\n")
    assert len(store.load_store([data], cache=True)) == 1
    [entry] = _entries(cache)

    # Corrupt: the meta data is cut short or names another key -> not trusted, rebuilt.
    meta = json.loads((entry / "meta.json").read_text())
    for broken in ('{"format": 1, "key"', json.dumps({**meta, "key": "0" * 64})):
        (entry / "meta.json").write_text(broken)
        assert len(store.load_store([data], cache=True)) == 1
        rebuilt = json.loads((entry / "meta.json").read_text())
        assert {**rebuilt, "manifest": None} == {**meta, "manifest": None}  # new files' times

    # Corrupt: the database is gone.
    for file in (entry / "store").iterdir():
        file.unlink()
    assert len(store.load_store([data], cache=True)) == 1

    # Stale: the file changed -> another key, another entry.
    write(tmp_path, "data.ttl", PREFIXES + "ex:a ex:p 1 , 2 .\n")
    assert len(store.load_store([data], cache=True)) == 2
    assert len(_entries(cache)) == 2


def test_store_syntax_error_names_file_and_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KZGRAPH_CACHE", str(tmp_path / "cache"))
    bad = write(tmp_path, "bad.ttl", PREFIXES + "ex:a ex:p 1 .\nex:a ex:p .\n")
    for cache in (True, False):
        with pytest.raises(RDFSyntaxError) as caught:
            store.load_store([bad], cache=cache)
        assert caught.value.line == 3
    assert not _entries(tmp_path / "cache")
    assert not list((tmp_path / "cache").glob(".tmp-*"))


def test_unwritable_cache_falls_back_to_memory(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = write(tmp_path, "a-file", "not a folder")
    monkeypatch.setenv("KZGRAPH_CACHE", str(blocker / "cache"))
    data = write(tmp_path, "data.ttl", PREFIXES + "ex:a ex:p 1 .\n")
    assert len(store.load_store([data], cache=True)) == 1


def test_oxigraph_store_is_the_bundled_graph(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KZGRAPH_CACHE", str(tmp_path / "cache"))
    store.oxigraph_store.cache_clear()
    try:
        oxi = store.oxigraph_store()
        assert oxi is store.oxigraph_store()
        assert len(oxi) == len(store.load_files(paths.graph_files()))
        # The bundled graph is small: parsing it into memory beats opening the on-disk cache,
        # which serves larger graphs (load_store(cache=True), tested above).
        assert not _entries(tmp_path / "cache")
    finally:
        store.oxigraph_store.cache_clear()


def test_importing_the_store_module_is_cheap() -> None:
    code = ("import sys, kzgraph.store, kzgraph.validation, kzgraph.cli.validate; "
            "print(sorted(m for m in ('rdflib', 'pyshacl', 'pyoxigraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("given", [
    "data/kz/annex.ttl", "data/kz/./annex.ttl", "data/kz/", "data/kz/.", "data",
    "linked/annex.ttl", "linked/../x.ttl", "annex-link.ttl", "outside.ttl", "."])
def test_files_are_named_relative_to_the_working_folder_through_links(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    """A file is named as its resolved path relative to the working folder (the folder of
    each file resolved once for all its files): links, "." and ".." as Path.resolve reads them."""
    work = tmp_path / "work"
    (work / "data" / "kz").mkdir(parents=True)
    (work / "data" / "kz" / "annex.ttl").write_text("", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (work / "linked").symlink_to(work / "data" / "kz")
    (work / "annex-link.ttl").symlink_to(work / "data" / "kz" / "annex.ttl")
    (work / "outside.ttl").symlink_to(tmp_path / "elsewhere" / "x.ttl")
    monkeypatch.chdir(work)
    for path in (Path(given), work / given):
        try:
            expected = str(path.resolve().relative_to(work.resolve()))
        except ValueError:
            expected = str(path)
        assert store.display_path(path) == expected
