"""The stored queries: ``queries/*.rq`` with grlc decorators, read without running them.

A stored query is one SPARQL file whose ``#+`` comment lines form a YAML block (grlc's
decorators) and whose parameters are variables named by grlc's convention, so the folder can be
served unchanged by grlc (https://github.com/CLARIAH/grlc). Parsing mirrors grlc's own
(``gquery.get_yaml_decorators`` and ``gquery.get_parameters``)::

    #+ summary: One line
    #+ description: |
    #+   Several lines of YAML text.
    #+ tags:
    #+   - statistics
    #+ defaults:
    #+   - country: https://w3id.org/kzgraph/id/country/kazakhstan
    #+ method: GET
    #+ endpoint_in_url: False

    SELECT ... WHERE { ?obs dem:origin ?_country_iri . FILTER(... ?__year_xsd_gYear ...) }

Parameter variables: ``?_NAME[_TYPE]`` is required, ``?__NAME[_TYPE]`` optional; NAME has no
underscore (grlc's regex ``[^_]+``). TYPE (see :data:`TYPE_SUFFIXES`):

=========================  ==========================================  ========================
suffix                     value                                        example
=========================  ==========================================  ========================
(none), ``_string``,       plain string literal                         ``?_text``
``_literal``
``_iri``                   an absolute IRI (or ``prefix:local`` with a  ``?_country_iri``
                           prefix the query declares)
``_en``, ``_kk`` (two      string literal with that language tag        ``?_label_en``
letters)
``_integer``, ``_int`` …   xsd:integer (and the other XSD integers)     ``?_rank_integer``
``_decimal``               xsd:decimal                                  ``?_share_decimal``
``_double``, ``_float``    xsd:double / xsd:float                       ``?_ratio_double``
``_boolean``               xsd:boolean (true/false/1/0)                 ``?_flag_boolean``
``_date``, ``_dateTime``   xsd:date / xsd:dateTime                      ``?_day_date``
``_gYear``, ``_xsd_gYear`` xsd:gYear (a year: 2019)                     ``?__year_xsd_gYear``
``_number``                a bare number: xsd:integer or xsd:decimal    ``?_n_number``
``_PREFIX_LOCAL``          typed literal ``"v"^^PREFIX:LOCAL`` (lexical ``?_x_ex_code``
                           form unchecked unless PREFIX is xsd)
=========================  ==========================================  ========================

``#+ defaults:`` is a YAML *list* of one-key mappings ``- NAME: VALUE`` (grlc looks defaults up
in a list); a parameter with a default need not be given. ``#+ enumerate:`` entries of the form
``- NAME: [v1, v2]`` restrict the values.

The text of a stored query is kept exactly as in the file (decorators are SPARQL comments), so
a parser's line and column point into the file.

Rules for stored queries (tests/test_catalogue.py and the parity tests check them):

* ``#+ summary:``; every required parameter has a default (the tests and the expected results
  run each query as it is); a parameter is not projected (grlc writes its value into the text)
  and appears in a triple pattern or FILTER of the outer WHERE group (grlc does not see a
  variable used only in BIND; kzgraph's VALUES does not reach into a sub-SELECT).
* Same answers on oxigraph, rdflib and Virtuoso: sort text with ``ORDER BY STR(?x)`` (Virtuoso
  orders long literals by a prefix) and make the order total; ``COALESCE(STR(?x), "")`` for
  an ORDER BY key that may be unbound (rdflib fails on it); no LIMIT without ORDER BY; cast
  before dividing integers (``xsd:decimal(?a) / ?b``: Virtuoso divides integers as integers);
  no SUM/AVG over rows where the value may be unbound or over no rows at all (engines differ);
  GROUP_CONCAT(STR(?x)) (oxigraph keeps a shared language tag, Virtuoso drops it); rows
  unique by construction where the query has two or more OPTIONALs (Virtuoso 7.2 then keeps
  duplicate solutions despite DISTINCT or GROUP BY): project what tells them apart.
* Fast at scale (bench/query_times.py): the patterns that pin the country first, OPTIONALs
  last (pyoxigraph matches a required pattern after an OPTIONAL over the whole graph); no
  UNION branch or sub-SELECT that must be matched for every country (pyoxigraph evaluates
  them before the join, and the parameter's VALUES does not reach into them).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzgraph import paths
from kzgraph.errors import InputError, QueryNotFoundError

XSD = "http://www.w3.org/2001/XMLSchema#"

#: XSD datatype names grlc recognises as a type suffix (grlc ``static.XSD_DATATYPES``).
GRLC_XSD_DATATYPES = frozenset((
    "decimal", "float", "double", "integer", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "nonNegativeInteger", "long", "int", "short", "byte", "unsignedLong",
    "unsignedInt", "unsignedShort", "unsignedByte", "dateTime", "date", "gYearMonth", "gYear",
    "duration", "gMonthDay", "gDay", "gMonth", "string", "normalizedString", "token", "language",
    "NMTOKEN", "NMTOKENS", "Name", "NCName", "ID", "IDREFS", "ENTITY", "ENTITIES", "QName",
    "boolean", "hexBinary", "base64Binary", "anyURI", "notation",
))

#: XSD integer types, validated as integers (with their sign constraints).
INTEGER_TYPES = frozenset((
    "integer", "positiveInteger", "negativeInteger", "nonPositiveInteger", "nonNegativeInteger",
    "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
))

#: The parameter types kzgraph checks, keyed by the XSD local name they come from.
_XSD_KIND = {
    **{t: "integer" for t in INTEGER_TYPES},
    "decimal": "decimal",
    "double": "double",
    "float": "double",
    "boolean": "boolean",
    "date": "date",
    "dateTime": "dateTime",
    "gYear": "gYear",
    "gYearMonth": "gYearMonth",
}

#: Parameter ``type`` values (see :class:`Parameter`).
TYPES = ("iri", "string", "langString", "integer", "decimal", "double", "boolean", "date",
         "dateTime", "gYear", "gYearMonth", "number", "literal")

#: grlc's parameter regex (gquery.get_parameters), applied to a variable name without '?'.
GRLC_VARIABLE = re.compile(
    r"(?P<required>[_]{1,2})(?P<name>[^_]+)_?(?P<type>[a-zA-Z0-9]+)?_?"
    r"(?P<userdefined>[a-zA-Z0-9]+)?.*$"
)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


# --------------------------------------------------------------------------------------------
# A small SPARQL lexer: enough to find variables, prefixes, the query form and the WHERE
# clause's braces while skipping comments, strings and IRIs (where braces or '?' mean nothing).
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
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


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # string, iri, var, langtag, pname, number, name, punct, other
    text: str
    start: int
    end: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words


def tokens(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (comments and white space dropped)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


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


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None when the text is not a query (e.g. an update)."""
    for tok in tokens(text):
        if tok.is_keyword("BASE", "PREFIX") or tok.kind in ("iri", "pname"):
            continue
        if tok.kind == "name" and tok.text.upper() in QUERY_FORMS:
            return tok.text.upper()
        return None
    return None


