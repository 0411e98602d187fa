"""One progress line on stderr for the long commands (files loaded, shapes done, pages written).

Shown only when stderr is a terminal, and only once the work has taken longer than a moment,
so quick runs, pipes, logs and tests see nothing. The line is rewritten in place and erased
at the end, leaving the terminal as it was."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from types import TracebackType
from typing import TextIO

#: Seconds of work before the line appears ($KZGRAPH_PROGRESS_DELAY overrides it); then at
#: most one rewrite per INTERVAL.
DELAY = 2.0
INTERVAL = 0.2


def _delay() -> float:
    try:
        return float(os.environ.get("KZGRAPH_PROGRESS_DELAY", DELAY))
    except ValueError:
        return DELAY


class Progress:
    """``with Progress("validating") as p: p.step("shapes", 3, 40)``."""

    def __init__(self, what: str, stream: TextIO | None = None,
                 delay: float | None = None) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.started = time.monotonic()
        self.delay = _delay() if delay is None else delay
        self._last = 0.0
        self._shown = False

    def step(self, label: str, done: int, total: int | None = None) -> None:
        """Report ``done`` (of ``total``) ``label``; cheap when nothing is shown."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._last < INTERVAL
                                                and done != total):
            return
        self._last = now
        count = f"{done}/{total}" if total is not None else str(done)
        elapsed = now - self.started
        self._write(f"\r{self.what}: {label} {count} ({elapsed:.0f} s)\x1b[K")
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._write("\r\x1b[K")
            self._shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal: stop reporting
            self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_current: Progress | None = None


def current() -> Progress | None:
    """The progress line of the running command, if it opened one (see :func:`opened`)."""
    return _current


def step(label: str, done: int, total: int | None = None) -> None:
    """Report to the running command's progress line, if any (library calls have none)."""
    if _current is not None:
        _current.step(label, done, total)


@contextlib.contextmanager
def opened(what: str) -> Iterator[Progress]:
    """Make ``Progress(what)`` the line that :func:`step` reports to, for a command's run."""
    global _current
    previous, _current = _current, Progress(what)
    try:
        yield _current
    finally:
        _current.close()
        _current = previous
