"""The on-disk store cache keyed by stat data first (kzgraph.store._content_key): unchanged
files are recognised without reading them, and a changed file is never served stale - not
even when its size and modification time are restored, nor when it changed just before it
was hashed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from kzgraph import store

EX = "http://example.org/"
PREFIXES = f"@prefix ex: <{EX}> .\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(PREFIXES + text, encoding="utf-8")
    return path


def _values(oxi: object) -> list[str]:
    text = f"SELECT ?o WHERE {{ <{EX}a> <{EX}p> ?o }} ORDER BY ?o"
    rows = oxi.query(text)  # type: ignore[attr-defined]
    return [row[0].value for row in rows]


def _index(cache: Path) -> dict[str, str]:
    path = cache / store._STAT_INDEX
    return json.loads(path.read_text())["entries"] if path.is_file() else {}


def _age(path: Path, seconds: float = 3600) -> None:
    """Set the modification time back (the change time stays now: only the kernel sets it)."""
    st = path.stat()
    old = st.st_mtime_ns - int(seconds * 1e9)
    os.utime(path, ns=(old, old))


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test are seconds old at most: let them be indexed. (What the
    window guarantees - a later change falls in a later tick of the file-system clock - the
    tests ensure by waiting a tick, :func:`_next_tick`, before changing a file.)"""
    monkeypatch.setattr(store, "RACY_NS", 0)


def _next_tick() -> None:
    time.sleep(0.03)  # coarse file-system timestamps advance every 1-10 ms


def test_unchanged_files_are_keyed_by_stat_alone(tmp_path: Path, cache: Path,
                                                 no_racy_window: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    assert _values(store.load_store([data], cache=True)) == ["1"]
    [key] = _index(cache).values()
    assert (cache / f"store-{key[:32]}").is_dir()

    def no_hashing(files: list[Path]) -> str:
        raise AssertionError("hashed although the files did not change")

    monkeypatch.setattr(store, "_cache_key", no_hashing)
    assert _values(store.load_store([data], cache=True)) == ["1"]


def test_changed_content_with_same_size_and_mtime_is_not_stale(
        tmp_path: Path, cache: Path, no_racy_window: None) -> None:
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    _age(data)
    assert _values(store.load_store([data], cache=True)) == ["1"]
    assert len(_index(cache)) == 1
    st = data.stat()

    # Same size, modification time put back: only the change time tells.
    _next_tick()
    _write(data, "ex:a ex:p 2 .\n")
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (data.stat().st_size, data.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert _values(store.load_store([data], cache=True)) == ["2"]
    assert len(_index(cache)) == 2


def test_changed_size_or_mtime_is_rehashed(tmp_path: Path, cache: Path,
                                           no_racy_window: None) -> None:
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    assert _values(store.load_store([data], cache=True)) == ["1"]
    _next_tick()
    _write(data, "ex:a ex:p 1 , 22 .\n")
    assert _values(store.load_store([data], cache=True)) == ["1", "22"]
    _write(data, "ex:a ex:p 3 .\n")
    _age(data, 7200)
    assert _values(store.load_store([data], cache=True)) == ["3"]


def test_a_file_replaced_by_another_is_not_stale(tmp_path: Path, cache: Path,
                                                 no_racy_window: None) -> None:
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    assert _values(store.load_store([data], cache=True)) == ["1"]
    st = data.stat()
    _next_tick()
    other = _write(tmp_path / "other.ttl", "ex:a ex:p 9 .\n")
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, data)  # same name, size and mtime; another inode
    assert _values(store.load_store([data], cache=True)) == ["9"]


def test_recently_changed_files_are_not_indexed(tmp_path: Path, cache: Path) -> None:
    # The default window: a file written this instant could change again within the same
    # tick of the file-system clock, unseen by stat -> hashed again next time.
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    assert _values(store.load_store([data], cache=True)) == ["1"]
    assert _index(cache) == {}
    _write(data, "ex:a ex:p 2 .\n")
    assert _values(store.load_store([data], cache=True)) == ["2"]


def test_the_file_set_is_part_of_the_signature(tmp_path: Path, cache: Path,
                                               no_racy_window: None) -> None:
    a = _write(tmp_path / "a.ttl", "ex:a ex:p 1 .\n")
    b = _write(tmp_path / "b.ttl", "ex:a ex:p 2 .\n")
    assert _values(store.load_store([a], cache=True)) == ["1"]
    assert _values(store.load_store([a, b], cache=True)) == ["1", "2"]
    assert _values(store.load_store([b], cache=True)) == ["2"]
    assert len(_index(cache)) == 3


def test_broken_or_foreign_index_falls_back_to_hashing(tmp_path: Path, cache: Path,
                                                       no_racy_window: None) -> None:
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    cache.mkdir(parents=True)
    for junk in ("{not json", json.dumps({"format": 999, "entries": {}}), json.dumps([1, 2])):
        (cache / store._STAT_INDEX).write_text(junk)
        assert _values(store.load_store([data], cache=True)) == ["1"]
    assert len(_index(cache)) == 1
    # An index entry pointing at a key whose store is gone: rebuilt.
    [key] = _index(cache).values()
    for file in (cache / f"store-{key[:32]}" / "store").iterdir():
        file.unlink()
    assert _values(store.load_store([data], cache=True)) == ["1"]


def test_index_is_bounded(tmp_path: Path, cache: Path, no_racy_window: None,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_STAT_INDEX_KEEP", 3)
    for i in range(5):
        data = _write(tmp_path / f"d{i}.ttl", f"ex:a ex:p {i} .\n")
        assert _values(store.load_store([data], cache=True)) == [str(i)]
    assert len(_index(cache)) == 3


def test_unwritable_cache_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      no_racy_window: None) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KZGRAPH_CACHE", str(blocker / "cache"))
    data = _write(tmp_path / "data.ttl", "ex:a ex:p 1 .\n")
    assert _values(store.load_store([data], cache=True)) == ["1"]


def test_a_large_bundle_opens_its_cached_store_from_one_listing(
        tmp_path: Path, cache: Path, no_racy_window: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """oxigraph_store() of a bundle above the in-memory size finds its cached store from the
    stat data of its one listing of the files, and still never serves an edited file stale."""
    home = tmp_path / "home"
    (home / "ontology").mkdir(parents=True)
    (home / "data" / "cc").mkdir(parents=True)
    _write(home / "ontology" / "o.ttl", "ex:o ex:p 0 .\n")
    data = _write(home / "data" / "cc" / "facts.ttl", "ex:a ex:p 1 .\n")
    monkeypatch.setenv("KZGRAPH_HOME", str(home))
    monkeypatch.setattr(store, "_MEMORY_BYTES", 0)

    def fresh() -> object:
        store.oxigraph_store.cache_clear()
        return store.oxigraph_store()

    def slow_path(*args: object, **kwargs: object) -> None:
        raise AssertionError("the files did not change, yet the store was looked up again")

    try:
        assert _values(fresh()) == ["1"]  # built, cached and indexed
        with monkeypatch.context() as patched:
            patched.setattr(store, "load_store", slow_path)
            assert _values(fresh()) == ["1"]
        _next_tick()
        _write(data, "ex:a ex:p 2 .\n")
        assert _values(fresh()) == ["2"]
        (home / "data" / "cc" / "more.TTL").write_text(PREFIXES + "ex:a ex:p 3 .\n")
        assert _values(fresh()) == ["2", "3"]
    finally:
        store.oxigraph_store.cache_clear()
