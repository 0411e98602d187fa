"""The result of a query, the same object whichever engine or endpoint answered.

Values are :class:`Term` objects, a small engine-neutral RDF term (the shape of a SPARQL 1.1
JSON results binding), so that results from pyoxigraph, rdflib and a remote endpoint compare
and serialise alike, and so the command line needs neither rdflib nor pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast, overload

from kzgraph.errors import InputError
from kzgraph.lazy_regex import LazyPattern
from kzgraph.namespaces import (
    DISPLAY_PREFIXES,
    RDF_LANGSTRING,
    XSD,
    compact,
    with_country_prefixes,
)
from kzgraph.sparql_lexer import QueryForm

if TYPE_CHECKING:  # pragma: no cover
    from decimal import Decimal

    import pandas
    import pyoxigraph
    import rdflib


INTEGER_DATATYPES = frozenset(XSD + t for t in (
    "integer", "positiveInteger", "negativeInteger", "nonPositiveInteger", "nonNegativeInteger",
    "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte"))
DECIMAL_DATATYPES = frozenset({XSD + "decimal"})
FLOAT_DATATYPES = frozenset({XSD + "double", XSD + "float"})
NUMERIC_DATATYPES = INTEGER_DATATYPES | DECIMAL_DATATYPES | FLOAT_DATATYPES

_TZ = LazyPattern(r"(Z|[+-]\d\d:\d\d)$")


class Term(NamedTuple):
    """An RDF term as SPARQL 1.1 JSON results write it.

    ``kind`` is ``uri``, ``bnode``, ``literal`` or ``triple``; ``datatype`` is None for simple
    literals (xsd:string) and language-tagged ones; ``lang`` is lower-cased (tags are
    case-insensitive)."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    @classmethod
    def iri(cls, value: str) -> Term:
        return cls("uri", value)

    @classmethod
    def literal(cls, value: str, datatype: str | None = None, lang: str | None = None) -> Term:
        if lang:
            return cls("literal", value, None, lang.lower())
        if datatype in (XSD + "string", RDF_LANGSTRING):
            datatype = None
        return cls("literal", value, datatype, None)

    def __str__(self) -> str:
        return self.value

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    @property
    def is_literal(self) -> bool:
        return self.kind == "literal"

    def to_python(self) -> Any:
        """int, Decimal, float, bool, date, datetime, a year (int, for xsd:gYear) or str."""
        if self.kind != "literal" or self.datatype is None:
            return self.value
        from decimal import Decimal, InvalidOperation

        dt, v = self.datatype, self.value.strip()
        try:
            if dt in INTEGER_DATATYPES:
                return int(v)
            if dt in DECIMAL_DATATYPES:
                return Decimal(v)
            if dt in FLOAT_DATATYPES:
                return float(v.replace("INF", "inf"))
            if dt == XSD + "boolean":
                if v in ("true", "1", "false", "0"):
                    return v in ("true", "1")
                return self.value
            if dt == XSD + "gYear":
                return int(_TZ.sub("", v))
            if dt == XSD + "date":
                import datetime

                return datetime.date.fromisoformat(_TZ.sub("", v))
            if dt == XSD + "dateTime":
                import datetime

                return datetime.datetime.fromisoformat(v)
        except (ValueError, InvalidOperation):
            return self.value  # an ill-typed literal keeps its lexical form
        return self.value

    def to_json(self) -> dict[str, Any]:
        """The SPARQL 1.1 Query Results JSON object of this term."""
        if self.kind == "literal":
            out: dict[str, Any] = {"type": "literal", "value": self.value}
            if self.lang:
                out["xml:lang"] = self.lang
            elif self.datatype:
                out["datatype"] = self.datatype
            return out
        return {"type": self.kind, "value": self.value}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Term:
        """A binding of SPARQL JSON results; Virtuoso's older ``typed-literal`` is a literal."""
        kind = obj.get("type")
        value = obj.get("value")
        if kind == "triple" and isinstance(value, dict):
            parts = [cls.from_json(value[k]) for k in ("subject", "predicate", "object")]
            return cls("triple", " ".join(_nt(p) for p in parts))
        value = "" if value is None else str(value)
        if kind in ("literal", "typed-literal"):
            return cls.literal(value, obj.get("datatype"), obj.get("xml:lang"))
        if kind == "bnode":
            return cls("bnode", value.removeprefix("_:"))
        return cls("uri", value)

    def to_oxigraph(self) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal:
        import pyoxigraph as ox

        if self.kind == "uri":
            return ox.NamedNode(self.value)
        if self.kind == "bnode":
            return ox.BlankNode(self.value)
        if self.kind == "literal":
            if self.lang:
                return ox.Literal(self.value, language=self.lang)
            if self.datatype:
                return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype))
            return ox.Literal(self.value)
        raise ValueError("an RDF-star triple term cannot be converted")

    def to_rdflib(self) -> rdflib.URIRef | rdflib.BNode | rdflib.Literal:
        import rdflib

        if self.kind == "uri":
            return rdflib.URIRef(self.value)
        if self.kind == "bnode":
            return rdflib.BNode(self.value)
        if self.kind == "literal":
            return rdflib.Literal(self.value, lang=self.lang,
                                  datatype=rdflib.URIRef(self.datatype) if self.datatype else None)
        raise ValueError("an RDF-star triple term cannot be converted")

    def n3(self) -> str:
        """The N-Triples form, written by pyoxigraph (so every character is escaped right)."""
        if self.kind == "triple":
            return f"<< {self.value} >>"
        return str(self.to_oxigraph())


