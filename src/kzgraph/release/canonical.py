"""The canonical form of a graph: its triples read from the files, blank nodes relabelled from
their content and surroundings, sorted, so that two builds of one commit are byte-identical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.namespaces import (
    RDF_TYPE,
)
from kzgraph.release.caches import Bounded

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

#: rdf:type as N-Triples writes it (the canonical order puts it first).
RDF_TYPE_NT = f"<{RDF_TYPE}>"


def read_triples(paths: Sequence[Path]) -> set[pyoxigraph.Triple]:
    """The files' triples, parsed by pyoxigraph (errors carry file and line). Not through
    rdflib: canonical_triples relabels blank nodes anyway (N=100: 0.8 s instead of 3.5 s)."""
    from kzgraph.store import iter_quads

    return {q.triple for q in iter_quads(paths)}  # .triple: half the time of Triple(s, p, o)


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

    if not isinstance(triples, set | frozenset):
        triples = set(triples)
    bnodes: dict[Any, None] = {}
    out_edges: dict[Any, list[tuple[str, Any]]] = {}
    in_edges: dict[Any, list[tuple[str, Any]]] = {}
    keys: dict[Any, str] = {}
    blank = ox.BlankNode
    plain: list[Any] = []  # the triples without a blank node (most) stay as they are
    with_blank: list[Any] = []
    for t in triples:
        s, o = t.subject, t.object
        if isinstance(s, blank):
            bnodes[s] = None
            out_edges.setdefault(s, []).append((_key(t.predicate, keys), o))
        elif not isinstance(o, blank):
            plain.append(t)
            continue
        with_blank.append(t)
        if isinstance(o, blank):
            bnodes[o] = None
            in_edges.setdefault(o, []).append((_key(t.predicate, keys), s))

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

        def seen_as(term: Any) -> str:
            if isinstance(term, ox.BlankNode):
                named = rename.get(term)
                return named.value if named is not None else "?" + colour[term]
            return _key(term, keys)

        def neighbours(b: Any) -> tuple[list[str], str]:
            return (sorted(f">{p} {seen_as(o)}" for p, o in out_edges.get(b, ()))
                    + sorted(f"<{p} {seen_as(s)}" for p, s in in_edges.get(b, ())), str(b))

        # Blank nodes that share a colour are numbered in the order of their neighbours as
        # labelled so far, then of their parser ids: two groups of interchangeable nodes
        # linked to each other (an interval and its start, repeated) are then paired the
        # same way in every run, where the parser's random ids alone would pair them at
        # random.
        for c in sorted(groups):
            members = groups[c]
            if len(members) > 1:
                members.sort(key=neighbours)
            for i, b in enumerate(members):
                label = "b" + c[:16] + (f"_{i + 1}" if len(members) > 1 else "")
                rename[b] = ox.BlankNode(label)
        plain += (  # not a set: distinct blank nodes get distinct labels
            ox.Triple(rename.get(t.subject, t.subject), t.predicate, rename.get(t.object, t.object))
            for t in with_blank
        )
    return sort_triples(plain)


def triple_key() -> Callable[[Any], tuple[int, str, int, str, str]]:
    """The sort key of the canonical order (with its own cache of N-Triples forms)."""
    import pyoxigraph as ox

    cache: dict[Any, str] = Bounded()
    blank = ox.BlankNode

    def order(t: Any) -> tuple[int, str, int, str, str]:
        s = t.subject
        p = _key(t.predicate, cache)
        return (
            1 if isinstance(s, blank) else 0,
            _key(s, cache),
            0 if p == RDF_TYPE_NT else 1,
            p,
            _key(t.object, cache),
        )

    return order


def sort_triples(triples: Iterable[pyoxigraph.Triple]) -> list[pyoxigraph.Triple]:
    """The triples in the order of :func:`triple_key`: grouped by subject, the subjects
    sorted, then each subject's triples (a key per triple, and the N-Triples form of every
    term kept for the sort, took 500 MB at N = 1000)."""
    import pyoxigraph as ox

    by_subject: dict[Any, list[Any]] = {}
    for t in triples:
        s = t.subject
        run = by_subject.get(s)
        if run is None:
            by_subject[s] = [t]
        else:
            run.append(t)
    blank = ox.BlankNode
    subjects = sorted(by_subject, key=lambda s: (isinstance(s, blank), str(s)))
    predicates: dict[Any, tuple[int, str]] = {}

    def order(t: Any) -> tuple[int, str, str]:
        p = t.predicate
        key = predicates.get(p)
        if key is None:
            text = str(p)
            key = predicates[p] = (0 if text == RDF_TYPE_NT else 1, text)
        return (*key, str(t.object))

    out: list[Any] = []
    for s in subjects:
        run = by_subject.pop(s)
        if len(run) > 1:
            run.sort(key=order)
        out += run
    return out
