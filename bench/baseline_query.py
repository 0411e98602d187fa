"""The naive baseline for ``kzgraph query``: rdflib alone, the way one would write it by hand.

    python bench/baseline_query.py QUERYFILE [KEY=VALUE ...] [--home DIR]

Parses every Turtle file of ontology/ and data/ (of the checkout, or ``--home`` /
$KZGRAPH_HOME) with rdflib's own parser, binds the query's parameters - the values given,
else the ``#+ defaults:`` of its grlc decorators - with ``initBindings``, runs the query with
rdflib's SPARQL engine and prints the result as SPARQL CSV (what ``kzgraph query NAME -f csv``
prints). It deliberately uses nothing of kzgraph: it is the cost kzgraph is compared with.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
XSD = "http://www.w3.org/2001/XMLSchema#"

# "#+ defaults:" then "#+   - name: value" lines (grlc decorators).
_DEFAULT = re.compile(r"^#\+\s+-\s*([A-Za-z0-9_]+)\s*:\s*(.*?)\s*$")
# A parameter variable: ?_name or ?_name_type or ?_name_type_subtype (grlc).
_PARAM = re.compile(r"[?$]_([A-Za-z0-9]+)(?:_([A-Za-z]+))?(?:_([A-Za-z]+))?")


def defaults(text: str) -> dict[str, str]:
    """The ``#+ defaults:`` of a query's decorators: parameter name -> value text."""
    found: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip():
                break
            continue
        if re.match(r"^#\+\s*defaults\s*:", line):
            inside = True
            continue
        if inside:
            m = _DEFAULT.match(line)
            if m:
                found[m.group(1)] = m.group(2).strip("'\"")
            elif not re.match(r"^#\+\s+\S", line) or re.match(r"^#\+\s*\w+\s*:", line):
                inside = False
    return found


def parameters(text: str) -> dict[str, tuple[str, str | None]]:
    """Parameter name -> (variable name, grlc type or None) from the query text."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    out: dict[str, tuple[str, str | None]] = {}
    for m in _PARAM.finditer(body):
        name, kind, sub = m.group(1), m.group(2), m.group(3)
        variable = m.group(0)[1:]
        out.setdefault(name, (variable, f"{kind}_{sub}" if sub else kind))
    return out


def term(kind: str | None, value: str) -> Any:
    """An rdflib term for a parameter value of grlc type ``kind`` (iri, integer, ...)."""
    from rdflib import Literal, URIRef

    if kind == "iri":
        return URIRef(value)
    if kind and kind.startswith("xsd_"):
        return Literal(value, datatype=URIRef(XSD + kind[4:]))
    if kind in ("integer", "decimal", "double", "boolean", "date", "dateTime", "gYear"):
        return Literal(value, datatype=URIRef(XSD + kind))
    if kind and kind.endswith("_en"):
        return Literal(value, lang="en")
    if kind == "number":
        return Literal(value, datatype=URIRef(XSD + ("decimal" if "." in value else "integer")))
    return Literal(value)


def graph_files(home: Path) -> list[Path]:
    return [p for part in ("ontology", "data") for p in sorted((home / part).rglob("*.ttl"))]


def load(home: Path) -> Any:
    import rdflib

    graph = rdflib.Graph()
    for path in graph_files(home):
        graph.parse(path, format="turtle")
    return graph


def bindings(text: str, given: dict[str, str]) -> dict[str, Any]:
    declared = parameters(text)
    values = {**defaults(text), **given}
    out = {}
    for name, value in values.items():
        if name in declared:
            variable, kind = declared[name]
            out[variable] = term(kind, value)
    return out


def run(graph: Any, text: str, given: dict[str, str] | None = None) -> Any:
    return graph.query(text, initBindings=bindings(text, given or {}))


def to_csv(result: Any) -> str:
    """SPARQL 1.1 CSV: bare lexical values, empty for unbound, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.type == "ASK":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.askAnswer else "false"])
        return out.getvalue()
    names = [str(v) for v in result.vars]
    writer.writerow(names)
    for row in result:
        writer.writerow(["" if row[n] is None else
                         ("_:" + str(row[n]) if type(row[n]).__name__ == "BNode" else str(row[n]))
                         for n in names])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    home = Path(os.environ.get("KZGRAPH_HOME") or ROOT)
    if "--home" in args:
        at = args.index("--home")
        home = Path(args[at + 1])
        del args[at:at + 2]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    query_file = Path(args[0])
    given = dict(arg.split("=", 1) for arg in args[1:])
    text = query_file.read_text(encoding="utf-8")
    graph = load(home)
    sys.stdout.write(to_csv(run(graph, text, given)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
