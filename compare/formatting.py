"""How the report writes numbers: durations, counts, plurals and scales, one spelling everywhere."""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    """`0.41 ms`, `2.3 s`, `4 min 05 s`, `1 h 02 min`; `n/a` for None."""
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2g} ms" if seconds < 0.01 else f"{seconds * 1e3:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def plural(value, noun: str) -> str:
    """`1 epoch`, `3 epochs`, `? epochs` for None."""
    if value is None:
        return f"? {noun}s"
    return f"{value} {noun}" + ("" if value == 1 else "s")


def count(value) -> str:
    """`1,234,567`; `n/a` for None."""
    return "n/a" if value is None else f"{int(value):,}"


def scale_name(scale: int, num_scales: int, height: int | None = None, width: int | None = None) -> str:
    """`scale 2 of 3, 256 px`: scales counted from 1, coarsest first, with the long side.

    The one spelling of a scale in the report, as in `nst.transfer`'s progress bar and `losses.csv`.
    """
    size = max(height or 0, width or 0)
    return f"scale {scale} of {num_scales}" + (f", {size} px" if size else "")


def factor(before: float, after: float) -> float:
    """How many times smaller `after` is than `before` (inf when `after` is 0, nan without data)."""
    if before is None or after is None:
        return float("nan")
    if after <= 0:
        return float("inf")
    return before / after
