"""pySHACL is the reference: the kzgraph engine (the native engine of kzgraph.shacl_native; pySHACL
with pyoxigraph SPARQL, restricted to the focus nodes an edit touches, for an incremental run)
reports exactly what plain ``pyshacl.validate`` reports, on every broken fixture
(tests/fixtures/shapes/), the bundled graph and a small synthetic graph; and an incremental run
after an edit gives exactly the report of a full run. tests/test_native_engine.py compares the
native engine with pySHACL on generated graphs and shapes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bench import generate
from kzgraph import shacl_engine, shapes_cache
from kzgraph.shacl_native import NativeEngine
from kzgraph.validation import ValidationReport, validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
BROKEN = sorted(p for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))

READ_SHAPES = shapes_cache.read_shapes


def _tuples(report: ValidationReport) -> set[tuple[Any, ...]]:
    return {(r.focus_node if not r.focus_node.startswith("_:") else (r.resource, r.via),
             r.path, r.constraint, r.source_shape, r.severity) for r in report.results}


def _same(mine: ValidationReport, reference: ValidationReport) -> None:
    assert mine.conforms == reference.conforms
    assert _tuples(mine) == _tuples(reference)
    assert mine.to_json() == reference.to_json()  # messages, values and files too


def test_every_broken_fixture_as_plain_pyshacl(cache: Path) -> None:
    files = [FIXTURES / "_base.ttl", *BROKEN]
    reference = validate(files, engine="pyshacl")
    mine = validate(files)
    assert not reference.conforms
    assert {Path(f).name for r in reference.results for f in r.files} >= {p.name for p in BROKEN}
    _same(mine, reference)
    assert not (cache / "validation").exists() or list((cache / "validation").iterdir())


def test_the_bundled_graph_as_plain_pyshacl(cache: Path) -> None:
    _same(validate(), validate(engine="pyshacl"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate.generate(3, out, seed=3)
    return out


def _bundle_files(home: Path, part: str) -> list[Path]:
    return sorted((home / part).rglob("*.ttl"))


def test_a_small_synthetic_graph_as_plain_pyshacl(synthetic: Path, cache: Path) -> None:
    args = ([_bundle_files(synthetic, "data"), _bundle_files(synthetic, "shapes")],
            {"ontology": _bundle_files(synthetic, "ontology")})
    _same(validate(*args[0], **args[1]), validate(*args[0], **args[1], engine="pyshacl"))


def _fixed(text: str) -> str:
    lines = text.splitlines()
    return "\n".join(line[3:] if line.startswith("#+ ") else line
                     for line in lines if not line.rstrip().endswith("# defect")) + "\n"


EDITED = ["CountryShape--no-alpha-2.ttl", "DeclaredTermsShape--undeclared-property.ttl",
          "NoDanglingReferenceShape--undescribed-resource.ttl",
          "CountryScopedShape--provision-of-two-countries.ttl", "IntervalShape--no-end.ttl",
          "StatementShape--no-object.ttl", "FactsheetSectionShape--order-zero.ttl"]


def _spy(monkeypatch: pytest.MonkeyPatch, path: str) -> list[Any]:
    """Records the focus nodes each validation was restricted to (None: all). ``path``: the
    native engine, or pySHACL with its internals (what runs for shapes the native engine does
    not implement)."""
    calls: list[Any] = []
    if path == "native":
        real = NativeEngine.validate
        monkeypatch.setattr(NativeEngine, "validate",
                            lambda self, only=None: calls.append(only) or real(self, only))
        return calls

    def refuse(*args: Any, **kwargs: Any) -> Any:
        # as if the shapes used a feature the native engine lacks
        return READ_SHAPES(*args, **kwargs)[0], None

    run = shacl_engine.run_pyshacl
    monkeypatch.setattr(shapes_cache, "read_shapes", refuse)
    monkeypatch.setattr("kzgraph.validation.run_pyshacl",
                        lambda *a, **k: calls.append(k.get("focus")) or run(*a, **k))
    return calls


PATHS = pytest.mark.parametrize("path", ["native", "pyshacl-internals"])


@PATHS
def test_an_edit_revalidates_what_it_touches_as_a_full_run_would(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for fixture in [FIXTURES / "_base.ttl", *BROKEN]:
        shutil.copy(fixture, data / fixture.name)
    first = validate([data], incremental=True)
    assert not first.conforms and list((cache / "validation").iterdir())

    calls = _spy(monkeypatch, path)
    for name in EDITED:  # fixed one by one, then broken again
        for text in (_fixed((FIXTURES / name).read_text(encoding="utf-8")),
                     (FIXTURES / name).read_text(encoding="utf-8")):
            (data / name).write_text(text, encoding="utf-8")
            calls.clear()
            incremental = validate([data], incremental=True)
            assert calls and calls[0] is not None  # only some focus nodes were validated
            _same(incremental, validate([data], incremental=False))
    assert validate([data], incremental=True).to_json() == first.to_json()


@PATHS
def test_shapes_or_ontology_changes_mean_a_full_run(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_bytes((ROOT / "shapes" / "kzgraph-shapes.ttl").read_bytes())
    files = [FIXTURES / "_base.ttl", FIXTURES / "CountryShape--no-alpha-2.ttl"]
    validate(files, [shapes, ROOT / "shapes" / "qc.ttl"], incremental=True)
    calls = _spy(monkeypatch, path)
    validate(files, [shapes, ROOT / "shapes" / "qc.ttl"], incremental=True)
    assert calls[-1] is not None
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    validate(files, [shapes, ROOT / "shapes" / "qc.ttl"], incremental=True)
    assert calls[-1] is None


def test_a_broken_cache_entry_means_a_full_run(tmp_path: Path, cache: Path) -> None:
    files = [FIXTURES / "_base.ttl", FIXTURES / "CountryShape--no-alpha-2.ttl"]
    first = validate(files, incremental=True)
    for entry in (cache / "validation").glob("*.json"):
        entry.write_text('{"format": 1, "files": [', encoding="utf-8")
    assert validate(files, incremental=True).to_json() == first.to_json()


def test_an_edit_whose_previous_description_is_gone_means_a_full_run(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for fixture in (FIXTURES / "_base.ttl", FIXTURES / "IntervalShape--no-end.ttl"):
        shutil.copy(fixture, data / fixture.name)
    validate([data], incremental=True)
    calls = _spy(monkeypatch, "native")
    for described in (cache / "validation" / "described").iterdir():
        described.write_text("[", encoding="utf-8")  # damaged, or removed by another run
    edited = data / "IntervalShape--no-end.ttl"
    edited.write_text(_fixed(edited.read_text(encoding="utf-8")), encoding="utf-8")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    assert calls[0] is None  # a full run: what the edit changed cannot be told
    calls.clear()
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    assert calls[0] is not None  # that run kept what the files describe again


def test_unchanged_files_are_not_read_again(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kzgraph import store, validation_cache

    monkeypatch.setattr(store, "RACY_NS", 0)  # the files were just written
    data = tmp_path / "data"
    data.mkdir()
    for fixture in (FIXTURES / "_base.ttl", FIXTURES / "IntervalShape--no-end.ttl"):
        shutil.copy(fixture, data / fixture.name)
    first = validate([data], incremental=True)
    hashed: list[Path] = []
    real = validation_cache.file_sha256
    monkeypatch.setattr(validation_cache, "file_sha256",
                        lambda p: hashed.append(p) or real(p))
    assert validate([data], incremental=True).to_json() == first.to_json()
    assert not set(hashed) & set(data.iterdir())
    edited = data / "IntervalShape--no-end.ttl"
    edited.write_text(_fixed(edited.read_text(encoding="utf-8")), encoding="utf-8")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    assert set(hashed) & set(data.iterdir()) == {edited}


def test_outside_the_tested_pyshacl_range_plain_pyshacl_runs(
        cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    files = [FIXTURES / "_base.ttl", FIXTURES / "CountryShape--no-alpha-2.ttl"]
    expected = validate(files, engine="pyshacl", incremental=False)
    shacl_engine._warn_untested.cache_clear()
    monkeypatch.setattr(shacl_engine, "pyshacl_version", lambda: (9, 0, 0))
    assert not shacl_engine.internals_supported()
    _spy(monkeypatch, "pyshacl-internals")
    _same(validate(files, incremental=True), expected)  # the run that uses pySHACL internals
    assert "outside the range kzgraph was tested with" in capsys.readouterr().err
    monkeypatch.setattr(shapes_cache, "read_shapes", READ_SHAPES)
    _same(validate(files), expected)  # the native engine does not depend on pySHACL's version
    with pytest.raises(ValueError):
        validate(files, engine="unknown")


def test_the_sparql_mirror_filled_while_parsing_holds_what_rdflib_holds(tmp_path: Path) -> None:
    """The pyoxigraph copy pySHACL's SPARQL runs on is filled from the parse: it must hold the
    triples of the rdflib graph, literals as rdflib normalises them, blank nodes included."""
    import pyoxigraph as ox

    from kzgraph import store

    data = tmp_path / "data.ttl"
    data.write_text('''@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
ex:a ex:count "01"^^xsd:integer , "1"^^xsd:integer ; ex:share "1.50"^^xsd:decimal ;
    ex:flag "1"^^xsd:boolean ; ex:label "Kazakh"@EN-gb , "plain" ; ex:bad "x"^^xsd:integer ;
    ex:interval [ ex:end [ ex:year "2019"^^xsd:gYear ] ] .
''', encoding="utf-8")
    graph = store.load_files([data])
    loaded = getattr(graph, store.MIRROR_ATTR)
    assert len(loaded.store) == len(graph)
    converted = ox.Store()
    converted.bulk_extend(ox.Quad(*(shacl_engine.oxigraph_term(t) for t in triple))
                          for triple in graph)
    assert set(loaded.store) == set(converted)
    more = store.load_files([data], graph=graph)  # a graph loaded twice has no stale copy
    assert getattr(more, store.MIRROR_ATTR) is None


def test_installed_versions_are_read_as_importlib_metadata_reads_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pySHACL version (part of the validation cache's key and of the range check) is read
    from the dist-info folder beside the package, or asked of importlib.metadata."""
    import importlib.util
    from importlib.metadata import version

    for package in ("pyshacl", "rdflib", "pyoxigraph", "jinja2"):
        assert shacl_engine._installed_version(package) == version(package)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert shacl_engine._installed_version("pyshacl") == version("pyshacl")
