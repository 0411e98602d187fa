"""Bad files: a byte-order mark, text that is not UTF-8, Turtle files named .TTL or .turtle,
a missing path, and a release folder the user added files to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., tuple[int, str, str]]
TRIPLE = '@prefix ex: <http://example.org/> .\nex:a ex:b "café" .\n'


def _only_message(err: str) -> None:
    assert "Traceback" not in err
    assert sum(line.startswith("kzgraph ") for line in err.splitlines()) == 1


def test_a_byte_order_mark_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + TRIPLE.encode())
    code, out, err = run_cli("validate", path)
    assert code == 2 and out == ""
    assert "bom.ttl:1: the file starts with a UTF-8 byte-order mark (BOM)" in err
    assert "without BOM" in err and "\ufeff" not in err
    _only_message(err)


def test_latin1_is_not_utf8(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(TRIPLE.encode("latin-1"))
    code, out, err = run_cli("validate", path)
    assert code == 2 and out == ""
    assert "latin1.ttl:2: not UTF-8 text" in err and "iconv" in err
    _only_message(err)


def test_turtle_files_in_any_case_are_read(tmp_path: Path) -> None:
    from kzgraph.store import expand_paths, load_files

    (tmp_path / "a.TTL").write_text(TRIPLE, encoding="utf-8")
    (tmp_path / "b.turtle").write_text(TRIPLE.replace("ex:a", "ex:c"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not RDF", encoding="utf-8")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.TTL", "b.turtle"]
    assert len(load_files([tmp_path])) == 2


def test_a_bundle_with_a_TTL_file_uses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    from kzgraph import paths

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.TTL").write_text(TRIPLE, encoding="utf-8")
    monkeypatch.setenv("KZGRAPH_HOME", str(tmp_path))
    assert [p.name for p in paths.turtle_files("data")] == ["x.TTL"]


@pytest.mark.parametrize("command", [["validate"], ["sparql"], ["validate", "--shapes"],
                                     ["factsheet", "--graph"]])
def test_a_missing_path_is_named(run_cli: RunCli, tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nowhere.ttl"
    code, out, err = run_cli(*command, missing)
    assert code == 2 and out == ""
    assert "nowhere.ttl" in err
    _only_message(err)


# ------------------------------------------------------------------------------------------
# The release folder: what a rebuild replaces
# ------------------------------------------------------------------------------------------


def test_a_rebuild_keeps_files_the_user_added(run_cli: RunCli, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    code, out, _ = run_cli("build", "--out", dist)
    assert code == 0
    assert f"({sum(1 for p in dist.rglob('*') if p.is_file())} files)" in out
    (dist / "CNAME").write_text("kzgraph.example.org\n", encoding="utf-8")
    (dist / "site" / "deploy-notes.md").write_text("notes\n", encoding="utf-8")
    before = sorted(p.relative_to(dist) for p in dist.rglob("*"))

    code, out, err = run_cli("build", "--out", dist)
    assert code == 2 and out == ""
    assert "holds files kzgraph did not write (CNAME, site/deploy-notes.md)" in err
    assert "--force" in err
    assert sorted(p.relative_to(dist) for p in dist.rglob("*")) == before
    code, _, err = run_cli("site", "--out", dist)
    assert code == 2 and "CNAME" in err
    assert (dist / "CNAME").read_text(encoding="utf-8") == "kzgraph.example.org\n"

    assert run_cli("build", "--out", dist, "--force")[0] == 0
    assert not (dist / "CNAME").exists()
    assert run_cli("build", "--out", dist)[0] == 0  # its own build is replaced as before
