"""The package reads top-down: no module imports one that imports it back, the release's layers
never load its orchestrator, and no module grows past what one reading takes in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kzgraph"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports() -> dict[str, set[str]]:
    """module -> the kzgraph modules it imports anywhere (inside functions and TYPE_CHECKING
    blocks too), including the names a lazy facade hands to importlib."""
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.append(sub if sub in modules else node.module)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and "." in node.value and node.value in modules:
                targets = [node.value]
            edges[name].update(t for t in targets if t in modules and t != name)
    return edges


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges[name])
    return seen


def test_no_module_imports_one_that_imports_it_back() -> None:
    edges = _imports()
    assert len(edges) > 30  # the walk found the package
    cycles = sorted(name for name in edges if name in _reachable(edges, name))
    assert cycles == []


@pytest.mark.parametrize("layer", ["bundle", "canonical", "charts", "conneg", "countries", "folder",
                                   "documents", "pages",
                                   "serialise",
                                   "site", "site_model", "void"])
def test_the_release_layers_never_load_the_orchestrator(layer: str) -> None:
    below = _reachable(_imports(), f"kzgraph.release.{layer}")
    assert "kzgraph.release.orchestrator" not in below
    assert "kzgraph.release" not in below  # its facade hands out the orchestrator


def test_no_module_is_longer_than_one_reading() -> None:
    lengths = {path.relative_to(PACKAGE.parent).as_posix():
               len(path.read_text(encoding="utf-8").splitlines())
               for path in _modules().values()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
