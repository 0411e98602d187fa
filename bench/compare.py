"""Query outputs (SPARQL CSV) compared as values: pyoxigraph writes the decimal 481.0 as 481."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation


def same_value(a: str, b: str) -> bool:
    """Two CSV cells are the same value: the same text, or equal numbers."""
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return False


def same_results(a: str, b: str) -> str | None:
    """"bytes" when the CSV texts are identical, "values" when they differ only in the
    lexical form of equal numbers (pyoxigraph stores 481.0 as 481), else None."""
    if a == b:
        return "bytes"
    rows_a = list(csv.reader(io.StringIO(a)))
    rows_b = list(csv.reader(io.StringIO(b)))
    if len(rows_a) != len(rows_b) or not rows_a:
        return None
    for ra, rb in zip(rows_a, rows_b, strict=True):
        if len(ra) != len(rb) or not all(same_value(x, y) for x, y in zip(ra, rb, strict=True)):
            return None
    return "values"


def count_rows(text: str) -> int:
    return max(0, len(list(csv.reader(io.StringIO(text)))) - 1)