def _matching(toks: list[Token], open_index: int) -> int:
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


def where_clause(toks: list[Token]) -> tuple[int, int] | None:
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


# --------------------------------------------------------------------------------------------
# Parameters and stored queries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A parameter of a stored query, declared by a variable ``?_name_type`` / ``?__name_type``.

    ``type`` is one of :data:`TYPES`; ``datatype`` is the literal's datatype IRI (typed
    literals), ``lang`` its language tag (``langString``). ``required``: the caller must give a
    value (declared ``?_`` and no default); an optional parameter without value stays an
    unbound variable, as in grlc."""

    name: str
    variable: str
    type: str
    required: bool
    default: str | None = None
    datatype: str | None = None
    lang: str | None = None
    enum: tuple[str, ...] | None = None

    @property
    def type_label(self) -> str:
        """A short human label of the type: ``iri``, ``xsd:gYear``, ``string@en``..."""
        if self.type == "langString":
            return f"string@{self.lang}"
        if self.datatype and self.datatype.startswith(XSD) and self.type not in ("string",):
            return "xsd:" + self.datatype[len(XSD):]
        if self.type == "literal":
            return f"literal^^<{self.datatype}>"
        return self.type

    def describe(self) -> str:
        """``name: type = default`` / ``name: type (optional)``, as ``kzgraph queries`` shows."""
        text = f"{self.name}: {self.type_label}"
        if self.default is not None:
            text += f" = {self.default}"
        elif not self.required:
            text += " (optional)"
        return text


@dataclass(frozen=True)
class StoredQuery:
    """One ``queries/NAME.rq`` file: its decorators, parameters and text."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    path: Path | None
    text: str
    form: str
    ordered: bool
    method: str = "GET"
    endpoint_in_url: bool = True
    decorators: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def prefixes(self) -> dict[str, str]:
        return declared_prefixes(self.text)

    def __str__(self) -> str:
        return f"{self.name}: {self.summary}"


