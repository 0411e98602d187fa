"""`kzgraph new-country` writes a new country's skeleton into a copy of the bundle: it validates
as written, the stored queries answer it with empty-but-correct results and without changing
any other country's answers, nothing is invented, and nothing existing is overwritten."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import kzgraph
from kzgraph import catalogue
from kzgraph.cli import main
from kzgraph.errors import EXIT_INPUT, InputError

ROOT = Path(__file__).resolve().parents[1]
COUNTRY = "https://w3id.org/kzgraph/id/country/"
GE = "https://w3id.org/kzgraph/id/ge/"
SCOPED = [q for q in catalogue.queries() if any(p.name == "country" for p in q.parameters)]
GEORGIA = ["georgia", "--code", "ge", "--label", "Georgia", "--alpha2", "GE", "--alpha3", "GEO",
           "--wikidata", "Q230"]


def _bundle(tmp: Path) -> Path:
    for part in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp / part)
    return tmp


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _write(tmp: Path, *args: str) -> Any:
    from kzgraph.country_skeleton import new_country

    slug, rest = args[0], list(args[1:])
    options = dict(zip((k.lstrip("-") for k in rest[::2]), rest[1::2], strict=True))
    code = options.pop("code")
    label = options.pop("label", None)
    return new_country(slug, code, label, data=tmp / "data", ontology=tmp / "ontology",
                       **options)


def _store(home: Path) -> Any:
    import pyoxigraph as ox

    store = ox.Store()
    for folder in ("ontology", "data"):
        for f in sorted((home / folder).rglob("*.ttl")):
            store.load(path=f, format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def georgia(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = _bundle(tmp_path_factory.mktemp("georgia"))
    _write(home, *GEORGIA)
    return home


def _rows(result: Any) -> Counter:
    return Counter(tuple((v, None) if row.get(v) is None else (v, row[v].kind, row[v].value,
                                                               row[v].datatype, row[v].lang)
                         for v in result.variables) for row in result.rows)


# -- what is written -------------------------------------------------------------------------

def test_the_skeleton_validates_as_written(georgia: Path) -> None:
    from kzgraph.validation import validate

    report = validate([georgia / "data"], ontology=[georgia / "ontology"])
    assert report.conforms, report.to_text()


def test_the_skeleton_has_the_factsheet_its_seven_sections_and_a_footnote_gap(
        georgia: Path) -> None:
    store = _store(georgia)
    ask = functools.partial(kzgraph.sparql, store=store)
    sections = ask("""PREFIX dem: <https://w3id.org/kzgraph/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?section ?type WHERE {
          <https://w3id.org/kzgraph/id/ge/factsheet> dcterms:hasPart ?section .
          ?section dcterms:isPartOf <https://w3id.org/kzgraph/id/ge/factsheet> ;
                   dem:sectionType ?type ; dem:gap ?gap .
          ?type skos:inScheme <https://w3id.org/kzgraph/vocab/section> } ORDER BY ?section""")
    scheme = ask("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?type WHERE { ?type skos:inScheme <https://w3id.org/kzgraph/vocab/section> }""")
    assert sorted(r["type"].value for r in sections) == sorted(r["type"].value for r in scheme)
    assert len(sections) == 7
    assert all(r["section"].value == GE + "section-" + r["type"].value.rsplit("/", 1)[1]
               for r in sections)
    footnote = ask("""PREFIX dem: <https://w3id.org/kzgraph/ontology#>
        SELECT ?gap ?text WHERE { <https://w3id.org/kzgraph/id/ge/footnote-1> dem:gap ?gap
          OPTIONAL { <https://w3id.org/kzgraph/id/ge/footnote-1> dem:printedText ?text } }""")
    assert [(r["gap"].value, r.get("text")) for r in footnote] == [
        ("https://w3id.org/kzgraph/vocab/gap/footnote-text-lost", None)]


