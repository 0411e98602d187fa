"""`kzgraph queries`, `kzgraph query NAME` and `kzgraph sparql FILE|-`.

Only argparse at import time; the handlers import the catalogue, the engine and the result
formatting. The local path uses pyoxigraph and plain-text tables: neither rdflib nor pandas is
imported (``python -X importtime -m kzgraph query countries``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

RESULT_FORMATS = ("table", "csv", "json", "markdown", "turtle", "ntriples")


def _add_queries(sub: Any) -> None:
    p = sub.add_parser("queries", help="list the stored queries with their parameters",
                       description="List the stored queries (queries/*.rq): name, summary and "
                                   "parameters with their types and defaults.")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_queries)


def _add_query(sub: Any) -> None:
    p = sub.add_parser("query", help="run a stored query",
                       description="Run a stored query on the bundled graph (offline) or on a "
                                   "SPARQL endpoint.")
    p.add_argument("name", help="the stored query (see `kzgraph queries`)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter value (repeatable); an IRI in full or as the tables "
                        "print it (kz:president), a country also as its slug (kazakhstan)")
    _common(p)
    p.set_defaults(func=cmd_query)


def _add_sparql(sub: Any) -> None:
    p = sub.add_parser("sparql", help="run an ad-hoc SPARQL query from a file or stdin",
                       description="Run an ad-hoc SPARQL query (SELECT, ASK, CONSTRUCT, "
                                   "DESCRIBE) read from FILE, or from standard input with '-'.")
    p.add_argument("file", metavar="FILE|-")
    _common(p)
    p.set_defaults(func=cmd_sparql)


#: Each command's parser on its own: `kzgraph query …` builds only the one it runs (argparse
#: looks up its translations for every parser it makes).
COMMANDS = {"queries": _add_queries, "query": _add_query, "sparql": _add_sparql}


def register(sub: Any) -> None:
    for add in COMMANDS.values():
        add(sub)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", choices=RESULT_FORMATS, default="table",
                   help="output format (default: table; turtle/ntriples for CONSTRUCT)")
    p.add_argument("-e", "--endpoint", metavar="URL", help="a SPARQL 1.1 endpoint to ask "
                   "instead of the bundled graph")
    p.add_argument("--default-graph", metavar="IRI",
                   help="the endpoint's default graph (default-graph-uri)")
    p.add_argument("-t", "--timeout", type=float, default=30.0, metavar="S",
                   help="seconds the query may take, on the local graph or the endpoint "
                        "(default 30; on the local graph 0 means no limit; Ctrl-C stops it)")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default=None,
                   help="local engine (default oxigraph)")


def _params(pairs: list[str]) -> dict[str, str]:
    from kzgraph.errors import ParameterError

    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {pair!r}: expected KEY=VALUE")
        if key.strip() in out:
            raise ParameterError(f"--param {key.strip()!r} is given twice")
        out[key.strip()] = value
    return out


def _emit(result: Any, fmt: str) -> None:
    from kzgraph.errors import InputError

    if fmt in ("turtle", "ntriples"):
        if not result.is_graph:
            raise InputError(f"--format {fmt} is for CONSTRUCT / DESCRIBE results; use table, "
                             "csv, json or markdown")
        text = result.to_turtle() if fmt == "turtle" else result.to_ntriples()
    elif fmt == "json":
        text = result.to_json()
        text += "\n"
    elif fmt == "csv":
        text = result.to_csv()
    elif fmt == "markdown":
        text = result.to_markdown()
    else:
        text = result.to_table()
    sys.stdout.write(text)
    sys.stdout.flush()


def _run_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {"endpoint": args.endpoint, "timeout": args.timeout,
            "default_graph": args.default_graph, "engine": args.engine}


def cmd_queries(args: argparse.Namespace) -> int:
    from kzgraph.catalogue import queries

    found = queries()
    if args.format == "json":
        import json

        doc = [{"name": q.name, "summary": q.summary, "description": q.description,
                "tags": list(q.tags),
                "parameters": [{"name": p.name, "type": p.type_label, "required": p.required,
                                "default": p.default, "variable": "?" + p.variable}
                               for p in q.parameters]}
               for q in found]
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not found:
        print("no stored queries")
        return 0
    width = max(len(q.name) for q in found)
    for q in found:
        print(f"{q.name.ljust(width)}  {q.summary}")
        for p in q.parameters:
            print(f"{'':{width}}    --param {p.describe()}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from kzgraph.querying import query

    result = query(args.name, params=_params(args.param), **_run_kwargs(args))
    _emit(result, args.format)
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from kzgraph.errors import InputError
    from kzgraph.querying import sparql

    where = args.file
    if args.file == "-":
        text, where = sys.stdin.read(), "<stdin>"
    else:
        try:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise InputError(f"cannot read the query: {exc.strerror}", file=args.file) from None
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", file=args.file) from None
    result = sparql(text, where=where, **_run_kwargs(args))
    _emit(result, args.format)
    return 0
