"""The release folder on disk: refuse to replace what is not a previous build, write into a
temporary folder beside it, swap it into place by rename, and write SHA256SUMS.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from kzgraph.conformance_memo import file_sha256
from kzgraph.errors import InputError

MARKER = ".kzgraph-build"

SUMS = "SHA256SUMS"


def check_out_dir(out: Path, *, force: bool = False) -> None:
    """Refuse (exit 2) to replace anything that is not a previous kzgraph build, or a build
    with files added to it (not in its SHA256SUMS), unless ``force``."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(f"{out} exists and is not a folder; not replacing it",
                         hint="choose another --out")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise InputError(
            f"{out} exists and is not a kzgraph build (no {MARKER} in it); not replacing it",
            hint="choose another --out, or remove the folder yourself",
        )
    if out.is_dir() and not force:
        added = _added_files(out)
        if added:
            shown = ", ".join(added[:3]) + (f" and {len(added) - 3} more" if len(added) > 3
                                            else "")
            raise InputError(f"{out} holds files kzgraph did not write ({shown}); a rebuild "
                             "replaces the whole folder, so it is left alone",
                             hint="move them out of it (or add them after building), or pass "
                                  "--force to replace the folder and lose them")


def _added_files(out: Path) -> list[str]:
    """Files in a previous build that its SHA256SUMS does not list (the user's additions),
    in the order of their parts. Anything but a folder counts (a symbolic link, to a folder
    or dangling, a named pipe, a socket): kzgraph writes regular files only. The walk is
    not sorted (at N = 100 sorting 108,000 entries a folder at a time cost a rebuild
    0.1 s); the few found are."""
    try:
        listed = {line.split("  ", 1)[1] for line in
                  (out / SUMS).read_text(encoding="utf-8").splitlines() if "  " in line}
    except (OSError, UnicodeDecodeError):
        listed = set()
    listed.add(SUMS)
    added: list[str] = []
    stack = [(os.fspath(out), "")]
    while stack:
        path, prefix = stack.pop()
        with os.scandir(path) as found:
            for entry in found:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel + "/"))
                elif rel not in listed:
                    added.append(rel)
    return sorted(added, key=lambda rel: rel.split("/"))


def built_files(out: Path) -> int:
    """How many files a build holds: its SHA256SUMS's lines and SHA256SUMS itself (a walk
    where that cannot be read; at N = 100 counting the 108,000 files by a walk took 0.2 s)."""
    try:
        with open(out / SUMS, "rb") as sums:
            return sum(1 for _ in sums) + 1
    except OSError:
        return sum(1 for _ in iter_files(out))


def files_under(folder: Path, *, links: bool = False) -> list[str]:
    """The files under folder (as ``Path.rglob`` finds them: symbolic links to files
    included, linked folders not entered), relative '/'-separated paths in the order of
    their parts; with ``links``, every symbolic link too (to a folder, or dangling). From
    the folder entries' types, without a stat per file (at N = 100 the release holds
    108,000 files: a stat each took 1.4 s before a rebuild)."""
    return list(iter_files(folder, links=links))


def iter_files(folder: Path, *, links: bool = False) -> Iterator[str]:
    """:func:`files_under` one at a time (at N = 1000 the list of a release's million
    files took 400 MB): each folder's entries sorted by name, a subfolder's files where its
    name sorts, which is the order of their parts."""

    def walk(path: str, prefix: str) -> Iterator[str]:
        with os.scandir(path) as found:
            entries = sorted(found, key=lambda entry: entry.name)
        for entry in entries:
            if entry.is_file() or (links and entry.is_symlink()):
                yield prefix + entry.name
            elif entry.is_dir() and not entry.is_symlink():
                yield from walk(entry.path, f"{prefix}{entry.name}/")

    yield from walk(str(folder), "")


def write_sums(folder: Path, digests: Mapping[str, str] | None = None,
               moved: tuple[Path, Path] | None = None) -> None:
    """SHA256SUMS of every file under folder (sorted paths, `sha256sum -c` format);
    ``digests``: path -> SHA-256 of the files just written, so that they are not read back;
    ``moved``: (before, after), the folder those of them under ``before`` were moved to
    (looked up by their old path: at N = 1000 a second dict of a million paths is 200 MB).
    Written line by line into a temporary file of its own, left out of the list."""
    known = digests or {}
    before, after = (f"{moved[0]}/", f"{moved[1]}/") if moved else (None, None)
    fd, tmp = tempfile.mkstemp(prefix=f".{SUMS}.", dir=folder)
    skip = {SUMS, os.path.basename(tmp)}
    try:
        with open(fd, "w", encoding="utf-8") as out:
            for rel in iter_files(folder):
                if rel in skip:
                    continue
                path = os.path.join(folder, rel)
                written = (before + path[len(after):]
                           if before is not None and after is not None and path.startswith(after)
                           else path)
                digest = known.get(written) or file_sha256(Path(path))  # a block at a time
                out.write(f"{digest}  {rel}\n")
        os.chmod(tmp, _umask_mode() & 0o666)
        os.replace(tmp, folder / SUMS)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask_mode() -> int:
    return 0o777 & ~_umask()


