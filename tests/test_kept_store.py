"""The store an incremental validation keeps on disk between runs (kzgraph.kept_store): a run
after an edit replaces the graphs of the changed files and reports what a full run reports; a
store left half-updated, from another version or held by another run is never trusted nor
waited for; a broken edit is reported and changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kzgraph import kept_store
from kzgraph.errors import InputError
from kzgraph.validation import ValidationReport, validate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
EDITED = "IntervalShape--no-end.ttl"


def _same(mine: ValidationReport, reference: ValidationReport) -> None:
    assert mine.to_json() == reference.to_json()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("_base.ttl", EDITED, "CountryShape--no-alpha-2.ttl"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each open of the kept store gave it (False: the run used memory instead)."""
    calls: list[bool] = []
    real = kept_store.open_kept

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        calls.append(found is not None)  # not the store itself: that would keep it open
        return found

    monkeypatch.setattr(kept_store, "open_kept", spy)
    return calls


def _edit(data: Path, extra: str) -> None:
    edited = data / EDITED
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace(" .\n", f" .\n{extra}\n", 1), encoding="utf-8")


def _manifest(cache: Path) -> dict[str, Any]:
    return json.loads((cache / "file-store" / "manifest.json").read_text(encoding="utf-8"))


def test_edits_replace_the_changed_graphs_and_report_as_a_full_run(
        data: Path, cache: Path, opened: list[bool]) -> None:
    validate([data], incremental=True)  # a full run, which fills the kept store
    assert _manifest(cache)["state"] == "ok"
    graphs = {k: v["graph"] for k, v in _manifest(cache)["files"].items()}
    for extra in ("", "<https://example.org/x> <https://example.org/p> 1 .",
                  "<https://example.org/x> <https://example.org/p> 2 ."):
        _edit(data, extra)
        opened.clear()
        mine = validate([data], incremental=True)
        assert opened == [True]  # the kept store, not a load into memory
        _same(mine, validate([data], incremental=False))
    (data / "CountryShape--no-alpha-2.ttl").unlink()  # a file gone, another added
    shutil.copy(FIXTURES / "StatementShape--no-object.ttl", data / "added.ttl")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    files = _manifest(cache)["files"]
    assert str(data / "added.ttl") in files
    assert str(data / "CountryShape--no-alpha-2.ttl") not in files
    assert files[str(data / EDITED)]["graph"] == graphs[str(data / EDITED)]  # replaced in place


def test_a_half_updated_store_is_filled_again(data: Path, cache: Path) -> None:
    validate([data], incremental=True)
    manifest = _manifest(cache)
    (cache / "file-store" / "manifest.json").write_text(
        json.dumps({**manifest, "state": "updating"}), encoding="utf-8")  # as a crash leaves it
    _edit(data, "<https://example.org/x> <https://example.org/p> 1 .")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    assert _manifest(cache)["state"] == "ok"


@pytest.mark.parametrize("damage", ["versions", "manifest", "store"])
def test_a_store_of_another_version_or_damaged_is_not_trusted(
        data: Path, cache: Path, damage: str) -> None:
    validate([data], incremental=True)
    folder = cache / "file-store"
    if damage == "versions":
        manifest = _manifest(cache)
        (folder / "manifest.json").write_text(
            json.dumps({**manifest, "versions": ["0.0.1", "0.0.1"]}), encoding="utf-8")
    elif damage == "manifest":
        (folder / "manifest.json").write_text('{"format": 1, "files": [', encoding="utf-8")
    else:
        for path in (folder / "store").iterdir():
            if path.name.startswith(("CURRENT", "MANIFEST")):
                path.write_bytes(b"garbage")
    _edit(data, "<https://example.org/x> <https://example.org/p> 1 .")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    assert _manifest(cache)["state"] == "ok"


