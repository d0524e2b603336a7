"""A forecast's two charts as inline SVG: the RTO histogram and the RTO/RPO ECDFs.

Each scenario of the forecast is one series, so two runbooks on the same seeds are read
side by side; the objective is a vertical line on every chart. Drawn as reports/chart.py
draws the run report's charts (deterministic, self-contained SVG).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from reports.chart import _RC, _to_svg
from reports.forecast_records import Draw

__all__ = ["ecdf_svg", "histogram_svg"]

_COLOURS = ("#0969da", "#bc4c00", "#1a7f37", "#8250df", "#57606a")
_OBJECTIVE = "#cf222e"


def _series(draws: Sequence[Draw], scenarios: Sequence[str],
            attr: str) -> list[tuple[str, list[float]]]:
    return [(name, sorted(getattr(d, attr) for d in draws
                          if d.scenario == name and getattr(d, attr) is not None))
            for name in scenarios]


def histogram_svg(draws: Sequence[Draw], scenarios: Sequence[str], objective_s: float) -> str:
    """Histogram of the RTO over every draw, per scenario, with the objective marked."""
    series = _series(draws, scenarios, "rto_seconds")
    everything = [x for _, xs in series for x in xs] + [objective_s]
    low, high = min(everything), max(everything)
    bins = [low + (high - low) * i / 30 for i in range(31)] if high > low else 10
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(10, 3.6))
        ax = fig.add_subplot()
        for i, (name, xs) in enumerate(series):
            ax.hist(xs, bins=bins, alpha=0.55, color=_COLOURS[i % len(_COLOURS)],
                    label=f"{name} ({len(xs)} draws)")
        ax.axvline(objective_s, color=_OBJECTIVE, linestyle="--", linewidth=1.4,
                   label=f"RTO objective {objective_s:g} s")
        ax.set_xlabel("RTO (drill seconds)")
        ax.set_ylabel("draws")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
        ax.set_title("RTO over the forecast's draws")
        return _to_svg(fig, "histogram-svg", "RTO histogram")


def _ecdf(ax: Any, series: list[tuple[str, list[float]]], objective: float,
          label: str) -> None:
    for i, (name, xs) in enumerate(series):
        if xs:
            ys = [(k + 1) / len(xs) for k in range(len(xs))]
            ax.step(xs, ys, where="post", color=_COLOURS[i % len(_COLOURS)], label=name)
    ax.axvline(objective, color=_OBJECTIVE, linestyle="--", linewidth=1.4,
               label=f"{label} objective {objective:g} s")
    ax.axhline(0.95, color="#57606a", linestyle=":", linewidth=1)
    ax.set_xlabel(f"{label} (drill seconds)")
    ax.set_ylabel(f"share of draws with {label} <= x")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)


def ecdf_svg(draws: Sequence[Draw], scenarios: Sequence[str], rto_objective_s: float,
             rpo_objective_s: float) -> str:
    """Empirical CDFs of RTO and RPO per scenario, each with its objective and 95% marked."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(10, 3.8))
        left, right = fig.subplots(1, 2)
        _ecdf(left, _series(draws, scenarios, "rto_seconds"), rto_objective_s, "RTO")
        _ecdf(right, _series(draws, scenarios, "rpo_seconds"), rpo_objective_s, "RPO")
        fig.suptitle("Empirical CDF: the share of draws that recovered within x")
        return _to_svg(fig, "ecdf-svg", "RTO and RPO ECDF")
