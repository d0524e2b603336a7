"""Journal values read strictly: a number is an int or float (never a bool or a string)."""

from __future__ import annotations

from typing import Any

__all__ = ["ints", "number"]


def number(value: Any) -> float | None:
    """``value`` as a float if the journal holds a number there, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def ints(values: Any) -> tuple[int, ...]:
    """The numbers among ``values`` as sorted ints (marker numbers)."""
    return tuple(sorted(int(v) for v in values or () if number(v) is not None))