def _nt(term: Term) -> str:
    return term.n3()


@overload
def from_oxigraph(term: None) -> None: ...
@overload
def from_oxigraph(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
                  | pyoxigraph.Triple) -> Term: ...
def from_oxigraph(term: Any) -> Term | None:
    """A pyoxigraph term (or None, for an unbound variable) as a :class:`Term`."""
    if term is None:
        return None
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.Literal):
        return Term.literal(term.value, term.datatype.value, term.language)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    return Term("triple", str(term))


def oxigraph_converter() -> Callable[[Any], Term]:
    """:func:`from_oxigraph` for the terms of one result, each converted once: a result
    repeats its terms (a country on every row of its figures), and looking a pyoxigraph term
    up is cheaper than making a new Term (9,000 rows of 11 columns: 110 ms to 50 ms)."""
    known: dict[Any, Term] = {}

    def convert(term: Any) -> Term:
        out = known.get(term)
        if out is None:
            out = known[term] = from_oxigraph(term)
        return out

    return convert


@overload
def from_rdflib(term: None) -> None: ...
@overload
def from_rdflib(term: rdflib.term.Node) -> Term: ...
def from_rdflib(term: Any) -> Term | None:
    """An rdflib term (or None) as a :class:`Term`."""
    if term is None:
        return None
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return Term("uri", str(term))
    if isinstance(term, rdflib.Literal):
        lexical = str(term)
        if term.datatype is not None and str(term.datatype) in DECIMAL_DATATYPES:
            lexical = _canonical_decimal(lexical)
        return Term.literal(lexical, str(term.datatype) if term.datatype else None,
                            term.language)
    if isinstance(term, rdflib.BNode):
        return Term("bnode", str(term))
    return Term("triple", term.n3())


