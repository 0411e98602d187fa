"""Shared test helpers: the fixtures folder, an isolated cache, running the CLI in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read or write the user's ~/.cache/kzgraph."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KZGRAPH_CACHE", str(tmp_path_factory.mktemp("kzgraph-cache")))
        yield


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own (KZGRAPH_CACHE), empty at the start."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("KZGRAPH_CACHE", str(folder))
    return folder


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """run_cli("validate", path, ...) -> (exit code, stdout, stderr), via kzgraph.cli.main."""
    from kzgraph.cli import main

    def run(*args: object) -> tuple[int, str, str]:
        capsys.readouterr()  # drop anything printed before
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
