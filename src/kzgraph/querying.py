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
     inserted as the first elements of the query's WHERE group, and of each sub-SELECT's
     WHERE group that uses ``?var`` without projecting it or giving it a value itself (there
     too the name means the parameter, as grlc's substitution and rdflib's initBindings
     read it). The terms in it are
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
   of the WHERE clause (triple patterns, FILTERs, OPTIONALs) - not only inside a sub-SELECT,
   nor in a FILTER of a UNION branch or MINUS that does not bind it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

from kzgraph import catalogue
from kzgraph.catalogue import StoredQuery
from kzgraph.errors import InputError, KzgraphError, ParameterError, SPARQLSyntaxError
from kzgraph.lazy_regex import LazyPattern
from kzgraph.parameters import EXPECTED, convert
from kzgraph.results import (
    QueryResult,
    Term,
    from_rdflib,
    oxigraph_converter,
)
from kzgraph.sparql_lexer import (
    QueryForm,
    Token,
    line_col,
    subselect_ranges,
    tokens,
    where_clause,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    import rdflib

#: The local SPARQL engines.
Engine = Literal["oxigraph", "rdflib"]
ENGINES: tuple[Engine, ...] = get_args(Engine)
#: Where a local query runs: a pyoxigraph Store or an rdflib Graph (None: the bundled graph).
LocalStore: TypeAlias = "pyoxigraph.Store | rdflib.Graph"
DEFAULT_TIMEOUT = 30.0


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
                    f"({p.type_label}: {EXPECTED[p.type]}); give --param {p.name}=VALUE")
            else:
                continue
        out[p.variable] = convert(p, value, query=stored.name, prefixes=prefixes)
    return out


# --------------------------------------------------------------------------------------------
# Query text: syntax check and VALUES injection
# --------------------------------------------------------------------------------------------