def _canonical_decimal(lexical: str) -> str:
    """An xsd:decimal as pyoxigraph writes it (481.0 -> 481, 2.50 -> 2.5), so that both
    engines print the same value the same way."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(lexical)
    except InvalidOperation:
        return lexical  # ill-typed: shown as it is
    if not number.is_finite():
        return lexical
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class QueryResult:
    """Rows of a SELECT, the answer of an ASK, or the triples of a CONSTRUCT / DESCRIBE.

    * ``variables``: the projected variable names (``subject, predicate, object`` for a graph);
    * ``rows``: a list of dicts variable -> :class:`Term` (unbound variables are absent);
    * ``boolean``: the answer of an ASK (None otherwise); ``bool(result)`` is that answer;
    * ``triples``: the triples of a CONSTRUCT / DESCRIBE (also given as rows);
    * ``len(result)`` and iteration go over the rows.

    ``source`` says who answered (``oxigraph``, ``rdflib`` or the endpoint URL)."""

    def __init__(self, form: QueryForm, variables: Sequence[str] = (),
                 rows: Sequence[dict[str, Term]] = (), *, boolean: bool | None = None,
                 triples: Sequence[tuple[Term, Term, Term]] = (), source: str = "",
                 query: str = "", prefixes: dict[str, str] | None = None) -> None:
        self.form = form
        self.boolean = boolean
        self.triples = list(triples)
        if form in ("CONSTRUCT", "DESCRIBE"):
            variables = ("subject", "predicate", "object")
            rows = [dict(zip(variables, t, strict=True)) for t in self.triples]
        self.variables = list(variables)
        self.rows = list(rows)
        self.source = source
        self.query = query
        self.prefixes = {**DISPLAY_PREFIXES, **(prefixes or {})}

    # -- container protocol ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Term]]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> dict[str, Term]:
        return self.rows[index]

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.form == "ASK" else bool(self.rows)

    def __repr__(self) -> str:
        if self.form == "ASK":
            return f"<QueryResult ASK {self.boolean} from {self.source}>"
        what = "triples" if self.is_graph else "rows"
        return (f"<QueryResult {self.form} {len(self)} {what} "
                f"({', '.join(self.variables)}) from {self.source}>")

    def __str__(self) -> str:
        return self.to_table()

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def column(self, variable: str) -> list[Term | None]:
        return [row.get(variable) for row in self.rows]

    def to_python(self) -> list[dict[str, Any]]:
        """The rows with Python values (:meth:`Term.to_python`); unbound -> None."""
        return [{v: (row[v].to_python() if v in row else None) for v in self.variables}
                for row in self.rows]

    # -- serialisations ---------------------------------------------------------------------
    def to_json(self, indent: int | None = 2) -> str:
        """SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/).

        A CONSTRUCT / DESCRIBE result is a graph, not a results set: use :meth:`to_turtle`."""
        if self.form == "ASK":
            doc: dict[str, Any] = {"head": {}, "boolean": bool(self.boolean)}
        elif self.is_graph:
            raise InputError(f"a {self.form} result is a graph, not SPARQL JSON results: "
                             "use to_turtle() (--format turtle)")
        else:
            doc = {"head": {"vars": list(self.variables)},
                   "results": {"bindings": [{k: t.to_json() for k, t in row.items()}
                                            for row in self.rows]}}
        import json

        return json.dumps(doc, ensure_ascii=False, indent=indent)

    def to_csv(self, lineterminator: str = "\r\n") -> str:
        """SPARQL 1.1 CSV results (https://www.w3.org/TR/sparql11-results-csv-tsv/): IRIs and
        literals as bare values, blank nodes ``_:label``, unbound empty, CRLF line ends.
        An ASK answer is one column ``boolean``."""
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator=lineterminator)
        if self.form == "ASK":
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
            return out.getvalue()
        writer.writerow(self.variables)
        for row in self.rows:
            writer.writerow([_csv_value(row.get(v)) for v in self.variables])
        return out.getvalue()

    def to_turtle(self) -> str:
        """The triples of a CONSTRUCT / DESCRIBE as Turtle (with the query's prefixes)."""
        return self._serialize("turtle")

    def to_ntriples(self) -> str:
        return self._serialize("ntriples")

    def _serialize(self, fmt: str) -> str:
        if not self.is_graph:
            raise InputError(f"a {self.form} result is not a graph: use to_csv(), to_json() "
                             "or to_table()")
        import pyoxigraph as ox

        # A graph's subjects are never literals and its predicates always IRIs.
        triples = [ox.Triple(cast("ox.NamedNode | ox.BlankNode", s.to_oxigraph()),
                             cast("ox.NamedNode", p.to_oxigraph()), o.to_oxigraph())
                   for s, p, o in self.triples]
        if fmt == "ntriples":
            return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        iris = [x.value for t in self.triples for x in t if x.kind == "uri"]
        known = with_country_prefixes(self.prefixes, iris)
        used = {ns for iri in iris for ns in known.values() if iri.startswith(ns)}
        prefixes = {p: ns for p, ns in known.items() if ns in used}
        data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return (data or b"").decode()

    def to_graph(self) -> rdflib.Graph:
        """The triples of a CONSTRUCT / DESCRIBE as an rdflib Graph."""
        import rdflib

        graph = rdflib.Graph()
        iris = (x.value for t in self.triples for x in t if x.kind == "uri")
        for prefix, ns in with_country_prefixes(self.prefixes, iris).items():
            graph.bind(prefix, ns)
        for s, p, o in self.triples:
            graph.add((s.to_rdflib(), p.to_rdflib(), o.to_rdflib()))
        return graph

    # -- tables -----------------------------------------------------------------------------
    def display(self, term: Term | None, compact_iris: bool = True) -> str:
        if term is None:
            return ""
        if term.kind == "uri":
            return compact(term.value, self.prefixes) if compact_iris else term.value
        if term.kind == "bnode":
            return "_:" + term.value
        return term.value

    def _cells(self, compact_iris: bool) -> tuple[list[str], list[list[str]]]:
        if self.form == "ASK":
            return ["boolean"], [["true" if self.boolean else "false"]]
        return list(self.variables), [[self.display(row.get(v), compact_iris)
                                       for v in self.variables] for row in self.rows]

    def to_table(self, max_width: int = 60, compact_iris: bool = True) -> str:
        """A plain-text table (IRIs shortened with known prefixes, long cells cut)."""
        header, body = self._cells(compact_iris)

        def cut(text: str) -> str:
            text = text.replace("\r", " ").replace("\n", " ")
            return text if len(text) <= max_width else text[: max_width - 1] + "…"

        body = [[cut(c) for c in row] for row in body]
        widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                  for r in body]
        if self.form != "ASK":
            n = len(body)
            lines.append(f"({n} {'triple' if self.is_graph else 'row'}{'' if n == 1 else 's'})")
        return "\n".join(lines) + "\n"

    def to_markdown(self, compact_iris: bool = True) -> str:
        """A GitHub-flavoured Markdown table."""
        header, body = self._cells(compact_iris)

        def esc(text: str) -> str:
            text = text.replace("\\", "\\\\").replace("|", "\\|")
            return text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")

        lines = ["| " + " | ".join(esc(h) for h in header) + " |",
                 "| " + " | ".join("---" for _ in header) + " |"]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in body]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:  # Jupyter
        return self.to_markdown()

    # -- pandas -----------------------------------------------------------------------------
    def to_dataframe(self) -> pandas.DataFrame:
        """A pandas DataFrame with one typed column per variable.

        A column's dtype follows the datatypes of its values (all of them, missing ones aside):

        * only XSD integer types -> ``Int64``;
        * numbers mixing integers, xsd:decimal, xsd:double/float -> ``Float64`` (decimals become
          binary floats: exact to about 15 significant digits, enough for the statistics here;
          use :meth:`to_python` for exact ``Decimal`` values);
        * xsd:boolean -> ``boolean``;
        * xsd:date -> ``datetime64[ns]`` (a date's time zone, if any, is dropped);
        * xsd:dateTime -> ``datetime64[ns]`` (``datetime64[ns, UTC]`` when any value has a time
          zone; values without one are then taken as UTC);
        * xsd:gYear -> ``Int64``, the year number (2019); xsd:gYearMonth -> ``period[M]``;
        * anything else (IRIs, strings, language-tagged text, mixed columns) -> ``string``: the
          IRI or the literal's lexical form (language tags dropped), blank nodes ``_:label``.

        Missing values are ``<NA>`` / ``NaT``. A value whose lexical form does not fit its
        datatype turns the column into ``string``. ASK -> one ``boolean`` column; CONSTRUCT /
        DESCRIBE -> string columns subject, predicate, object."""
        import pandas as pd

        if self.form == "ASK":
            return pd.DataFrame({"boolean": pd.array([bool(self.boolean)], dtype="boolean")})
        data = {v: _column(pd, self.column(v)) for v in self.variables}
        return pd.DataFrame(data, columns=self.variables, index=pd.RangeIndex(len(self.rows)))


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if term.kind == "bnode":
        return "_:" + term.value
    return term.value