def _decorator_yaml(text: str) -> tuple[str, list[int]]:
    """grlc's decorator block: every line starting with ``#+``, with the leading '#'/'+'
    characters stripped (``row.lstrip('#+')``); also the file line of each YAML line."""
    lines, numbers = [], []
    for number, row in enumerate(text.split("\n"), start=1):
        if row.startswith("#+"):
            lines.append(row.lstrip("#+"))
            numbers.append(number)
    return "\n".join(lines), numbers


# Decoded decorator blocks, kept in the cache folder across runs: a warm `kzgraph query` then
# never imports PyYAML (11 ms of its ~100 ms). Keyed by the block's text, so an edited block is
# decoded again; only values that JSON gives back unchanged are kept.
_DECORATORS_FILE = "decorators.json"
_DECORATORS_FORMAT = 1
_DECORATORS_KEEP = 1000
_decorators: dict[str, Any] | None = None
_decorators_changed = False


def _decorator_cache() -> dict[str, Any]:
    global _decorators
    if _decorators is None:
        from kzgraph.store import cache_dir

        try:
            saved = json.loads((cache_dir() / _DECORATORS_FILE).read_text(encoding="utf-8"))
            entries = saved.get("entries") if saved.get("format") == _DECORATORS_FORMAT else None
        except (OSError, ValueError, AttributeError):
            entries = None
        _decorators = entries if isinstance(entries, dict) else {}
    return _decorators


def _remember_decorators(block: str, data: dict[str, Any]) -> None:
    global _decorators_changed
    try:
        encoded = json.dumps(data)
        if json.loads(encoded) != data:  # e.g. integer keys
            return
    except (TypeError, ValueError):  # e.g. a YAML date
        return
    cache = _decorator_cache()
    cache[block] = encoded  # JSON text: every hit decodes a fresh dict, which callers may change
    while len(cache) > _DECORATORS_KEEP:
        del cache[next(iter(cache))]
    if not _decorators_changed:
        import atexit

        atexit.register(save_decorator_cache)  # once per process, not once per query
    _decorators_changed = True


def save_decorator_cache() -> None:
    """Write the decoded decorator blocks to the cache folder (atomically; a read-only or
    full cache folder is left as it is)."""
    global _decorators_changed
    if not _decorators_changed or _decorators is None:
        return
    import os

    from kzgraph.store import cache_dir

    path = cache_dir() / _DECORATORS_FILE
    tmp = path.with_name(f".{_DECORATORS_FILE}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"format": _DECORATORS_FORMAT, "entries": _decorators}),
                       encoding="utf-8")
        os.replace(tmp, path)
        _decorators_changed = False
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _load_yaml(text: str, where: str) -> dict[str, Any]:
    block, numbers = _decorator_yaml(text)
    if not block.strip():
        return {}
    known = _decorator_cache().get(block)
    if isinstance(known, str):
        with contextlib.suppress(ValueError):
            data = json.loads(known)
            if isinstance(data, dict):
                return data
    data = _decode_yaml(block, numbers, where)
    _remember_decorators(block, data)
    return data


