"""The StreamFlix canary: a tiny per-region app with ``/health`` and ``/markers``."""

from __future__ import annotations

from infra.canary.app import (
    CanaryApp,
    CanaryServer,
    HealthSource,
    Marker,
    MarkerStore,
    NotWritable,
)

__all__ = ["CanaryApp", "CanaryServer", "HealthSource", "Marker", "MarkerStore", "NotWritable"]
