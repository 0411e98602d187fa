"""A damaged cache: a cached store whose files changed after it was written is rebuilt, never
queried; a corruption RocksDB finds while reading names the command that clears the cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kzgraph.errors import InputError

TTL = "@prefix ex: <http://example.org/> .\n" + "".join(
    f'ex:s{i} ex:p "value {i}" ; ex:q ex:s{i + 1} .\n' for i in range(2000))


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(TTL, encoding="utf-8")
    return path


def _count(store: object) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))[0].value)


def _flip_a_byte(entry: Path) -> Path:
    sst = max((entry / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
    data = bytearray(sst.read_bytes())
    data[len(data) // 2] ^= 0xFF
    sst.write_bytes(bytes(data))
    return sst


def test_a_flipped_byte_is_detected_and_rebuilt(tmp_path: Path, cache: Path) -> None:
    from kzgraph.store import load_store

    data = _data(tmp_path)
    assert _count(load_store([data], cache=True)) == 4000
    entry = next(cache.glob("store-*"))
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    assert meta["manifest"]  # every database file with its size and time
    damaged = _flip_a_byte(entry)
    damaged_bytes = damaged.read_bytes()

    store = load_store([data], cache=True)
    assert _count(store) == 4000
    assert [p.name for p in cache.glob("store-*")] == [entry.name]
    assert not damaged.exists() or damaged.read_bytes() != damaged_bytes  # rebuilt files


def test_a_truncated_file_is_detected(tmp_path: Path, cache: Path) -> None:
    from kzgraph.store import load_store

    data = _data(tmp_path)
    load_store([data], cache=True)
    entry = next(cache.glob("store-*"))
    sst = max((entry / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
    with open(sst, "r+b") as handle:
        handle.truncate(100)
    assert _count(load_store([data], cache=True)) == 4000


def test_an_entry_without_manifest_is_rebuilt(tmp_path: Path, cache: Path) -> None:
    from kzgraph.store import load_store

    data = _data(tmp_path)
    load_store([data], cache=True)
    entry = next(cache.glob("store-*"))
    meta_path = entry / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["manifest"]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    assert _count(load_store([data], cache=True)) == 4000
    assert "manifest" in json.loads(meta_path.read_text(encoding="utf-8"))


def test_an_unchanged_entry_is_reused(tmp_path: Path, cache: Path) -> None:
    from kzgraph.store import load_store

    data = _data(tmp_path)
    load_store([data], cache=True)
    entry = next(cache.glob("store-*"))
    inode = os.stat(entry / "meta.json").st_ino
    load_store([data], cache=True)
    assert os.stat(entry / "meta.json").st_ino == inode


def test_a_corruption_found_while_querying_names_the_fix(cache: Path) -> None:
    from kzgraph import sparql

    class Damaged:  # what RocksDB raises when a block's checksum does not match
        __module__ = "pyoxigraph"

        def query(self, text: str) -> object:
            raise OSError("Corruption: block checksum mismatch: stored = 1, computed = 2")

    with pytest.raises(InputError) as caught:
        sparql("SELECT * { ?s ?p ?o }", store=Damaged())
    assert "the cached store is damaged" in caught.value.message
    assert f"rm -rf '{cache}'" in caught.value.message
