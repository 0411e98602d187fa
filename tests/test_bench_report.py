"""The benchmark's stored results and report (bench/results.py, bench/report.py): the tables of
docs/benchmarks.md are rendered byte for byte from the stored results, and a rerun of some
parts or queries is merged into them without losing what it did not measure."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.results import ResultsStore, merge_bundled, merge_scale

FIXTURES = Path(__file__).parent / "fixtures" / "bench"


@pytest.fixture
def results() -> dict[str, Any]:
    return json.loads((FIXTURES / "results.json").read_text(encoding="utf-8"))


def test_the_report_is_rendered_byte_for_byte(results: dict[str, Any]) -> None:
    # report.md: the tables rendered from results.json (every kind of row: targets met and
    # missed, a query whose results differ, a timeout, parts measured by two runs).
    expected = (FIXTURES / "report.md").read_text(encoding="utf-8")
    assert report.render(results) + "\n" == expected


def test_the_targets_follow_the_measures(results: dict[str, Any]) -> None:
    verdicts = {goal: ok for goal, _, ok in report.targets(results)}
    assert verdicts["bundled: `kzgraph validate` ≤ 1.0× `pyshacl`"] == "met"
    assert verdicts["N=1000 completes"] == "**missed**"  # one query and validate timed out
    results["bundled"]["validate"]["ratio"] = 1.5
    del results["scale"]["1000"]
    verdicts = {goal: ok for goal, _, ok in report.targets(results)}
    assert verdicts["bundled: `kzgraph validate` ≤ 1.0× `pyshacl`"] == "**missed**"
    assert "N=1000 completes" not in verdicts


def test_growth_is_the_exponent_between_successive_sizes() -> None:
    assert report.growth([(10, 1.0), (100, 10.0), (1000, 1000.0)]) == (
        "×10.0 (k=1.00), ×100.0 (k=2.00)")
    assert report.growth([(10, 1.0), (100, None)]) == "-"


def test_write_docs_replaces_only_the_block_between_the_markers(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nbefore\n\n{report.BEGIN}\nold tables\n{report.END}\n\n"
                    "after\n", encoding="utf-8")
    report.write_docs("new tables", docs)
    assert docs.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\nbefore\n\n{report.BEGIN}\nnew tables\n{report.END}\n\nafter\n")
    fresh = tmp_path / "new.md"
    report.write_docs("tables", fresh)
    assert fresh.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\n{report.BEGIN}\ntables\n{report.END}\n")


def test_a_rerun_of_some_queries_keeps_the_others(results: dict[str, Any]) -> None:
    old = results["bundled"]
    rerun = copy.deepcopy(old)
    rerun["queries"] = [{**old["queries"][2], "identical": "values", "rows": 99}]
    merged = merge_bundled(old, rerun)
    assert [q["query"] for q in merged["queries"]] == [q["query"] for q in old["queries"]]
    assert merged["queries"][2]["rows"] == 99 and merged["queries"][0] == old["queries"][0]
    assert merged["mismatches"] == []  # the one that differed was rerun and now agrees


def test_a_rerun_of_some_parts_keeps_the_others(results: dict[str, Any]) -> None:
    old = results["scale"]["100"]
    changed_before = old["kazakhstan_changed"]
    assert changed_before == ["countries", "sources-of"]
    only = {"countries": old["queries"]["kazakhstan"]["countries"]}
    rerun = {"when": "later", "n": 100, "runs": 1, "queries": {"kazakhstan": only},
             "kazakhstan_changed": [],
             "measured": {"queries": {"started": "later", "runs": 1}}}
    merged = merge_scale(old, rerun)
    assert merged["load"] == old["load"] and merged["validate"] == old["validate"]
    assert merged["queries"]["c0001"] == old["queries"]["c0001"]
    assert merged["queries"]["kazakhstan"].keys() == old["queries"]["kazakhstan"].keys()
    # Only the rerun query's verdict changes; the others keep theirs.
    assert merged["kazakhstan_changed"] == ["sources-of"]
    assert merged["measured"]["queries"] == {"started": "later", "runs": 1}
    assert merged["measured"]["load"] == old["measured"]["load"]
    assert "queries: 1 (measured later)" in report.measured_runs(merged)


def test_the_store_merges_each_run_into_latest(results: dict[str, Any],
                                               tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    first = {k: v for k, v in results.items() if k != "scale"}
    store.save(first, some_queries=False)
    second = {"started": "2026-12-01T09:00:00+0000", "scale": {"10": results["scale"]["10"]}}
    latest = store.save(second, some_queries=False)
    assert latest["bundled"] == results["bundled"] and latest["scale"]["10"]["n"] == 10
    again = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert again == json.loads(json.dumps(latest))
    assert sorted(p.name for p in tmp_path.glob("results-*.json")) == [
        "results-2026-11-30T090000+0000.json", "results-2026-12-01T090000+0000.json"]
