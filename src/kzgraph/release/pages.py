"""The resource pages of the site, rendered in this process or, for a large site on a machine
with a second CPU, in forked worker processes and, once its other work is done, in this
process too (a worker's CPU idles while its chunk is written).

Each page (with its four documents and type map) depends on the release's indexes alone, so
pages can be rendered in any order by any process: the workers inherit the parent's
indexes by ``fork`` (nothing is pickled but the page names going in and the checksums of
the files written coming out) and write their files themselves. Where ``fork`` is missing
(Windows, macOS's default) or one CPU is all there is, the pages are rendered here.

A chunk of pages is rendered first and written after, not both at once: pyoxigraph's
serialiser lets go of the interpreter lock, and getting it back from the writing threads,
which take and drop it with every system call, took milliseconds (at N = 10, 5 of the
site's 14 s went into 4,000 calls that take 30 µs each on their own). Where the workers
render, every CPU is busy, so a chunk is written in the thread that rendered it: writing
threads only hide a wait on the file system that the other processes fill anyway, and
handing them the files cost more (at N = 100, 0.4 s of a 9 s rebuild).
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from kzgraph import progress
from kzgraph.release.folder import Writer

#: A site with fewer pages is rendered in this process (a fork costs more than it saves).
PARALLEL_FROM = 1000

#: Pages handed to a worker at a time (small enough to balance the load, large enough that
#: the hand-over costs nothing).
CHUNK = 100

#: render(iri, path) -> the page's files, (path in the site, content)
RenderPage = Callable[[str, str], Iterable[tuple[str, bytes | str]]]


# What the workers render with, set in the parent just before it forks.
_work: tuple[RenderPage, Writer] | None = None


def _workers(pages: int) -> int:
    import multiprocessing

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if pages < PARALLEL_FROM or (cpus or 1) < 2 or \
            "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(cpus or 1, 4)


def _stops() -> set[Any]:
    """Held back while the pool forks: a stop handled inside fork's own hooks (as logging's
    lock release) is reported as "Exception ignored" and lost, and the build would go on."""
    import signal

    return {signal.SIGINT, signal.SIGTERM}


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group: the parent stops the workers, with SIGTERM,
    which ends a worker quietly (not through the parent's handler it inherited by fork, which
    would unwind it with a traceback). A worker starts with the stops the parent held back
    while forking; a Ctrl-C waiting there is dropped by SIG_IGN, not delivered."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _stops())


def _render_chunk(chunk: Sequence[tuple[str, str]]) -> tuple[int, dict[str, str]]:
    """In a worker: render the pages of chunk; (pages, path -> SHA-256 of the files)."""
    assert _work is not None
    render, parent = _work
    files = [file for iri, path in chunk for file in render(iri, path)]
    with Writer(parent.folder, threads=0, previous=parent.previous) as writer:
        writer.write_all(files)
    return len(chunk), writer.digests


def render_pages(items: Sequence[tuple[str, str]], render: RenderPage, w: Writer,
                 total: int, meanwhile: Callable[[], object] | None = None) -> int:
    """Write the files of render(iri, path) for every (iri, path) of items with w; progress
    as "pages written" of total. ``meanwhile``: other work of this process, done while the
    workers render (before the pages, where there are none); then it renders the chunks
    the workers have not taken. Returns the number of pages rendered."""
    global _work
    workers = _workers(len(items))
    if not workers:
        if meanwhile is not None:
            meanwhile()
        done = 0
        for i in range(0, len(items), CHUNK):
            files: list[tuple[str, bytes | str]] = []
            for iri, path in items[i:i + CHUNK]:
                files += render(iri, path)
                done += 1
                progress.step("pages written", done, total)
            w.write_all(files)
            w.flush()
        return len(items)
    import multiprocessing
    import signal
    import warnings

    chunks = deque(items[i:i + CHUNK] for i in range(0, len(items), CHUNK))
    taking = threading.Lock()  # the pool's feeder thread takes chunks from the front

    def feed() -> Iterator[Sequence[tuple[str, str]]]:
        while True:
            with taking:
                if not chunks:
                    return
                chunk = chunks.popleft()
            yield chunk

    done = 0
    _work = (render, w)
    # The indexes stay out of the workers' garbage collections, which would visit (and
    # copy the pages of) millions of objects they never free.
    gc.freeze()
    try:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _stops())
        try:
            with warnings.catch_warnings():  # 3.12+ warns of fork beside threads; none of
                warnings.simplefilter("ignore", DeprecationWarning)  # them runs in a worker
                pool = multiprocessing.get_context("fork").Pool(workers,
                                                                initializer=_ignore_interrupts)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            raise
        with pool:
            # a stop that came while forking is raised here, and the pool is terminated
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            rendered = pool.imap_unordered(_render_chunk, feed())
            if meanwhile is not None:  # the workers' results wait in the pool's queue
                meanwhile()
            # Then this process renders too, from the back, while chunks are left: a
            # worker's CPU idles while its chunk is written.
            w.flush()
            here = Writer(w.folder, w.digests, threads=0, previous=w.previous)
            while True:
                with taking:
                    if not chunks:
                        break
                    chunk = chunks.pop()
                here.write_all([file for iri, path in chunk for file in render(iri, path)])
                done += len(chunk)
                progress.step("pages written", done, total)
            for count, digests in rendered:
                w.digests.update(digests)
                done += count
                progress.step("pages written", done, total)
    finally:
        _work = None
        gc.unfreeze()
    return done
