"""A validation report: its results, and how it is written for people (text) and programs
(JSON; the keys are described in kzgraph.validation). Both engines' results end here."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ValidationReport", "ValidationResult", "stable_blank_nodes"]

_SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, in plain strings (see the module docstring)."""

    resource: str
    focus_node: str
    path: str | None
    value: str | None
    message: str
    severity: str
    source_shape: str | None
    constraint: str | None
    files: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    #: nested results (sh:detail, e.g. why a value does not conform to sh:node): (path, message)
    details: tuple[tuple[str | None, str], ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        return (self.resource, self.via, self.focus_node, self.path or "",
                _SEVERITY_RANK.get(self.severity, 9), self.message, self.value or "",
                self.source_shape or "", self.constraint or "")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationResult:
        """The result :meth:`to_dict` gave."""
        return cls(**{**data, "files": tuple(data["files"]), "via": tuple(data["via"]),
                      "details": tuple((d["path"], d["message"]) for d in data["details"])})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = list(self.files)
        data["via"] = list(self.via)
        data["details"] = [{"path": path, "message": message} for path, message in self.details]
        return data


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`."""

    conforms: bool
    results: list[ValidationResult]
    triples: int
    resources: int = 0
    data_files: list[str] = field(default_factory=list)
    shapes_files: list[str] = field(default_factory=list)
    #: resource IRI -> its label (rdfs:label / skos:prefLabel), for the text report
    labels: dict[str, str] = field(default_factory=dict, repr=False)
    #: prefix -> namespace, to write IRIs compactly in the text report
    prefixes: dict[str, str] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return self.conforms

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def by_resource(self) -> dict[str, list[ValidationResult]]:
        """The results grouped by resource, in report order."""
        groups: dict[str, list[ValidationResult]] = {}
        for result in self.results:
            groups.setdefault(result.resource, []).append(result)
        return groups

    def summary(self) -> str:
        """One line: conformance, counts of results, triples and resources."""
        size = (f"{self.triples} triples, {self.resources} resources, "
                f"{_plural(len(self.data_files), 'data file')}, "
                f"{_plural(len(self.shapes_files), 'shapes file')}")
        others = [_plural(self.count(s), s.lower()) for s in ("Warning", "Info") if self.count(s)]
        if self.conforms:
            extra = f"; {', '.join(others)}" if others else ""
            return f"conforms ({size}){extra}"
        found = ", ".join([_plural(self.count("Violation"), "violation"), *others])
        return (f"does not conform: {found} on "
                f"{_plural(len(self.by_resource()), 'resource')} ({size})")

    def to_text(self) -> str:
        """A readable report grouped by resource, ending with the summary line."""
        short = _Compactor(self.prefixes)
        lines: list[str] = []
        for resource, results in self.by_resource().items():
            label = self.labels.get(resource)
            head = short(resource) + (f"  {json.dumps(label, ensure_ascii=False)}" if label else "")
            files = sorted({f for r in results for f in r.files})
            lines.append(head)
            if files:
                lines.append(f"  described in {', '.join(files)}")
            for r in results:
                where = []
                if r.via:
                    where.append("/".join(short(p) for p in r.via) + f" [{r.focus_node}]")
                where.append(short.path(r.path) if r.path else "(node)")
                if r.value is not None and r.value != _nt_of(r.focus_node):
                    where.append("= " + short.term(r.value))
                level = "" if r.severity == "Violation" else f"{r.severity.lower()}: "
                lines.append(f"  {' '.join(where)}: {level}{r.message}")
                shape = short(r.source_shape) if r.source_shape else "a blank-node shape"
                if r.constraint:
                    component = short(r.constraint).removeprefix("sh:")
                    shape = f"{component.removesuffix('ConstraintComponent')} in {shape}"
                lines.append(f"      [{shape}]")
                for path, message in r.details:
                    lines.append(f"      - {short.path(path) if path else '(node)'}: {message}")
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "triples": self.triples,
            "resources": self.resources,
            "data_files": list(self.data_files),
            "shapes_files": list(self.shapes_files),
            "counts": {s.lower(): self.count(s) for s in ("Violation", "Warning", "Info")},
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (keys sorted; see the module docstring for the keys)."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, ensure_ascii=False)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _nt_of(iri: str) -> str:
    return f"<{iri}>"


class _Compactor:
    """Writes IRIs as prefix:local with the graph's prefixes (longest namespace first)."""

    _LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$|^$")
    _IRI = re.compile(r"<([^<>\s]*)>")

    def __init__(self, prefixes: dict[str, str]) -> None:
        self._ns = sorted(((ns, p) for p, ns in prefixes.items() if ns),
                          key=lambda item: (-len(item[0]), item[1]))

    def __call__(self, iri: str) -> str:
        if iri.startswith("_:"):
            return iri
        for ns, prefix in self._ns:
            if iri.startswith(ns) and self._LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"

    def term(self, nt: str) -> str:
        """An N-Triples term with its IRIs (the term's, a literal's datatype) compacted."""
        return self._IRI.sub(lambda m: self(m.group(1)), nt)

    def path(self, path: str) -> str:
        return self.term(path) if "<" in path else self(path)


_BNODE = re.compile(r"_:([A-Za-z0-9_\-]+)")


def stable_blank_nodes(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Sort the results, then rename blank nodes _:b1, _:b2 ... in order of appearance:
    the ids pyshacl and the parser give are random, the report should not be."""

    def mask(r: ValidationResult) -> tuple[Any, ...]:
        return tuple(_BNODE.sub("_:", x) if isinstance(x, str) else x for x in r.sort_key())

    ordered = sorted(results, key=lambda r: (mask(r), r.sort_key()))
    names: dict[str, str] = {}

    def rename(text: str | None) -> str | None:
        if text is None or "_:" not in text:
            return text
        return _BNODE.sub(lambda m: names.setdefault(m.group(1), f"_:b{len(names) + 1}"), text)

    renamed = []
    for r in ordered:
        renamed.append(dataclasses.replace(
            r, resource=rename(r.resource) or "", focus_node=rename(r.focus_node) or "",
            path=rename(r.path), value=rename(r.value), message=rename(r.message) or "",
            details=tuple((rename(p), rename(m) or "") for p, m in r.details)))
    return renamed