def _umask() -> int:
    """The process's umask, read where Linux shows it: ``os.umask`` sets it to read it, and
    a file another thread created in between would get mode 0666."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_abandoned(out: Path) -> None:
    """Remove the temporary folders of builds of ``out`` whose process is gone (killed
    before it could clean up); a running build's folder (its pid alive) is left alone."""
    for kind in ("tmp", "old"):
        for folder in out.parent.glob(f".{glob.escape(out.name)}.kzgraph-{kind}-*"):
            m = re.match(r"(\d+)-", folder.name.rsplit(f".kzgraph-{kind}-", 1)[1])
            if m is None or _alive(int(m.group(1))):
                continue
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def new_temp_dir(out: Path) -> Path:
    """A temporary folder beside out (same file system, so the final rename is atomic),
    named with this process's id; abandoned ones of earlier builds are removed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.kzgraph-tmp-{os.getpid()}-",
                                dir=out.parent))
    tmp.chmod(_umask_mode())
    return tmp


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace out by tmp: rename out aside, rename tmp in, delete the old one."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.kzgraph-old-{os.getpid()}-",
                                dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def remove_own_temp_dirs(out: Path) -> None:
    """Remove this process's temporary folders beside ``out``: by name, not by a variable,
    since a signal can arrive after a folder is made and before the caller holds its path."""
    for mine in out.parent.glob(f".{glob.escape(out.name)}.kzgraph-tmp-{os.getpid()}-*"):
        shutil.rmtree(mine, ignore_errors=True)


def _write_file(path: str, data: bytes, digest: str | None, mode: int = 0o666,
                previous: str | None = None) -> str:
    """Write data to path (created or truncated, mode 0666 less the umask); its SHA-256.
    With ``previous`` (the same file in the build this one replaces), a link to it is made
    instead when it holds exactly these bytes."""
    if previous is None or not _link_if_same(previous, path, data, mode):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    return digest or hashlib.sha256(data).hexdigest()


def _link_if_same(previous: str, path: str, data: bytes, mode: int) -> bool:
    """Link path to previous if that is a regular file of the given mode, named nowhere else
    (one link: nothing outside the build shares it), holding exactly data; else False.

    Creating a file costs the file system far more than linking one (here 40-150 us
    against 8 us), and a rebuild writes mostly what the previous build holds. The previous
    build is not changed: it is removed after the swap, which then frees no data."""
    fd = _open_previous(previous, len(data), mode)
    if fd is None:
        return False
    try:  # one byte more: a file grown since is no match
        same = os.pread(fd, len(data) + 1, 0) == data
    except OSError:
        return False
    finally:
        os.close(fd)
    return same and _link(previous, path)


def _open_previous(previous: str, size: int, mode: int) -> int | None:
    """A descriptor of previous if it is a regular file of that size and mode named nowhere
    else (one link), else None."""
    try:
        # not blocking: a named pipe put in the previous build would wait for a writer
        fd = os.open(previous, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
    except OSError:
        found = None
    if found is not None and stat.S_ISREG(found.st_mode) and found.st_nlink == 1 \
            and found.st_size == size and stat.S_IMODE(found.st_mode) == mode:
        return fd
    os.close(fd)
    return None


def _link(previous: str, path: str) -> bool:
    try:
        os.link(previous, path, follow_symlinks=False)
    except OSError:  # another file system, links not allowed, or path exists: write it
        return False
    return True


def _link_if_digest(previous: str, path: str, size: int, sha256: str, mode: int) -> bool:
    """Link path to previous if that is a file as :func:`_link_if_same` wants, of that size
    and SHA-256 (a download too large to be made only to be compared)."""
    fd = _open_previous(previous, size, mode)
    if fd is None:
        return False
    try:
        with open(fd, "rb", closefd=False) as file:
            same = hashlib.file_digest(file, "sha256").hexdigest() == sha256
    except OSError:
        return False
    finally:
        os.close(fd)
    return same and _link(previous, path)


def _write_files(files: Sequence[tuple[str, bytes, str | None]], mode: int) -> list[str]:
    return [_write_file(path, data, None, mode, previous) for path, data, previous in files]


def _copy_file(path: str, source: Path, digest: str) -> str:
    # A copy may replace a file written before it (a resource's document with a download's
    # name), which can be a link to the previous build's: replaced, not written into.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    shutil.copyfile(source, path)
    return digest


class Checksum:
    """A binary sink that keeps the size and SHA-256 of what is written to it, and nothing
    else."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class HashedFile(Checksum):
    """A binary file being written, its SHA-256 and size kept as it is written."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._file = open(path, "wb")  # noqa: SIM115 (closed by close or the with block)

    def write(self, data: bytes) -> int:
        self._file.write(data)
        return super().write(data)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> HashedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Writer:
    """Writes files under a folder, creating its subfolders once. The writes run on a few
    threads: creating a file waits on the file system (at N = 100 most of 100,000 files'
    time), and a thread waits without holding the interpreter. With ``threads=0`` they run
    at once in the caller's thread: where the CPUs are all busy rendering (the site's
    pages), handing each file to a thread and back cost more than the wait it hides (at
    N = 100, 0.4 s of a 9 s rebuild). ``digests`` collects the
    SHA-256 of every file written (path -> hex), for :func:`write_sums`. ``previous``: the
    same folder of the build this one replaces, whose files that are unchanged are linked,
    not written again (see :func:`_link_if_same`). Use as a context manager: leaving it
    waits for the writes and raises the first that failed."""

    #: writes queued at most (bounds the memory held by bytes not yet written)
    PENDING = 256

    def __init__(self, folder: Path, digests: dict[str, str] | None = None,
                 threads: int = 4, previous: Path | None = None) -> None:
        self.folder = folder
        self.previous = previous
        self._mode = _umask_mode() & 0o666  # what a new file gets
        self.digests = {} if digests is None else digests
        self._root = os.fspath(folder)
        self._before = None if previous is None else os.fspath(previous)
        self._made: set[str] = set()
        self._pool = (ThreadPoolExecutor(threads, thread_name_prefix="kzgraph-write")
                      if threads else None)
        self._threads = threads
        # (path, future of its SHA-256) or (paths, future of their SHA-256s)
        self._pending: deque[tuple[str | list[str], Future[Any]]] = deque()

    def write(self, rel_path: str, data: bytes | str, digest: str | None = None) -> None:
        """Write data (text as UTF-8) to rel_path; ``digest``: its SHA-256, if known."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self._submit(rel_path, _write_file, payload, digest, self._mode,
                     self._previous(rel_path))

    def write_all(self, files: Sequence[tuple[str, bytes | str]]) -> None:
        """write(rel_path, data) for every (rel_path, data) of files, a share of them per
        thread: a task per file costs more than writing a small file (at N = 100 most of
        the 108,000 files are a few kB)."""
        named = [(self._path(rel_path),
                  data.encode("utf-8") if isinstance(data, str) else data,
                  self._previous(rel_path))
                 for rel_path, data in files]
        if self._pool is None:
            self.digests.update(zip([name for name, _, _ in named],
                                    _write_files(named, self._mode), strict=True))
            return
        share = -(-len(named) // self._threads) if named else 1
        for i in range(0, len(named), share):
            batch = named[i:i + share]
            self._pending.append(([name for name, _, _ in batch],
                                  self._pool.submit(_write_files, batch, self._mode)))
        self._bound()

    @contextlib.contextmanager
    def open(self, rel_path: str) -> Iterator[HashedFile]:
        """A file to write rel_path with, here (a large file is written as it is made,
        not held in memory); its SHA-256 is collected when it is closed."""
        name = self._path(rel_path)
        with HashedFile(name) as file:
            yield file
        self.digests[name] = file.sha256

    def link_known(self, rel_path: str, size: int, sha256: str) -> bool:
        """Link rel_path to the previous build's file of that name if it holds the bytes of
        that size and SHA-256, here; whether it did."""
        before = self._previous(rel_path)
        if before is None:
            return False
        name = self._path(rel_path)
        if not _link_if_digest(before, name, size, sha256, self._mode):
            return False
        self.digests[name] = sha256
        return True

    def copy(self, rel_path: str, source: Path, digest: str) -> None:
        """Copy the file source (whose SHA-256 is digest) to rel_path."""
        self._submit(rel_path, _copy_file, source, digest)

    def _previous(self, rel_path: str) -> str | None:
        return None if self._before is None else f"{self._before}/{rel_path}"

    def _path(self, rel_path: str) -> str:
        """The path of rel_path, its folder made (strings: a Path per file cost 7 us, at
        N = 100 0.8 s of the pages' 14 s)."""
        path = f"{self._root}/{rel_path}"  # rel_path is the build's own: no os.path
        parent = path[:path.rindex("/")]
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        return path

    def _submit(self, rel_path: str, fn: Callable[..., str], *args: Any) -> None:
        name = self._path(rel_path)
        if self._pool is None:
            self.digests[name] = fn(name, *args)
            return
        self._pending.append((name, self._pool.submit(fn, name, *args)))
        self._bound()

    def _bound(self) -> None:
        while len(self._pending) > self.PENDING:
            self._finish_one()

    def _finish_one(self) -> None:
        name, future = self._pending.popleft()
        if isinstance(name, str):
            self.digests[name] = future.result()
        else:
            self.digests.update(zip(name, future.result(), strict=True))

    def flush(self) -> None:
        """Wait for every write so far; raise the first error."""
        while self._pending:
            self._finish_one()

    def close(self) -> None:
        """Wait for every write; raise the first error."""
        try:
            while self._pending:
                self._finish_one()
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:  # the error already on its way matters more than a write's
            self._shutdown()
