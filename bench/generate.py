"""Synthetic scale data: N fictional countries' worth of data shaped like the bundled one.

    python bench/generate.py N OUTDIR [--seed S]

OUTDIR becomes a complete kzgraph bundle (use it with ``KZGRAPH_HOME=OUTDIR``)::

    OUTDIR/ontology/, shapes/, queries/   copies of the bundled ones
    OUTDIR/data/*.ttl                     the bundled data (Kazakhstan and the shared resources)
    OUTDIR/data/synthetic/cNNNN/*.ttl     one folder per synthetic country, one file per
                                          factsheet section, as in data/
    OUTDIR/synthetic.json                 what was generated (countries, codes, counts)

Each synthetic country ``cNNNN`` is a clone of everything the bundled data says about
Kazakhstan (read from data/kz/ and data/shared/ only, so no other bundled country is cloned as
if it were Kazakh): every resource under ``https://w3id.org/kzgraph/id/kz/`` moves to
``https://w3id.org/kzgraph/id/cNNNN/`` and ``country:kazakhstan`` becomes ``country:cNNNN``,
so each clone has exactly the resources, links and counts of the real data (observations,
rights, terms, documents, provisions, institutions, organisations, practices, events,
obstacles, findings, timeline, footnotes, sections, statements). Shared resources (other
countries, UN DESA, the sources) are referenced, not copied. Texts say "Country NNNN" where
the real data says "Kazakhstan"; statistic values are scaled by a seeded random factor (so
rankings differ between countries while staying valid: shares stay in 0..100, counts stay
integers). The country gets ISO-3166-like codes and no Wikidata link (see :func:`codes`).

Deterministic: the same N and seed give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ID = "https://w3id.org/kzgraph/id/"
KZ = ID + "kz/"
COUNTRY = ID + "country/"
KAZAKHSTAN = COUNTRY + "kazakhstan"
OBS_VALUE = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
UN_M49 = "https://w3id.org/kzgraph/ontology#unM49"
ALPHA2 = "https://w3id.org/kzgraph/ontology#iso3166Alpha2"
ALPHA3 = "https://w3id.org/kzgraph/ontology#iso3166Alpha3"
DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
STRING_TYPES = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
#: Sources of facts a synthetic country does not have (Wikidata item, UN M49 code).
DROPPED_SOURCES = {ID + "source-wikidata", ID + "source-un-m49"}
MARKER = "synthetic.json"
ROOT = Path(__file__).resolve().parent.parent

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ------------------------------------------------------------------------------------------
# Identifiers
# ------------------------------------------------------------------------------------------

def slug(i: int) -> str:
    """The slug of synthetic country ``i`` (1-based): c0001, c0002, ..."""
    return f"c{i:04d}"


def label(i: int) -> str:
    return f"Country {i:04d}"


def country_iri(i: int) -> str:
    return COUNTRY + slug(i)


def namespace(i: int) -> str:
    """Where synthetic country ``i``'s resources live (Kazakhstan's: .../id/kz/)."""
    return ID + slug(i) + "/"


def _user_assigned(width: int) -> list[str]:
    """ISO 3166-1 user-assigned codes: AA, QM-QZ, XA-XZ, ZZ (alpha-2), and the codes that
    start with them (alpha-3: AAA-AAZ, QMA-QZZ, XAA-XZZ, ZZA-ZZZ)."""
    heads = ["AA", *("Q" + c for c in _LETTERS[_LETTERS.index("M"):]),
             *("X" + c for c in _LETTERS), "ZZ"]
    if width == 2:
        return heads
    return [h + c for h in heads for c in _LETTERS]


def _all_codes(width: int) -> Iterator[str]:
    if width == 2:
        yield from (a + b for a in _LETTERS for b in _LETTERS)
    else:
        yield from (a + b + c for a in _LETTERS for b in _LETTERS for c in _LETTERS)


def code_sequence(width: int, taken: set[str]) -> list[str]:
    """Codes for synthetic countries, in order: the user-assigned ranges first, then every
    other combination of capital letters; never a code of the real data (``taken``)."""
    seen: set[str] = set()
    out: list[str] = []
    for code in [*_user_assigned(width), *_all_codes(width)]:
        if code not in seen and code not in taken:
            seen.add(code)
            out.append(code)
    return out


def codes(n: int, taken2: set[str], taken3: set[str]) -> list[tuple[str, str]]:
    """(alpha-2, alpha-3) for countries 1..n. Alpha-3 codes are unique up to 17,576 minus the
    real ones. Alpha-2 codes are unique for the first 676 minus the real ones (661 with the
    bundled data); beyond that they repeat from the start of the sequence (the shapes ask for
    exactly one well-formed code per country, not for unique codes)."""
    two = code_sequence(2, taken2)
    three = code_sequence(3, taken3)
    if n > len(three):
        raise ValueError(f"at most {len(three)} synthetic countries (unique alpha-3 codes)")
    return [(two[k % len(two)], three[k]) for k in range(n)]


# ------------------------------------------------------------------------------------------
# The template: what the bundled data says about Kazakhstan
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    #: file name of data/ -> its triples about Kazakhstan (subject under kz:, the country
    #: itself, a blank node of such a resource, or a shared resource's link to one), in
    #: file order
    files: dict[str, list[Any]]
    prefixes: dict[str, str]
    taken2: frozenset[str]
    taken3: frozenset[str]


def _is_own(term: Any, ox: Any) -> bool:
    if isinstance(term, ox.BlankNode):
        return True
    return isinstance(term, ox.NamedNode) and (term.value.startswith(KZ)
                                               or term.value == KAZAKHSTAN)


_FACTSHEET_NAMESPACE = re.compile(re.escape(ID) + r"([a-z0-9-]+)/")


def _in_another_namespace(iri: str) -> bool:
    """An IRI of another bundled country's namespace (``.../id/ua/...``), not Kazakhstan's."""
    match = _FACTSHEET_NAMESPACE.match(iri)
    return bool(match) and match.group(1) not in ("kz", "country")


def _of_another_factsheet(term: Any, ox: Any) -> bool:
    return isinstance(term, ox.NamedNode) and _in_another_namespace(term.value)


def _without_orphans(triples: list[Any], ox: Any) -> list[Any]:
    """The triples whose subject is an IRI, or a blank node reached from one of them: the
    blank nodes of a resource that is not cloned (a shared EU membership's time interval)
    stay with it, instead of being cloned without their owner."""
    below: dict[Any, list[Any]] = {}
    for t in triples:
        if isinstance(t.object, ox.BlankNode):
            below.setdefault(t.subject, []).append(t.object)
    reached: set[Any] = set()
    pending = [o for t in triples if not isinstance(t.subject, ox.BlankNode)
               for o in below.get(t.subject, ())]
    while pending:
        node = pending.pop()
        if node not in reached:
            reached.add(node)
            pending.extend(below.get(node, ()))
    return [t for t in triples if not isinstance(t.subject, ox.BlankNode) or t.subject in reached]


def read_template(root: Path = ROOT) -> Template:
    import pyoxigraph as ox

    files: dict[str, list[Any]] = {}
    prefixes: dict[str, str] = {}
    taken2: set[str] = set()
    taken3: set[str] = set()
    template_files = [*(root / "data" / "kz").rglob("*.ttl"),
                      *(root / "data" / "shared").rglob("*.ttl")]
    for path in sorted(template_files):
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        quads = list(parser)
        own = []
        for quad in quads:
            p = quad.predicate.value
            if p == ALPHA2:
                taken2.add(quad.object.value)
            elif p == ALPHA3:
                taken3.add(quad.object.value)
            # A resource of the country, or a shared resource's link to one (e.g. Russia
            # prov:wasDerivedFrom the factsheet, dem:inSection one of its sections).
            if _of_another_factsheet(quad.object, ox):
                continue  # e.g. a shared country's link to another country's factsheet
            if _is_own(quad.subject, ox) or (isinstance(quad.object, ox.NamedNode)
                                             and _is_own(quad.object, ox)):
                own.append(ox.Triple(quad.subject, quad.predicate, quad.object))
        own = _without_orphans(own, ox)
        prefixes.update(parser.prefixes or {})
        if own:
            files[path.name] = own
    prefixes.pop("kz", None)
    for name, iri in list(prefixes.items()):
        if _in_another_namespace(iri):
            del prefixes[name]  # another country's namespace: nothing of it is cloned
    return Template(files, prefixes, frozenset(taken2), frozenset(taken3))


# ------------------------------------------------------------------------------------------
# One synthetic country
# ------------------------------------------------------------------------------------------

_WORDS = (re.compile(r"Kazakhstan"), re.compile(r"Kazakh"))


def _scaled(value: str, datatype: str, factor: float) -> str:
    """A statistic scaled by ``factor``, in the lexical space of its datatype."""
    if datatype == XSD + "integer":
        return str(max(1, round(int(value) * factor)))
    number = Decimal(value)
    exponent = number.as_tuple().exponent
    places = Decimal(1).scaleb(exponent if isinstance(exponent, int) and exponent < 0 else -1)
    return str((number * Decimal(str(factor))).quantize(places, rounding=ROUND_HALF_UP))


def country_triples(template: Template, i: int, alpha2: str, alpha3: str,
                    seed: int) -> dict[str, list[Any]]:
    """The triples of synthetic country ``i``, per file name of data/ (the country itself is
    in ``countries.ttl``, as Kazakhstan is)."""
    import pyoxigraph as ox

    rng = random.Random(f"{seed}:{i}")
    ns = namespace(i)
    name = label(i)
    adjective = f"Country-{i:04d}"
    country = ox.NamedNode(country_iri(i))
    named: dict[str, Any] = {}

    def iri(term: Any) -> Any:
        value = term.value
        if value.startswith(KZ):
            found = named.get(value)
            if found is None:
                found = named[value] = ox.NamedNode(ns + value[len(KZ):])
            return found
        if value == KAZAKHSTAN:
            return country
        return term

    out: dict[str, list[Any]] = {}
    for file, triples in template.files.items():
        blanks: dict[Any, Any] = {}

        def term(t: Any, blanks: dict[Any, Any] = blanks, file: str = file) -> Any:
            if isinstance(t, ox.NamedNode):
                return iri(t)
            if isinstance(t, ox.BlankNode):  # deterministic labels, apart per file
                found = blanks.get(t)
                if found is None:
                    stem = re.sub(r"[^A-Za-z0-9]", "", Path(file).stem)
                    found = blanks[t] = ox.BlankNode(f"{slug(i)}{stem}{len(blanks) + 1}")
                return found
            return t

        rows: list[Any] = []
        for t in triples:
            p = t.predicate.value
            o = t.object
            if t.subject.value == KAZAKHSTAN and isinstance(t.subject, ox.NamedNode):
                # The country: fictional codes, no Wikidata item, no UN M49 code.
                if p in (EXACT_MATCH, UN_M49) or (p == DERIVED_FROM
                                                  and o.value in DROPPED_SOURCES):
                    continue
                if p == ALPHA2:
                    o = ox.Literal(alpha2)
                elif p == ALPHA3:
                    o = ox.Literal(alpha3)
            if isinstance(o, ox.Literal):
                datatype = o.datatype.value
                if p == OBS_VALUE:
                    o = ox.Literal(_scaled(o.value, datatype, rng.uniform(0.8, 1.25)),
                                   datatype=o.datatype)
                elif datatype in STRING_TYPES and "Kazakh" in o.value:
                    text = _WORDS[1].sub(adjective, _WORDS[0].sub(name, o.value))
                    o = (ox.Literal(text, language=o.language) if o.language
                         else ox.Literal(text))
            else:
                o = term(o)
            rows.append(ox.Triple(term(t.subject), t.predicate, o))
        out[file] = rows
    return out


# ------------------------------------------------------------------------------------------
# The bundle
# ------------------------------------------------------------------------------------------

@dataclass
class Summary:
    n: int
    seed: int
    countries: list[dict[str, str]]
    synthetic_files: int
    synthetic_triples: int
    seconds: float

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("seconds")  # the file must not change run to run
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _prepare(outdir: Path) -> None:
    """OUTDIR must be new, empty, or an earlier generated bundle (which is replaced)."""
    if outdir.exists():
        if not outdir.is_dir():
            raise SystemExit(f"generate: {outdir} is not a folder")
        if any(outdir.iterdir()) and not (outdir / MARKER).is_file():
            raise SystemExit(f"generate: {outdir} is not empty and not a generated bundle "
                             f"(no {MARKER}); refusing to replace it")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)


def generate(n: int, outdir: str | Path, *, seed: int = 0, root: Path = ROOT) -> Summary:
    """Write the bundle with ``n`` synthetic countries into ``outdir`` (see the module doc)."""
    import pyoxigraph as ox

    started = time.perf_counter()
    if n < 0:
        raise ValueError("n must be >= 0")
    outdir = Path(outdir)
    _prepare(outdir)
    for part in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(root / part, outdir / part,
                        ignore=shutil.ignore_patterns("*.md", "__pycache__"))
    template = read_template(root)
    assigned = codes(n, set(template.taken2), set(template.taken3))
    countries = []
    files = triples = 0
    for i in range(1, n + 1):
        alpha2, alpha3 = assigned[i - 1]
        prefixes = dict(sorted({**template.prefixes, slug(i): namespace(i)}.items()))
        folder = outdir / "data" / "synthetic" / slug(i)
        folder.mkdir(parents=True)
        for file, rows in sorted(country_triples(template, i, alpha2, alpha3, seed).items()):
            data = ox.serialize(rows, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
            header = f"# Synthetic country {slug(i)} ({label(i)}), generated by bench/generate.py "
            header += f"(seed {seed}) from data/{file}.\n"
            (folder / file).write_bytes(header.encode() + data)
            files += 1
            triples += len(rows)
        countries.append({"slug": slug(i), "iri": country_iri(i), "namespace": namespace(i),
                          "label": label(i), "alpha2": alpha2, "alpha3": alpha3})
    summary = Summary(n, seed, countries, files, triples, time.perf_counter() - started)
    (outdir / MARKER).write_text(summary.to_json(), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="how many synthetic countries")
    parser.add_argument("outdir", type=Path, help="the bundle folder to write (replaced if it "
                                                  "is an earlier generated bundle)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = generate(args.n, args.outdir, seed=args.seed)
    print(f"{args.outdir}: {summary.n} synthetic countries, {summary.synthetic_files} files, "
          f"{summary.synthetic_triples} triples in {summary.seconds:.1f} s "
          f"(use it with KZGRAPH_HOME={args.outdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
