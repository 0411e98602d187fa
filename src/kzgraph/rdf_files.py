"""RDF files: which files a path names, in which format, and where a syntax error is.

Files are parsed by pyoxigraph's Rust parser; a syntax error becomes
:class:`~kzgraph.errors.RDFSyntaxError` naming the file, the 1-based line and the parser's
message (located with rdflib where pyoxigraph cannot say). Heavy libraries are imported inside
the functions.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from kzgraph.errors import InputError, RDFSyntaxError
from kzgraph.lazy_regex import LazyPattern

PathArg = str | os.PathLike[str]


class RdfFormat(NamedTuple):
    label: str  # for messages
    rdflib: str  # rdflib parser name
    oxigraph: str  # pyoxigraph.RdfFormat attribute


_TURTLE = RdfFormat("Turtle", "turtle", "TURTLE")

_FORMATS: dict[str, RdfFormat] = {
    ".ttl": _TURTLE,
    ".turtle": _TURTLE,
    ".nt": RdfFormat("N-Triples", "nt", "N_TRIPLES"),
    ".jsonld": RdfFormat("JSON-LD", "json-ld", "JSON_LD"),
    ".rdf": RdfFormat("RDF/XML", "xml", "RDF_XML"),
    ".owl": RdfFormat("RDF/XML", "xml", "RDF_XML"),
}

# A folder gives these (any case: data/x.TTL and x.turtle were once skipped without a word).
TURTLE_SUFFIXES = (".ttl", ".turtle")
_SUPPORTED = "use .ttl (Turtle), .nt (N-Triples), .jsonld (JSON-LD) or .rdf/.owl (RDF/XML)"


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when below it."""
    return _display_path(str(path), os.getcwd())


@functools.lru_cache(maxsize=65536)  # thousands of files at scale, each named several times
def _display_path(path: str, cwd: str) -> str:
    # The folder is resolved once for all its files (a resolve walks every component); only
    # a file that is itself a link needs its own.
    absolute = os.path.join(cwd, path)
    folder, name = os.path.split(absolute)
    real = (str(Path(absolute).resolve()) if name in ("", ".", "..") or os.path.islink(absolute)
            else os.path.join(_resolved(folder), name))
    base = _resolved(cwd)
    if real == base:
        return "."
    return real[len(base):].lstrip(os.sep) if real.startswith(base.rstrip(os.sep) + os.sep) \
        else path


@functools.lru_cache(maxsize=4096)
def _resolved(folder: str) -> str:
    return str(Path(folder).resolve())


def expand_paths(paths: Iterable[PathArg]) -> list[Path]:
    """Files and folders -> the RDF files to read. A folder gives its Turtle files (``.ttl``,
    ``.turtle``, any case; recursively, sorted); a file is kept as given. Duplicates are
    dropped (first wins).

    Raises InputError for a missing path, an empty folder or an unknown file extension."""
    if isinstance(paths, (str, os.PathLike)):  # one path, not an iterable of characters
        paths = [paths]
    result: list[Path] = []
    # Duplicates are told apart by (device, inode): one os.stat per file, where
    # Path.resolve() would lstat every path component (0.35 s for 9,000 files).
    seen: set[tuple[int, int]] = set()
    for arg in paths:
        path = Path(arg)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            found = []
            turtle = (p for p in path.rglob("*") if p.suffix.lower() in TURTLE_SUFFIXES)
            for file in sorted(turtle):
                with contextlib.suppress(OSError):  # a dangling link is not a file
                    info = os.stat(file)
                    if stat.S_ISREG(info.st_mode):
                        found.append((file, info))
            if not found:
                raise InputError("the folder holds no .ttl files", file=str(path),
                                 hint="give Turtle files, or a folder that holds them")
        elif st is not None and stat.S_ISREG(st.st_mode):
            if path.suffix.lower() not in _FORMATS:
                raise InputError(f"unsupported RDF file type {path.suffix or '(none)'!r}",
                                 file=str(path), hint=_SUPPORTED)
            found = [(path, st)]
        elif st is not None:
            raise InputError("not a regular file or folder", file=str(path))
        else:
            raise InputError("no such file or folder", file=str(path),
                             hint="check the path (relative paths start at the current folder)")
        for file, info in found:
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                result.append(file)
    return result


def format_of(path: Path) -> RdfFormat:
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputError(f"unsupported RDF file type {path.suffix or '(none)'!r}",
                         file=str(path), hint=_SUPPORTED) from None


# pyoxigraph prefixes its messages with the position, which we report separately:
# "Parser error at line 3 column 11: ...", "... at line 3 between columns 1 and 6: ...",
# "... between line 4 column 11 and line 6 column 1: ..."
_OX_POSITION = LazyPattern(r"^Parser error (?:at|between) line [^:]*:\s*")

_HINT_SYNTAX = ("fix the syntax at that position; an error reported at the start of a statement "
                "often means the previous one lacks its closing ' .'")


