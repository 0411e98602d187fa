"""What a release is made of: the bundle's files (ontology/, data/, shapes/, queries/), the
release in memory (:class:`Release`), its dates (never the wall clock) and statistics.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.namespaces import (
    BASE,
    DCAT,
    DCT,
    FOAF,
    ID_SPACE,
    OWL,
    PROV,
    RDF,
    RDF_TYPE,
    RDFS,
    SH,
    SKOS,
    SPDX,
    VOID,
    XSD,
    with_country_prefixes,
)
from kzgraph.release.serialise import RDF_FORMATS, PrefixMap

if TYPE_CHECKING:  # pragma: no cover
    from kzgraph.release import canonical_cache

ONTOLOGY_IRI = BASE + "ontology"

VOID_NS = BASE + "void#"

LICENSE = "https://creativecommons.org/licenses/by/4.0/"

DEFAULT_DOWNLOAD_BASE = BASE + "dist/"

TITLE = "kzgraph: diaspora engagement knowledge graph"

DESCRIPTION = (
    "Linked data built from the EU Global Diaspora Facility (EUDiF) factsheets "
    "'Diaspora engagement mapping', one per country: emigrant statistics, political rights, "
    "terminology, laws and policy documents, institutions, diaspora organisations, effective "
    "practices, events, obstacles and findings, every fact traced to its factsheet section and "
    "footnote or supplementary source."
)

CREATOR_NAME = "kzgraph developers"


#: Published graphs, in download order.
DOWNLOADS = ("kzgraph", "ontology", "shapes")

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
    "prov": PROV,
    "sh": SH,
    "dem": BASE + "ontology#",
    "country": ID_SPACE + "country/",
    "kzid": ID_SPACE,
    "kzvoid": VOID_NS,
}

_PREFIX_RE = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>", re.IGNORECASE | re.MULTILINE
)


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


def read_prefixes(files: Iterable[Path], iris: Iterable[str] = ()) -> dict[str, str]:
    """prefix -> namespace: BASE_PREFIXES overridden by the files' declarations (first file
    wins), and the prefix of every country namespace among ``iris`` by the rule of
    :func:`kzgraph.namespaces.country_namespace`; one prefix per namespace."""
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
    merged = with_country_prefixes(merged, iris)
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
        return RDF_FORMATS[self.ext][2] if self.ext in RDF_FORMATS else self.ext


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
    #: Where the canonical cache keeps these files' graphs (None: it cannot name them).
    cache: canonical_cache.Entry | None = None

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


def ontology_value(ontology: Sequence[Any], predicate: str) -> str | None:
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

    issued = ontology_value(ontology, DCT + "issued")
    issued = issued[:10] if issued and re.match(r"\d{4}-\d{2}-\d{2}", issued) else None
    modified = None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        modified = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).strftime("%Y-%m-%d")
    modified = modified or _git_date(root) or issued
    issued = issued or modified or "1970-01-01"
    return issued, modified or issued


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut] if cut else iri


def statistics(triples: Sequence[Any]) -> dict[str, Any]:
    """VoID statistics of a canonical graph in one pass.

    An entity is, as VoID defines it, a described resource whose IRI is in the dataset's
    void:uriSpace (BASE: the data, concepts and ontology terms the project mints): blank
    nodes and other vocabularies' terms declared in ontology/imports.ttl are not entities.
    ``entities`` counts them; ``class_entities`` counts them per class (a class partition's
    void:entities), ``classes`` counts every instance of a class, blank nodes and external
    terms included (a class partition's void:distinctSubjects)."""
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
        if isinstance(s, ox.NamedNode) and s.value.startswith(BASE):
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
        "class_entities": {c: sum(1 for s in v if isinstance(s, ox.NamedNode)
                                  and s.value.startswith(BASE))
                           for c, v in sorted(by_class.items())},
        "properties": dict(sorted(by_property.items())),
        "vocabularies": sorted(vocab),
    }
