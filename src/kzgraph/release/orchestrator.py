"""``kzgraph build``: the release folder (downloads, VoID/DCAT description, checksums, site).

Layout of ``DIR`` (default ``dist/``)::

    kzgraph.{ttl,nt,jsonld,rdf}    the whole graph (ontology + data)
    ontology.{ttl,nt,jsonld,rdf}   ontology/ alone (OWL ontology, concept schemes, imports)
    shapes.{ttl,nt,jsonld,rdf}     shapes/ alone (SHACL)
    context.jsonld                 the JSON-LD @context of the project's prefixes
    void.{ttl,nt,jsonld,rdf}       VoID + DCAT description of the above
    site/                          the static site (see kzgraph.release.site)
    .kzgraph-build                 marker: this folder is a kzgraph build (may be replaced)
    SHA256SUMS                     `sha256sum -c SHA256SUMS` checks every other file

Determinism (two builds of one commit are byte-identical):
- blank nodes are relabelled from a hash of their content and surroundings (colour
  refinement, see :func:`canonical_triples`), never from parser-assigned ids;
- every serialisation is written from the sorted triple list (N-Triples lines sorted
  byte-wise, Turtle/RDF/XML subjects sorted, JSON-LD nodes and keys sorted);
- dates come from ``SOURCE_DATE_EPOCH``, else the git commit date of HEAD, else the
  ontology's dcterms:issued -- never the wall clock.

Safety: the graph is validated first and an invalid graph is refused (ValidationFailed,
exit 1); everything is written into a temporary folder beside ``DIR`` that replaces ``DIR``
by rename only after success (a file of the previous build holding exactly the bytes to
write is linked into it, not written again, and the previous build is not changed); a
``DIR`` that exists and is not a kzgraph build (no marker, not empty) is never touched
(InputError, exit 2).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kzgraph.conformance_memo import file_sha256
from kzgraph.errors import InputError, KzgraphError, ValidationFailed
from kzgraph.namespaces import (
    OWL,
)
from kzgraph.release import canonical_cache
from kzgraph.release.bundle import (
    DEFAULT_DOWNLOAD_BASE,
    DOWNLOADS,
    FileInfo,
    PrefixMap,
    Release,
    bundle_files,
    ontology_value,
    read_prefixes,
    read_queries,
    release_dates,
    statistics,
)
from kzgraph.release.canonical import canonical_triples, read_triples
from kzgraph.release.folder import (
    MARKER,
    Checksum,
    Writer,
    check_out_dir,
    new_temp_dir,
    remove_own_temp_dirs,
    swap_into_place,
    write_sums,
)
from kzgraph.release.serialise import RDF_FORMATS, serialise, write_serialisation
from kzgraph.release.void import void_triples


def validate_bundle(root: Path, *, remembered: bool = False) -> None:
    """Validate ontology + data against the shapes; raise ValidationFailed (with .report).
    With ``remembered``, a graph a full validation found conforming in the same files, with
    the same code, is not validated again (:mod:`kzgraph.conformance_memo`)."""
    from kzgraph import conformance_memo
    from kzgraph.validation import validate

    data, shapes = bundle_files(root, "data"), bundle_files(root, "shapes")
    ontology = bundle_files(root, "ontology")
    if remembered and conformance_memo.known(conformance_memo.key([*ontology, *data], shapes)):
        return
    report = validate(paths=data, shapes=shapes, ontology=ontology)
    if not report.conforms:
        raise ValidationFailed(
            "the graph does not conform to the shapes; nothing was written. Fix what the "
            "report lists (also: `kzgraph validate`) and build again", report=report
        )


def _conforms(root: str) -> str:
    """In the second process: "conforms", "fails" or "error" (the details are recomputed in
    the parent, so nothing but a string crosses the process boundary)."""
    try:
        validate_bundle(Path(root), remembered=True)
    except ValidationFailed:
        return "fails"
    except Exception:
        return "error"
    return "conforms"


def _leave_interrupts_to_the_parent() -> None:
    """In the validation worker: Ctrl-C reaches the whole process group; the parent stops
    the worker, which would otherwise print its own traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Validation:
    """The bundle validated in a second process while this one writes the release (pySHACL is
    pure Python: a thread would not use the second CPU). ``wait()`` returns when the graph
    conforms; otherwise it validates again here, which raises the ValidationFailed (with its
    report) or the InputError a user should see. On one CPU it validates at once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._pool: Any = None
        self._future: Any = None
        if (os.cpu_count() or 1) < 2:
            validate_bundle(root, remembered=True)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent may hold threads (RocksDB, pyoxigraph).
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_leave_interrupts_to_the_parent)
        self._future = self._pool.submit(_conforms, str(root))

    def wait(self) -> None:
        if self._future is None:
            return
        try:
            status = self._future.result()
        except Exception:  # the process died (e.g. out of memory): find out here
            status = "error"
        self.close()
        if status != "conforms":
            validate_bundle(self.root)

    def close(self) -> None:
        if self._pool is not None:
            self._future = None
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.kill()  # do not wait for a validation nobody needs any more
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _advertised(sparql_endpoint: str | None, endpoint: str | None) -> str | None:
    """The endpoint to advertise, given by its keyword or by the former one, ``endpoint``."""
    if sparql_endpoint and endpoint and sparql_endpoint != endpoint:
        raise InputError(f"two endpoints to advertise: sparql_endpoint={sparql_endpoint!r} and "
                         f"endpoint={endpoint!r}", hint="give only sparql_endpoint")
    return sparql_endpoint or endpoint


def load_release(
    root: str | Path | None = None,
    *,
    sparql_endpoint: str | None = None,
    endpoint: str | None = None,
    download_base: str | None = None,
    validate: bool = True,
) -> Release:
    """Validate (unless told not to: tests of the writer only) and load the bundle at root.

    ``sparql_endpoint`` (formerly ``endpoint``, still accepted) is the endpoint to advertise."""
    from kzgraph.paths import bundle_root
    from kzgraph.version import __version__

    root = Path(root) if root is not None else bundle_root()
    onto_files = bundle_files(root, "ontology")
    data_files = bundle_files(root, "data")
    shape_files = bundle_files(root, "shapes")
    if not onto_files:
        raise InputError(f"no ontology files under {root / 'ontology'}",
                         hint="set KZGRAPH_HOME to a folder holding ontology/, data/, shapes/")
    if validate:
        validate_bundle(root, remembered=True)
    name = canonical_cache.key(onto_files, data_files, shape_files)
    canonical = canonical_cache.load(name)
    kept = canonical is not None
    if canonical is None:
        canonical = _canonical(onto_files, data_files, shape_files)
    graph, ontology = canonical.graph, canonical.ontology
    issued, modified = release_dates(root, ontology)
    endpoint = (_advertised(sparql_endpoint, endpoint)
                or os.environ.get("KZGRAPH_SPARQL_ENDPOINT") or None)
    download_base = (download_base or os.environ.get("KZGRAPH_DOWNLOAD_BASE")
                     or DEFAULT_DOWNLOAD_BASE)
    if not download_base.endswith("/"):
        download_base += "/"
    version = ontology_value(ontology, OWL + "versionInfo") or __version__
    rel = Release(root, graph, ontology, canonical.shapes, PrefixMap(canonical.prefixes),
                  version, issued, modified, endpoint, download_base, read_queries(root),
                  canonical.counts)
    if name is not None:
        rel.cache = canonical_cache.Entry(name, kept, canonical.downloads)
    return rel


def keep_canonical(rel: Release, infos: Sequence[FileInfo] = ()) -> None:
    """Keep the release's canonical form in the cache, if it was not read from there (the
    next load of the same files reads it back), with the checksums of the downloads made
    of it (infos), if they are new."""
    entry = rel.cache
    if entry is None:
        return
    downloads = {i.name: (i.size, i.sha256) for i in infos if i.part in DOWNLOADS}
    if entry.kept and (not downloads or downloads == entry.downloads):
        return
    entry.downloads = downloads or entry.downloads
    canonical_cache.keep(entry.name, canonical_cache.Canonical(
        rel.graph, rel.ontology, rel.shapes, rel.prefixes.prefixes, rel.counts,
        entry.downloads))
    entry.kept = True


def _canonical(onto_files: list[Path], data_files: list[Path],
               shape_files: list[Path]) -> canonical_cache.Canonical:
    """The bundle's graphs in canonical form, with their prefixes and statistics."""
    import pyoxigraph as ox

    onto_raw = read_triples(onto_files)
    ontology = canonical_triples(onto_raw)
    shapes = canonical_triples(read_triples(shape_files))
    graph_raw = read_triples(data_files)
    graph_raw |= onto_raw  # in place: at N = 1000 a set of the graph is 100 MB
    del onto_raw
    graph = canonical_triples(graph_raw)
    del graph_raw
    prefixes = read_prefixes(
        [*onto_files, *data_files, *shape_files],
        (t.subject.value for t in graph if isinstance(t.subject, ox.NamedNode)))
    return canonical_cache.Canonical(graph, ontology, shapes, prefixes, statistics(graph))