def _syntax_error(fmt: RdfFormat, file: str, line: int | None, column: int | None,
                  message: str) -> RDFSyntaxError:
    where = f" (column {column})" if column else ""
    return RDFSyntaxError(f"malformed {fmt.label}: {message.strip()}{where}", file=file,
                          line=line, hint=_HINT_SYNTAX if line else None)


def _starts_with_bom(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


def from_oxigraph_error(exc: SyntaxError, path: Path, fmt: RdfFormat, file: str) -> RDFSyntaxError:
    text = str(exc.args[0]) if exc.args else str(exc)
    if _starts_with_bom(path):  # the parser names an invisible character instead
        return RDFSyntaxError(f"the file starts with a UTF-8 byte-order mark (BOM), which "
                              f"{fmt.label} does not allow", file=file, line=1,
                              hint="save it as UTF-8 without BOM")
    if "Invalid UTF-8" in text:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        return RDFSyntaxError(f"not UTF-8 text ({_OX_POSITION.sub('', text).strip()})",
                              file=file, line=line,
                              hint="RDF files are UTF-8: convert it, e.g. "
                                   "iconv -f latin1 -t utf-8")
    line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
    column = exc.offset if isinstance(exc.offset, int) and exc.offset > 0 else None
    if line is None:
        # pyoxigraph's RDF/XML parser gives no position; rdflib's (SAX) does.
        located = _locate_with_rdflib(path, fmt, file)
        if located is not None:
            return located
    else:
        last = _last_content_line(path)
        if last is not None and line > last:
            # "Unexpected end of file" points past the final newline: name the last line
            # with content, where the unfinished statement is.
            line, column = last, None
    return _syntax_error(fmt, file, line, column, _OX_POSITION.sub("", text))


def _last_content_line(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = re.split(r"\r\n|\r|\n", text)
    for number in range(len(lines), 0, -1):
        if lines[number - 1].strip():
            return number
    return None


def from_rdflib_error(exc: BaseException, fmt: RdfFormat, file: str) -> RDFSyntaxError:
    """rdflib's parsers report positions in different ways; normalise to a 1-based line."""
    from xml.sax import SAXParseException

    from rdflib.plugins.parsers.notation3 import BadSyntax

    if isinstance(exc, BadSyntax):
        # BadSyntax.lines is the parser's running line counter, which can already be past the
        # error (e.g. at end of file); the character offset _i into the decoded document is
        # exact, so count the newlines before it.
        try:
            text = exc._str.decode("utf-8")
            index = int(exc._i)
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
        except (AttributeError, TypeError, ValueError, UnicodeDecodeError):
            line, column = exc.lines + 1, None
        return _syntax_error(fmt, file, line, column, str(exc._why))
    if isinstance(exc, SAXParseException):
        column = exc.getColumnNumber()
        return _syntax_error(fmt, file, exc.getLineNumber(),
                             column + 1 if isinstance(column, int) else None, exc.getMessage())
    if isinstance(exc, json.JSONDecodeError):
        return _syntax_error(fmt, file, exc.lineno, exc.colno, exc.msg)
    return _syntax_error(fmt, file, None, None, str(exc) or type(exc).__name__)


def _locate_with_rdflib(path: Path, fmt: RdfFormat, file: str) -> RDFSyntaxError | None:
    import rdflib

    try:
        rdflib.Graph().parse(str(path), format=fmt.rdflib)
    except Exception as exc:  # any parser failure: we only want its position
        error = from_rdflib_error(exc, fmt, file)
        return error if error.line is not None else None
    return None


def parse_oxigraph(path: PathArg, fmt: RdfFormat, file: str) -> Any:
    """A pyoxigraph QuadParser over the file (lazy: syntax errors surface while iterating)."""
    import pyoxigraph as ox

    return ox.parse(path=str(path), format=getattr(ox.RdfFormat, fmt.oxigraph),
                    base_iri=Path(path).resolve().as_uri(), rename_blank_nodes=True,
                    without_named_graphs=True)


#: Formats that cannot hold named graphs: Store.load reads them as parse_oxigraph would.
TRIPLE_FORMATS = frozenset({"TURTLE", "N_TRIPLES", "RDF_XML"})


def load_oxigraph(store: Any, path: Path, fmt: RdfFormat) -> None:
    """Load a file of :data:`TRIPLE_FORMATS` into a pyoxigraph Store, parsed in Rust with no
    Python object per quad (several times faster than adding parse_oxigraph's quads); blank
    nodes renamed, base IRI and errors as for :func:`parse_oxigraph`. All or nothing."""
    import pyoxigraph as ox

    try:
        store.load(path=str(path), format=getattr(ox.RdfFormat, fmt.oxigraph),
                   base_iri=path.resolve().as_uri())
    except SyntaxError as exc:
        raise from_oxigraph_error(exc, path, fmt, display_path(path)) from None
    except OSError as exc:
        raise read_error(exc, display_path(path)) from None


def read_error(exc: OSError, file: str) -> InputError:
    return InputError(f"cannot read the file: {exc.strerror or exc}", file=file)