def test_the_country_entry_holds_only_the_identifiers_given(tmp_path: Path) -> None:
    home = _bundle(tmp_path)
    before = (home / "data" / "shared" / "countries.ttl").read_text(encoding="utf-8")
    result = _write(home, "narnia", "--code", "nn", "--label", "Narnia", "--alpha2", "NN")
    after = (home / "data" / "shared" / "countries.ttl").read_text(encoding="utf-8")
    assert result.written == [home / "data" / "nn" / "factsheet.ttl",
                              home / "data" / "shared" / "countries.ttl"]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [
        "@prefix nn: <https://w3id.org/kzgraph/id/nn/> .",
        "country:narnia a dem:Country ;",
        '    rdfs:label "Narnia"@en ;',
        '    dem:iso3166Alpha2 "NN" ;',
        "    prov:wasDerivedFrom nn:factsheet , kzg:source-iso-3166-1 ;",
        "    dem:inSection nn:section-facts-and-figures ."]
    assert after.startswith(before.split("@prefix o", 1)[0])  # prefixes stay sorted, once
    assert after.count("@prefix nn:") == 1
    import pyoxigraph as ox

    said = {(q.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
            for q in ox.parse(path=str(home / "data" / "nn" / "factsheet.ttl"),
                              format=ox.RdfFormat.TURTLE)}
    # Structure and gaps only: no author, date, order, printed text or address is made up.
    assert said == {"22-rdf-syntax-ns#type", "type", "label", "title", "country", "hasPart",
                    "gap", "editorialNote", "isPartOf", "sectionType", "footnoteNumber",
                    "inSection"} - {"22-rdf-syntax-ns#type"}


def test_a_country_already_described_gets_its_factsheet_only(tmp_path: Path) -> None:
    from kzgraph.validation import validate

    home = _bundle(tmp_path)
    shared = _tree(home / "data" / "shared")
    result = _write(home, "moldova", "--code", "md")
    assert result.written == [home / "data" / "md" / "factsheet.ttl"]
    assert _tree(home / "data" / "shared") == shared
    assert "Diaspora engagement mapping — Moldova" in result.written[0].read_text("utf-8")
    assert any("country:moldova" in note for note in result.notes)
    report = validate([home / "data"], ontology=[home / "ontology"])
    assert report.conforms, report.to_text()


def test_a_prefix_bound_elsewhere_puts_the_entry_in_a_file_of_its_own(tmp_path: Path) -> None:
    from kzgraph.validation import validate

    home = _bundle(tmp_path)
    countries = home / "data" / "shared" / "countries.ttl"
    countries.write_text("@prefix ge: <http://example.org/other/> .\n"
                         + countries.read_text("utf-8"), encoding="utf-8")
    before = countries.read_bytes()
    result = _write(home, *GEORGIA)
    assert result.written[1] == home / "data" / "shared" / "country-georgia.ttl"
    assert countries.read_bytes() == before
    report = validate([home / "data"], ontology=[home / "ontology"])
    assert report.conforms, report.to_text()


# -- the stored queries ----------------------------------------------------------------------

@pytest.mark.parametrize("stored", SCOPED, ids=[q.name for q in SCOPED])
def test_the_stored_queries_answer_the_skeleton_and_no_other_country_changes(
        stored: catalogue.StoredQuery, georgia: Path) -> None:
    with_it, without = _store(georgia), _georgia_baseline()
    answer = kzgraph.query(stored.name, store=with_it, country=COUNTRY + "georgia")
    others = {t.value for row in answer.rows for t in row.values() if t.kind == "uri"
              and t.value.startswith("https://w3id.org/kzgraph/id/")
              and not t.value.startswith((GE, COUNTRY, "https://w3id.org/kzgraph/id/source-"))}
    assert others == set(), f"{stored.name} answers Georgia with other countries' resources"
    for country in ("kazakhstan", "ukraine"):
        mine = kzgraph.query(stored.name, store=with_it, country=COUNTRY + country)
        before = kzgraph.query(stored.name, store=without, country=COUNTRY + country)
        assert _rows(mine) == _rows(before), f"{stored.name}: {country}'s answer changed"


@functools.cache
def _georgia_baseline() -> Any:
    return _store(ROOT)


def test_the_skeleton_answers_only_with_its_factsheet_sections_and_footnote(
        georgia: Path) -> None:
    store = _store(georgia)
    answered = {q.name: len(kzgraph.query(q.name, store=store, country=COUNTRY + "georgia"))
                for q in SCOPED}
    # Read against the skeleton: its factsheet, 7 sections, 1 footnote; the gaps of the
    # factsheet, the footnote and each of the 7 sections (not yet entered: not in the source);
    # the country entry, cited to the factsheet, ISO 3166-1 and Wikidata.
    assert {name: n for name, n in answered.items() if n} == {
        "factsheet-metadata": 1, "footnotes": 1, "gaps": 9, "sections": 7,
        "factsheet-notes": 1, "factsheet-provenance": 3, "factsheet-resources": 1}


# -- refusals: exit 2, nothing written --------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["ukraine", "--code", "xy"], "already has a factsheet"),
    (["freedonia", "--code", "kz", "--label", "Freedonia", "--alpha2", "FD"], "already exists"),
    (["georgia", "--code", "ge", "--label", "Georgia"], "--alpha2"),
    (["Georgia", "--code", "ge"], "slug 'Georgia'"),
    (["georgia", "--code", "geo"], "code 'geo'"),
    (["georgia", "--code", "ge", "--label", "Georgia", "--alpha2", "geo"], "--alpha2 'GEO'"),
    (["georgia", "--code", "ge", "--label", "Georgia", "--alpha2", "GE", "--wikidata", "230"],
     "--wikidata '230'"),
])
def test_a_refusal_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch, args: list[str],
                                              message: str) -> None:
    home = _bundle(tmp_path)
    before = _tree(home)
    monkeypatch.setenv("KZGRAPH_HOME", str(home))
    assert main(["new-country", *args]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith("kzgraph new-country: error: ") and message in err
    assert "Traceback" not in err
    assert _tree(home) == before


def test_iris_of_the_code_in_use_elsewhere_are_refused(tmp_path: Path) -> None:
    home = _bundle(tmp_path)
    (home / "data" / "ua").rename(home / "data" / "ukraine")
    before = _tree(home)
    with pytest.raises(InputError, match=r"id/ua/ are already in use, e\.g\. "):
        _write(home, "georgia", "--code", "ua", "--label", "Georgia", "--alpha2", "GE")
    assert _tree(home) == before


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from kzgraph import country_skeleton

    def full_disk(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    home = _bundle(tmp_path)
    before = _tree(home)
    monkeypatch.setattr(country_skeleton, "_write_atomically", full_disk)
    with pytest.raises(InputError, match=r"countries\.ttl: cannot write: No space left"):
        _write(home, *GEORGIA)
    assert _tree(home) == before and not (home / "data" / "ge").exists()


def test_a_malformed_data_file_is_named(tmp_path: Path) -> None:
    home = _bundle(tmp_path)
    (home / "data" / "shared" / "broken.ttl").write_text("country:x a .\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.ttl"):
        _write(home, *GEORGIA)
    assert not (home / "data" / "ge").exists()


# -- the command, as a user runs it -----------------------------------------------------------

def test_the_command_then_validate_in_a_copy_of_the_bundle(tmp_path: Path) -> None:
    home = _bundle(tmp_path / "home")
    env = {**os.environ, "KZGRAPH_HOME": str(home), "KZGRAPH_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT / "src")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kzgraph", *args], env=env, text=True,
                              capture_output=True, timeout=300, check=False)

    made = run("new-country", *GEORGIA)
    assert made.returncode == 0, made.stderr
    assert "data/ge/factsheet.ttl" in made.stderr and "countries.ttl" in made.stderr
    checked = run("validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = run("new-country", *GEORGIA)
    assert again.returncode == EXIT_INPUT and "already" in again.stderr
    table = run("query", "footnotes", "--param", f"country={COUNTRY}georgia")
    assert table.returncode == 0 and "ge:footnote-1" in table.stdout
