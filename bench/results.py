"""The stored results: bench/results/results-<time>.json per run and latest.json, the union
of all runs, into which a rerun of some parts, sizes or queries is merged."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from bench.harness import RESULTS

#: What is measured at each N, each kept with the run that measured it.
BENCH_PARTS = ("load", "validate", "queries", "build")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class ResultsStore:
    """latest.json and the results of each run, in ``folder``."""

    def __init__(self, folder: Path = RESULTS) -> None:
        self.folder = folder
        self.latest_path = folder / "latest.json"
        self.latest: dict[str, Any] = self._read() or {}

    def _read(self) -> dict[str, Any] | None:
        if not self.latest_path.is_file():
            return None
        return json.loads(self.latest_path.read_text(encoding="utf-8"))

    def save(self, this: dict[str, Any], *, some_queries: bool) -> dict[str, Any]:
        """Store the run ``this`` (started at ``this["started"]``) and merge it into latest;
        ``some_queries``: it measured only some stored queries. Returns latest."""
        latest = self.latest
        # Read again: another run may have saved meanwhile (runs of other parts or sizes).
        stored = self._read()
        if stored is not None:
            latest.clear()
            latest.update(stored)
        old_bundled = latest.get("bundled")
        latest.update({k: v for k, v in this.items() if k != "scale"})
        if some_queries and old_bundled and "bundled" in this:  # merged by name
            latest["bundled"] = merge_bundled(old_bundled, this["bundled"])
        if "scale" in this:  # a rerun of some parts is merged
            sizes = latest.setdefault("scale", {})
            for n, res in this["scale"].items():
                sizes[n] = merge_scale(sizes.get(n) or {}, res)
        stamp = this["started"].replace(":", "")
        (self.folder / f"results-{stamp}.json").write_text(json.dumps(this, indent=1))
        self.latest_path.write_text(json.dumps(latest, indent=1))
        return latest


def merge_bundled(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The bundled results updated by a rerun of some queries (validate and build too)."""
    fresh = {q["query"]: q for q in new["queries"]}
    rows = [fresh.pop(q["query"], q) for q in old["queries"]] + list(fresh.values())
    return {**old, **new, "queries": rows,
            "mismatches": [q["query"] for q in rows if q.get("identical") is None]}


def merge_scale(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """One N's stored results updated by a rerun of some parts (or some queries)."""
    before = old.get("measured") or {p: {"started": old.get("when"), "runs": old.get("runs")}
                                     for p in BENCH_PARTS if p in old}
    out = {**old, **new, "measured": {**before, **new.get("measured", {})}}
    if "queries" in old and "queries" in new:
        out["queries"] = {c: {**old["queries"].get(c, {}), **new["queries"].get(c, {})}
                          for c in {*old["queries"], *new["queries"]}}
    if "kazakhstan_changed" in old and "kazakhstan_changed" in new:  # only rerun ones change
        rerun = set(new.get("queries", {}).get("kazakhstan", {}))
        out["kazakhstan_changed"] = sorted((set(old["kazakhstan_changed"]) - rerun)
                                           | set(new["kazakhstan_changed"]))
    if old.get("query_baseline") and "query_baseline" in new:
        out["query_baseline"] = {**old["query_baseline"], **new["query_baseline"]}
    return out


def machine() -> dict[str, Any]:
    """The machine and the package versions the run measured."""
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    cpu = ""
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(), "cpu": cpu or platform.processor(), "memory": memory,
        "os": platform.platform(), "python": platform.python_version(),
        "packages": {p: version(p) for p in ("kzgraph", "rdflib", "pyshacl", "pyoxigraph",
                                              "pandas")},
        "load_average": os.getloadavg(),
    }
