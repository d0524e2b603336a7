"""Durations as people read them: ``9 min 12 s``, ``0.1 s``, ``1 h 5 min``.

Only what is shown is rounded: ``evidence.json``, ``metrics.prom`` and the report's
``data-seconds`` attributes keep the exact values.
"""

from __future__ import annotations

import math

__all__ = ["human_seconds"]


def human_seconds(value: float) -> str:
    """A duration in seconds rounded for reading: tenths under 10 s, seconds, min, h."""
    if not math.isfinite(value):
        return f"{value} s"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if round(value, 1) < 10:
        return f"{sign}{round(value, 1):g} s"
    whole = round(value)
    if whole < 60:
        return f"{sign}{whole} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        # An hour-long figure to the second reads as false precision; minutes are enough.
        minutes = round(rest / 60)
        hours, minutes = (hours + 1, 0) if minutes == 60 else (hours, minutes)
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{sign}{minutes} min" + (f" {secs} s" if secs else "")
