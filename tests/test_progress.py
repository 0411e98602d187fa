"""The progress line: on a terminal only, after a delay, erased at the end; a long command
shows files loaded and shapes done (checked on a pseudo-terminal)."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from kzgraph import progress

ROOT = Path(__file__).resolve().parents[1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_line_and_it_is_erased() -> None:
    stream = _Terminal()
    with progress.Progress("kzgraph validate", stream=stream, delay=0) as line:
        line.step("files loaded", 3, 10)
    text = stream.getvalue()
    assert "\rkzgraph validate: files loaded 3/10 (" in text
    assert text.endswith("\r\x1b[K")


def test_nothing_before_the_delay_nor_off_a_terminal() -> None:
    quick = _Terminal()
    with progress.Progress("x", stream=quick, delay=3600) as line:
        line.step("files loaded", 1, 2)
    assert quick.getvalue() == ""
    pipe = io.StringIO()
    with progress.Progress("x", stream=pipe, delay=0) as line:
        line.step("files loaded", 1, 2)
    assert pipe.getvalue() == ""


def test_step_without_an_opened_line_does_nothing() -> None:
    assert progress.current() is None
    progress.step("files loaded", 1, 2)
    with progress.opened("kzgraph x") as line:
        assert progress.current() is line
    assert progress.current() is None


def _validate(stderr: int, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KZGRAPH_PROGRESS_DELAY": "0", "KZGRAPH_CACHE": str(tmp_path),
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "kzgraph", "validate"], stdout=subprocess.PIPE,
                          stderr=stderr, env=env, cwd=ROOT, timeout=600, check=False)


def test_validate_on_a_pseudo_terminal_shows_progress(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        done = _validate(follower, tmp_path)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    text = seen.decode()
    assert "kzgraph validate: files loaded" in text
    assert "kzgraph validate: shapes done" in text
    assert done.stdout.decode().startswith("conforms")


def test_validate_into_a_pipe_is_silent(tmp_path: Path) -> None:
    done = _validate(subprocess.PIPE, tmp_path)
    assert done.returncode == 0
    assert done.stderr == b""