def _decode_yaml(block: str, numbers: list[int], where: str) -> dict[str, Any]:
    import yaml  # lazily: only stored queries need it, and only when not cached

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(block, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = numbers[min(mark.line, len(numbers) - 1)] if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"the #+ decorators are not valid YAML: {problem}", file=where,
                         line=line, hint="grlc decorators are YAML lines starting with '#+ '"
                         ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("the #+ decorators must be a YAML mapping (key: value lines)",
                         file=where, line=numbers[0])
    return data


def _one_key_entries(value: Any, key: str, where: str) -> dict[str, Any]:
    """grlc's ``defaults`` / ``enumerate``: a list of one-key mappings (grlc's
    ``_getDictWithKey`` looks entries up in a list, so a plain mapping would break grlc)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise InputError(f"'#+ {key}:' must be a YAML list of '- name: value' entries",
                         file=where)
    out: dict[str, Any] = {}
    for entry in value:
        if isinstance(entry, str) and key == "enumerate":
            out[entry] = None  # grlc fills it by querying the endpoint; nothing to check here
            continue
        if not isinstance(entry, dict) or len(entry) != 1:
            raise InputError(f"'#+ {key}:' entry {entry!r} is not a one-key mapping "
                             "'- name: value'", file=where)
        ((name, val),) = entry.items()
        out[str(name)] = val
    return out


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parameter_from_variable(variable: str, prefixes: dict[str, str], where: str,
                             line: int) -> tuple[str, str, str | None, str | None, bool]:
    """(name, type, datatype, lang, declared_required) for a grlc parameter variable."""
    m = GRLC_VARIABLE.match(variable)
    assert m is not None  # callers only pass variables starting with '_'
    name = m.group("name")
    required = m.group("required") == "_"
    mtype, user = m.group("type"), m.group("userdefined")
    if mtype is None or mtype in ("string", "literal"):
        return name, "string", None, None, required
    if mtype == "iri":
        return name, "iri", None, None, required
    if mtype == "number":
        return name, "number", None, None, required
    if mtype in GRLC_XSD_DATATYPES:
        local = mtype
    elif len(mtype) == 2:
        return name, "langString", None, mtype.lower(), required
    elif user:
        if mtype == "xsd":
            local = user
        elif mtype in prefixes:
            return name, "literal", prefixes[mtype] + user, None, required
        else:
            raise InputError(f"parameter ?{variable}: datatype prefix '{mtype}:' is not declared",
                             file=where, line=line,
                             hint=f"add 'PREFIX {mtype}: <...>' or use a known type suffix")
    else:
        raise InputError(
            f"parameter ?{variable}: unknown type suffix '_{mtype}'", file=where, line=line,
            hint="use _iri, _integer, _decimal, _double, _boolean, _date, _dateTime, _gYear, "
                 "_xsd_gYear, _string, _number or a two-letter language such as _en "
                 "(parameter names may not contain '_')")
    kind = _XSD_KIND.get(local)
    datatype = XSD + local
    if local == "string":
        return name, "string", None, None, required
    return name, kind or "literal", datatype, None, required


def parse(text: str, name: str, path: Path | None = None) -> StoredQuery:
    """Read one stored query's text (decorators, parameters, form)."""
    where = str(path) if path else f"query {name}"
    meta = _load_yaml(text, where)
    form = query_form(text)
    if form is None:
        raise InputError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)", file=where,
                         hint="stored queries are read-only queries")
    prefixes = declared_prefixes(text)
    defaults = {k: _yaml_scalar(v) for k, v in
                _one_key_entries(meta.get("defaults"), "defaults", where).items()}
    enums = _one_key_entries(meta.get("enumerate"), "enumerate", where)

    found: dict[str, Parameter] = {}
    for tok in tokens(text):
        if tok.kind != "var" or not tok.text[1:].startswith("_"):
            continue
        variable = tok.text[1:]
        if not GRLC_VARIABLE.match(variable):
            continue
        line = line_col(text, tok.start)[0]
        pname, ptype, datatype, lang, declared = _parameter_from_variable(
            variable, prefixes, where, line)
        enum_values = enums.get(pname)
        param = Parameter(
            name=pname, variable=variable, type=ptype,
            required=declared and pname not in defaults,
            default=defaults.get(pname), datatype=datatype, lang=lang,
            enum=tuple(_yaml_scalar(v) for v in enum_values) if isinstance(enum_values, list)
            else None,
        )
        previous = found.get(pname)
        if previous is not None and previous.variable != variable:
            raise InputError(f"parameter '{pname}' is declared twice, as ?{previous.variable} "
                             f"and ?{variable}", file=where, line=line,
                             hint="use one variable per parameter")
        found[pname] = param
    for key in defaults:
        if key not in found:
            raise InputError(f"'#+ defaults:' names '{key}', which is not a parameter",
                             file=where, hint=f"parameters: {', '.join(found) or 'none'}")
    params = tuple(found.values())
    # Defaults must be valid values of their type (checked here, not at the first run).
    from kzgraph.querying import convert  # no heavy import: conversion is pure Python

    for p in params:
        if p.default is not None:
            try:
                convert(p, p.default, query=name, prefixes=prefixes)
            except InputError as exc:
                raise InputError(f"default of '{p.name}': {exc.message}", file=where) from None

    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    description = meta.get("description") or ""
    return StoredQuery(
        name=name,
        summary=str(meta.get("summary") or "").strip(),
        description=str(description).strip(),
        tags=tuple(str(t) for t in tags),
        parameters=params,
        path=path,
        text=text,
        form=form,
        ordered=has_order_by(text),
        method=str(meta.get("method") or "GET").upper(),
        endpoint_in_url=bool(meta.get("endpoint_in_url", True)),
        decorators=meta,
    )


