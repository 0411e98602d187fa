"""The benchmark's synthetic data (bench/generate.py) and naive baseline (bench/baseline_query.py):
the generator is deterministic, its output conforms to the shapes, every synthetic country
answers the stored queries as Kazakhstan does, and the rdflib baseline gives exactly what
``kzgraph query`` gives on the bundled data."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

import kzgraph
from bench import baseline_query, generate
from bench.compare import same_value
from kzgraph import catalogue, store
from query_cases import WHOLE_GRAPH

ROOT = Path(__file__).resolve().parent.parent

N = 3
KZ = generate.KZ
KAZAKHSTAN = generate.KAZAKHSTAN

#: The synthetic countries have no Wikidata item and no UN M49 code, so their factsheets cite
#: two sources fewer than Kazakhstan's (kzg:source-wikidata, kzg:source-un-m49).
FEWER_ROWS = {"factsheet-provenance": 2}


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "n3"
    generate.generate(N, out, seed=7)
    return out


def _files(bundle: Path, part: str) -> list[Path]:
    return sorted((bundle / part).rglob("*.ttl"))


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------

def test_generator_is_deterministic(bundle: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate.generate(N, again, seed=7)
    first, second = _tree(bundle), _tree(again)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    other = tmp_path / "other-seed"
    generate.generate(N, other, seed=8)
    changed = [k for k, v in _tree(other).items() if first.get(k) != v]
    assert changed and all(k.startswith("data/synthetic/") or k == generate.MARKER
                           for k in changed)


def test_one_folder_per_country_shaped_like_the_bundled_data(bundle: Path) -> None:
    # The files of the template: Kazakhstan's and the shared ones (another bundled country's
    # files are not cloned).
    real = sorted(p.name for folder in ("kz", "shared")
                  for p in (ROOT / "data" / folder).rglob("*.ttl"))
    for i in range(1, N + 1):
        folder = bundle / "data" / "synthetic" / generate.slug(i)
        assert sorted(p.name for p in folder.glob("*.ttl")) == real
    # Each clone has exactly Kazakhstan's resources under its own namespace.
    oxi = store.load_store([*_files(bundle, "ontology"), *_files(bundle, "data")])

    def subjects(namespace: str) -> set[str]:
        rows = oxi.query(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '
                         f'"{namespace}")) }}')
        return {row[0].value[len(namespace):] for row in rows}

    kazakhstan = subjects(KZ)
    assert len(kazakhstan) > 150
    for i in range(1, N + 1):
        assert subjects(generate.namespace(i)) == kazakhstan


def test_the_synthetic_data_conforms_to_the_shapes(bundle: Path) -> None:
    report = kzgraph.validate(_files(bundle, "data"), _files(bundle, "shapes"),
                              ontology=_files(bundle, "ontology"))
    assert report.conforms, report.to_text()[:3000]
    assert len(report.data_files) == len(_files(bundle, "ontology")) + len(
        _files(bundle, "data"))


def test_country_codes_are_well_formed_and_unique() -> None:
    taken2 = {"KZ", "RU", "DE"}
    taken3 = {"KAZ", "RUS", "DEU"}
    pairs = generate.codes(1000, taken2, taken3)
    assert all(re.fullmatch(r"[A-Z]{2}", a) and re.fullmatch(r"[A-Z]{3}", b) for a, b in pairs)
    alpha3 = [b for _, b in pairs]
    assert len(set(alpha3)) == 1000 and not set(alpha3) & taken3
    unique2 = 26 * 26 - len(taken2)
    alpha2 = [a for a, _ in pairs]
    assert len(set(alpha2[:unique2])) == unique2 and not set(alpha2) & taken2
    # The user-assigned ranges come first: AA, QM-QZ, XA-XZ, ZZ / AAA..., QMA...
    assert alpha2[:3] == ["AA", "QM", "QN"] and alpha3[:2] == ["AAA", "AAB"]


# --------------------------------------------------------------------------------------------
# Every synthetic country answers the stored queries as Kazakhstan does
# --------------------------------------------------------------------------------------------

def _params_for(stored: catalogue.StoredQuery, i: int) -> dict[str, str]:
    params = {}
    for p in stored.parameters:
        if p.type == "iri" and p.default == KAZAKHSTAN:
            params[p.name] = generate.country_iri(i)
        elif p.type == "iri" and p.default and p.default.startswith(KZ):
            params[p.name] = generate.namespace(i) + p.default[len(KZ):]
    return params


@pytest.fixture(scope="module")
def synthetic_store(bundle: Path) -> Any:
    return store.load_store([*_files(bundle, "ontology"), *_files(bundle, "data")])


@pytest.mark.parametrize("stored", catalogue.queries(), ids=lambda q: q.name)
def test_each_synthetic_country_answers_like_kazakhstan(stored: catalogue.StoredQuery,
                                                        synthetic_store: Any) -> None:
    if stored.name in WHOLE_GRAPH:
        pytest.skip("not about one country")
    kazakhstan = kzgraph.query(stored.name, store=synthetic_store)
    for i in range(1, N + 1):
        params = _params_for(stored, i)
        assert params, "a country or resource parameter"
        clone = kzgraph.query(stored.name, store=synthetic_store, params=params)
        assert clone.variables == kazakhstan.variables
        assert len(clone.rows) == len(kazakhstan.rows) - FEWER_ROWS.get(stored.name, 0), (
            f"{generate.slug(i)}: {len(clone.rows)} rows, Kazakhstan {len(kazakhstan.rows)}")


# --------------------------------------------------------------------------------------------
# The naive rdflib baseline gives what `kzgraph query` gives
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rdflib_graph() -> Any:
    return baseline_query.load(ROOT)


@pytest.mark.parametrize("stored", catalogue.queries(), ids=lambda q: q.name)
def test_rdflib_baseline_gives_the_kzgraph_answer(stored: catalogue.StoredQuery,
                                                 rdflib_graph: Any) -> None:
    assert set(baseline_query.defaults(stored.text)) == {
        p.name for p in stored.parameters if p.default is not None}
    mine = list(csv.reader(io.StringIO(kzgraph.query(stored.name).to_csv())))
    text = baseline_query.to_csv(baseline_query.run(rdflib_graph, stored.text))
    theirs = list(csv.reader(io.StringIO(text)))
    assert mine[0] == theirs[0]
    assert len(mine) == len(theirs), f"{len(mine) - 1} rows, rdflib {len(theirs) - 1}"
    for r, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        assert len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True)), (
            f"row {r}: {a} != {b}")
