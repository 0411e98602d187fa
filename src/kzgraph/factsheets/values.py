"""How a fact reads on the factsheet: the sections and headings, anchors of IRIs, numbers with
their units, dates and years, and the small helpers that read query rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, get_args

from kzgraph.iri_input import country_iri as read_country
from kzgraph.namespaces import COUNTRY_SPACE, ID_SPACE, INDICATOR_SPACE, UNIT_SPACE, XSD

if TYPE_CHECKING:
    from kzgraph.results import Term


#: The formats a factsheet is written in: Markdown or a printable HTML page.
Format = Literal["md", "html"]
FACTSHEET_FORMATS: tuple[Format, ...] = get_args(Format)

ID_BASE = ID_SPACE

COUNTRY_BASE = COUNTRY_SPACE

DEFAULT_COUNTRY = COUNTRY_BASE + "kazakhstan"

UNIT = UNIT_SPACE

INDICATOR = INDICATOR_SPACE


#: Marks in generated files, so `--out` knows a file it may replace.
GENERATOR = "kzgraph factsheet"


#: The sections of a factsheet, by the code of their type (vocab/section scheme), in order,
#: with their fixed headings.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("facts-and-figures", "Facts & figures"),
    ("terminology", "Terminology"),
    ("policy-framework", "Overview of the policy and legislative framework"),
    ("trends-and-achievements", "Trends and achievements"),
    ("obstacles", "Obstacles"),
    ("spotlight", "Spotlight: effective practices"),
    ("annex", "Annex: list of actors"),
)


#: Sub-headings (fixed text).
HEADINGS: dict[str, str] = {
    "emigration": "Emigration",
    "heading_lost": "Figures whose headings were lost",
    "second_source": "Second source",
    "destinations": "Top countries of destination",
    "remittances": "Remittances",
    "rights": "Political rights",
    "terms": "Terms",
    "replacements": "Replaced terms",
    "timeline": "Timeline",
    "documents": "Laws and policy documents",
    "findings": "Findings",
    "returnees": "Return migration",
    "institutions": "National institutions",
    "organisations": "Diaspora organisations",
    "hosted": "Organisations hosted",
    "other_terms": "Other terms",
    "claims": "Claims of supplementary sources",
    "further": "Further facts",
    "footnotes": "Footnotes",
    "supplements": "Supplementary sources",
}


#: How a document is shown as the object of an amendment or replacement.
PASSIVE = {"amends": "amended by", "replaces": "replaced by"}

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def anchor_id(iri: str) -> str:
    """The HTML id of a resource in the rendered factsheet: the IRI's path under
    ``https://w3id.org/kzgraph/id/`` with ``/`` as ``-`` (``kz-term-qandas``,
    ``country-russia``); other IRIs get their last segment and a short hash."""
    if iri.startswith(ID_BASE):
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", iri[len(ID_BASE):]).strip("-")
        if slug:
            return slug
    last = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    last = re.sub(r"[^A-Za-z0-9_-]+", "-", last).strip("-") or "r"
    return f"x-{last}-{hashlib.sha1(iri.encode()).hexdigest()[:8]}"


def country_iri(value: str | None) -> str:
    """The country's IRI from a slug (``kazakhstan``), a prefixed name (``country:kazakhstan``)
    or an absolute IRI, read as ``query --param country=`` reads it; Kazakhstan if none."""
    if value is None or not value.strip():
        return DEFAULT_COUNTRY
    return read_country(value, what="--country")


def _val(row: Mapping[str, Term], key: str) -> str | None:
    term = row.get(key)
    return None if term is None else term.value


def _true(row: Mapping[str, Term], key: str) -> bool:
    """A boolean column ("true" or "1"; endpoints write xsd:boolean either way)."""
    term = row.get(key)
    return term is not None and term.to_python() is True


def _lexical_number(text: str) -> str:
    """A number without needless zeros: 481.0 -> 481, 0.20 -> 0.2; integers grouped."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return text
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def number(term: Term | None) -> str:
    """A numeric literal for reading: 2559711 -> 2,559,711; 481.0 -> 481."""
    if term is None:
        return ""
    if term.is_literal and term.datatype and term.datatype.startswith(XSD):
        return _lexical_number(term.value)
    return term.value


def with_unit(term: Term | None, unit: str | None) -> str:
    """A figure with its unit (unit IRI of the unit scheme): 0.2%, USD 481 million,
    1,057,280 persons."""
    text = number(term)
    if not text or not unit:
        return text
    code = unit[len(UNIT):] if unit.startswith(UNIT) else ""
    if code == "percent":
        return f"{text}%"
    if code == "usd-million":
        return f"USD {text} million"
    if code in ("persons", "families"):
        return f"{text} {code}"
    return text


def date(term: Term | str | None) -> str:
    """A date for reading: 2020-04-30 -> 30 April 2020, 2020-03 -> March 2020, 2019 -> 2019."""
    if term is None:
        return ""
    text = term if isinstance(term, str) else term.value
    m = re.fullmatch(r"(-?\d{4,})(?:-(\d\d)(?:-(\d\d))?)?(?:Z|[+-]\d\d:\d\d)?", text.strip())
    if not m:
        return text
    year, month, day = m.groups()
    if month and 1 <= int(month) <= 12:
        name = _MONTHS[int(month) - 1]
        return f"{int(day)} {name} {year}" if day else f"{name} {year}"
    return year


def years(first: str | None, last: str | None) -> str:
    """``2017–2021``, or one year when both are equal or one is missing."""
    first, last = (first or "").strip(), (last or "").strip()
    if first and last and first != last:
        return f"{first}–{last}"
    return first or last


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        if v is not None and v != "" and v not in seen:
            seen[v] = None
    return list(seen)


def _group(rows: Iterable[Mapping[str, Term]], key: str) -> dict[str, list[Mapping[str, Term]]]:
    """Rows grouped by the value of ``key``, in first-seen order."""
    out: dict[str, list[Mapping[str, Term]]] = {}
    for row in rows:
        k = _val(row, key)
        if k is not None:
            out.setdefault(k, []).append(row)
    return out


def _ref(iri: str | None, label: str | None) -> dict[str, str] | None:
    if not iri:
        return None
    return {"iri": iri, "label": label or iri}


#: The order in which an annex lists kinds of institution (from the head of state down);
#: kinds not named here follow, alphabetically.
ANNEX_KIND_ORDER = ("head-of-state", "ministry", "department", "assembly", "foundation",
                    "contact-centre", "non-governmental-organisation")


def _kind_rank(code: str) -> tuple[int, str]:
    try:
        return (ANNEX_KIND_ORDER.index(code), code)
    except ValueError:
        return (len(ANNEX_KIND_ORDER), code)


def _first_rows(rows: Iterable[Mapping[str, Term]], key: str
                ) -> list[tuple[str, Mapping[str, Term]]]:
    """(value, first row with it) for each distinct value of ``key``, in order."""
    out: dict[str, Mapping[str, Term]] = {}
    for row in rows:
        v = _val(row, key)
        if v is not None and v not in out:
            out[v] = row
    return list(out.items())