def _folder(folder: str | Path | None) -> Path:
    return Path(folder) if folder is not None else paths.part("queries")


_CACHE: dict[tuple[str, int, int], StoredQuery] = {}


def load(path: str | Path) -> StoredQuery:
    """Read one ``.rq`` file (cached by path, size and modification time)."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _CACHE:
            return _CACHE[key]
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the query: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    stored = parse(text, path.stem, path)
    _CACHE[key] = stored
    return stored


def names(folder: str | Path | None = None) -> list[str]:
    """The names of the stored queries (file stems), sorted."""
    base = _folder(folder)
    return sorted(p.stem for p in base.glob("*.rq")) if base.is_dir() else []


def queries(folder: str | Path | None = None) -> list[StoredQuery]:
    """The stored queries of ``folder`` (default: the bundled ``queries/``), sorted by name."""
    base = _folder(folder)
    return [load(base / f"{n}.rq") for n in names(base)]


def get(name: str, folder: str | Path | None = None) -> StoredQuery:
    """The stored query called ``name``; QueryNotFoundError with the closest names otherwise."""
    base = _folder(folder)
    path = base / f"{name}.rq"
    if name and "/" not in name and "\\" not in name and path.is_file():
        return load(path)
    known = names(base)
    import difflib

    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        hint = "closest: " + ", ".join(close)
    elif known:
        hint = "run `kzgraph queries` for the list"
    else:
        hint = f"no stored queries in {base}"
    raise QueryNotFoundError(f"unknown query '{name}'; {hint}")


def iter_problems(stored: StoredQuery) -> Iterator[str]:
    """grlc-compatibility problems of a stored query (tests assert there are none).

    grlc substitutes a parameter by rewriting the text ``?_name_type`` -> ``<value>``, so a
    parameter must not be projected (``SELECT <iri>`` is not SPARQL); kzgraph binds it with
    VALUES in the outer WHERE group, which must exist and reach the parameter; every required
    parameter needs a default so that the query runs as it is (tests, expected results)."""
    projected = projected_variables(stored.text) or []
    for p in stored.parameters:
        if p.variable in projected:
            yield f"parameter ?{p.variable} is projected (grlc would write SELECT <value>)"
    toks = tokens(stored.text)
    span = where_clause(toks)
    if stored.parameters and span is None:
        yield "parameters need a WHERE { } clause (not CONSTRUCT WHERE's short form)"
    if span is not None:
        # A VALUES block in the outer group does not reach into a sub-SELECT that does not
        # project the variable (and grlc forbids projecting it).
        inside = _subselect_ranges(toks, span)
        for p in stored.parameters:
            spots = [i for i, t in enumerate(toks) if t.kind == "var" and t.text[1:] == p.variable]
            if spots and all(any(a < i < b for a, b in inside) for i in spots):
                yield (f"parameter ?{p.variable} is only used inside a sub-SELECT; use it in "
                       "the outer WHERE group")
    for p in stored.parameters:
        if p.required:
            yield (f"required parameter '{p.name}' has no default: give one in '#+ defaults:' "
                   "so the query runs as it is (tests and expected results use the defaults)")
    if not stored.summary:
        yield "no '#+ summary:'"


def _subselect_ranges(toks: list[Token], span: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for i in range(span[0], span[1]):
        if toks[i].text == "{" and toks[i].kind == "punct" and toks[i + 1].is_keyword("SELECT"):
            out.append((i, _matching(toks, i)))
    return out
