"""IRIs as people type them: full IRIs, prefixed names as the result tables print them
(``country:kazakhstan``, ``kz:president``, ``ua:…``) and bare country slugs (``kazakhstan``).

One reading for every command: ``query --param`` (kzgraph.parameters) and ``factsheet
--country`` (kzgraph.factsheets) both come here, so a value one accepts the other accepts too.
Pure Python: nothing here loads a graph; :func:`unknown_country` words the error when the caller
finds the country missing from its graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kzgraph.errors import InputError
from kzgraph.lazy_regex import LazyPattern
from kzgraph.namespaces import COUNTRY_CODE, COUNTRY_SPACE, DISPLAY_PREFIXES, country_namespace

_PNAME = LazyPattern(r"([A-Za-z][\w.\-]*)?:([\w\-]+(?:[\w.\-]*[\w\-])?)?")
_SLUG = LazyPattern(r"[a-z0-9][a-z0-9-]*")

# Schemes a prefixed-name-looking value may use as an absolute IRI (urn:x, mailto:x ...);
# any other "name:local" is a prefixed name, and an unknown prefix is an error, not an IRI
# with scheme "country:" that silently matches nothing.
_SCHEMES = frozenset({"urn", "mailto", "tag", "doi", "info", "did", "tel", "geo", "data",
                      "file", "ftp", "http", "https", "isbn", "uuid"})


def prefix_namespace(prefix: str, prefixes: Mapping[str, str] | None = None) -> str | None:
    """The namespace of ``prefix``: the caller's (a query's PREFIX lines) first, then the display
    prefixes, then a country's code by the rule the tables print it with (``ua`` -> ``id/ua/``);
    None if unknown."""
    known = {**DISPLAY_PREFIXES, **(prefixes or {})}
    if prefix in known:
        return known[prefix]
    if COUNTRY_CODE.fullmatch(prefix):
        return country_namespace(prefix)
    return None


def expand_iri(text: str, prefixes: Mapping[str, str] | None = None) -> str | None:
    """``text`` as an IRI: a prefixed name expanded (see :func:`prefix_namespace`), anything
    else as given; None for a prefixed name whose prefix is neither known nor an IRI scheme."""
    m = _PNAME.fullmatch(text)
    if not m:
        return text
    prefix = m.group(1) or ""
    if prefix.lower() in _SCHEMES:
        return text
    namespace = prefix_namespace(prefix, prefixes)
    return None if namespace is None else namespace + (m.group(2) or "")


def is_slug(text: str) -> bool:
    """A bare slug such as ``kazakhstan`` (lower-case letters, digits and hyphens)."""
    return _SLUG.fullmatch(text) is not None


def country_iri(value: str, prefixes: Mapping[str, str] | None = None, *,
                what: str = "the country") -> str:
    """A country as given: a slug (``kazakhstan``), a prefixed name (``country:kazakhstan``)
    or a full IRI; the absolute IRI. InputError for an unknown prefix."""
    value = value.strip()
    if is_slug(value):
        return COUNTRY_SPACE + value
    iri = expand_iri(value, prefixes)
    if iri is None:
        raise InputError(f"{what} {value!r} is not a country IRI, a prefixed name such as "
                         "country:kazakhstan, or a slug such as kazakhstan",
                         hint=f"'{value.split(':', 1)[0]}:' is neither a prefix kzgraph "
                              "knows nor an IRI scheme")
    return iri


def close_countries(iri: str, known: Iterable[str]) -> list[str]:
    """The slugs of the ``known`` country IRIs closest to ``iri``'s (a typo's candidates)."""
    slugs = sorted({k[len(COUNTRY_SPACE):] for k in known if k.startswith(COUNTRY_SPACE)})
    slug = iri[len(COUNTRY_SPACE):] if iri.startswith(COUNTRY_SPACE) else iri
    import difflib  # lazily: only the error of a mistyped country needs it

    return difflib.get_close_matches(slug, slugs, n=3)


def unknown_country(iri: str, known: Iterable[str], *, what: str = "the country") -> InputError:
    """The error for a country ``iri`` the graph does not have, naming the closest of the
    ``known`` country IRIs by their slugs (all of them when none is close)."""
    known = list(known)
    close = close_countries(iri, known)
    slugs = sorted({k[len(COUNTRY_SPACE):] for k in known if k.startswith(COUNTRY_SPACE)})
    if close:
        hint = "did you mean " + " or ".join(close) + "?"
    elif slugs:
        hint = "countries in the graph: " + ", ".join(slugs[:40]) + (
            f" and {len(slugs) - 40} more" if len(slugs) > 40 else "")
    else:
        hint = "the graph has no country under " + COUNTRY_SPACE
    return InputError(f"{what}: <{iri}> is not in the graph", hint=hint)