_SYNTAX_POSITION = LazyPattern(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
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
    err.column = column
    return err


# pyoxigraph lists the characters it expected as Rust ranges: ['A' ..= 'Z' | '\u{00C0}'..=
# '\u{00D6}' | ...], 500 characters for "a letter". Say it in words.
_CHAR_CLASS = LazyPattern(r"\[(?:'[^']*'|[^\]'])*\.\.=(?:'[^']*'|[^\]'])*\]")


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


def check_syntax(text: str, where: str = "query") -> QueryForm:
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
        # Parsed and planned only: SELECT/CONSTRUCT results are lazy, ASK on an empty store.
        _empty_store().query(text)
    except SyntaxError as exc:
        raise syntax_error(text, str(exc), where) from None
    except (ValueError, RuntimeError, OSError):
        pass  # parsed; an evaluation problem shows when the query really runs
    return form


def inject_values(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with ``VALUES ?var { term }`` clauses first in its WHERE group, and first in
    the WHERE group of each sub-SELECT that uses ``?var`` (see :func:`_subselects_using`).

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
    clauses = {}
    for variable, term in bindings.items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", variable):
            raise ParameterError(f"not a variable name: {variable!r}")
        written = term.n3()
        _check_single_term(written)
        clauses[variable] = f"VALUES ?{variable} {{ {written} }}"
    if open_i + 1 < close_i and toks[open_i + 1].is_keyword("SELECT"):
        # VALUES outside a sub-SELECT would not reach the variables inside it.
        raise ParameterError("parameters cannot be bound when the WHERE clause is a single "
                             "sub-SELECT; use them in the outer WHERE group")
    # One single-variable VALUES per parameter: Virtuoso 7.2 fails to compile a multi-variable
    # VALUES row next to an OPTIONAL with a FILTER ("ssg_print_rvr_fixed_val(): no
    # SPART_VARR_FIXED"); the join of one-row tables is the same solution.
    inserts = {toks[open_i].end: list(clauses.values())}
    for group_open, names in _subselects_using(toks, span, set(clauses)).items():
        inserts[toks[group_open].end] = [clauses[n] for n in names]
    out = text
    for at in sorted(inserts, reverse=True):
        out = out[:at] + " " + " ".join(inserts[at]) + " " + out[at:]
    return out


def _subselects_using(toks: Sequence[Token], span: tuple[int, int],
                      variables: set[str]) -> dict[int, list[str]]:
    """The WHERE-group brace of each sub-SELECT that uses a parameter, with the parameters.

    A parameter stands for one value wherever the query writes it, as grlc's substitution of
    the text and rdflib's ``initBindings`` read it; a sub-SELECT does not see the outer
    group's VALUES, so it gets its own. Not where the sub-SELECT projects the variable
    (``?var``, ``*``: the join with the outer VALUES binds it already), nor where the query
    gives it a value inside (``AS ?var``, a ``VALUES`` of its own): there the name is not
    the parameter's. A use only inside a nested sub-SELECT is that one's."""
    ranges = subselect_ranges(toks, span)
    out: dict[int, list[str]] = {}
    for start, end in ranges:
        inner = where_clause(toks[start + 1:end])
        if inner is None:
            continue
        group_open = start + 1 + inner[0]
        head = toks[start + 2:group_open]
        if any(t.kind == "punct" and t.text == "*" for t in head[:1]):
            continue
        projected = _plain_projection(head)
        nested = [(a, b) for a, b in ranges if start < a and b < end]
        own = [t for i, t in enumerate(toks[group_open:end], group_open)
               if not any(a <= i <= b for a, b in nested)]
        used = {t.text[1:] for t in own if t.kind == "var"} & variables
        body = toks[start + 1:end]
        assigned = {body[j].text[1:] for j in range(1, len(body))
                    if body[j].kind == "var" and body[j - 1].is_keyword("AS")}
        for j, tok in enumerate(body):
            if tok.is_keyword("VALUES"):
                stop = next((k for k in range(j, len(body)) if body[k].text == "{"), len(body))
                assigned |= {t.text[1:] for t in body[j:stop] if t.kind == "var"}
        names = sorted(used - projected - assigned)
        if names:
            out[group_open] = names
    return out


def _plain_projection(head: Sequence[Token]) -> set[str]:
    """The variables a SELECT head projects as they are (outside parentheses)."""
    depth, out = 0, set()
    for tok in head:
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
        elif tok.kind == "var" and depth == 0:
            out.add(tok.text[1:])
    return out


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


def _run_oxigraph(store: Any, text: str, form: QueryForm, where: str,
                  prefixes: dict[str, str]) -> QueryResult:
    import pyoxigraph

    try:
        answer = store.query(text)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return QueryResult("ASK", boolean=bool(answer), source="oxigraph", query=text,
                               prefixes=prefixes)
        term_of = oxigraph_converter()
        if isinstance(answer, pyoxigraph.QueryTriples):
            triples = [(term_of(t.subject), term_of(t.predicate), term_of(t.object))
                       for t in answer]
            return QueryResult(form, triples=triples, source="oxigraph", query=text,
                               prefixes=prefixes)
        names = [v.value for v in answer.variables]
        columns = list(enumerate(names))
        rows = []
        for solution in answer:
            row = {}
            for i, name in columns:
                value = solution[i]
                if value is not None:
                    row[name] = term_of(value)
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


def _run_rdflib(graph: Any, text: str, bindings: Mapping[str, Term], form: QueryForm, where: str,
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


def _execute(text: str, form: QueryForm, bindings: Mapping[str, Term], *, endpoint: str | None,
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
    result: QueryResult = value
    return result


def query(name: str, /, endpoint: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
          engine: Engine | None = None, store: LocalStore | None = None,
          default_graph: str | None = None,
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
    if not _runs_on_oxigraph(endpoint, engine, store):
        check_syntax(stored.text, where)
        return _run_stored(stored, given, bindings, endpoint=endpoint, timeout=timeout,
                           engine=engine, store=store, default_graph=default_graph, where=where)
    # pyoxigraph parses (and plans: 3 ms for a long query) the text it runs: the syntax check
    # is left to that run, and made only when something fails, so that a syntax error is
    # still the error reported, at its position in the file.
    try:
        return _run_stored(stored, given, bindings, endpoint=endpoint, timeout=timeout,
                           engine=engine, store=store, default_graph=default_graph, where=where)
    except KzgraphError:
        check_syntax(stored.text, where)
        raise


def _runs_on_oxigraph(endpoint: str | None, engine: str | None, store: Any) -> bool:
    if endpoint is not None or engine not in (None, "oxigraph"):
        return False
    return store is None or type(store).__module__.startswith("pyoxigraph")


def _run_stored(stored: StoredQuery, given: Mapping[str, Any], bindings: Mapping[str, Term],
                *, endpoint: str | None, where: str, **run: Any) -> QueryResult:
    if endpoint is None:
        _check_countries(stored, given, bindings, engine=run["engine"], store=run["store"],
                         timeout=run["timeout"])
    return _execute(stored.text, stored.form, bindings, endpoint=endpoint, where=where, **run)


def _check_countries(stored: StoredQuery, given: Mapping[str, Any],
                     bindings: Mapping[str, Term], **local: Any) -> None:
    """A country parameter typed as a slug or prefixed name (``kazakhstan``,
    ``country:kazakstan``) must be a country of the local graph: a typo would otherwise give an
    empty answer. The error names the closest countries."""
    from kzgraph.iri_input import unknown_country
    from kzgraph.namespaces import COUNTRY_SPACE
    from kzgraph.parameters import is_country

    for p in stored.parameters:
        value = given.get(p.name)
        if not (is_country(p) and isinstance(value, str) and "/" not in value):
            continue
        iri = bindings[p.variable].value
        if not iri.startswith(COUNTRY_SPACE) or _execute(
                f"ASK {{ <{iri}> ?p ?o }}", "ASK", {}, endpoint=None, default_graph=None,
                where="country check", **local).boolean:
            continue
        known = _execute(f'SELECT DISTINCT ?c {{ ?c ?p ?o FILTER(STRSTARTS(STR(?c), '
                         f'"{COUNTRY_SPACE}")) }}', "SELECT", {}, endpoint=None,
                         default_graph=None, where="country check", **local)
        raise unknown_country(iri, [row["c"].value for row in known.rows],
                              what=f"query '{stored.name}': parameter '{p.name}'")


def sparql(text: str, endpoint: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
           engine: Engine | None = None, store: LocalStore | None = None,
           default_graph: str | None = None,
           validate: bool = True, where: str = "query") -> QueryResult:
    """Run an ad-hoc SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE); a QueryResult.

    The text is parsed first (SPARQLSyntaxError ``where:line:column: message``);
    ``validate=False`` skips that for a remote endpoint's own extensions (an update is still
    refused). Other arguments as for :func:`query`."""
    if validate or endpoint is None:
        form = check_syntax(text, where)
    else:
        form = catalogue.query_form(text) or check_syntax(text, where)  # raises: not a query
    return _execute(text, form, {}, endpoint=endpoint, timeout=timeout, engine=engine,
                    store=store, default_graph=default_graph, where=where)
