"""The parameters of a stored query: their types (grlc's variable convention) and how a value
becomes one RDF term of that type.

A parameter is declared by a variable ``?_NAME_TYPE`` (required) or ``?__NAME_TYPE`` (optional)
in the query text (see kzgraph.catalogue for the table of type suffixes). :func:`convert` turns a
value given on the command line or from Python into one :class:`~kzgraph.results.Term`, or
fails with a :class:`ParameterError` naming the parameter, the value and the type expected.
Pure Python: nothing here parses SPARQL or runs a query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple, get_args

from kzgraph.errors import InputError, ParameterError
from kzgraph.iri_input import expand_iri, is_slug
from kzgraph.lazy_regex import LazyPattern
from kzgraph.namespaces import COUNTRY_SPACE, XSD
from kzgraph.results import Term

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
_XSD_KIND: dict[str, ParameterType] = {
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
ParameterType = Literal["iri", "string", "langString", "integer", "decimal", "double", "boolean",
                        "date", "dateTime", "gYear", "gYearMonth", "number", "literal"]
TYPES: tuple[ParameterType, ...] = get_args(ParameterType)

#: grlc's parameter regex (gquery.get_parameters), applied to a variable name without '?'.
GRLC_VARIABLE = LazyPattern(
    r"(?P<required>[_]{1,2})(?P<name>[^_]+)_?(?P<type>[a-zA-Z0-9]+)?_?"
    r"(?P<userdefined>[a-zA-Z0-9]+)?.*$"
)

_IRI = LazyPattern(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")
_INTEGER = LazyPattern(r"[+-]?\d+")
_DECIMAL = LazyPattern(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DOUBLE = LazyPattern(r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN")
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_GYEAR = LazyPattern(r"-?(?:[1-9]\d{3,}|0\d{3})" + _TZ)
_GYEARMONTH = LazyPattern(r"-?(?:[1-9]\d{3,}|0\d{3})-(?:0[1-9]|1[0-2])" + _TZ)
_DATE = LazyPattern(r"(-?(?:[1-9]\d{3,}|0\d{3})-\d\d-\d\d)" + _TZ)
_DATETIME = LazyPattern(r"(-?(?:[1-9]\d{3,}|0\d{3})-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)" + _TZ)

# Ranges of the bounded XSD integer types.
_INT_RANGES = {
    "positiveInteger": (1, None), "negativeInteger": (None, -1),
    "nonPositiveInteger": (None, 0), "nonNegativeInteger": (0, None),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1), "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}

EXPECTED = {
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


class Parameter(NamedTuple):
    """A parameter of a stored query, declared by a variable ``?_name_type`` / ``?__name_type``.

    ``type`` is one of :data:`TYPES`; ``datatype`` is the literal's datatype IRI (typed
    literals), ``lang`` its language tag (``langString``). ``required``: the caller must give a
    value (declared ``?_`` and no default); an optional parameter without value stays an
    unbound variable, as in grlc."""

    name: str
    variable: str
    type: ParameterType
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


def parameter_from_variable(variable: str, prefixes: dict[str, str], where: str,
                            line: int) -> tuple[str, ParameterType, str | None, str | None, bool]:
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


def is_country(param: Parameter) -> bool:
    """A country parameter: an IRI parameter named ``country`` or whose default is a country;
    it also takes a bare slug (``kazakhstan``), as ``factsheet --country`` does."""
    return param.type == "iri" and (param.name == "country" or
                                    (param.default or "").startswith(COUNTRY_SPACE))


def convert(param: Parameter, value: Any, *, query: str = "",
            prefixes: Mapping[str, str] | None = None) -> Term:
    """The RDF term for ``value`` as parameter ``param``; ParameterError if it does not fit.

    Accepts the text form (as the command line gives it) or a Python value: int, Decimal,
    float, bool, date, datetime, a :class:`Term`, an rdflib or pyoxigraph term."""
    def fail(reason: str | None = None) -> ParameterError:
        where = f"query '{query}': " if query else ""
        shown = value if isinstance(value, str) else repr(value)
        text = (f"{where}parameter '{param.name}' ({param.type_label}): {shown!r} is not "
                f"{EXPECTED[param.type]}")
        return ParameterError(text + (f" ({reason})" if reason else ""))

    if isinstance(value, Term):
        value = value.value
    elif not isinstance(value, str | int | float) and hasattr(value, "value"):
        value = value.value  # a pyoxigraph or rdflib term (Decimal and date have no .value)
    kind = param.type
    text = value if isinstance(value, str) else None

    if kind == "iri":
        if text is None:
            raise fail()
        if is_country(param) and is_slug(text.strip()):
            iri = COUNTRY_SPACE + text.strip()  # a slug, as factsheet --country takes it
        else:
            expanded = expand_iri(text, prefixes)
            if expanded is None:
                raise fail(f"'{text.split(':', 1)[0]}:' is neither a prefix kzgraph knows nor "
                           "an IRI scheme; write the full IRI")
            iri = expanded
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


def _typed(kind: str, value: Any, param: Parameter, fail: Any) -> tuple[str, str]:
    """(lexical form, datatype IRI) of a typed-literal parameter value."""
    from datetime import date, datetime  # lazily: a run with IRI parameters needs neither
    from decimal import Decimal

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
            amount = Decimal(str(value))
        elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
            amount = Decimal(value.strip())
        else:
            raise fail()
        return format(amount, "f"), datatype
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
    from datetime import date

    try:
        date.fromisoformat(day)
        if clock:
            h, m, s = clock[:8].split(":")
            return int(h) <= 24 and int(m) < 60 and int(s) < 60
    except ValueError:
        return False
    return True
