"""The release's four serialisations (Turtle, N-Triples, JSON-LD, RDF/XML), written from the
sorted triple list with the project's prefixes, so that the bytes depend on the triples alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

from kzgraph.errors import InputError
from kzgraph.namespaces import (
    RDF_TYPE,
    XSD,
)
from kzgraph.release.caches import Bounded
from kzgraph.release.canonical import RDF_TYPE_NT

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph


#: extension -> (pyoxigraph format name or "jsonld", media type, label)
RDF_FORMATS: dict[str, tuple[str, str, str]] = {
    "ttl": ("TURTLE", "text/turtle", "Turtle"),
    "nt": ("N_TRIPLES", "application/n-triples", "N-Triples"),
    "jsonld": ("jsonld", "application/ld+json", "JSON-LD"),
    "rdf": ("RDF_XML", "application/rdf+xml", "RDF/XML"),
}


#: JSON-LD 1.1 uses a term as a prefix only if its IRI ends with a gen-delim character.
_GEN_DELIMS = tuple(":/?#[]@")

_SAFE_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

_XSD_STRING = XSD + "string"

#: A string as JSON (what json.dumps with ensure_ascii=False writes), in C.
_json_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


class PrefixMap:
    """IRI <-> compact IRI with the project's prefixes (longest namespace wins)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self._by_ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: -len(x[0]))
        self._ns_of: dict[str, str] = {ns: p for p, ns in prefixes.items()}
        # The namespaces by length (longest first): an IRI's namespaces are found by a look-up
        # per length, not a scan of all of them (one per country: a thousand at N = 1000).
        self._first_of: dict[str, str] = {}
        for ns, p in self._by_ns:
            self._first_of.setdefault(ns, p)
        self._lengths = sorted({len(ns) for ns in self._first_of}, reverse=True)
        self._cache: dict[str, tuple[str, str] | None] = Bounded()
        self._term_prefix: dict[Any, str | None] = Bounded()
        self._context_json: dict[tuple[tuple[str, str], ...], str] = Bounded(1 << 12)

    def split(self, iri: str, keep: bool = True) -> tuple[str, str] | None:
        """(prefix, local) for an IRI that a declared namespace covers with a safe local
        name, else None. ``keep``: cache the answer (not for an IRI met once)."""
        if iri in self._cache:
            return self._cache[iri]
        found: tuple[str, str] | None = None
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        for ns, p in self._candidates(iri, cut):
            local = iri[len(ns):]
            if local == "" or _SAFE_LOCAL.match(local):
                found = (p, local)
                break
        if keep:
            self._cache[iri] = found
        return found

    def _candidates(self, iri: str, cut: int) -> Iterator[tuple[str, str]]:
        """The namespace up to the last '/' or '#', then every namespace iri starts with,
        longest first."""
        if cut and iri[:cut] in self._ns_of:
            yield iri[:cut], self._ns_of[iri[:cut]]
        for n in self._lengths:
            if n <= len(iri):
                p = self._first_of.get(iri[:n])
                if p is not None:
                    yield iri[:n], p

    def compacted(self, iri: str) -> tuple[str, str] | None:
        """(prefix, compact IRI) of an IRI with a declared namespace and a non-empty safe
        local name, else None."""
        hit = self.split(iri)  # cached; this is not (a worker would hold one per IRI)
        return (hit[0], f"{hit[0]}:{hit[1]}") if hit and hit[1] else None

    def curie(self, iri: str) -> str:
        hit = self.split(iri)
        return f"{hit[0]}:{hit[1]}" if hit else iri

    def used(self, triples: Iterable[pyoxigraph.Triple]) -> dict[str, str]:
        """The prefixes the IRIs of these triples (incl. datatypes) need."""
        return {p: self.prefixes[p] for p in sorted(self.names_used(triples))}

    def names_used(self, triples: Iterable[pyoxigraph.Triple]) -> set[str]:
        """The names of the prefixes the IRIs of these triples (incl. datatypes) need."""
        terms: set[Any] = set()
        for t in triples:
            terms.add(t.subject)
            terms.add(t.predicate)
            terms.add(t.object)
        return self.names_of(terms)

    def names_of(self, terms: Iterable[Any]) -> set[str]:
        """The names of the prefixes these terms (a literal: its datatype) need."""
        import pyoxigraph as ox

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
        return used

    def context_json(self, context: dict[str, str]) -> str:
        """A JSON-LD context of these prefixes as JSON (keys sorted); many documents share
        one, and the JSON encoder's set-up cost more than the writing."""
        items = tuple(context.items())
        text = self._context_json.get(items)
        if text is None:
            text = self._context_json[items] = json.dumps(context, ensure_ascii=False,
                                                           sort_keys=True)
        return text

    def jsonld_context(self, prefixes: dict[str, str] | None = None) -> dict[str, str]:
        items = (prefixes if prefixes is not None else self.prefixes).items()
        return {p: ns for p, ns in sorted(items) if ns.endswith(_GEN_DELIMS)}