def _category(term: Term) -> str:
    if term.kind != "literal" or term.datatype is None:
        return "str"
    dt = term.datatype
    if dt in INTEGER_DATATYPES:
        return "int"
    if dt in DECIMAL_DATATYPES or dt in FLOAT_DATATYPES:
        return "num"
    return {XSD + "boolean": "bool", XSD + "date": "date", XSD + "dateTime": "dateTime",
            XSD + "gYear": "gYear", XSD + "gYearMonth": "gYearMonth"}.get(dt, "str")


def _column(pd: Any, terms: list[Term | None]) -> Any:
    cats = {_category(t) for t in terms if t is not None}
    try:
        if cats and cats <= {"int"}:
            return pd.array([None if t is None else int(t.value.strip()) for t in terms],
                            dtype="Int64")
        if cats and cats <= {"int", "num"}:
            return pd.array([None if t is None else float(t.value.strip().replace("INF", "inf"))
                             for t in terms], dtype="Float64")
        if cats == {"bool"}:
            return pd.array([None if t is None else _bool(t.value) for t in terms],
                            dtype="boolean")
        if cats == {"gYear"}:
            return pd.array([None if t is None else int(_TZ.sub("", t.value.strip()))
                             for t in terms], dtype="Int64")
        if cats == {"date"}:
            values = [None if t is None else _TZ.sub("", t.value.strip()) for t in terms]
            return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d").array
        if cats == {"dateTime"}:
            values = [None if t is None else t.value.strip() for t in terms]
            utc = any(v is not None and _TZ.search(v) for v in values)
            return pd.to_datetime(pd.Series(values, dtype="object"), format="ISO8601",
                                  utc=utc).array
        if cats == {"gYearMonth"}:
            return pd.array([None if t is None else pd.Period(_TZ.sub("", t.value.strip()),
                                                                freq="M") for t in terms],
                            dtype="period[M]")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        pass  # an ill-typed or out-of-range value: keep the text
    return pd.array([None if t is None else _csv_value(t) for t in terms], dtype="string")


