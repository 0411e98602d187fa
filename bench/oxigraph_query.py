"""The floor of a cold `kzgraph query`: a plain pyoxigraph script that loads the same Turtle
and runs the same stored query (its IRI `#+ defaults:` written into the text, as grlc does),
printing SPARQL CSV.

    python bench/oxigraph_query.py queries/NAME.rq [--home DIR]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyoxigraph as ox
from baseline_query import defaults, graph_files, parameters  # type: ignore[import-not-found]


def main(argv: list[str]) -> int:
    query = Path(argv[0])
    home = Path(argv[argv.index("--home") + 1]) if "--home" in argv else query.parent.parent
    text = query.read_text(encoding="utf-8")
    store = ox.Store()
    for path in graph_files(home):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    params = parameters(text)
    for key, value in defaults(text).items():  # grlc binds a parameter by rewriting the text
        if key in params and params[key][1] == "iri":
            text = re.sub(rf"[?$]{params[key][0]}\b", f"<{value}>", text)
    answer = store.query(text)
    sys.stdout.buffer.write(answer.serialize(format=ox.QueryResultsFormat.CSV) or b"")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
