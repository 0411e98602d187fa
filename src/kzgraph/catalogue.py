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
  variable used only in BIND). A sub-SELECT may use it too, without projecting it: kzgraph
  then puts the parameter's VALUES in that sub-SELECT as well, as grlc writes the value there.
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
  them before the join): a sub-SELECT matches the country's parameter itself.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from kzgraph import paths
from kzgraph.errors import InputError, QueryNotFoundError
from kzgraph.parameters import (  # noqa: F401 - re-exported: the catalogue's vocabulary
    GRLC_VARIABLE,
    GRLC_XSD_DATATYPES,
    INTEGER_TYPES,
    TYPES,
    Parameter,
    convert,
    parameter_from_variable,
)
from kzgraph.sparql_lexer import (  # noqa: F401 - re-exported for the callers of catalogue
    QUERY_FORMS,
    QueryForm,
    Token,
    declared_prefixes,
    has_order_by,
    line_col,
    projected_variables,
    query_form,
    subselect_ranges,
    tokens,
    where_clause,
)

# --------------------------------------------------------------------------------------------
# Parameters and stored queries
# --------------------------------------------------------------------------------------------


class StoredQuery(NamedTuple):
    """One ``queries/NAME.rq`` file: its decorators, parameters and text.

    Compared, hashed and shown without ``decorators`` (they are the text's own ``#+`` lines).
    """

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    path: Path | None
    text: str
    form: QueryForm
    ordered: bool
    method: str = "GET"
    endpoint_in_url: bool = True
    decorators: Mapping[str, Any] = MappingProxyType({})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoredQuery) and self[:-1] == other[:-1]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:-1])

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in
                          zip(self._fields[:-1], self[:-1], strict=True))
        return f"StoredQuery({shown})"

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
        pname, ptype, datatype, lang, declared = parameter_from_variable(
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
        # grlc does not see a parameter used only inside a sub-SELECT (and forbids projecting
        # it), so the outer group must use it too.
        inside = subselect_ranges(toks, span)
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
