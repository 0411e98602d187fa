"""Queries on a remote SPARQL 1.1 endpoint through SPARQLWrapper.

POST (form-encoded), JSON results (Turtle for CONSTRUCT / DESCRIBE), a timeout, the user agent
``kzgraph/<version>``, an optional default graph. Every failure becomes one
:class:`~kzgraph.errors.EndpointError`: one line naming the endpoint and the cause, with the
HTTP status and the server's answer kept on the exception (``status``, ``body``)."""

from __future__ import annotations

import ast
import json
import socket
import urllib.error
from typing import Any
from urllib.parse import urlsplit

from kzgraph.errors import EndpointError
from kzgraph.results import QueryResult, Term
from kzgraph.sparql_lexer import QueryForm

#: Characters of the server's answer kept on the error (the message shows one line of it).
BODY_LIMIT = 4000

_STATUS = {  # SPARQLWrapper turns these HTTP statuses into its own exceptions
    "QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
    "EndPointInternalError": 500,
}
_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 414: "URI Too Long", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def user_agent() -> str:
    from kzgraph.version import __version__

    return f"kzgraph/{__version__}"


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _body_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return body[:BODY_LIMIT]


def _http_error(endpoint: str, status: int, body: bytes | str | None) -> EndpointError:
    text = _body_text(body)
    reason = _REASONS.get(status, "")
    cause = f"HTTP {status}{' ' + reason if reason else ''}"
    if text.strip():
        cause += f": {_one_line(text)}"
    return EndpointError(endpoint, cause, status=status, body=text)


def _wrapper_body(exc: Exception) -> bytes | None:
    """The server's answer SPARQLWrapper put (as a bytes repr) into its exception message."""
    message = str(exc)
    marker = "Response:\n"
    if marker not in message:
        return None
    try:
        value = ast.literal_eval(message.split(marker, 1)[1].strip())
    except (ValueError, SyntaxError):
        return message.split(marker, 1)[1].encode()
    return value if isinstance(value, bytes) else str(value).encode()


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, socket.timeout | TimeoutError):
        return True
    reason = getattr(exc, "reason", None)
    return isinstance(reason, socket.timeout | TimeoutError)


def run(endpoint: str, text: str, *, form: QueryForm, timeout: float = 30.0,
        default_graph: str | None = None, prefixes: dict[str, str] | None = None) -> QueryResult:
    """Send the query ``text`` (already checked, parameters already bound) to ``endpoint``."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(endpoint, "not an http(s) URL of a SPARQL endpoint")
    if timeout is None or timeout <= 0:
        raise EndpointError(endpoint, f"the timeout must be a positive number of seconds, "
                                      f"not {timeout!r}")
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    graph_result = form in ("CONSTRUCT", "DESCRIBE")
    sw = SPARQLWrapper(endpoint, agent=user_agent())
    sw.setMethod(POST)
    sw.setOnlyConneg(True)  # Accept header only: no format=/output= extras some servers reject
    sw.setReturnFormat(TURTLE if graph_result else JSON)
    sw.setQuery(text)
    # SPARQLWrapper guesses the form with a regex that words in comments or strings can fool
    # ("#+ description: ... describe ..." -> DESCRIBE, "insert" -> an update); we parsed it.
    sw.queryType = form
    # SPARQLWrapper.setTimeout() truncates to whole seconds (0.5 -> no timeout at all).
    sw.timeout = float(timeout)
    if default_graph:
        sw.addDefaultGraph(default_graph)

    def failed(cause: str) -> EndpointError:
        return EndpointError(endpoint, cause)

    try:
        response = sw.query().response
        content_type = response.headers.get("Content-Type", "") or ""
        body = response.read()
    except SPARQLWrapperException as exc:
        status = _STATUS.get(type(exc).__name__)
        if status is None:
            raise failed(_one_line(str(exc))) from None
        raise _http_error(endpoint, status, _wrapper_body(exc)) from None
    except urllib.error.HTTPError as exc:
        try:
            answer = exc.read()
        except OSError:
            answer = None
        raise _http_error(endpoint, exc.code, answer) from None
    except (urllib.error.URLError, OSError) as exc:
        if _is_timeout(exc):
            raise failed(f"timed out after {timeout:g} s") from None
        reason = getattr(exc, "reason", None) or exc
        raise failed(f"unreachable ({_one_line(str(reason))})") from None
    except ValueError as exc:  # e.g. a malformed URL
        raise failed(_one_line(str(exc))) from None

    if graph_result:
        return _graph_result(endpoint, form, body, content_type, text, prefixes)
    return _json_result(endpoint, form, body, content_type, text, prefixes)


def _json_result(endpoint: str, form: QueryForm, body: bytes, content_type: str, text: str,
                 prefixes: dict[str, str] | None) -> QueryResult:
    try:
        doc: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EndpointError(endpoint, f"the answer is not SPARQL JSON results "
                                      f"({content_type or 'no content type'}): "
                                      f"{_one_line(_body_text(body), 80)}",
                            body=_body_text(body)) from None
    if not isinstance(doc, dict):
        raise EndpointError(endpoint, "the answer is not SPARQL JSON results",
                            body=_body_text(body))
    if "boolean" in doc:
        return QueryResult("ASK", boolean=bool(doc["boolean"]), source=endpoint, query=text,
                           prefixes=prefixes)
    if form == "ASK":
        # Virtuoso 7.2 answers ASK as a one-row table {"__ASK_RETVAL": 1 or 0} in every format.
        try:
            rows = doc["results"]["bindings"]
            values = [str(v.get("value", "")) for row in rows for v in row.values()]
        except (KeyError, TypeError, AttributeError):
            values = None
        if values is not None and len(values) <= 1:
            answer = bool(values) and values[0].strip().lower() in ("1", "true")
            return QueryResult("ASK", boolean=answer, source=endpoint, query=text,
                               prefixes=prefixes)
    try:
        variables = list(doc.get("head", {}).get("vars", []))
        rows = [{k: Term.from_json(v) for k, v in b.items()}
                for b in doc["results"]["bindings"]]
    except (KeyError, TypeError, AttributeError):
        raise EndpointError(endpoint, "the answer is not SPARQL JSON results "
                                      "(no results.bindings)", body=_body_text(body)) from None
    return QueryResult("SELECT", variables, rows, source=endpoint, query=text, prefixes=prefixes)


def _graph_result(endpoint: str, form: QueryForm, body: bytes, content_type: str, text: str,
                  prefixes: dict[str, str] | None) -> QueryResult:
    import pyoxigraph as ox

    from kzgraph.results import oxigraph_converter

    media = content_type.split(";")[0].strip() or "text/turtle"
    fmt = ox.RdfFormat.from_media_type(media)
    if fmt is None and media in ("text/plain", "application/octet-stream"):
        fmt = ox.RdfFormat.N_TRIPLES
    if fmt is None:
        raise EndpointError(endpoint, f"the answer to {form} is not RDF ({media})",
                            body=_body_text(body))
    term_of = oxigraph_converter()
    try:
        triples = [(term_of(q.subject), term_of(q.predicate), term_of(q.object))
                   for q in ox.parse(body, format=fmt)]
    except (SyntaxError, ValueError) as exc:
        cause = f"the answer to {form} is not valid {fmt}: {_one_line(str(exc), 120)}"
        raise EndpointError(endpoint, cause, body=_body_text(body)) from None
    return QueryResult(form, triples=triples, source=endpoint, query=text, prefixes=prefixes)
