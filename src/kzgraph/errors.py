"""The error hierarchy. Every error the user can cause carries its exit code and a
one-paragraph message (what, where, what to do); the CLI prints it, never a traceback."""

from __future__ import annotations

from typing import Protocol

#: Documented exit codes (README "Exit codes").
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2


class KzgraphError(Exception):
    """Base of every error kzgraph raises on purpose."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(KzgraphError):
    """Unusable input: a missing file, malformed RDF, a bad argument. Exit 2."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        where = file or ""
        if file and line is not None:
            where = f"{file}:{line}"
        text = f"{where}: {message}" if where else message
        if hint:
            text = f"{text}\n  hint: {hint}"
        super().__init__(text)
        self.file = file
        self.line = line
        self.hint = hint


class RDFSyntaxError(InputError):
    """A data, ontology or shapes file does not parse."""


class QueryNotFoundError(InputError):
    """No stored query has that name."""


class ParameterError(InputError):
    """A stored query's parameter is missing, unknown, or of the wrong type."""


class SPARQLSyntaxError(InputError):
    """An ad-hoc or stored SPARQL text does not parse."""

    #: The 1-based column of the error in the text, where the parser says.
    column: int | None = None


class EndpointError(KzgraphError):
    """A remote SPARQL endpoint is unreachable, timed out or answered with an HTTP error.

    Carries the endpoint and, where there was one, the server's status and answer."""

    exit_code = EXIT_INPUT

    def __init__(self, endpoint: str, cause: str, *, status: int | None = None,
                 body: str | None = None) -> None:
        super().__init__(f"endpoint {endpoint}: {cause}")
        self.endpoint = endpoint
        self.cause = cause
        self.status = status
        self.body = body


class Report(Protocol):
    """What a validation report offers to a caller of :class:`ValidationFailed`
    (:class:`kzgraph.validation.ValidationReport` is one)."""

    def to_text(self) -> str: ...


class ValidationFailed(KzgraphError):
    """The graph does not conform to the shapes (raised where a conforming graph is required,
    e.g. before a release build). Exit 1. ``report``: the validation report, where there is
    one."""

    exit_code = EXIT_VIOLATIONS

    def __init__(self, message: str, *, report: Report | None = None) -> None:
        super().__init__(message)
        self.report = report
