"""A small SPARQL lexer: enough to find variables, prefixes, the query form and the WHERE
clause's braces while skipping comments, strings and IRIs (where braces or '?' mean nothing).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Literal, NamedTuple, cast, get_args

from kzgraph.lazy_regex import LazyPattern

#: The forms of a read-only SPARQL query.
QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
QUERY_FORMS: tuple[QueryForm, ...] = get_args(QueryForm)


_TOKEN = LazyPattern(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:
        (?:(?:[\w:%\-]|\\.)(?:[\w.:%\-]|\\.)*(?:[\w:%\-]|\\.)|(?:[\w:%\-]|\\.))?)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<name>[^\W\d][\w\-]*)
  | (?P<punct>\^\^|&&|\|\||<=|>=|!=|[{}()\[\].,;*=<>!+\-/^|?])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):
    kind: str  # string, iri, var, langtag, pname, number, name, punct, other
    text: str
    start: int
    end: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words


@functools.lru_cache(maxsize=32)
def tokens(text: str) -> tuple[Token, ...]:
    """The significant tokens of a SPARQL text (comments and white space dropped).

    Kept for the last texts lexed: one run of a stored query asks for the tokens of its text
    a dozen times (form, prefixes, parameters, WHERE clause, SERVICE check)."""
    return tuple(Token(m.lastgroup or "other", m.group(), m.start(), m.end())
                 for m in _TOKEN.finditer(text)
                 if m.lastgroup not in ("ws", "comment"))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def declared_prefixes(text: str) -> dict[str, str]:
    """The ``PREFIX p: <iri>`` declarations of a query (prefix -> namespace)."""
    toks = tokens(text)
    found: dict[str, str] = {}
    for i, tok in enumerate(toks[:-2]):
        if tok.is_keyword("PREFIX") and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            found[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
    return found


def query_form(text: str) -> QueryForm | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None when the text is not a query (e.g. an update)."""
    for tok in tokens(text):
        if tok.is_keyword("BASE", "PREFIX") or tok.kind in ("iri", "pname"):
            continue
        if tok.kind == "name" and tok.text.upper() in QUERY_FORMS:
            return cast(QueryForm, tok.text.upper())
        return None
    return None


def _matching(toks: Sequence[Token], open_index: int) -> int:
    """Index of the token closing the bracket at ``open_index``."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    opening = toks[open_index].text
    depth = 0
    for j in range(open_index, len(toks)):
        if toks[j].kind != "punct":
            continue
        if toks[j].text == opening:
            depth += 1
        elif toks[j].text == pairs[opening]:
            depth -= 1
            if depth == 0:
                return j
    return -1


def where_clause(toks: Sequence[Token]) -> tuple[int, int] | None:
    """Token indices of the opening and closing brace of the query's outer WHERE group.

    CONSTRUCT's template is skipped; braces inside parentheses (``EXISTS {}`` in a SELECT
    expression) are not the WHERE clause. None for ``CONSTRUCT WHERE {}``'s short form and
    for a DESCRIBE without WHERE."""
    start = next((i for i, t in enumerate(toks)
                  if t.kind == "name" and t.text.upper() in QUERY_FORMS), None)
    if start is None:
        return None
    i = start + 1
    if toks[start].text.upper() == "CONSTRUCT":
        if i < len(toks) and toks[i].text == "{":
            i = _matching(toks, i) + 1
            if i <= 0:
                return None
        elif i < len(toks) and toks[i].is_keyword("WHERE"):
            return None  # short form: the template is the pattern; no place for VALUES
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "punct" and tok.text in "([":
            i = _matching(toks, i)
            if i < 0:
                return None
        elif tok.kind == "punct" and tok.text == "{":
            close = _matching(toks, i)
            return (i, close) if close > 0 else None
        i += 1
    return None


def has_order_by(text: str) -> bool:
    """Whether the outer query ends with an ORDER BY (after its WHERE clause)."""
    toks = tokens(text)
    span = where_clause(toks)
    if span is None:
        return False
    rest = toks[span[1] + 1:]
    return any(t.is_keyword("ORDER") and k + 1 < len(rest) and rest[k + 1].is_keyword("BY")
               for k, t in enumerate(rest))


def projected_variables(text: str) -> list[str] | None:
    """The variables a SELECT projects (``AS ?x`` included), in order; None for ``SELECT *``
    or a form other than SELECT."""
    toks = tokens(text)
    span = where_clause(toks)
    head = next((i for i, t in enumerate(toks) if t.is_keyword(*QUERY_FORMS)), None)
    if head is None or toks[head].text.upper() != "SELECT":
        return None
    end = span[0] if span else len(toks)
    out: list[str] = []
    i = head + 1
    depth = 0
    while i < end:
        tok = toks[i]
        if tok.is_keyword("WHERE", "FROM"):
            break
        if tok.kind == "punct" and tok.text == "*" and depth == 0:
            return None
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
        elif tok.kind == "var" and (depth == 0 or (i > 0 and toks[i - 1].is_keyword("AS"))):
            out.append(tok.text[1:])
        i += 1
    return out


def subselect_ranges(toks: Sequence[Token], span: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for i in range(span[0], span[1]):
        if toks[i].text == "{" and toks[i].kind == "punct" and toks[i + 1].is_keyword("SELECT"):
            out.append((i, _matching(toks, i)))
    return out