#: put(name, fill) makes the file name with fill(binary file); its (size, SHA-256)
PutFile = Callable[[str, Callable[[Any], object]], tuple[int, str]]


#: link(name, size, sha256): whether the file name holding those bytes was put (by a link),
#: or needs no putting, without being made
LinkFile = Callable[[str, int, str], bool]


def _release_files(rel: Release, put: PutFile, link: LinkFile | None = None) -> list[FileInfo]:
    """Make every top-level file of the release (the site excluded) with put, one at a time:
    at N = 1000 the downloads are hundreds of MB each; or, for a download whose checksum
    the cache knows, with link. Their FileInfos, in landing-page order (the marker left
    out)."""
    infos: list[FileInfo] = []
    known = rel.cache.downloads if rel.cache is not None and link is not None else {}
    for part in DOWNLOADS:
        triples = rel.part(part)
        used: dict[str, str] | None = None
        for ext in RDF_FORMATS:
            name = f"{part}.{ext}"
            if name in known and link is not None and link(name, *known[name]):
                infos.append(_info(name, *known[name]))
                continue
            if used is None:
                used = rel.prefixes.used(triples)
            size, digest = put(name, functools.partial(write_serialisation, triples, ext,
                                                       rel.prefixes, prefixes=used))
            infos.append(_info(name, size, digest))
    void = void_triples(rel, infos)  # describes the downloads
    context = {"@context": rel.prefixes.jsonld_context()}
    small = [("context.jsonld", (json.dumps(context, indent=1, sort_keys=True) + "\n").encode())]
    small += [(f"void.{ext}", serialise(void, ext, rel.prefixes)) for ext in RDF_FORMATS]
    for name, data in small:
        infos.append(_info(name, *put(name, functools.partial(_write_bytes, data))))
    put(MARKER, functools.partial(_write_bytes, (json.dumps(
        {"generator": "kzgraph build", "version": rel.version}, sort_keys=True) + "\n").encode()))
    return infos


