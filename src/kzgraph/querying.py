"""Running stored and ad-hoc SPARQL queries, locally (bundled graph) or on a remote endpoint.

How parameters reach a query (never by formatting a value into the query text)
-----------------------------------------------------------------------------------
1. Each value is *converted* to one RDF term of the declared type (:func:`convert`): an IRI is
   checked to be an absolute IRI (RFC 3987, by pyoxigraph), numbers, dates and years against
   their XSD lexical space, and anything else fails with a :class:`ParameterError` naming the
   parameter, the value and the type expected. A string is a string: whatever it holds
   (quotes, braces, ``#``, newlines, backslashes) becomes the lexical form of one literal.
2. The term is *bound* to the parameter's variable:

   * ``engine="rdflib"``: ``Graph.query(text, initBindings={var: term})`` - the query text is
     not touched.
   * ``engine="oxigraph"`` (default) and remote endpoints: ``VALUES ?var { term }`` clauses are
     inserted as the first elements of the query's WHERE group. The terms in it are
     written by pyoxigraph in N-Triples form (``<iri>`` with an IRI that cannot contain
     ``<>"{}|^`\\`` or spaces; ``"..."`` with every ``"``, ``\\``, newline and control character
     escaped, then ``^^<datatype>`` or ``@lang``), so each one is exactly one RDF-term token
     for the parser - a value cannot close the literal, the block or the group, and cannot add
     a clause. :func:`inject_values` re-lexes every written term and refuses anything that is
     not a single term. The rest of the text is kept byte for byte.

   pyoxigraph 0.5's own ``substitutions=`` (SEP-0007) is not used: it refuses variables that
   the SELECT does not project, while grlc, which rewrites ``?_name_iri`` in the text into
   ``<value>``, needs parameters *not* to be projected (``SELECT <iri>`` is not SPARQL). The
   VALUES block gives the same answers here and is the very text sent to a remote endpoint, so
   the local and remote runs execute the same query; the tests run every stored query with
   both engines (VALUES vs initBindings) and on Virtuoso and require equal results.

   Because the VALUES block joins the WHERE group, a parameter should be used at the top level
   of the WHERE clause (triple patterns, FILTERs, OPTIONALs) - not only inside a sub-SELECT that
   does not project it, nor in a FILTER of a UNION branch or MINUS that does not bind it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kzgraph import catalogue
from kzgraph.catalogue import Parameter, StoredQuery, line_col, tokens, where_clause
from kzgraph.errors import InputError, ParameterError, SPARQLSyntaxError
from kzgraph.results import (
    XSD,
    QueryResult,
    Term,
    from_oxigraph,
    from_rdflib,
)

ENGINES = ("oxigraph", "rdflib")
DEFAULT_TIMEOUT = 30.0

_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")
_PNAME = re.compile(r"([A-Za-z][\w.\-]*)?:([\w\-]+(?:[\w.\-]*[\w\-])?)?")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN")
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_GYEAR = re.compile(r"-?(?:[1-9]\d{3,}|0\d{3})" + _TZ)
_GYEARMONTH = re.compile(r"-?(?:[1-9]\d{3,}|0\d{3})-(?:0[1-9]|1[0-2])" + _TZ)
_DATE = re.compile(r"(-?(?:[1-9]\d{3,}|0\d{3})-\d\d-\d\d)" + _TZ)
_DATETIME = re.compile(r"(-?(?:[1-9]\d{3,}|0\d{3})-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)" + _TZ)

# Ranges of the bounded XSD integer types.
_INT_RANGES = {
    "positiveInteger": (1, None), "negativeInteger": (None, -1),
    "nonPositiveInteger": (None, 0), "nonNegativeInteger": (0, None),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1), "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}

_EXPECTED = {
    "iri": "an absolute IRI, e.g. https://w3id.org/kzgraph/id/country/kazakhstan",
    "string": "text",
    "langString": "text",
    "integer": "an integer, e.g. 42",
    "decimal": "a decimal number, e.g. 3.14",
    "double": "a number, e.g. 1.5e3",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD",
    "dateTime": "a date-time YYYY-MM-DDThh:mm:ss[Z]",
    "gYear": "a year, e.g. 2019",
    "gYearMonth": "a year and month YYYY-MM",
    "number": "a number, e.g. 42 or 3.14",
    "literal": "text",
}


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def convert(param: Parameter, value: Any, *, query: str = "",
            prefixes: Mapping[str, str] | None = None) -> Term:
    """The RDF term for ``value`` as parameter ``param``; ParameterError if it does not fit.

    Accepts the text form (as the command line gives it) or a Python value: int, Decimal,
    float, bool, date, datetime, a :class:`Term`, an rdflib or pyoxigraph term."""
    def fail(reason: str | None = None) -> ParameterError:
        where = f"query '{query}': " if query else ""
        shown = value if isinstance(value, str) else repr(value)
        text = (f"{where}parameter '{param.name}' ({param.type_label}): {shown!r} is not "
                f"{_EXPECTED[param.type]}")
        return ParameterError(text + (f" ({reason})" if reason else ""))

    if isinstance(value, Term):
        value = value.value
    elif not isinstance(value, str | int | float | Decimal | date) and hasattr(value, "value"):
        value = value.value  # a pyoxigraph term
    kind = param.type
    text = value if isinstance(value, str) else None

    if kind == "iri":
        if text is None:
            raise fail()
        iri = expand_iri(text, prefixes)
        if iri is None:
            raise fail(f"'{text.split(':', 1)[0]}:' is neither a prefix kzgraph knows nor an "
                       "IRI scheme; write the full IRI")
        if not _IRI.fullmatch(iri):
            raise fail()
        import pyoxigraph

        try:
            pyoxigraph.NamedNode(iri)  # full RFC 3987 check
        except ValueError as exc:
            raise fail(str(exc)) from None
        term = Term.iri(iri)
    elif kind in ("string", "langString", "literal"):
        if text is None:
            raise fail("give it as a string")
        term = Term.literal(text, param.datatype if kind == "literal" else None,
                            param.lang if kind == "langString" else None)
    else:
        lexical, datatype = _typed(kind, value, param, fail)
        term = Term.literal(lexical, datatype)
    if param.enum is not None and (text if text is not None else term.value) not in param.enum \
            and term.value not in param.enum:
        raise ParameterError(f"{'query ' + repr(query) + ': ' if query else ''}parameter "
                             f"'{param.name}': {value!r} is not one of {', '.join(param.enum)}")
    return term


# Schemes a prefixed-name-looking value may use as an absolute IRI (urn:x, mailto:x ...);
# any other "name:local" is a prefixed name, and an unknown prefix is an error, not an IRI
# with scheme "country:" that silently matches nothing.
_SCHEMES = frozenset({"urn", "mailto", "tag", "doi", "info", "did", "tel", "geo", "data",
                      "file", "ftp", "http", "https", "isbn", "uuid"})


def expand_iri(text: str, prefixes: Mapping[str, str] | None = None) -> str | None:
    """``text`` as an IRI: a prefixed name as the tables print it (``country:kazakhstan``,
    with the query's prefixes or the display prefixes) expanded, anything else as given;
    None for a prefixed name with an unknown prefix that is not an IRI scheme either."""
    from kzgraph.results import DISPLAY_PREFIXES

    m = _PNAME.fullmatch(text)
    if not m:
        return text
    known = {**DISPLAY_PREFIXES, **(prefixes or {})}
    prefix = m.group(1) or ""
    if prefix in known:
        return known[prefix] + (m.group(2) or "")
    return text if prefix.lower() in _SCHEMES else None


def _typed(kind: str, value: Any, param: Parameter, fail: Any) -> tuple[str, str]:
    """(lexical form, datatype IRI) of a typed-literal parameter value."""
    datatype = param.datatype or XSD + kind
    if isinstance(value, bool) and kind != "boolean":
        raise fail()
    if kind == "integer":
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            raise fail()
        low, high = _INT_RANGES.get(datatype[len(XSD):], (None, None))
        if (low is not None and number < low) or (high is not None and number > high):
            raise fail(f"out of the range of {param.type_label}")
        return str(number), datatype
    if kind == "decimal":
        if isinstance(value, int | Decimal) or (isinstance(value, float) and
                                                 value == value and abs(value) != float("inf")):
            number = Decimal(str(value))
        elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
            number = Decimal(value.strip())
        else:
            raise fail()
        return format(number, "f"), datatype
    if kind == "double":
        if isinstance(value, int | float | Decimal):
            return repr(float(value)).replace("inf", "INF").replace("nan", "NaN"), datatype
        if isinstance(value, str) and _DOUBLE.fullmatch(value.strip()):
            return value.strip(), datatype
        raise fail()
    if kind == "number":
        if isinstance(value, int):
            return str(value), XSD + "integer"
        if isinstance(value, Decimal | float) and Decimal(value).is_finite():
            return format(Decimal(str(value)), "f"), XSD + "decimal"
        if isinstance(value, str):
            v = value.strip()
            if _INTEGER.fullmatch(v):
                return str(int(v)), XSD + "integer"
            if _DECIMAL.fullmatch(v):
                return v, XSD + "decimal"
            if _DOUBLE.fullmatch(v):
                return v, XSD + "double"
        raise fail()
    if kind == "boolean":
        if isinstance(value, bool):
            return ("true" if value else "false"), datatype
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return ("true" if value.strip().lower() in ("true", "1") else "false"), datatype
        raise fail()
    if kind == "gYear":
        if isinstance(value, int):
            return (f"-{-value:04d}" if value < 0 else f"{value:04d}"), datatype
        if isinstance(value, str) and _GYEAR.fullmatch(value.strip()):
            return value.strip(), datatype
        raise fail()
    if kind == "gYearMonth":
        if isinstance(value, str) and _GYEARMONTH.fullmatch(value.strip()):
            return value.strip(), datatype
        raise fail()
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat(), datatype
        m = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
        if not m or not _valid_date(m.group(1)):
            raise fail()
        return value.strip(), datatype
    if kind == "dateTime":
        if isinstance(value, datetime):
            return value.isoformat(), datatype
        m = _DATETIME.fullmatch(value.strip()) if isinstance(value, str) else None
        if not m or not _valid_date(m.group(1)[:-9], m.group(1)[-8:]):
            raise fail()
        return value.strip(), datatype
    raise fail()  # pragma: no cover - every TYPES entry is handled above


def _valid_date(day: str, clock: str | None = None) -> bool:
    if day.startswith("-") or len(day) != 10:
        return True  # years beyond 0001..9999: the pattern check is all Python can do
    try:
        date.fromisoformat(day)
        if clock:
            h, m, s = clock[:8].split(":")
            return int(h) <= 24 and int(m) < 60 and int(s) < 60
    except ValueError:
        return False
    return True


def bind(stored: StoredQuery, params: Mapping[str, Any]) -> dict[str, Term]:
    """Check ``params`` against the query's declaration; the terms keyed by variable name.

    Missing values take the declared default; an optional parameter without value is left out
    (its variable stays unbound). None counts as not given."""
    known = {p.name: p for p in stored.parameters}
    for key in params:
        if key not in known:
            listing = ", ".join(f"{p.name} ({p.type_label})" for p in stored.parameters)
            raise ParameterError(
                f"query '{stored.name}' has no parameter '{key}'; "
                + (f"its parameters: {listing}" if listing else "it takes no parameters"))
    prefixes = stored.prefixes
    out: dict[str, Term] = {}
    for p in stored.parameters:
        value = params.get(p.name)
        if value is None:
            if p.default is not None:
                value = p.default
            elif p.required:
                raise ParameterError(
                    f"query '{stored.name}': missing required parameter '{p.name}' "
                    f"({p.type_label}: {_EXPECTED[p.type]}); give --param {p.name}=VALUE")
            else:
                continue
        out[p.variable] = convert(p, value, query=stored.name, prefixes=prefixes)
    return out


# --------------------------------------------------------------------------------------------
# Query text: syntax check and VALUES injection
# --------------------------------------------------------------------------------------------

_SYNTAX_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_checker_local = threading.local()


def _empty_store() -> Any:
    store = getattr(_checker_local, "store", None)
    if store is None:
        import pyoxigraph

        store = _checker_local.store = pyoxigraph.Store()
    return store


def syntax_error(text: str, message: str, where: str = "query", line: int | None = None,
                 column: int | None = None) -> SPARQLSyntaxError:
    """A SPARQLSyntaxError ``where:line:column: message (near '...')``."""
    if line is None:
        m = _SYNTAX_POSITION.match(message)
        if m:
            line, column, message = int(m.group(1)), int(m.group(2)), m.group(3)
    # pyoxigraph reports an undeclared prefix as an unexpected token; name it plainly.
    undeclared = _undeclared_prefix(text)
    if undeclared is not None:
        (line, column), message = undeclared[1], f"undeclared prefix '{undeclared[0]}:'"
    message = _CHAR_CLASS.sub(_char_class_name, " ".join(message.split()))
    near = ""
    if line is not None:
        lines = text.splitlines()
        if 0 < line <= len(lines):
            snippet = lines[line - 1][max(0, (column or 1) - 1):][:30].strip()
            near = f" (near {snippet!r})" if snippet else " (at the end of the line)"
    position = f":{line}:{column}" if line is not None and column is not None else (
        f":{line}" if line is not None else "")
    err = SPARQLSyntaxError(f"{where}{position}: SPARQL syntax error: {message}{near}")
    err.file, err.line = where, line
    err.column = column  # type: ignore[attr-defined]
    return err


# pyoxigraph lists the characters it expected as Rust ranges: ['A' ..= 'Z' | '\u{00C0}'..=
# '\u{00D6}' | ...], 500 characters for "a letter". Say it in words.
_CHAR_CLASS = re.compile(r"\[(?:'[^']*'|[^\]'])*\.\.=(?:'[^']*'|[^\]'])*\]")


def _char_class_name(m: re.Match[str]) -> str:
    text = m.group(0)
    if "'A'" in text or "'a'" in text:
        return "a letter"
    if "'0'" in text and text.count("..=") == 1:
        return "a digit"
    return "a character" if len(text) > 40 else text


def _undeclared_prefix(text: str) -> tuple[str, tuple[int, int]] | None:
    declared = set(catalogue.declared_prefixes(text))
    toks = tokens(text)
    for i, tok in enumerate(toks):
        if tok.kind != "pname":
            continue
        if i > 0 and toks[i - 1].is_keyword("PREFIX"):
            continue
        prefix = tok.text.split(":", 1)[0]
        if prefix not in declared:
            return prefix, line_col(text, tok.start)
    return None


def check_syntax(text: str, where: str = "query") -> str:
    """Parse ``text`` with pyoxigraph; its form (SELECT, ASK, CONSTRUCT, DESCRIBE).

    SPARQLSyntaxError with the parser's message and line/column when it does not parse, or when
    it is not a query (kzgraph runs no updates)."""
    form = catalogue.query_form(text)
    if form is None:
        first = next(iter(tokens(text)), None)
        line, col = line_col(text, first.start) if first else (1, 1)
        raise syntax_error(text, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or "
                           "DESCRIBE (updates are not run)", where, line, col)
    try:
        # Parsing is all that happens: SELECT/CONSTRUCT results are lazy, ASK on an empty store.
        _empty_store().query(text)
    except SyntaxError as exc:
        raise syntax_error(text, str(exc), where) from None
    except (ValueError, RuntimeError, OSError):
        pass  # parsed; an evaluation problem shows when the query really runs
    return form


def inject_values(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with ``VALUES ?var { term }`` clauses first in its WHERE group.

    The terms are N-Triples written by pyoxigraph; each is re-lexed and must be one term.
    Nothing else of the text changes (and no line break is added: parser positions still point
    into the original file)."""
    if not bindings:
        return text
    toks = tokens(text)
    span = where_clause(toks)
    if span is None:
        raise ParameterError("this query has no WHERE { } group to bind parameters in "
                             "(CONSTRUCT WHERE's short form or DESCRIBE without WHERE)")
    open_i, close_i = span
    clauses = []
    for variable, term in bindings.items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", variable):
            raise ParameterError(f"not a variable name: {variable!r}")
        written = term.n3()
        _check_single_term(written)
        clauses.append(f"VALUES ?{variable} {{ {written} }}")
    # One single-variable VALUES per parameter: Virtuoso 7.2 fails to compile a multi-variable
    # VALUES row next to an OPTIONAL with a FILTER ("ssg_print_rvr_fixed_val(): no
    # SPART_VARR_FIXED"); the join of one-row tables is the same solution.
    block = " " + " ".join(clauses) + " "
    if open_i + 1 < close_i and toks[open_i + 1].is_keyword("SELECT"):
        # VALUES outside a sub-SELECT would not reach the variables inside it.
        raise ParameterError("parameters cannot be bound when the WHERE clause is a single "
                             "sub-SELECT; use them in the outer WHERE group")
    open_at = toks[open_i].end
    return text[:open_at] + block + text[open_at:]


def _check_single_term(written: str) -> None:
    toks = tokens(written)
    kinds = [t.kind for t in toks]
    ok = kinds in (["iri"], ["string"], ["string", "langtag"])
    if not ok and len(toks) == 3 and kinds[0] == "string" and toks[1].text == "^^":
        ok = kinds[2] == "iri"
    if not ok or "".join(t.text for t in toks) != written:
        raise ParameterError(f"refusing a parameter value that is not one RDF term: {written!r}")


# --------------------------------------------------------------------------------------------
# Local graph
# --------------------------------------------------------------------------------------------

def _oxigraph_store() -> Any:
    """The bundled graph in a pyoxigraph Store (kzgraph.store: cached on disk)."""
    from kzgraph.store import oxigraph_store

    return oxigraph_store()


def _rdflib_graph() -> Any:
    """The bundled graph as an rdflib Graph (kzgraph.store: parsed once per process)."""
    from kzgraph.store import graph

    return graph()


def _engine_of(store: Any, engine: str | None) -> str:
    if store is not None:
        guessed = "oxigraph" if type(store).__module__.startswith("pyoxigraph") else "rdflib"
        if engine is not None and engine != guessed:
            raise InputError(f"engine={engine!r} does not fit a {type(store).__name__} store")
        return guessed
    engine = engine or "oxigraph"
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return engine


def _run_oxigraph(store: Any, text: str, form: str, where: str,
                  prefixes: dict[str, str]) -> QueryResult:
    import pyoxigraph

    try:
        answer = store.query(text)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return QueryResult("ASK", boolean=bool(answer), source="oxigraph", query=text,
                               prefixes=prefixes)
        if isinstance(answer, pyoxigraph.QueryTriples):
            triples = [(from_oxigraph(t.subject), from_oxigraph(t.predicate),
                        from_oxigraph(t.object)) for t in answer]
            return QueryResult(form, triples=triples, source="oxigraph", query=text,
                               prefixes=prefixes)
        names = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            row = {}
            for i, name in enumerate(names):
                value = solution[i]
                if value is not None:
                    row[name] = from_oxigraph(value)
            rows.append(row)
    except SyntaxError as exc:
        raise syntax_error(text, str(exc), where) from None
    except (ValueError, RuntimeError, OSError) as exc:
        if "Corruption" in str(exc):  # RocksDB found a damaged block of a cached store
            from kzgraph.store import cache_dir

            raise InputError(f"{where}: the cached store is damaged ({exc})",
                             hint=f"clear the cache, which kzgraph rebuilds: "
                                  f"rm -rf '{cache_dir()}'") from None
        raise InputError(f"{where}: the query failed: {exc}") from None
    return QueryResult("SELECT", names, rows, source="oxigraph", query=text, prefixes=prefixes)


def _run_rdflib(graph: Any, text: str, bindings: Mapping[str, Term], form: str, where: str,
                prefixes: dict[str, str]) -> QueryResult:
    from pyparsing import ParseException

    init = {var: term.to_rdflib() for var, term in bindings.items()}
    try:
        answer = graph.query(text, initBindings=init)
        if answer.type == "ASK":
            return QueryResult("ASK", boolean=bool(answer.askAnswer), source="rdflib",
                               query=text, prefixes=prefixes)
        if answer.type in ("CONSTRUCT", "DESCRIBE"):
            triples = [(from_rdflib(s), from_rdflib(p), from_rdflib(o))
                       for s, p, o in answer.graph]
            return QueryResult(form, triples=triples, source="rdflib", query=text,
                               prefixes=prefixes)
        names = [str(v) for v in answer.vars]
        rows = []
        for r in answer:
            rows.append({k: from_rdflib(r[k]) for k in names if r[k] is not None})
    except ParseException as exc:
        raise syntax_error(text, exc.msg, where, exc.lineno, exc.col) from None
    except SyntaxError as exc:
        raise syntax_error(text, str(exc), where) from None
    except InputError:
        raise
    except Exception as exc:  # rdflib's evaluator fails with plain Python errors
        # e.g. TypeError sorting ORDER BY keys that are unbound in some rows (rdflib 7.x)
        raise InputError(f"{where}: rdflib could not run the query "
                         f"({type(exc).__name__}: {' '.join(str(exc).split())}); the default "
                         "engine, oxigraph, runs it (rdflib fails on ORDER BY keys that are "
                         "unbound in some rows: COALESCE(STR(?x), \"\") avoids that)") from None
    return QueryResult("SELECT", names, rows, source="rdflib", query=text, prefixes=prefixes)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _execute(text: str, form: str, bindings: Mapping[str, Term], *, endpoint: str | None,
             timeout: float, engine: str | None, store: Any, default_graph: str | None,
             where: str) -> QueryResult:
    prefixes = catalogue.declared_prefixes(text)
    if endpoint is not None:
        if store is not None or engine is not None:
            raise InputError("give either an endpoint or a local engine/store, not both")
        from kzgraph import remote

        return remote.run(endpoint, inject_values(text, bindings), form=form, timeout=timeout,
                          default_graph=default_graph, prefixes=prefixes)
    if default_graph is not None:
        raise InputError("default_graph is for remote endpoints; a local store queries its "
                         "default graph")
    chosen = _engine_of(store, engine)
    _refuse_service(text, where)
    if chosen == "rdflib":
        graph = store if store is not None else _rdflib_graph()
        return _within(timeout, where, lambda: _run_rdflib(graph, text, bindings, form, where,
                                                           prefixes))
    ox_store = store if store is not None else _oxigraph_store()
    values_text = inject_values(text, bindings)
    return _within(timeout, where, lambda: _run_oxigraph(ox_store, values_text, form, where,
                                                         prefixes))


def _refuse_service(text: str, where: str) -> None:
    """Local queries are offline: pyoxigraph would call a SERVICE endpoint from Rust with no
    timeout and out of reach of Ctrl-C, rdflib without a timeout."""
    for tok in tokens(text):
        if tok.is_keyword("SERVICE"):
            line, _column = line_col(text, tok.start)
            raise InputError("SERVICE is not run on the local graph (local queries are "
                             "offline)", file=where, line=line,
                             hint="send the query to that endpoint with --endpoint URL, or "
                                  "remove the SERVICE clause")


def _within(timeout: float | None, where: str, run: Callable[[], QueryResult]) -> QueryResult:
    """Run a local query in a worker thread and wait at most ``timeout`` seconds (None or <= 0:
    no limit). Both engines release the GIL or yield it, so the wait here stays responsive to
    Ctrl-C; a query that is given up keeps its daemon thread until it ends or the process
    exits."""
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append((True, run()))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))

    worker = threading.Thread(target=work, name="kzgraph-query", daemon=True)
    worker.start()
    worker.join(timeout if timeout is not None and timeout > 0 else None)
    if worker.is_alive():
        raise InputError(f"the query did not finish within {timeout:g} s", file=where,
                         hint="give more time with --timeout SECONDS (timeout= in Python), or "
                              "narrow the query")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def query(name: str, /, endpoint: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
          engine: str | None = None, store: Any = None, default_graph: str | None = None,
          folder: str | Path | None = None, params: Mapping[str, Any] | None = None,
          **kwparams: Any) -> QueryResult:
    """Run the stored query ``name`` with its parameters; a :class:`QueryResult`.

    ``endpoint``: a SPARQL 1.1 endpoint URL (remote run, ``timeout`` seconds, optional
    ``default_graph`` IRI); otherwise the local graph: ``store`` (a pyoxigraph Store or an
    rdflib Graph) or the bundled graph, with ``engine`` ``"oxigraph"`` (default) or
    ``"rdflib"``. Parameters come as keywords (``country="https://..."``, ``year=2019``) or as
    a ``params`` mapping (for names that clash with the keywords here). ``folder``: where the
    stored queries are (default: the bundled ``queries/``).

    Raises QueryNotFoundError, ParameterError, SPARQLSyntaxError, EndpointError."""
    stored = catalogue.get(name, folder)
    given = {**(params or {}), **kwparams}
    bindings = bind(stored, given)
    where = str(stored.path) if stored.path else stored.name
    form = check_syntax(stored.text, where)
    return _execute(stored.text, form, bindings, endpoint=endpoint, timeout=timeout,
                    engine=engine, store=store, default_graph=default_graph, where=where)


def sparql(text: str, endpoint: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
           engine: str | None = None, store: Any = None, default_graph: str | None = None,
           validate: bool = True, where: str = "query") -> QueryResult:
    """Run an ad-hoc SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE); a QueryResult.

    The text is parsed first (SPARQLSyntaxError ``where:line:column: message``);
    ``validate=False`` skips that for a remote endpoint's own extensions (an update is still
    refused). Other arguments as for :func:`query`."""
    if validate or endpoint is None:
        form = check_syntax(text, where)
    else:
        form = catalogue.query_form(text) or ""
        if not form:
            check_syntax(text, where)  # raises: not a query
    return _execute(text, form, {}, endpoint=endpoint, timeout=timeout, engine=engine,
                    store=store, default_graph=default_graph, where=where)
