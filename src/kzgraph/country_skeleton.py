"""The skeleton of a new country's factsheet, written so that it validates as written.

:func:`new_country` writes ``data/{cc}/factsheet.ttl`` — the factsheet, one section per concept
of the section scheme and a placeholder footnote — and, if the country is not yet described in
``data/``, its entry in ``data/shared/countries.ttl``. Nothing is invented: every value the
shapes require and the user did not give is marked as a gap (``dem:gap`` and a
``skos:editorialNote`` saying what to enter), identifiers are only the ones given, and no
existing file is overwritten or loses a triple.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kzgraph.errors import InputError
from kzgraph.iri_input import close_countries
from kzgraph.namespaces import (
    COUNTRY_CODE,
    COUNTRY_SPACE,
    DCT,
    ID_SPACE,
    ONTOLOGY,
    PROV,
    RDF_TYPE,
    RDFS,
    SKOS,
    VOCAB_SPACE,
    WD,
    country_namespace,
)
from kzgraph.rdf_files import display_path

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

    _Object = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SECTION_SCHEME = VOCAB_SPACE + "section"
SERIES_TITLE = "Diaspora engagement mapping — {label}"
SOURCES = {"iso": ID_SPACE + "source-iso-3166-1", "wikidata": ID_SPACE + "source-wikidata"}
COUNTRIES_FILE = Path("shared") / "countries.ttl"

_PREFIX_LINE = re.compile(r"@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*\.\s*$")


@dataclass
class NewCountry:
    """What :func:`new_country` wrote: the files (created or extended) and notes for the user."""

    country: str
    namespace: str
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def new_country(slug: str, code: str, label: str | None = None, *, alpha2: str | None = None,
                alpha3: str | None = None, wikidata: str | None = None,
                title: str | None = None, data: str | os.PathLike[str] | None = None,
                ontology: str | os.PathLike[str] | None = None) -> NewCountry:
    """Write the skeleton of the factsheet of ``country/{slug}`` under ``{data}/{code}/``.

    ``data`` is the data folder (default: the bundle's ``data/``), ``ontology`` the folder
    holding the section scheme (default: the bundle's ``ontology/``). ``label`` (the country's
    English name) and ``alpha2`` are required if the country is not yet described in ``data``;
    ``alpha3`` and ``wikidata`` (``Q…``) are written only if given. ``title`` is the factsheet's
    title as printed; without it the series title is written and marked as not yet checked.

    Raises :class:`~kzgraph.errors.InputError` (exit 2), writing nothing, if an argument is
    malformed, the country folder or any IRI under the country's namespace exists, or the
    country already has a factsheet."""
    from kzgraph import paths

    data_dir = Path(data) if data is not None else paths.part("data")
    onto_dir = Path(ontology) if ontology is not None else paths.part("ontology")
    # Codes are case-insensitive; the shapes want them in capitals (and Q… for Wikidata).
    alpha2, alpha3, wikidata = (v.strip().upper() if v else None
                                for v in (alpha2, alpha3, wikidata))
    _check_arguments(slug, code, alpha2, alpha3, wikidata)
    if not data_dir.is_dir():
        raise InputError(f"{display_path(data_dir)}: no such folder",
                         hint="give --out the data/ folder of a kzgraph bundle")
    folder = data_dir / code
    if folder.exists():
        raise InputError(f"{display_path(folder)}: already exists, nothing written",
                         hint=f"the code '{code}' is taken: choose another, or add to the "
                              "files already there")
    country = COUNTRY_SPACE + slug
    namespace = country_namespace(code)
    existing = _described(data_dir)
    _check_free(existing, country, namespace)
    known_label = existing.labels.get(country)
    is_new = country not in existing.countries
    if is_new and not (label and alpha2):
        close = close_countries(country, existing.countries)
        raise InputError(
            f"country:{slug} is not described in {display_path(data_dir)}: give its English "
            "name (--label) and its ISO 3166-1 alpha-2 code (--alpha2), which the shapes "
            "require; --alpha3 and --wikidata are optional",
            hint=f"or did you mean {' or '.join(close)}?" if close else None)
    name = label or known_label or slug
    result = NewCountry(country, namespace)
    sections = _sections(onto_dir)
    factsheet_text = _factsheet_turtle(code, slug, name, title, sections)
    _parse(factsheet_text, folder / "factsheet.ttl")
    countries_target: tuple[Path, str] | None = None
    if is_new:
        cited = [SOURCES["iso"]] + ([SOURCES["wikidata"]] if wikidata else [])
        cited = [s for s in cited if s in existing.subjects]
        block = _country_block(code, slug, name, alpha2 or "", alpha3, wikidata, cited)
        countries_target = _with_country(data_dir, code, slug, block)
    else:
        given = [flag for flag, value in (("--alpha2", alpha2), ("--alpha3", alpha3),
                                          ("--wikidata", wikidata)) if value]
        if given:
            result.notes.append(f"country:{slug} is already described: {', '.join(given)} "
                                "not written (edit its entry in data/shared/ if it differs)")
        result.notes.append(f"add {code}:factsheet to prov:wasDerivedFrom and "
                            f"{code}:section-… to dem:inSection of country:{slug} where the "
                            "factsheet names it")

    target = folder / "factsheet.ttl"
    made: list[Path] = []  # what this call created, to undo
    try:
        folder.mkdir()
        made.append(folder)
        with open(target, "x", encoding="utf-8", newline="\n") as out:
            made.append(target)
            out.write(factsheet_text)
        result.written.append(target)
        if countries_target:
            path, text = countries_target
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, text)
            result.written.append(path)
    except OSError as exc:  # undo the half-written skeleton: all or nothing
        for path in reversed(made):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        raise InputError(f"{display_path(Path(exc.filename or folder))}: cannot write: "
                         f"{exc.strerror or exc}: nothing written") from None
    return result


# -- checks ----------------------------------------------------------------------------------

def _check_arguments(slug: str, code: str, alpha2: str | None, alpha3: str | None,
                     wikidata: str | None) -> None:
    checks = [
        (SLUG.fullmatch(slug), f"slug {slug!r}: use lower-case letters, digits and single "
                               "hyphens, as in the country IRIs (e.g. 'united-kingdom')"),
        (COUNTRY_CODE.fullmatch(code), f"code {code!r}: use two lower-case letters, the "
                                       "ISO 3166-1 alpha-2 code in lower case (e.g. 'ua')"),
        (alpha2 is None or re.fullmatch(r"[A-Z]{2}", alpha2),
         f"--alpha2 {alpha2!r}: two capital letters (e.g. 'UA')"),
        (alpha3 is None or re.fullmatch(r"[A-Z]{3}", alpha3),
         f"--alpha3 {alpha3!r}: three capital letters (e.g. 'UKR')"),
        (wikidata is None or re.fullmatch(r"Q[1-9][0-9]*", wikidata),
         f"--wikidata {wikidata!r}: a Wikidata item id such as 'Q212'"),
    ]
    for ok, message in checks:
        if not ok:
            raise InputError(message)


@dataclass
class _Described:
    subjects: set[str]
    countries: set[str]
    labels: dict[str, str]
    factsheets: dict[str, str]  # country -> factsheet
    iris: dict[str, str]  # IRI -> the file it is in


def _described(data_dir: Path) -> _Described:
    """What the data folder already describes (parsed, so that a malformed file is reported)."""
    import pyoxigraph as ox

    found = _Described(set(), set(), {}, {}, {})
    country_type, factsheet_type = ONTOLOGY + "Country", ONTOLOGY + "Factsheet"
    in_country = ONTOLOGY + "country"
    factsheets: set[str] = set()
    links: dict[str, str] = {}
    for path in sorted(data_dir.rglob("*.ttl")):
        for s, p, o in _triples(path):
            for iri in (s, o.value if isinstance(o, ox.NamedNode) else None):
                if iri:
                    found.iris.setdefault(iri, str(path))
            if s is None:
                continue
            found.subjects.add(s)
            if p == RDF_TYPE and o.value == country_type:
                found.countries.add(s)
            elif p == RDF_TYPE and o.value == factsheet_type:
                factsheets.add(s)
            elif p == in_country:
                links[s] = o.value
            elif p == RDFS + "label" and isinstance(o, ox.Literal) and o.language == "en":
                found.labels[s] = o.value
    found.factsheets = {links[f]: f for f in sorted(factsheets) if f in links}
    return found


def _check_free(existing: _Described, country: str, namespace: str) -> None:
    if country in existing.factsheets:
        raise InputError(f"{country} already has a factsheet, "
                         f"{existing.factsheets[country]}: nothing written")
    taken = sorted(iri for iri in existing.iris if iri.startswith(namespace))
    if taken:
        raise InputError(f"{len(taken)} IRI(s) under {namespace} are already in use, e.g. "
                         f"{taken[0]} in {display_path(Path(existing.iris[taken[0]]))}: "
                         "nothing written",
                         hint="choose another code")


def _sections(onto_dir: Path) -> list[tuple[str, str]]:
    """(notation, English label) of every concept of the section scheme, in the order the
    scheme lists them."""
    order: list[str] = []
    notation: dict[str, str] = {}
    label: dict[str, str] = {}
    for path in sorted(onto_dir.rglob("*.ttl")):
        for s, p, o in _triples(path):
            if s is None:
                continue
            if s == SECTION_SCHEME and p == SKOS + "hasTopConcept":
                order.append(o.value)
            elif p == SKOS + "notation":
                notation[s] = o.value
            elif p == SKOS + "prefLabel" and getattr(o, "language", None) == "en":
                label[s] = o.value
    sections = [(notation[c], label[c]) for c in order if c in notation and c in label]
    if not sections:
        raise InputError(f"{onto_dir}: no concept of the section scheme <{SECTION_SCHEME}> "
                         "with a skos:notation and an English skos:prefLabel")
    return sections


# -- Turtle ----------------------------------------------------------------------------------

def _text(value: str) -> str:
    """An English literal in Turtle, escaped by the RDF library."""
    import pyoxigraph as ox

    return str(ox.Literal(value, language="en"))


def _header(prefixes: dict[str, str]) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items()))


def _factsheet_turtle(code: str, slug: str, name: str, title: str | None,
                      sections: list[tuple[str, str]]) -> str:
    sec = [f"{code}:section-{n}" for n, _ in sections]
    title_note = ("" if title else " Its title is the series title with the country's name, "
                  "not yet checked against the title as printed (dcterms:title).")
    lines = [
        _header({"country": COUNTRY_SPACE, "dcterms": DCT, "dem": ONTOLOGY,
                 "gap": VOCAB_SPACE + "gap/", code: country_namespace(code), "rdfs": RDFS,
                 "section": VOCAB_SPACE + "section/", "skos": SKOS}),
        f"# The {name} factsheet, its sections and its footnotes: a skeleton written by\n"
        "# `kzgraph new-country`. Every value not yet entered is marked with dem:gap and a note\n"
        "# saying what to enter; replace each with what the factsheet prints.\n",
        f"{code}:factsheet a dem:Factsheet ;",
        f"    rdfs:label {_text(SERIES_TITLE.format(label=name))} ;",
        f"    dcterms:title {_text(title or SERIES_TITLE.format(label=name))} ;",
        f"    dem:country country:{slug} ;",
        "    dcterms:hasPart " + " ,\n        ".join(sec) + " ;",
        "    dem:gap gap:not-in-source ;",
        "    skos:editorialNote " + _text(
            "Not yet entered from the factsheet: its author (dcterms:creator; keep dem:gap "
            "gap:not-in-source only if the source does not name one), its dates, its "
            "publisher and its text." + title_note) + " .",
        "",
    ]
    for (notation, label), iri in zip(sections, sec, strict=True):
        lines += [
            f"{iri} a dem:FactsheetSection ;",
            f"    rdfs:label {_text(label)} ;",
            f"    dcterms:isPartOf {code}:factsheet ;",
            f"    dem:sectionType section:{notation} ;",
            "    dem:gap gap:not-in-source ;",
            "    skos:editorialNote " + _text(
                "Not yet entered from the factsheet: the heading as printed (rdfs:label), "
                "the position (dem:sectionOrder) and the content. Once entered, remove "
                "dem:gap; keep it, with a note, if the source lacks the section.") + " .",
            "",
        ]
    lines += [
        "# --- Footnotes " + "-" * 78,
        "",
        f"{code}:footnote-1 a dem:Footnote ;",
        f"    rdfs:label {_text('Footnote 1')} ;",
        "    dem:footnoteNumber 1 ;",
        f"    dcterms:isPartOf {code}:factsheet ;",
        f"    dem:inSection {sec[0]} ;",
        "    dem:gap gap:footnote-text-lost ;",
        "    skos:editorialNote " + _text(
            "A placeholder: the footnote's text is not yet entered. Replace dem:gap with "
            "dem:printedText as printed (and dem:citedUrl for each address it cites), and "
            "dem:inSection with the section its marker stands in.") + " .",
    ]
    return "\n".join(lines) + "\n"


def _country_block(code: str, slug: str, name: str, alpha2: str, alpha3: str | None,
                   wikidata: str | None, cited: list[str]) -> tuple[dict[str, str], str]:
    """The prefixes the country's entry needs, and the entry (one subject block)."""
    prefixes = {"country": COUNTRY_SPACE, "dem": ONTOLOGY, "prov": PROV, "rdfs": RDFS,
                code: country_namespace(code)}
    lines = [f"country:{slug} a dem:Country ;",
             f"    rdfs:label {_text(name)} ;",
             f'    dem:iso3166Alpha2 "{alpha2}" ;']
    if alpha3:
        lines.append(f'    dem:iso3166Alpha3 "{alpha3}" ;')
    if wikidata:
        prefixes["skos"] = SKOS
        lines.append(f"    skos:exactMatch <{WD}{wikidata}> ;")
    sources = [f"{code}:factsheet"]
    if cited:
        prefixes["kzg"] = ID_SPACE
        sources += [f"kzg:{s.removeprefix(ID_SPACE)}" for s in cited]
    lines += [f"    prov:wasDerivedFrom {' , '.join(sources)} ;",
              f"    dem:inSection {code}:section-facts-and-figures ."]
    return prefixes, "\n".join(lines) + "\n"


def _with_country(data_dir: Path, code: str, slug: str,
                  block: tuple[dict[str, str], str]) -> tuple[Path, str]:
    """(file, its new text): the entry appended to shared/countries.ttl, with any prefix it
    lacks added to the file's prefix lines in order; a file of its own in shared/ if
    countries.ttl binds one of the prefixes to another namespace."""
    prefixes, entry = block
    path = data_dir / COUNTRIES_FILE
    if not path.exists():
        return path, _header(prefixes) + "\n" + entry
    old = path.read_text(encoding="utf-8")
    lines = old.splitlines(keepends=True)
    declared = {m.group(1) or "": (i, m.group(2)) for i, line in enumerate(lines)
                if (m := _PREFIX_LINE.match(line))}
    clash = any(p in declared and declared[p][1] != ns for p, ns in prefixes.items())
    if clash or not declared:
        own = data_dir / "shared" / f"country-{slug}.ttl"
        if own.exists():
            raise InputError(f"{display_path(own)}: already exists, nothing written")
        return own, _header(prefixes) + "\n" + entry
    for prefix in sorted(set(prefixes) - set(declared)):
        line = f"@prefix {prefix}: <{prefixes[prefix]}> .\n"
        after = [i for p, (i, _) in declared.items() if p < prefix]
        at = max(after) + 1 if after else min(i for i, _ in declared.values())
        lines.insert(at, line)
        declared = {p: (i + 1 if i >= at else i, ns) for p, (i, ns) in declared.items()}
        declared[prefix] = (at, prefixes[prefix])
    text = "".join(lines)
    text = text.rstrip("\n") + "\n\n" + entry
    before, after_ = _parse(old, path), _parse(text, path)
    if before - after_:  # never lose what the file said
        raise InputError(f"{display_path(path)}: could not add country:{slug} without "
                         "changing what the file says: nothing written",
                         hint="add the entry by hand")
    return path, text


def _triples(path: Path) -> Iterator[tuple[str | None, str, _Object]]:
    """(subject IRI or None for a blank node, predicate, object) of every triple of a Turtle
    file, in document order; a clear error if it does not parse."""
    import pyoxigraph as ox

    from kzgraph.rdf_files import (
        format_of,
        from_oxigraph_error,
        parse_oxigraph,
        read_error,
    )

    fmt, file = format_of(path), display_path(path)
    try:
        for quad in parse_oxigraph(path, fmt, file):
            s, o = quad.subject, quad.object
            if not isinstance(o, ox.Triple):
                yield (s.value if isinstance(s, ox.NamedNode) else None, quad.predicate.value, o)
    except SyntaxError as exc:
        raise from_oxigraph_error(exc, path, fmt, file) from None
    except OSError as exc:
        raise read_error(exc, file) from None


def _parse(text: str, path: Path) -> Counter[tuple[str, ...]]:
    """The triples of ``text`` (to be written as ``path``), blank nodes blanked out so that
    two parses compare: a check of what is about to be written."""
    import pyoxigraph as ox

    def key(term: object) -> str:
        return "_:" if isinstance(term, ox.BlankNode) else str(term)

    try:
        quads = list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:  # a bug here, never the user's input: say so plainly
        raise InputError(f"{path}: the text to write does not parse ({exc}): nothing "
                         "written") from exc
    return Counter((key(q.subject), str(q.predicate), key(q.object)) for q in quads)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
