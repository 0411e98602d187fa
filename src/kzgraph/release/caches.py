"""Caches of what the pages near each other share (labels, links, compact IRIs), bounded:
at N = 1000 a page worker meets most of the graph's million terms, and a cache of them all
took hundreds of MB in every worker.
"""

from __future__ import annotations

from typing import Any

#: Entries a cache holds at most; then it starts again (the pages are rendered in IRI order,
#: so that what they share comes back at once).
HELD = 1 << 16


class Bounded(dict[Any, Any]):
    """A dict that empties itself before it would hold more than ``size`` entries. Reads
    are a dict's own; only a new entry pays for the check."""

    def __init__(self, size: int = HELD) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.size and key not in self:
            self.clear()
        super().__setitem__(key, value)