def _write_bytes(data: bytes, out: Any) -> None:
    out.write(data)


def _info(name: str, size: int, sha256: str) -> FileInfo:
    stem, _, ext = name.partition(".")
    media = RDF_FORMATS[ext][1] if ext in RDF_FORMATS else "application/ld+json"
    part = stem if stem in DOWNLOADS or stem == "void" else "context"
    return FileInfo(name, part, ext, media, size, sha256)


def _write_release_files(rel: Release, tmp: Path, digests: dict[str, str],
                         previous: Path | None = None) -> tuple[list[FileInfo], dict[str, Path]]:
    """Write the top-level files into tmp as they are made (none held in memory), or link
    those the build being replaced (``previous``) holds already; their FileInfos
    (landing-page order) and paths."""
    paths: dict[str, Path] = {}
    with Writer(tmp, digests, previous=previous) as writer:

        def put(name: str, fill: Callable[[Any], object]) -> tuple[int, str]:
            with writer.open(name) as file:
                fill(file)
            paths[name] = tmp / name
            return file.size, file.sha256

        def link(name: str, size: int, sha256: str) -> bool:
            if not writer.link_known(name, size, sha256):
                return False
            paths[name] = tmp / name
            return True

        infos = _release_files(rel, put, link)
    return infos, paths


def _previous_build(out: Path) -> Path | None:
    """The build being replaced (its downloads that the cache knows are linked), if any."""
    return out if (out / MARKER).is_file() and not out.is_symlink() else None


def _previous_site(site: Path) -> Path | None:
    """The site of the build being replaced (its unchanged files are linked, not written
    again), unless there is none or it is a link to somewhere else."""
    return site if site.is_dir() and not site.is_symlink() else None


