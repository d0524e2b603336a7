"""Step definitions (drill_steps)."""

from __future__ import annotations
