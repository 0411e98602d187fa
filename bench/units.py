"""Ratios and medians of measured values, and how times, memory and ratios are written."""

from __future__ import annotations

import statistics


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt_s(x: float | None) -> str:
    """A time: milliseconds under a second; "timeout" when there is none."""
    if x is None:
        return "timeout"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def fmt_mb(x: float | None) -> str:
    return "" if x is None else f"{x:.0f} MB"


def fmt_r(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"
