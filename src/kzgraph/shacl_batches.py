"""SHACL-SPARQL queries (constraints and targets) asked for many focus nodes in one query:
when ``VALUES ?this`` first in the WHERE clause gives the rows that binding ``$this`` to each
node would, and the rows as dicts."""

from __future__ import annotations

import re
from typing import Any

from kzgraph.namespaces import RDF

# A SPARQL constraint runs once over the graph, not once per focus node, when $this is only
# matched in its patterns: not bound by BIND/VALUES, not inside a sub-SELECT, EXISTS or MINUS.
_RISKY = re.compile(r"\b(BIND|VALUES|SERVICE|GRAPH)\b|\{\s*SELECT\b", re.IGNORECASE)
# A SPARQL target's rows are kept by ?this: a join first in its WHERE clause keeps the same
# ones unless something else gives ?this its value or the query reaches outside the graph.
_RISKY_TARGET = re.compile(r"\b(SERVICE|GRAPH)\b|\{\s*SELECT\b|\bAS\s+[?$]this\b|"
                           r"\bVALUES\s*(\([^)]*[?$]this\b|[?$]this\b)", re.IGNORECASE)
_NESTED = re.compile(r"\b(EXISTS|MINUS)\s*\{", re.IGNORECASE)
_THIS = re.compile(r"[?$]this\b")
_COUNTED = re.compile(r"\b(GROUP\s+BY|HAVING|LIMIT|OFFSET)\b|"
                      r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def solution_rows(solutions: Any, this_in: set[Any] | None = None) -> list[dict[str, Any]]:
    """The solutions as dicts of their bound variables; with ``this_in``, only those whose
    ?this is one of them (checked before a dict is made: most rows of a whole-graph query)."""
    names = [v.value for v in solutions.variables]
    if this_in is not None:
        if "this" not in names:
            return []
        at = names.index("this")
        solutions = (s for s in solutions if s[at] in this_in)
    return [{name: value for name, value in zip(names, solution, strict=True)
             if value is not None} for solution in solutions]


def inject(text: str, pattern: str) -> str:
    """``text`` with ``pattern`` first in its WHERE clause (the query must be batchable)."""
    where = _WHERE.search(text)
    assert where is not None  # batchable found it
    return f"{text[:where.end()]} {pattern} {text[where.end():]}"


def anchorable(text: str) -> bool:
    """Whether a pattern that binds ?this to a superset of the nodes wanted, some more than
    once, may join the query's WHERE clause: the rows for the nodes wanted are then those of
    VALUES ?this, repeated, which nothing the query computes over its rows may count."""
    return not _COUNTED.search(text) and "kzgraph_anchor" not in text


def batchable(text: str, *, target: bool = False) -> bool:
    """Whether ``VALUES ?this``, first in the WHERE clause, gives the rows of ?this bound to
    those values. For a SPARQL-based constraint, $this is bound before the query runs, also
    inside EXISTS and MINUS, where a join means something else; a SPARQL target is run as it
    is, its rows then kept by ?this, which the join does in one go."""
    if (_RISKY_TARGET if target else _RISKY).search(text):
        return False
    for match in () if target else _NESTED.finditer(text):
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if _THIS.search(text[match.end():i]):
            return False
    select = re.search(r"SELECT\s+(DISTINCT\s+|REDUCED\s+)?(.*?)\s*(WHERE\b|\{)", text,
                       re.IGNORECASE | re.DOTALL)
    return bool(select and _THIS.search(select.group(2)) and _WHERE.search(text))


def anchor(store: Any, b: Any) -> tuple[str, tuple[Any, Any] | None]:
    """How a query reaches the blank node b of store from a node it can write: ("into",
    (a, p)) when the IRI a links to b by p, ("out", (a, p)) when b has the IRI or literal a as
    a value of p, ("none", None) when neither is so."""
    import pyoxigraph as ox

    link = next((q for q in store.quads_for_pattern(None, None, b, None)
                 if isinstance(q.subject, ox.NamedNode)), None)
    if link is not None:
        return "into", (link.subject, link.predicate)
    own = sorted((q for q in store.quads_for_pattern(b, None, None, None)
                  if not isinstance(q.object, ox.BlankNode)),
                 key=lambda q: q.predicate.value == RDF + "type")  # a type: many nodes
    return ("out", (own[0].object, own[0].predicate)) if own else ("none", None)
