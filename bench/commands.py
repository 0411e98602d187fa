"""The commands measured (kzgraph, its baselines, the probes) and what they take as input."""

from __future__ import annotations

from pathlib import Path

from bench import baseline_query, generate
from bench.harness import BENCH, PY

KZ = "https://w3id.org/kzgraph/id/kz/"
KAZAKHSTAN = "https://w3id.org/kzgraph/id/country/kazakhstan"


def kz(*args: str) -> list[str]:
    return [PY, "-m", "kzgraph", *args]


def script(name: str, *args: str) -> list[str]:
    """``python bench/NAME ARGS``: one of the scripts of bench/ as a command."""
    return [PY, str(BENCH / name), *args]


def probe(step: str) -> list[str]:
    return script("probe.py", step)


def baseline_query_cmd(home: Path, name: str, *params: str) -> list[str]:
    """The rdflib baseline of ``kzgraph query NAME``, with KEY=VALUE ``params``."""
    return script("baseline_query.py", str(home / "queries" / f"{name}.rq"), *params,
                  "--home", str(home))


def naive_build(out: Path, home: Path) -> list[str]:
    return script("baseline_build.py", str(out), "--home", str(home))


def pyshacl_cmd() -> list[str]:
    script_path = Path(PY).parent / "pyshacl"
    return [str(script_path)] if script_path.is_file() else [PY, "-m", "pyshacl"]


def pyshacl_validate(home: Path, work: Path) -> list[str]:
    """The ``pyshacl`` command that does what ``kzgraph validate`` does to ``home``."""
    return [*pyshacl_cmd(), "-a", "-i", "none", "-s", str(merged_shapes(home, work)),
            *graph_files(home)]


def query_names(home: Path) -> list[str]:
    return sorted(p.stem for p in (home / "queries").glob("*.rq"))


def query_params(home: Path, name: str, country: str | None) -> list[str]:
    """KEY=VALUE pairs moving the query's Kazakhstan defaults to synthetic ``country``."""
    if country is None:
        return []
    index = int(country.rsplit("c", 1)[1])
    text = (home / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    out = []
    for key, value in baseline_query.defaults(text).items():
        if value == KAZAKHSTAN:
            out.append(f"{key}={generate.country_iri(index)}")
        elif value.startswith(KZ):
            out.append(f"{key}={generate.namespace(index)}{value[len(KZ):]}")
    return out


def merged_shapes(home: Path, work: Path) -> Path:
    """pyshacl -s takes one file: the shapes files merged (Turtle, prefixes kept)."""
    import pyoxigraph as ox

    target = work / f"shapes-{home.name}.ttl"
    store = ox.Store()
    prefixes: dict[str, str] = {}
    for path in sorted((home / "shapes").rglob("*.ttl")):
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        store.extend(parser)
        prefixes.update(parser.prefixes or {})
    data = ox.serialize((q.triple for q in store), format=ox.RdfFormat.TURTLE,
                        prefixes=prefixes)
    target.write_bytes(data or b"")
    return target


def graph_files(home: Path) -> list[str]:
    return [str(p) for p in baseline_query.graph_files(home)]


def triples(home: Path) -> int:
    """Distinct triples of ontology + data (a triple stated in two files counts once)."""
    import pyoxigraph as ox

    memory = ox.Store()
    for f in graph_files(home):
        memory.bulk_load(path=f, format=ox.RdfFormat.TURTLE)
    return len(memory)
