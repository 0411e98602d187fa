"""The shapes resolved once and kept in the cache folder (kzgraph.shapes_cache): a later run
reads them instead of parsing, an edit of a shapes file (or a damaged entry) means a parse,
shapes the native engine does not implement are never kept, and a cache folder that cannot be
written changes nothing but the speed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from kzgraph import paths, shapes_cache
from kzgraph import store as _store
from kzgraph.validation import validate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
DATA = [FIXTURES / "_base.ttl", FIXTURES / "CountryShape--no-alpha-2.ttl"]


@pytest.fixture
def shapes(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "shapes"
    folder.mkdir()
    return [Path(shutil.copy(p, folder / p.name)) for p in paths.shapes_files()]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """The shapes files each parse was given."""
    calls: list[list[Path]] = []
    real = _store.load_files

    def spy(files: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(list(files))
        return real(files, *args, **kwargs)

    monkeypatch.setattr(_store, "load_files", spy)
    return calls


def _shapes(model: Any) -> list[tuple[str, ...]]:
    return sorted((str(s.node), str(s.path_sparql), repr(s.constraints)[:60]) for s in model.top)


def test_a_second_run_reads_the_kept_shapes(shapes: list[Path], cache: Path,
                                            parses: list[list[Path]]) -> None:
    graph, model = shapes_cache.read_shapes(shapes)
    assert parses == [shapes] and model is not None
    again_graph, again = shapes_cache.read_shapes(shapes)
    assert parses == [shapes]  # not parsed again
    assert again is not None and _shapes(again) == _shapes(model)
    assert set(again_graph) == set(graph)
    assert validate(DATA, shapes).to_json() == validate(DATA, shapes, engine="pyshacl").to_json()


def test_an_edited_shapes_file_is_parsed_again(shapes: list[Path], cache: Path) -> None:
    before = validate(DATA, shapes)
    assert not before.conforms
    edited = next(p for p in shapes if p.name == "kzgraph-shapes.ttl")
    text = edited.read_text(encoding="utf-8")
    # the alpha-2 code the fixture lacks becomes optional: the report must follow
    assert "sh:path dem:iso3166Alpha2 ; sh:minCount 1" in text
    edited.write_text(text.replace("sh:path dem:iso3166Alpha2 ; sh:minCount 1",
                                   "sh:path dem:iso3166Alpha2 ; sh:minCount 0"), encoding="utf-8")
    after = validate(DATA, shapes)
    assert after.to_json() == validate(DATA, shapes, engine="pyshacl").to_json()
    assert after.to_json() != before.to_json()


def test_a_damaged_entry_is_parsed_again_and_replaced(shapes: list[Path], cache: Path,
                                                      parses: list[list[Path]]) -> None:
    shapes_cache.read_shapes(shapes)
    (entry,) = (cache / "shapes").glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    _, model = shapes_cache.read_shapes(shapes)
    assert model is not None and len(parses) == 2
    _, model = shapes_cache.read_shapes(shapes)
    assert model is not None and len(parses) == 2  # the replaced entry is read


def test_shapes_the_native_engine_lacks_are_not_kept(tmp_path: Path, cache: Path) -> None:
    ruled = tmp_path / "rules.ttl"
    ruled.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                     "<urn:s> a sh:NodeShape ; sh:targetNode <urn:x> ;\n"
                     "  sh:rule [ a sh:TripleRule ; sh:subject sh:this ;\n"
                     "            sh:predicate <urn:p> ; sh:object 1 ] .\n", encoding="utf-8")
    graph, model = shapes_cache.read_shapes([ruled])
    assert model is None and len(graph) > 0
    assert not (cache / "shapes").exists() or not any((cache / "shapes").iterdir())


def test_a_cache_folder_that_cannot_be_written_changes_nothing(
        shapes: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("KZGRAPH_CACHE", str(blocked))
    assert validate(DATA, shapes).to_json() == validate(DATA, shapes, engine="pyshacl").to_json()
    assert blocked.read_text(encoding="utf-8").startswith("a file")