def _bool(value: str) -> bool:
    value = value.strip()
    if value not in ("true", "false", "1", "0"):
        raise ValueError(value)
    return value in ("true", "1")


def comparable_term(term: Term | None) -> tuple[Any, ...]:
    """A hashable, engine-neutral form of a term, for comparing answers of different engines.

    Normalised, because engines write the same value differently:

    * numbers (every XSD numeric type, and xsd:boolean as 1/0) compare as numbers, to 12
      significant digits: oxigraph writes ``"1500"^^xsd:double`` and AVG with 18 digits,
      Virtuoso ``1500.0`` and 15 digits; rdflib keeps ``12.50``; Virtuoso returns computed
      booleans (``?a < ?b``, ``true``) as ``1``/``0`` of xsd:integer and stored ones as
      ``"1"^^xsd:boolean``; oxigraph returns xsd:nonNegativeInteger etc. as xsd:integer;
    * xsd:dateTime compares as an instant (``Z`` = ``+00:00``; rdflib rewrites ``Z``);
    * blank nodes compare as "a blank node" (labels are private to each engine);
    * language tags compare case-insensitively.

    Everything else - IRIs, strings, language-tagged strings, xsd:date, xsd:gYear,
    xsd:gYearMonth and other typed literals - compares exactly (lexical form and datatype)."""
    if term is None:
        return ("unbound",)
    if term.kind == "bnode":
        return ("bnode",)
    if term.kind != "literal":
        return (term.kind, term.value)
    if term.lang:
        return ("lang", term.value, term.lang.lower())
    if term.datatype == XSD + "boolean" and term.value.strip() in ("true", "false", "1", "0"):
        return ("number", "1" if term.value.strip() in ("true", "1") else "0")
    number = numeric_value(term)
    if number is not None:
        if number.is_nan():
            return ("number", "NaN")
        if not number.is_finite():
            return ("number", str(number))
        from decimal import localcontext

        with localcontext() as ctx:
            ctx.prec = 12
            number = (+number).normalize()  # 12 significant digits, no trailing zeros
        return ("number", format(number, "f"))
    if term.datatype == XSD + "dateTime":
        import datetime

        try:
            value = datetime.datetime.fromisoformat(term.value.strip())
        except ValueError:
            return ("typed", term.value, term.datatype)
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return ("dateTime", value.isoformat(), value.tzinfo is not None)
    if term.datatype is None:
        return ("string", term.value)
    return ("typed", term.value, term.datatype)


def comparable(result: QueryResult) -> list[tuple[Any, ...]]:
    """The rows (or triples, or the ASK answer) of ``result`` as hashable tuples of
    :func:`comparable_term` values, in the result's order: compare lists for ordered queries,
    ``collections.Counter`` of them (multisets) otherwise."""
    if result.form == "ASK":
        return [("boolean", bool(result.boolean))]
    if result.is_graph:
        return [tuple(comparable_term(t) for t in triple) for triple in result.triples]
    return [tuple((v, comparable_term(row.get(v))) for v in result.variables)
            for row in result.rows]


def numeric_value(term: Term) -> Decimal | None:
    """The number of a numeric literal (None otherwise), for comparing results as numbers."""
    if term.kind != "literal" or term.datatype not in NUMERIC_DATATYPES:
        return None
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(term.value.strip().replace("INF", "Infinity"))
    except InvalidOperation:
        return None