class JsonldForms:
    """The JSON-LD text of terms (keys, node ids, values), kept from one call of
    :func:`jsonld_pieces` to the next by callers whose ``prefixes`` always hold every prefix
    their triples need, as a resource's documents do: an IRI's compact form then depends on
    the prefix map alone. Bounded: at N = 1000 a page worker meets most of the graph."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = Bounded()  # predicate or datatype -> its key or type
        self.ids: dict[Any, str] = Bounded()  # object -> its id as a JSON string
        self.values: dict[Any, str] = Bounded()  # object -> its JSON value


def jsonld_bytes(triples: Sequence[pyoxigraph.Triple], pm: PrefixMap,
                 prefixes: dict[str, str] | None = None,
                 forms: JsonldForms | None = None) -> bytes:
    """Compact JSON-LD, flattened: {"@context": {...}, "@graph": [nodes]} with the context
    inline (so that every parser reads it offline; context.jsonld holds the same mapping).
    Literal lexical forms are kept as strings; nodes, keys and values in sorted order, one
    node per line. ``prefixes``: ``pm.used(triples)``, if the caller has it; ``forms``: see
    :class:`JsonldForms`."""
    return "".join(jsonld_pieces(triples, pm, prefixes, forms)).encode("utf-8")


def jsonld_pieces(triples: Iterable[pyoxigraph.Triple], pm: PrefixMap,
                  prefixes: dict[str, str] | None = None,
                  forms: JsonldForms | None = None) -> Iterator[str]:
    """The text of :func:`jsonld_bytes`, a node at a time (the triples are sorted, so a
    subject's are one run): the whole graph is written without being held as text.

    Written from the JSON of each term (what ``json.dumps(node, sort_keys=True)`` would
    write): a node's dict, dumped, cost more than the rest of a resource's document."""
    import pyoxigraph as ox

    if prefixes is None:
        triples = list(triples)
        prefixes = pm.used(triples)
    context = pm.jsonld_context(prefixes)
    compactable = set(context)
    blank, literal = ox.BlankNode, ox.Literal
    compacted = pm.compacted
    if forms is None:
        forms = JsonldForms()
    keys, ids, values = forms.keys, forms.ids, forms.values

    def short(iri: str) -> str:
        found = compacted(iri)
        return found[1] if found is not None and found[0] in compactable else iri

    def compact(iri: str) -> str:
        hit = keys.get(iri)
        if hit is None:
            hit = keys[iri] = short(iri)
        return hit

    def node_id(term: Any) -> str:
        text = ids.get(term)
        if text is None:
            text = ids[term] = _json_str(
                f"_:{term.value}" if isinstance(term, blank) else short(term.value))
        return text

    def value_of(o: Any) -> str:
        if not isinstance(o, literal):
            text = f'{{"@id": {node_id(o)}}}'
        elif o.language:
            text = f'{{"@language": {_json_str(o.language)}, "@value": {_json_str(o.value)}}}'
        else:
            dt = o.datatype.value
            text = (_json_str(o.value) if dt == _XSD_STRING else
                    f'{{"@type": {_json_str(compact(dt))}, "@value": {_json_str(o.value)}}}')
        values[o] = text
        return text

    def line(subject: Any, node: dict[str, list[str]]) -> str:
        node["@id"] = [node_id(subject)]
        parts = []
        for key in sorted(node):
            listed = node[key]
            parts.append(f"{_json_str(key)}: {listed[0]}" if key == "@id" else
                         f"{_json_str(key)}: [{', '.join(listed)}]")
        return "{" + ", ".join(parts) + "}"

    yield f'{{"@context": {pm.context_json(context)},\n"@graph": [\n'
    sep = ""
    subject: Any = None
    node: dict[str, list[str]] | None = None
    for t in triples:
        s, o = t.subject, t.object
        p = t.predicate.value
        if node is None or s != subject:
            if node is not None:
                yield sep + line(subject, node)
                sep = ",\n"
            subject, node = s, {}
        if p == RDF_TYPE and not isinstance(o, literal):
            node.setdefault("@type", []).append(node_id(o))
            continue
        value = values.get(o)
        key = keys.get(p)
        node.setdefault(compact(p) if key is None else key, []).append(
            value_of(o) if value is None else value)
    if node is not None:
        yield sep + line(subject, node)
    yield "\n]}\n"


def ntriples_bytes(triples: Iterable[pyoxigraph.Triple]) -> bytes:
    """Canonical N-Triples, lines sorted byte-wise (as `LC_ALL=C sort`). pyoxigraph writes
    each term as its ``str`` (the N-Triples form); the lines are sorted as bytes, since UTF-8
    keeps the code point order. The text is split into its lines before they are joined
    again, so it is not held three times (hundreds of MB each at N = 1000)."""
    import pyoxigraph as ox

    lines = bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").splitlines(
        keepends=True)
    lines.sort()
    return b"".join(lines)


def serialise(triples: Sequence[pyoxigraph.Triple], ext: str, pm: PrefixMap,
              prefixes: dict[str, str] | None = None,
              forms: JsonldForms | None = None, checked: bool = False) -> bytes:
    """One serialisation of sorted canonical triples ('ttl', 'nt', 'jsonld' or 'rdf');
    ``prefixes``: ``pm.used(triples)``, if the caller has it; ``forms``: see
    :class:`JsonldForms`; ``checked``: the caller passed the predicates to
    :func:`check_rdfxml_properties`."""
    import pyoxigraph as ox

    fmt = RDF_FORMATS[ext][0]
    if ext == "rdf" and not checked:
        _check_rdfxml_predicates(triples)
    if ext == "jsonld":
        return jsonld_bytes(triples, pm, prefixes, forms)
    if ext == "nt":
        return ntriples_bytes(triples)
    if prefixes is None:
        prefixes = pm.used(triples)
    data = ox.serialize(triples, format=getattr(ox.RdfFormat, fmt), prefixes=prefixes)
    return _sorted_header(bytes(data or b""), ext)


def write_serialisation(triples: Sequence[pyoxigraph.Triple], ext: str, pm: PrefixMap,
                        out: Any, prefixes: dict[str, str] | None = None) -> None:
    """:func:`serialise` written to out (a binary file) as it is made: the whole graph at
    N = 1000 is hundreds of MB in each format, and its text, lines and sorted lines were
    held at once. N-Triples needs no sort of its lines here: the triples are canonical."""
    import pyoxigraph as ox

    if ext == "rdf":
        _check_rdfxml_predicates(triples)
    if prefixes is None:
        prefixes = pm.used(triples)
    if ext == "jsonld":
        pending: list[str] = []
        held = 0
        for piece in jsonld_pieces(triples, pm, prefixes):
            pending.append(piece)
            held += len(piece)
            if held >= 1 << 20:
                out.write("".join(pending).encode("utf-8"))
                pending, held = [], 0
        out.write("".join(pending).encode("utf-8"))
    elif ext == "nt":
        ox.serialize(ntriples_order(triples), output=out, format=ox.RdfFormat.N_TRIPLES)
    else:
        sorted_header = _SortedHeader(out, ext)
        # pyoxigraph calls write() and flush() only: the filter need not be a whole file
        ox.serialize(triples, output=cast(IO[bytes], sorted_header),
                     format=getattr(ox.RdfFormat, RDF_FORMATS[ext][0]), prefixes=prefixes)
        sorted_header.close()


def ntriples_order(triples: Iterable[pyoxigraph.Triple]) -> Iterator[pyoxigraph.Triple]:
    """Canonical triples in the order of their N-Triples lines sorted byte-wise: the same
    but for a subject's rdf:type triples, which the canonical order puts first and the
    lines put where their predicate sorts. (Subjects compare as their lines do: an IRI's
    form ends in ">", and a blank node's label that is the start of another's is followed
    by " " in its line, which sorts before any character of a label.)"""
    import pyoxigraph as ox

    rdf_type = ox.NamedNode(RDF_TYPE)
    held: list[Any] = []  # the current subject's rdf:type triples, until their place
    subject: Any = None
    for t in triples:
        p = t.predicate
        if p == rdf_type:
            if held and t.subject != subject:
                yield from held
                held = []
            if not held:
                subject = t.subject
            held.append(t)
            continue
        if held and (t.subject != subject or str(p) > RDF_TYPE_NT):
            yield from held
            held = []
        yield t
    yield from held


class _SortedHeader:
    """Passes pyoxigraph's Turtle or RDF/XML on to a file, with the prefix declarations at
    its start sorted (see :func:`_sorted_header`) once all of them have come."""

    def __init__(self, out: Any, ext: str) -> None:
        self._out = out
        self._ext = ext
        self._head: bytearray | None = bytearray()

    def write(self, data: bytes) -> int:
        if self._head is None:
            self._out.write(data)
        else:
            self._head += data
            if self._header_complete():
                self.close()
        return len(data)

    def flush(self) -> None:
        pass  # the header is not complete yet, or written through

    def _header_complete(self) -> bool:
        head = self._head
        assert head is not None
        if self._ext == "rdf":
            start = head.find(b"<rdf:RDF")
            return start >= 0 and head.find(b">", start) > start
        at = 0
        while (end := head.find(b"\n", at)) >= 0:  # a whole line that declares no prefix
            if not head.startswith(b"@prefix ", at):
                return True
            at = end + 1
        return False

    def close(self) -> None:
        if self._head is not None:
            self._out.write(_sorted_header(bytes(self._head), self._ext))
            self._head = None


_NCNAME_END = re.compile(r"[^\W\d][\w.-]*$")

_WRITABLE: set[str] = set()


def _check_rdfxml_predicates(triples: Iterable[Any]) -> None:
    check_rdfxml_properties({t.predicate.value for t in triples})


def check_rdfxml_properties(iris: Iterable[str]) -> None:
    """RDF/XML writes a predicate as an XML element name: its IRI must end in a name."""
    for p in set(iris) - _WRITABLE:
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
    if ext == "ttl":  # the declarations are the first lines: the rest is not split
        end = 0
        while data.startswith(b"@prefix ", end):
            found = data.find(b"\n", end)
            end = len(data) if found < 0 else found + 1
        ended = data[:end].endswith(b"\n")
        lines = data[:end - 1 if ended else end].split(b"\n") if end else []
        return b"\n".join(sorted(lines)) + (b"\n" if ended else b"") + data[end:]
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