def build(
    out: str | Path = "dist",
    *,
    root: str | Path | None = None,
    sparql_endpoint: str | None = None,
    endpoint: str | None = None,
    download_base: str | None = None,
    site: bool = True,
    force: bool = False,
) -> Path:
    """Build the release folder (downloads, VoID, site, SHA256SUMS) at ``out``.

    ``root`` is the bundle (default: kzgraph.paths.bundle_root()); ``sparql_endpoint`` the
    SPARQL endpoint to advertise in the VoID (default: $KZGRAPH_SPARQL_ENDPOINT; the former
    keyword ``endpoint`` still works); ``download_base`` the URL the files are published
    under (default: $KZGRAPH_DOWNLOAD_BASE or https://w3id.org/kzgraph/dist/).
    Raises ValidationFailed (exit 1) for an invalid graph and InputError (exit 2) for an
    unusable bundle or a foreign ``out`` (or a previous build with files added to it, unless
    ``force``); in both cases nothing is written. Returns ``out``."""
    from kzgraph.paths import bundle_root

    out = Path(out).absolute()
    check_out_dir(out, force=force)
    bundle = Path(root) if root is not None else bundle_root()
    validation = _Validation(bundle)  # alongside the writing; checked before anything moves
    try:
        rel = load_release(bundle, sparql_endpoint=sparql_endpoint, endpoint=endpoint,
                           download_base=download_base, validate=False)
        tmp = new_temp_dir(out)
        digests: dict[str, str] = {}
        infos: list[FileInfo] = []
        paths: dict[str, Path] = {}

        def downloads() -> None:
            made, where = _write_release_files(rel, tmp, digests, _previous_build(out))
            infos.extend(made)
            paths.update(where)
            keep_canonical(rel, made)  # here, not in the load: the pages need not wait

        if site:
            from kzgraph.release.site import render_site

            # the downloads are written here while worker processes render the pages
            render_site(rel, tmp / "site", infos, downloads=paths, digests=digests,
                        previous=_previous_site(out / "site"), meanwhile=downloads)
        else:
            downloads()
        validation.wait()
        write_sums(tmp, digests)
        swap_into_place(tmp, out)
    except BaseException as exc:
        remove_own_temp_dirs(out)
        if isinstance(exc, Exception) and not isinstance(exc, KzgraphError):
            validation.wait()  # an invalid graph explains a crash better than its symptom
        raise
    finally:
        validation.close()
    return out


def build_site(
    out: str | Path = "dist",
    *,
    root: str | Path | None = None,
    sparql_endpoint: str | None = None,
    endpoint: str | None = None,
    download_base: str | None = None,
    force: bool = False,
) -> Path:
    """(Re)build only ``out/site/`` from the current graph; the downloads in ``out`` are
    left alone (the landing page lists the current graph's files and links those present
    in ``out`` with the same checksum). ``out`` is created if missing; a foreign ``out`` is
    refused (InputError, exit 2); an invalid graph is refused (ValidationFailed, exit 1).
    SHA256SUMS of ``out`` is rewritten. ``sparql_endpoint`` and ``download_base`` as for
    :func:`build`. Returns the site folder."""
    from kzgraph.paths import bundle_root
    from kzgraph.release.site import render_site

    out = Path(out).absolute()
    check_out_dir(out, force=force)
    bundle = Path(root) if root is not None else bundle_root()
    validation = _Validation(bundle)  # as for build: alongside, checked before the swap
    try:
        rel = load_release(bundle, sparql_endpoint=sparql_endpoint, endpoint=endpoint,
                           download_base=download_base, validate=False)
        infos, small = _release_checksums(rel)
        present: dict[str, bytes | Path] = {}  # the files in out the release would write
        for info in infos:
            path = out / info.name
            if path.is_file() and path.stat().st_size == info.size and \
                    file_sha256(path) == info.sha256:
                present[info.name] = path  # copied into the site from there
        created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        target = out / "site"
        tmp = new_temp_dir(target)
        digests: dict[str, str] = {}
        try:
            render_site(rel, tmp, infos, set(present), present, digests=digests,
                        previous=_previous_site(target))
            validation.wait()
            swap_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if created:
                shutil.rmtree(out, ignore_errors=True)
            raise
    except BaseException as exc:
        if isinstance(exc, Exception) and not isinstance(exc, KzgraphError):
            validation.wait()  # an invalid graph explains a crash better than its symptom
        raise
    finally:
        validation.close()
    if not (out / MARKER).exists():
        (out / MARKER).write_bytes(small[MARKER])
    # What was just written, or checked, is not read again (at N = 1000: a million files)
    digests.update((str(present[i.name]), i.sha256) for i in infos if i.name in present)
    write_sums(out, digests, moved=(tmp, target))
    keep_canonical(rel, infos)
    return target


def _release_checksums(rel: Release) -> tuple[list[FileInfo], dict[str, bytes]]:
    """The FileInfos of the release's top-level files (landing-page order), and the bytes of
    the small ones (VoID, context, marker). No download is held: each is serialised into its
    checksum, or not at all where the cache knows it (at N = 1000 they are 760 MB)."""
    small: dict[str, bytes] = {}

    def put(name: str, fill: Callable[[Any], object]) -> tuple[int, str]:
        if name.partition(".")[0] in DOWNLOADS:
            sink = Checksum()
            fill(sink)
            return sink.size, sink.sha256
        buffer = io.BytesIO()
        fill(buffer)
        data = small[name] = buffer.getvalue()
        return len(data), hashlib.sha256(data).hexdigest()

    return _release_files(rel, put, lambda _name, _size, _sha256: True), small
