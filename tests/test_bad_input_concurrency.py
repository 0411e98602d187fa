"""Concurrent runs and huge inputs: processes that build the same cache or the same release
folder at once all end well and leave one complete result; very deep, very long and very
wide input is handled with the documented outcomes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated bundle of 6 countries: over the size that is cached on disk."""
    home = tmp_path_factory.mktemp("bundle") / "n6"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "6", str(home)],
                   check=True, capture_output=True)
    assert sum(p.stat().st_size for p in (home / "data").rglob("*.ttl")) > 500_000
    return home


def _start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kzgraph", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_processes_filling_one_cache_at_once(bundle: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "KZGRAPH_HOME": str(bundle), "KZGRAPH_CACHE": str(cache)}
    runs = [_start(["query", "countries", "--format", "csv"], env, tmp_path) for _ in range(3)]
    outcomes = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outcomes
    assert len({out for out, _ in outcomes}) == 1 and "country/kazakhstan," in outcomes[0][0]
    assert len(list(cache.glob("store-*"))) == 1
    assert list(cache.glob(".tmp-*")) == []


def test_builds_into_one_folder_at_once(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    runs = [_start(["build", "--out", str(out)], dict(os.environ), tmp_path) for _ in range(2)]
    outcomes = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode in (0, 2) for run in runs), outcomes
    assert any(run.returncode == 0 for run in runs), outcomes
    for (_, err), run in zip(outcomes, runs, strict=True):
        assert "Traceback" not in err and (run.returncode == 0 or err.startswith("kzgraph "))
    # One complete build: every file its SHA256SUMS lists, with that checksum.
    for line in (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir() if ".kzgraph-" in p.name) == []


@pytest.mark.parametrize("content", [
    "ex:a ex:p " + "[ ex:p " * 2000 + '"x"' + " ]" * 2000 + " .\n",
    'ex:a ex:p "' + "x" * 2_000_000 + '" .\n',
    "".join(f"ex:a ex:p{i} {i} .\n" for i in range(2_000)),
], ids=["2000 nested blank nodes", "a 2 MB literal", "2000 properties"])
def test_huge_inputs_have_documented_outcomes(run_cli: RunCli, tmp_path: Path,
                                              content: str) -> None:
    path = tmp_path / "huge.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\n" + content, encoding="utf-8")
    code, out, err = run_cli("validate", path)
    assert code == 1, err  # ex: terms are not declared in the ontology
    assert "does not conform" in out and "Traceback" not in err
