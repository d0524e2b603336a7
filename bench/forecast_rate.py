"""Draws per minute: how fast ``drill forecast region-loss`` runs on this machine.

Runs a small forecast of the region-loss feature (seeded, every core) in a throwaway folder
and reports the forecast's real duration per draw. Real time here measures the host, not a
drill: no drill figure is taken from it.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from drills.app.forecast import default_jobs, run_forecast
from drills.run.scenario import FEATURE
from drills.settings.config import load_settings

__all__ = ["DrawRate", "measure_draw_rate"]


@dataclass(frozen=True, slots=True)
class DrawRate:
    """A forecast's size and real duration on this host."""

    draws: int
    jobs: int
    clock: str
    wall_seconds: float

    @property
    def per_minute(self) -> float:
        """Draws finished per real minute."""
        return 60.0 * self.draws / self.wall_seconds if self.wall_seconds else 0.0


def measure_draw_rate(draws: int, *, jobs: int | None = None, seed: int = 1) -> DrawRate:
    """Run a ``draws``-draw forecast of region-loss and time it."""
    jobs = jobs or default_jobs()
    with tempfile.TemporaryDirectory(prefix="drill-bench-forecast-") as tmp:
        settings = load_settings(overrides={"runs_dir": Path(tmp)})
        start = time.monotonic()
        done = run_forecast(FEATURE, settings, draws=draws, jobs=jobs, seed=seed)
        wall = time.monotonic() - start
    return DrawRate(draws, jobs, done.record.clock, wall)
