"""Maintainer tool: rewrite tests/expected/<name>.csv from the current graph.

    python tests/update_expected.py                 # every query that has an expected file
    python tests/update_expected.py NAME [NAME ...]

Run it after a deliberate change to data/ or queries/, then READ `git diff tests/expected`
against the factsheet before committing: the expected files are the hand-checked truth the
tests hold the graph to, so a diff here is a claim about the factsheet that needs checking.
"""

from __future__ import annotations

import sys
from pathlib import Path

import kzgraph

EXPECTED = Path(__file__).parent / "expected"


def main(names: list[str]) -> int:
    targets = names or sorted(p.stem for p in EXPECTED.glob("*.csv"))
    for name in targets:
        path = EXPECTED / f"{name}.csv"
        new = kzgraph.query(name).to_csv(lineterminator="\n")
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
