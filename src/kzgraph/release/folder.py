"""The release folder on disk: refuse to replace what is not a previous build, write into a
temporary folder beside it, swap it into place by rename, and write SHA256SUMS.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from kzgraph.errors import InputError

MARKER = ".kzgraph-build"

SUMS = "SHA256SUMS"


def check_out_dir(out: Path) -> None:
    """Refuse (exit 2) to replace anything that is not a previous kzgraph build."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(f"{out} exists and is not a folder; not replacing it",
                         hint="choose another --out")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise InputError(
            f"{out} exists and is not a kzgraph build (no {MARKER} in it); not replacing it",
            hint="choose another --out, or remove the folder yourself",
        )


def write_sums(folder: Path) -> None:
    """SHA256SUMS of every file under folder (sorted paths, `sha256sum -c` format)."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == SUMS:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {rel}\n")
    tmp = folder / (SUMS + ".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, folder / SUMS)


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def new_temp_dir(out: Path) -> Path:
    """A temporary folder beside out (same file system, so the final rename is atomic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.kzgraph-tmp-", dir=out.parent))
    tmp.chmod(_umask_mode())
    return tmp


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace out by tmp: rename out aside, rename tmp in, delete the old one."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.kzgraph-old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