def test_a_store_another_run_holds_is_not_waited_for(
        data: Path, cache: Path, opened: list[bool], capsys: pytest.CaptureFixture[str]) -> None:
    validate([data], incremental=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, pyoxigraph\n"
         f"s = pyoxigraph.Store({str(cache / 'file-store' / 'store')!r})\n"
         "print('open', flush=True)\ntime.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        _edit(data, "<https://example.org/x> <https://example.org/p> 1 .")
        started = time.monotonic()
        opened.clear()
        mine = validate([data], incremental=True)
        assert time.monotonic() - started < 50  # it did not wait for the other run
        assert opened == [False]  # in memory, without waiting; nor does it write the store
        assert capsys.readouterr().err.count("another kzgraph run is using") == 1
    finally:
        holder.kill()
        holder.wait()
    _same(mine, validate([data], incremental=False))
    _same(validate([data], incremental=True), mine)  # the kept store catches up afterwards


def test_a_broken_edit_is_reported_and_changes_nothing(data: Path, cache: Path) -> None:
    first = validate([data], incremental=True)
    before = _manifest(cache)
    good = (data / EDITED).read_text(encoding="utf-8")
    (data / EDITED).write_text(good + "\n<https://example.org/x> <p \n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        validate([data], incremental=True)
    assert EDITED in str(raised.value)
    assert _manifest(cache) == before
    (data / EDITED).write_text(good, encoding="utf-8")
    _same(validate([data], incremental=True), first)


def test_runs_at_once_all_end_with_the_same_report(data: Path, cache: Path) -> None:
    import os

    validate([data], incremental=True)
    _edit(data, "<https://example.org/x> <https://example.org/p> 1 .")
    command = [sys.executable, "-m", "kzgraph", "validate", "--incremental", "--format", "json",
               str(data)]
    env = {**os.environ, "KZGRAPH_CACHE": str(cache)}
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1]  # the fixtures do not conform
    assert len({out for out, _ in outputs}) == 1
    assert all("Traceback" not in err for _, err in outputs)
    assert json.loads(outputs[0][0]) == json.loads(validate([data]).to_json())
    assert _manifest(cache)["state"] == "ok"


def test_the_stores_old_information_logs_do_not_pile_up(data: Path, cache: Path) -> None:
    """RocksDB starts an information log at every opening and would keep a thousand: only the
    newest few old ones stay (these, written as from 2023, are older than any real one)."""
    validate([data], incremental=True)
    folder = cache / "file-store" / "store"
    for stamp in range(1_700_000_000_000_000, 1_700_000_000_000_030):
        (folder / f"LOG.old.{stamp}").write_text("old", encoding="utf-8")
    _edit(data, "")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    old = [p.name for p in folder.iterdir() if p.name.startswith("LOG.old.")]
    assert 0 < len(old) <= 8
    assert not [name for name in old if name < "LOG.old.1700000000000026"]  # the oldest


def test_prefixes_declared_alike_are_kept_once(tmp_path: Path, cache: Path) -> None:
    """At scale most files declare the same prefixes: the manifest names each set once (at
    N = 100 it held 1.6 MB, mostly repeats, read and written at every run)."""
    base = (FIXTURES / "_base.ttl").read_text(encoding="utf-8")
    head = "".join(line for line in base.splitlines(keepends=True) if line.startswith("@prefix"))
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "_base.ttl").write_text(base, encoding="utf-8")
    for n in range(3):
        (folder / f"more-{n}.ttl").write_text(
            head + f"<https://example.org/x{n}> <https://example.org/p> {n} .\n", encoding="utf-8")
    validate([folder], incremental=True)
    manifest = _manifest(cache)
    ours = [entry["prefixes"] for name, entry in manifest["files"].items()
            if Path(name).parent == folder]
    assert len(ours) == 4 and len(set(ours)) == 1
    assert len(manifest["declared"]) < len(manifest["files"])
    (folder / "more-0.ttl").write_text(
        head + "<https://example.org/x0> a <https://example.org/T> .\n", encoding="utf-8")
    _same(validate([folder], incremental=True), validate([folder], incremental=False))


BLANKS = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix t: <https://w3id.org/kzgraph/id/test/> .

[] a time:Instant{year} .
t:country-testland rdfs:seeAlso [ rdfs:seeAlso [ rdfs:seeAlso [ rdfs:seeAlso
    [ a time:Instant ] ] ] ] .
"""


def test_blank_nodes_no_iri_owns_are_validated_again_after_an_edit(data: Path,
                                                                   cache: Path) -> None:
    """A blank node no IRI reaches has no resource to keep its results under: each run
    after an edit validates it again, also when the edit is elsewhere; one four blank nodes
    below an IRI is that IRI's (both instants here lack a year or date)."""
    blanks = data / "blanks.ttl"
    blanks.write_text(BLANKS.format(year=""), encoding="utf-8")
    first = validate([data], incremental=True)
    instants = [r for r in first.results if r.focus_node.startswith("_:")]
    assert len(instants) == 2 and {r.resource.startswith("_:") for r in instants} == {
        True, False}
    _edit(data, "")
    _same(validate([data], incremental=True), validate([data], incremental=False))
    blanks.write_text(BLANKS.format(year=' ; time:inXSDgYear "2001"^^xsd:gYear'),
                      encoding="utf-8")
    fixed = validate([data], incremental=True)
    _same(fixed, validate([data], incremental=False))
    assert len([r for r in fixed.results if r.focus_node.startswith("_:")]) == 1
