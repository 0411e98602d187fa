"""Interrupts: Ctrl-C (SIGINT to the process group, as a terminal sends it) and SIGTERM (a CI
cancel) during `kzgraph build` end with one line and exit 130/143, no traceback from the
validation worker, no temporary folder left; abandoned ones are removed by the next build."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated bundle of 8 countries: a build long enough to be interrupted."""
    home = tmp_path_factory.mktemp("bundle") / "n8"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "8", str(home)],
                   check=True, capture_output=True)
    return home


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".kzgraph-" in p.name)


@pytest.mark.parametrize("pause", [0.0, 0.8], ids=["as it starts writing", "while writing"])
@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                   (signal.SIGTERM, 143, "terminated")])
def test_a_signal_during_build(bundle: Path, tmp_path: Path, sig: int, code: int,
                               word: str, pause: float) -> None:
    out = tmp_path / "dist"
    env = {**os.environ, "KZGRAPH_HOME": str(bundle)}
    process = subprocess.Popen([sys.executable, "-m", "kzgraph", "build", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env, start_new_session=True,
                               # as from a terminal, also when the suite runs with `&`
                               # (which ignores SIGINT, and children inherit that)
                               preexec_fn=functools.partial(signal.signal, signal.SIGINT,
                                                            signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not _temporaries(tmp_path) and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(pause)
        assert process.poll() is None, "the build ended before it could be interrupted"
        os.killpg(process.pid, sig)  # the whole group, worker included, as a terminal does
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == code, err
    assert err == f"kzgraph build: {word}\n"  # no traceback, no leaked-semaphore warning
    assert _temporaries(tmp_path) == []
    assert not out.exists()


_STOP_WHILE_FORKING = """
import os, signal, sys
from pathlib import Path
from kzgraph.cli import _terminate_as_interrupt
from kzgraph.release import pages
from kzgraph.release.folder import Writer

_terminate_as_interrupt()  # SIGTERM handled as `kzgraph build` handles it
pages._workers = lambda n: 2  # forked workers, whatever this machine has
sent = []

def stop() -> None:  # the signal lands inside fork's own hooks, as a Ctrl-C can
    if not sent:
        sent.append(1)
        os.kill(os.getpid(), signal.SIG{name})

os.register_at_fork(before=stop)

def render(iri, path):
    return [(path, iri)]

items = [(f"urn:x:{{i}}", f"p{{i}}.txt") for i in range(50)]
with Writer(Path(sys.argv[1])) as w:
    try:
        pages.render_pages(items, render, w, len(items))
    except KeyboardInterrupt as stopped:
        print(type(stopped).__name__)
        sys.exit(3)
print("went on")
"""


@pytest.mark.parametrize(("name", "error"), [("INT", "KeyboardInterrupt"),
                                             ("TERM", "Terminated")])
def test_a_signal_while_the_page_workers_fork_stops_the_build(tmp_path: Path, name: str,
                                                             error: str) -> None:
    """A stop that comes while the pool forks is raised once the pool exists (and
    terminates it), not lost in fork's hooks with the build going on."""
    script = _STOP_WHILE_FORKING.format(name=name)
    res = subprocess.run([sys.executable, "-c", script, str(tmp_path)],
                         capture_output=True, text=True, timeout=120,
                         preexec_fn=functools.partial(signal.signal, signal.SIGINT,
                                                      signal.SIG_DFL))
    assert (res.returncode, res.stdout) == (3, f"{error}\n"), res.stderr
    assert "Exception ignored" not in res.stderr


def test_abandoned_temporary_folders_are_removed(tmp_path: Path) -> None:
    from kzgraph.release import new_temp_dir

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)
    out = tmp_path / "dist"
    abandoned = tmp_path / f".dist.kzgraph-tmp-{dead_pid}-abcd"
    running = tmp_path / f".dist.kzgraph-tmp-{os.getpid()}-efgh"
    other = tmp_path / f".other.kzgraph-tmp-{dead_pid}-ijkl"
    for folder in (abandoned, running, other):
        folder.mkdir()
        (folder / "kzgraph.ttl").write_text("", encoding="utf-8")
    fresh = new_temp_dir(out)
    assert not abandoned.exists()
    assert running.exists() and other.exists()  # a live build's, another output's
    assert fresh.name.startswith(f".dist.kzgraph-tmp-{os.getpid()}-")
