"""``kzgraph build``: the release folder (downloads, VoID/DCAT description, checksums, site).

Layout of ``DIR`` (default ``dist/``)::

    kzgraph.{ttl,nt,jsonld,rdf}    the whole graph (ontology + data)
    ontology.{ttl,nt,jsonld,rdf}   ontology/ alone (OWL ontology, concept schemes, imports)
    shapes.{ttl,nt,jsonld,rdf}     shapes/ alone (SHACL)
    context.jsonld                 the JSON-LD @context of the project's prefixes
    void.{ttl,nt,jsonld,rdf}       VoID + DCAT description of the above
    site/                          the static site (see kzgraph.site)
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
by rename only after success; a ``DIR`` that exists and is not a kzgraph build (no marker,
not empty) is never touched (InputError, exit 2).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.errors import InputError, KzgraphError, ValidationFailed

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

BASE = "https://w3id.org/kzgraph/"
ID_SPACE = BASE + "id/"
VOCAB_SPACE = BASE + "vocab/"
ONTOLOGY_IRI = BASE + "ontology"
VOID_NS = BASE + "void#"
FACTSHEET = ID_SPACE + "kz/factsheet"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_DOWNLOAD_BASE = BASE + "dist/"
MARKER = ".kzgraph-build"
SUMS = "SHA256SUMS"

TITLE = "kzgraph: diaspora engagement knowledge graph"
DESCRIPTION = (
    "Linked data built from the EU Global Diaspora Facility (EUDiF) factsheets "
    "'Diaspora engagement mapping' (Kazakhstan first): emigrant statistics, political rights, "
    "terminology, laws and policy documents, institutions, diaspora organisations, effective "
    "practices, events, obstacles and findings, every fact traced to its factsheet section and "
    "footnote or supplementary source."
)
CREATOR_NAME = "kzgraph developers"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = RDF + "type"

#: Published graphs, in download order.
PARTS = ("kzgraph", "ontology", "shapes")

#: extension -> (pyoxigraph format name or "jsonld", media type, label)
FORMATS: dict[str, tuple[str, str, str]] = {
    "ttl": ("TURTLE", "text/turtle", "Turtle"),
    "nt": ("N_TRIPLES", "application/n-triples", "N-Triples"),
    "jsonld": ("jsonld", "application/ld+json", "JSON-LD"),
    "rdf": ("RDF_XML", "application/rdf+xml", "RDF/XML"),
}

PART_TITLES = {
    "kzgraph": "the whole graph (ontology + data)",
    "ontology": "the ontology: OWL terms, SKOS concept schemes, imported term declarations",
    "shapes": "the SHACL shapes the graph is validated against",
    "void": "this VoID + DCAT description",
}

#: Prefixes always offered (the project's files add theirs; theirs win).
BASE_PREFIXES: dict[str, str] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "dcterms": DCT,
    "dcat": DCAT,
    "void": VOID,
    "foaf": FOAF,
    "spdx": SPDX,
    "skos": SKOS,
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    "dem": BASE + "ontology#",
    "kz": ID_SPACE + "kz/",
    "country": ID_SPACE + "country/",
    "kzid": ID_SPACE,
    "kzvoid": VOID_NS,
}

_PREFIX_RE = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>", re.IGNORECASE | re.MULTILINE
)
#: JSON-LD 1.1 uses a term as a prefix only if its IRI ends with a gen-delim character.
_GEN_DELIMS = tuple(":/?#[]@")
_SAFE_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


# ---------------------------------------------------------------------------------------
# Files of a bundle
# ---------------------------------------------------------------------------------------


def bundle_files(root: Path, folder: str, pattern: str = "*.ttl") -> list[Path]:
    """The files of one bundled folder, sorted for a stable load order."""
    base = root / folder
    return sorted(base.rglob(pattern)) if base.is_dir() else []


@dataclass
class StoredQueryInfo:
    """A queries/*.rq file as the landing page lists it."""

    name: str
    summary: str
    text: str


def read_queries(root: Path) -> list[StoredQueryInfo]:
    out = []
    for path in bundle_files(root, "queries", "*.rq"):
        text = path.read_text(encoding="utf-8")
        summary = ""
        for line in text.splitlines():
            m = re.match(r"^\s*#\+\s*summary:\s*(.*)$", line)
            if m:
                summary = m.group(1).strip()
                break
        out.append(StoredQueryInfo(path.stem, summary, text))
    return out


def read_prefixes(files: Iterable[Path]) -> dict[str, str]:
    """prefix -> namespace: BASE_PREFIXES overridden by the files' declarations (first file
    wins); one prefix per namespace."""
    declared: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for m in _PREFIX_RE.finditer(text):
            name, ns = m.group(1), m.group(2)
            if name and ns and name not in declared:
                declared[name] = ns
    merged = dict(declared)
    for name, ns in BASE_PREFIXES.items():
        merged.setdefault(name, ns)
    seen: set[str] = set()
    result: dict[str, str] = {}
    # Declared prefixes first so they own their namespace; then the defaults.
    for name in [*sorted(declared), *sorted(set(merged) - set(declared))]:
        ns = merged[name]
        if ns in seen:
            continue
        seen.add(ns)
        result[name] = ns
    return dict(sorted(result.items()))


# ---------------------------------------------------------------------------------------
# Loading and canonical form
# ---------------------------------------------------------------------------------------


def _triples(paths: Sequence[Path]) -> set[pyoxigraph.Triple]:
    """The files' triples, parsed by pyoxigraph (errors carry file and line). Not through
    rdflib: canonical_triples relabels blank nodes anyway (N=100: 0.8 s instead of 3.5 s)."""
    import pyoxigraph as ox

    from kzgraph.store import iter_quads

    return {ox.Triple(q.subject, q.predicate, q.object) for q in iter_quads(paths)}


def _key(term: Any, cache: dict[Any, str]) -> str:
    k = cache.get(term)
    if k is None:
        k = str(term)
        cache[term] = k
    return k


def canonical_triples(triples: Iterable[pyoxigraph.Triple]) -> list[pyoxigraph.Triple]:
    """The triples with blank nodes relabelled from their content, sorted.

    Labels come from colour refinement: each blank node's colour starts as a hash of its
    non-blank neighbours (predicate + term, both directions) and is refined with its blank
    neighbours' colours until the partition stops splitting. Blank nodes that still share a
    colour are (in all practical graphs) interchangeable, so the order in which they get the
    suffixes ``_1``, ``_2`` does not change the output. Sorted: subjects (IRIs before blank
    nodes), rdf:type first, then predicate and object in N-Triples order."""
    import pyoxigraph as ox

    triples = set(triples)
    bnodes: dict[Any, None] = {}
    out_edges: dict[Any, list[tuple[str, Any]]] = {}
    in_edges: dict[Any, list[tuple[str, Any]]] = {}
    keys: dict[Any, str] = {}
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if isinstance(s, ox.BlankNode):
            bnodes[s] = None
            out_edges.setdefault(s, []).append((_key(p, keys), o))
        if isinstance(o, ox.BlankNode):
            bnodes[o] = None
            in_edges.setdefault(o, []).append((_key(p, keys), s))

    if bnodes:
        colour = {b: "" for b in bnodes}
        classes = 1
        for _ in range(len(bnodes) + 1):

            def show(term: Any, colour: dict[Any, str] = colour) -> str:
                return "_:" + colour[term] if isinstance(term, ox.BlankNode) else _key(term, keys)

            new: dict[Any, str] = {}
            for b in bnodes:
                parts = sorted(f">{p} {show(o)}" for p, o in out_edges.get(b, ()))
                parts += sorted(f"<{p} {show(s)}" for p, s in in_edges.get(b, ()))
                h = hashlib.sha256(colour[b].encode())
                h.update("\n".join(parts).encode())
                new[b] = h.hexdigest()
            n = len(set(new.values()))
            colour = new
            if n == classes:
                break
            classes = n
        groups: dict[str, list[Any]] = {}
        for b, c in colour.items():
            groups.setdefault(c, []).append(b)
        rename: dict[Any, Any] = {}
        for c, members in groups.items():
            members.sort(key=str)
            for i, b in enumerate(members):
                label = "b" + c[:16] + (f"_{i + 1}" if len(members) > 1 else "")
                rename[b] = ox.BlankNode(label)
        triples = {
            ox.Triple(rename.get(t.subject, t.subject), t.predicate, rename.get(t.object, t.object))
            if (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))
            else t
            for t in triples
        }
    return sort_triples(triples)


def sort_triples(triples: Iterable[pyoxigraph.Triple]) -> list[pyoxigraph.Triple]:
    import pyoxigraph as ox

    keys: dict[Any, str] = {}

    def order(t: Any) -> tuple[int, str, int, str, str]:
        s = t.subject
        return (
            1 if isinstance(s, ox.BlankNode) else 0,
            _key(s, keys),
            0 if t.predicate.value == RDF_TYPE else 1,
            _key(t.predicate, keys),
            _key(t.object, keys),
        )

    return sorted(triples, key=order)


# ---------------------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------------------


class PrefixMap:
    """IRI <-> compact IRI with the project's prefixes (longest namespace wins)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self._by_ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: -len(x[0]))
        self._ns_of: dict[str, str] = {ns: p for p, ns in prefixes.items()}
        self._cache: dict[str, tuple[str, str] | None] = {}
        self._term_prefix: dict[Any, str | None] = {}

    def split(self, iri: str) -> tuple[str, str] | None:
        """(prefix, local) for an IRI that a declared namespace covers with a safe local
        name, else None."""
        if iri in self._cache:
            return self._cache[iri]
        found: tuple[str, str] | None = None
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        candidates = []
        if cut and iri[:cut] in self._ns_of:
            candidates.append((iri[:cut], self._ns_of[iri[:cut]]))
        candidates += [(ns, p) for ns, p in self._by_ns if iri.startswith(ns)]
        for ns, p in candidates:
            local = iri[len(ns):]
            if local == "" or _SAFE_LOCAL.match(local):
                found = (p, local)
                break
        self._cache[iri] = found
        return found

    def curie(self, iri: str) -> str:
        hit = self.split(iri)
        return f"{hit[0]}:{hit[1]}" if hit else iri

    def used(self, triples: Iterable[pyoxigraph.Triple]) -> dict[str, str]:
        """The prefixes the IRIs of these triples (incl. datatypes) need."""
        import pyoxigraph as ox

        terms: set[Any] = set()
        for t in triples:
            terms.add(t.subject)
            terms.add(t.predicate)
            terms.add(t.object)
        used: set[str] = set()
        cache = self._term_prefix
        for term in terms:
            if term in cache:
                prefix = cache[term]
            else:
                if isinstance(term, ox.NamedNode):
                    hit = self.split(term.value)
                elif isinstance(term, ox.Literal):
                    hit = self.split(term.datatype.value)
                else:
                    hit = None
                prefix = cache[term] = hit[0] if hit else None
            if prefix:
                used.add(prefix)
        return {p: self.prefixes[p] for p in sorted(used)}

    def jsonld_context(self, prefixes: dict[str, str] | None = None) -> dict[str, str]:
        items = (prefixes if prefixes is not None else self.prefixes).items()
        return {p: ns for p, ns in sorted(items) if ns.endswith(_GEN_DELIMS)}


def jsonld_bytes(triples: Sequence[pyoxigraph.Triple], pm: PrefixMap) -> bytes:
    """Compact JSON-LD, flattened: {"@context": {...}, "@graph": [nodes]} with the context
    inline (so that every parser reads it offline; context.jsonld holds the same mapping).
    Literal lexical forms are kept as strings; nodes, keys and values in sorted order, one
    node per line."""
    import pyoxigraph as ox

    context = pm.jsonld_context(pm.used(triples))
    compactable = set(context)
    cache: dict[str, str] = {}

    def compact(iri: str) -> str:
        hit = cache.get(iri)
        if hit is None:
            sp = pm.split(iri)
            hit = f"{sp[0]}:{sp[1]}" if sp and sp[0] in compactable and sp[1] else iri
            cache[iri] = hit
        return hit

    def node_id(term: Any) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compact(term.value)

    def value(term: Any) -> Any:
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            dt = term.datatype.value
            if dt == XSD + "string":
                return term.value
            return {"@value": term.value, "@type": compact(dt)}
        return {"@id": node_id(term)}

    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        sid = node_id(t.subject)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {"@id": sid}
        if t.predicate.value == RDF_TYPE and not isinstance(t.object, ox.Literal):
            node.setdefault("@type", []).append(node_id(t.object))
        else:
            node.setdefault(compact(t.predicate.value), []).append(value(t.object))
    # One node per line: diff-friendly, and json's C encoder (not used with indent) is fast.
    def dump(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True)

    body = ",\n".join(dump(node) for node in nodes.values())
    text = f'{{"@context": {dump(context)},\n"@graph": [\n{body}\n]}}\n'
    return text.encode("utf-8")


def ntriples_bytes(triples: Iterable[pyoxigraph.Triple]) -> bytes:
    """Canonical N-Triples, lines sorted byte-wise (as `LC_ALL=C sort`)."""
    lines = sorted(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
    return "".join(lines).encode("utf-8")


def serialise(triples: Sequence[pyoxigraph.Triple], ext: str, pm: PrefixMap) -> bytes:
    """One serialisation of sorted canonical triples ('ttl', 'nt', 'jsonld' or 'rdf')."""
    import pyoxigraph as ox

    fmt = FORMATS[ext][0]
    if ext == "rdf":
        _check_rdfxml_predicates(triples)
    if ext == "jsonld":
        return jsonld_bytes(triples, pm)
    if ext == "nt":
        return ntriples_bytes(triples)
    data = ox.serialize(triples, format=getattr(ox.RdfFormat, fmt), prefixes=pm.used(triples))
    return _sorted_header(bytes(data or b""), ext)


_NCNAME_END = re.compile(r"[^\W\d][\w.-]*$")


_WRITABLE: set[str] = set()


def _check_rdfxml_predicates(triples: Iterable[Any]) -> None:
    """RDF/XML writes a predicate as an XML element name: its IRI must end in a name."""
    for p in {t.predicate.value for t in triples} - _WRITABLE:
        if _NCNAME_END.search(p):
            _WRITABLE.add(p)
        else:
            raise InputError(
                f"the property <{p}> cannot be written in RDF/XML (its IRI does not end in a "
                "name such as .../property)", hint="rename the property in the data")


_XMLNS_RE = re.compile(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"')


def _sorted_header(data: bytes, ext: str) -> bytes:
    """pyoxigraph writes the prefix declarations in an order of its own (a hash map): sort
    them, so that the bytes depend on the triples alone."""
    if ext == "ttl":
        lines = data.split(b"\n")
        n = 0
        while n < len(lines) and lines[n].startswith(b"@prefix "):
            n += 1
        return b"\n".join(sorted(lines[:n]) + lines[n:])
    if ext == "rdf":
        start = data.find(b"<rdf:RDF")
        end = data.find(b">", start)
        if start >= 0 and end > start:
            tag = data[start:end]
            attrs = sorted(a.strip() for a in _XMLNS_RE.findall(tag))
            rest = _XMLNS_RE.sub(b"", tag)
            tag = rest + b"".join(b" " + a for a in attrs)
            return data[:start] + tag + data[end:]
    return data


# ---------------------------------------------------------------------------------------
# The release in memory
# ---------------------------------------------------------------------------------------


@dataclass
class FileInfo:
    """One file of the release folder, as the VoID and the landing page describe it."""

    name: str
    part: str
    ext: str
    media_type: str
    size: int
    sha256: str

    @property
    def format_label(self) -> str:
        return FORMATS[self.ext][2] if self.ext in FORMATS else self.ext


@dataclass
class Release:
    """Everything the release folder and the site are made of, in canonical form."""

    root: Path
    graph: list[Any]
    ontology: list[Any]
    shapes: list[Any]
    prefixes: PrefixMap
    version: str
    issued: str
    modified: str
    endpoint: str | None
    download_base: str
    queries: list[StoredQueryInfo]
    counts: dict[str, Any] = field(default_factory=dict)

    def part(self, name: str) -> list[Any]:
        return {"kzgraph": self.graph, "ontology": self.ontology, "shapes": self.shapes}[name]


def _git_date(root: Path) -> str | None:
    """The committer date (YYYY-MM-DD, UTC) of HEAD, if root is in a git work tree."""
    if not (root / ".git").exists():
        return None
    try:
        res = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d"],
            capture_output=True, text=True, timeout=20, env={**os.environ, "TZ": "UTC"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    date = res.stdout.strip()
    return date if res.returncode == 0 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None


def _ontology_value(ontology: Sequence[Any], predicate: str) -> str | None:
    import pyoxigraph as ox

    for t in ontology:
        if (t.predicate.value == predicate and isinstance(t.subject, ox.NamedNode)
                and t.subject.value == ONTOLOGY_IRI):
            return str(t.object.value)
    return None


def release_dates(root: Path, ontology: Sequence[Any]) -> tuple[str, str]:
    """(issued, modified) as YYYY-MM-DD: issued = the ontology's dcterms:issued; modified =
    SOURCE_DATE_EPOCH, else the commit date of HEAD, else issued. Never the wall clock."""
    import datetime as dt

    issued = _ontology_value(ontology, DCT + "issued")
    issued = issued[:10] if issued and re.match(r"\d{4}-\d{2}-\d{2}", issued) else None
    modified = None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        modified = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).strftime("%Y-%m-%d")
    modified = modified or _git_date(root) or issued
    issued = issued or modified or "1970-01-01"
    return issued, modified or issued


def validate_bundle(root: Path) -> None:
    """Validate ontology + data against the shapes; raise ValidationFailed (with .report)."""
    from kzgraph.validation import validate

    report = validate(paths=bundle_files(root, "data"), shapes=bundle_files(root, "shapes"),
                      ontology=bundle_files(root, "ontology"))
    if not report.conforms:
        exc = ValidationFailed(
            "the graph does not conform to the shapes; nothing was written. Fix what the "
            "report lists (also: `kzgraph validate`) and build again"
        )
        exc.report = report  # type: ignore[attr-defined]
        raise exc


def _conforms(root: str) -> str:
    """In the second process: "conforms", "fails" or "error" (the details are recomputed in
    the parent, so nothing but a string crosses the process boundary)."""
    try:
        validate_bundle(Path(root))
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
            validate_bundle(root)
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


def load_release(
    root: str | Path | None = None,
    *,
    endpoint: str | None = None,
    download_base: str | None = None,
    validate: bool = True,
) -> Release:
    """Validate (unless told not to: tests of the writer only) and load the bundle at root."""
    from kzgraph import __version__
    from kzgraph.paths import bundle_root

    root = Path(root) if root is not None else bundle_root()
    onto_files = bundle_files(root, "ontology")
    data_files = bundle_files(root, "data")
    shape_files = bundle_files(root, "shapes")
    if not onto_files:
        raise InputError(f"no ontology files under {root / 'ontology'}",
                         hint="set KZGRAPH_HOME to a folder holding ontology/, data/, shapes/")
    if validate:
        validate_bundle(root)
    onto_raw = _triples(onto_files)
    data_raw = _triples(data_files)
    shapes_raw = _triples(shape_files)
    ontology = canonical_triples(onto_raw)
    graph = canonical_triples(onto_raw | data_raw)
    shapes = canonical_triples(shapes_raw)
    prefixes = PrefixMap(read_prefixes([*onto_files, *data_files, *shape_files]))
    issued, modified = release_dates(root, ontology)
    endpoint = endpoint or os.environ.get("KZGRAPH_SPARQL_ENDPOINT") or None
    download_base = (download_base or os.environ.get("KZGRAPH_DOWNLOAD_BASE")
                     or DEFAULT_DOWNLOAD_BASE)
    if not download_base.endswith("/"):
        download_base += "/"
    version = _ontology_value(ontology, OWL + "versionInfo") or __version__
    rel = Release(root, graph, ontology, shapes, prefixes, version, issued, modified,
                  endpoint, download_base, read_queries(root))
    rel.counts = statistics(graph)
    return rel


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut] if cut else iri


def statistics(triples: Sequence[Any]) -> dict[str, Any]:
    """VoID statistics of a canonical graph in one pass."""
    import pyoxigraph as ox

    subjects: set[Any] = set()
    objects: set[Any] = set()
    entities: set[str] = set()
    by_class: dict[str, set[Any]] = {}
    by_property: dict[str, int] = {}
    for t in triples:
        s, p, o = t.subject, t.predicate.value, t.object
        subjects.add(s)
        objects.add(o)
        if isinstance(s, ox.NamedNode) and s.value.startswith(ID_SPACE):
            entities.add(s.value)
        by_property[p] = by_property.get(p, 0) + 1
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            by_class.setdefault(o.value, set()).add(s)
    vocab = {namespace_of(p) for p in by_property} | {namespace_of(c) for c in by_class}
    return {
        "triples": len(triples),
        "entities": len(entities),
        "distinct_subjects": len(subjects),
        "distinct_objects": len(objects),
        "classes": {c: len(v) for c, v in sorted(by_class.items())},
        "properties": dict(sorted(by_property.items())),
        "vocabularies": sorted(vocab),
    }


def example_resources(rel: Release, limit: int = 5) -> list[str]:
    """A few representative resources: the factsheet, the country, then one per main class."""
    import pyoxigraph as ox

    subjects = {t.subject.value for t in rel.graph if isinstance(t.subject, ox.NamedNode)}
    picks = [iri for iri in (FACTSHEET, ID_SPACE + "country/kazakhstan") if iri in subjects]
    wanted = ["PolicyDocument", "Institution", "DiasporaOrganisation", "Practice", "Term"]
    firsts: dict[str, str] = {}
    for t in rel.graph:
        if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode):
            cls = t.object.value
            if cls.startswith(BASE + "ontology#") and t.subject.value.startswith(ID_SPACE):
                firsts.setdefault(cls.rsplit("#", 1)[1], t.subject.value)
    picks += [firsts[c] for c in wanted if c in firsts]
    if len(picks) < limit:
        picks += [s for s in sorted(subjects) if s.startswith(ID_SPACE)]
    seen: list[str] = []
    for iri in picks:
        if iri not in seen:
            seen.append(iri)
    return seen[:limit]


def _fragment(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


def void_triples(rel: Release, files: Sequence[FileInfo]) -> list[Any]:
    """The VoID + DCAT description of the release (no blank nodes: every node is an IRI in
    the kzvoid: namespace, so that it needs no canonicalisation)."""
    import pyoxigraph as ox

    N = ox.NamedNode
    out: list[Any] = []

    def lit(value: Any, dt: str | None = None, lang: str | None = None) -> Any:
        if lang:
            return ox.Literal(str(value), language=lang)
        return ox.Literal(str(value), datatype=N(dt)) if dt else ox.Literal(str(value))

    def add(s: str, p: str, o: Any) -> None:
        out.append(ox.Triple(N(s), N(p), o if not isinstance(o, str) else N(o)))

    catalog, agent = VOID_NS + "catalog", VOID_NS + "kzgraph-developers"
    datasets = {name: VOID_NS + name for name in PARTS}
    c = rel.counts

    add(agent, RDF_TYPE, FOAF + "Organization")
    add(agent, RDF_TYPE, DCT + "Agent")
    add(agent, FOAF + "name", lit(CREATOR_NAME))

    def describe(node: str, title: str, description: str) -> None:
        add(node, DCT + "title", lit(title, lang="en"))
        add(node, DCT + "description", lit(description, lang="en"))
        add(node, DCT + "issued", lit(rel.issued, XSD + "date"))
        add(node, DCT + "modified", lit(rel.modified, XSD + "date"))
        add(node, DCT + "license", LICENSE)
        add(node, DCT + "creator", agent)
        add(node, DCT + "publisher", agent)
        add(node, DCAT + "version", lit(rel.version))
        add(node, OWL + "versionInfo", lit(rel.version))

    add(catalog, RDF_TYPE, DCAT + "Catalog")
    describe(catalog, TITLE, DESCRIPTION)
    add(catalog, FOAF + "homepage", BASE)
    for name in PARTS:
        add(catalog, DCAT + "dataset", datasets[name])

    main = datasets["kzgraph"]
    for name in PARTS:
        node = datasets[name]
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, RDF_TYPE, DCAT + "Dataset")
        title = TITLE if name == "kzgraph" else f"kzgraph {name}"
        describe(node, title, DESCRIPTION if name == "kzgraph" else PART_TITLES[name])
        add(node, DCT + "source", FACTSHEET)
        add(node, VOID + "triples", lit(len(rel.part(name)), XSD + "integer"))
        add(node, VOID + "uriSpace", lit(ID_SPACE if name == "kzgraph" else BASE))
        if rel.endpoint and name != "shapes":
            add(node, VOID + "sparqlEndpoint", rel.endpoint)
    add(main, VOID + "subset", datasets["ontology"])
    add(main, DCAT + "landingPage", BASE)
    add(main, VOID + "rootResource", FACTSHEET)
    add(main, VOID + "entities", lit(c["entities"], XSD + "integer"))
    add(main, VOID + "distinctSubjects", lit(c["distinct_subjects"], XSD + "integer"))
    add(main, VOID + "distinctObjects", lit(c["distinct_objects"], XSD + "integer"))
    add(main, VOID + "classes", lit(len(c["classes"]), XSD + "integer"))
    add(main, VOID + "properties", lit(len(c["properties"]), XSD + "integer"))
    for iri in example_resources(rel):
        add(main, VOID + "exampleResource", iri)
    for ns in c["vocabularies"]:
        add(main, VOID + "vocabulary", ns)
    for cls, n in c["classes"].items():
        node = VOID_NS + "class-" + _fragment(rel.prefixes.curie(cls))
        add(main, VOID + "classPartition", node)
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, VOID + "class", cls)
        add(node, VOID + "entities", lit(n, XSD + "integer"))
    for prop, n in c["properties"].items():
        node = VOID_NS + "property-" + _fragment(rel.prefixes.curie(prop))
        add(main, VOID + "propertyPartition", node)
        add(node, RDF_TYPE, VOID + "Dataset")
        add(node, VOID + "property", prop)
        add(node, VOID + "triples", lit(n, XSD + "integer"))

    for f in files:
        if f.part not in datasets:
            continue
        dist = VOID_NS + "dist-" + _fragment(f.name)
        url = rel.download_base + f.name
        add(datasets[f.part], DCAT + "distribution", dist)
        add(datasets[f.part], VOID + "dataDump", url)
        add(dist, RDF_TYPE, DCAT + "Distribution")
        add(dist, DCT + "title", lit(f"{f.part}: {f.format_label}", lang="en"))
        add(dist, DCAT + "mediaType",
            "https://www.iana.org/assignments/media-types/" + f.media_type)
        add(dist, DCAT + "byteSize", lit(f.size, XSD + "nonNegativeInteger"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCT + "license", LICENSE)
        add(dist, DCT + "issued", lit(rel.modified, XSD + "date"))
        sum_node = dist + "-sha256"
        add(dist, SPDX + "checksum", sum_node)
        add(sum_node, RDF_TYPE, SPDX + "Checksum")
        add(sum_node, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(sum_node, SPDX + "checksumValue", lit(f.sha256, XSD + "hexBinary"))
    return sort_triples(set(out))


def release_files(rel: Release) -> dict[str, bytes]:
    """name -> bytes of every top-level file of the release (the site excluded)."""
    files: dict[str, bytes] = {}
    infos: list[FileInfo] = []
    for part in PARTS:
        for ext, (_fmt, media, _label) in FORMATS.items():
            data = serialise(rel.part(part), ext, rel.prefixes)
            name = f"{part}.{ext}"
            files[name] = data
            infos.append(FileInfo(name, part, ext, media, len(data),
                                  hashlib.sha256(data).hexdigest()))
    context = {"@context": rel.prefixes.jsonld_context()}
    files["context.jsonld"] = (json.dumps(context, indent=1, sort_keys=True) + "\n").encode()
    void = void_triples(rel, infos)
    for ext in FORMATS:
        files[f"void.{ext}"] = serialise(void, ext, rel.prefixes)
    files[MARKER] = (json.dumps({"generator": "kzgraph build", "version": rel.version},
                                sort_keys=True) + "\n").encode()
    return files


def file_infos(files: dict[str, bytes]) -> list[FileInfo]:
    """The downloadable files in landing-page order (marker left out)."""
    infos = []
    for name, data in files.items():
        if name == MARKER:
            continue
        stem, _, ext = name.partition(".")
        media = FORMATS[ext][1] if ext in FORMATS else "application/ld+json"
        part = stem if stem in PARTS or stem == "void" else "context"
        infos.append(FileInfo(name, part, ext, media, len(data),
                              hashlib.sha256(data).hexdigest()))
    return infos


# ---------------------------------------------------------------------------------------
# The output folder
# ---------------------------------------------------------------------------------------


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
    """Files in a previous build that its SHA256SUMS does not list (the user's additions)."""
    try:
        listed = {line.split("  ", 1)[1] for line in
                  (out / SUMS).read_text(encoding="utf-8").splitlines() if "  " in line}
    except (OSError, UnicodeDecodeError):
        listed = set()
    return sorted(rel for rel in (p.relative_to(out).as_posix() for p in out.rglob("*")
                                  if p.is_file() or p.is_symlink())
                  if rel not in listed and rel != SUMS)


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


def build(
    out: str | Path = "dist",
    *,
    root: str | Path | None = None,
    endpoint: str | None = None,
    download_base: str | None = None,
    site: bool = True,
    force: bool = False,
) -> Path:
    """Build the release folder (downloads, VoID, site, SHA256SUMS) at ``out``.

    ``root`` is the bundle (default: kzgraph.paths.bundle_root()); ``endpoint`` the SPARQL
    endpoint to advertise (default: $KZGRAPH_SPARQL_ENDPOINT); ``download_base`` the URL the
    files are published under (default: $KZGRAPH_DOWNLOAD_BASE or https://w3id.org/kzgraph/dist/).
    Raises ValidationFailed (exit 1) for an invalid graph and InputError (exit 2) for an
    unusable bundle or a foreign ``out``; in both cases nothing is written. Returns ``out``."""
    from kzgraph.paths import bundle_root

    out = Path(out).absolute()
    check_out_dir(out, force=force)
    bundle = Path(root) if root is not None else bundle_root()
    validation = _Validation(bundle)  # alongside the writing; checked before anything moves
    tmp: Path | None = None
    try:
        rel = load_release(bundle, endpoint=endpoint, download_base=download_base,
                           validate=False)
        files = release_files(rel)
        tmp = new_temp_dir(out)
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        if site:
            from kzgraph.site import render_site

            render_site(rel, tmp / "site", file_infos(files))
        validation.wait()
        write_sums(tmp)
        swap_into_place(tmp, out)
    except BaseException as exc:
        # By name, not by `tmp`: a signal can arrive after the folder is made but before
        # `tmp` is set.
        for mine in out.parent.glob(f".{glob.escape(out.name)}.kzgraph-tmp-{os.getpid()}-*"):
            shutil.rmtree(mine, ignore_errors=True)
        if isinstance(exc, Exception) and not isinstance(exc, KzgraphError):
            validation.wait()  # an invalid graph explains a crash better than its symptom
        raise
    finally:
        validation.close()
    return out
